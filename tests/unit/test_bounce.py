"""Bounces: detection, failed addresses, permanence and the bounced Message-ID, on real corpora."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.domain import InboundMail, MachineVerdict
from gateway.parsers.autoreply import classify
from gateway.parsers.bounce import bounced_message_id, detect
from gateway.parsers.mime import parse
from tests.conftest import CORPUS
from tests.cost import LINEAR_ENOUGH, growth

FLUFL = CORPUS / "flufl-bounce"
CPYTHON = "cpython-test_email/Lib/test/test_email/data/"

# Rows of EXPECTED-flufl-bounce.tsv that are not bounces we can fully read, each with the reason.
KNOWN_MISSES = {
    # A person's reply ("RE: Vuille") that flufl keeps to prove its GroupWise detector finds
    # nothing; it asks for a read receipt (Disposition-Notification-To) but is not machine mail.
    "tests/data/groupwise_03.txt": None,
    # A Spanish auto-reply (Precedence: auto_reply), kept upstream to prove the qmail detector
    # does not crash on its charset; it is machine mail, but an auto-reply, not a bounce.
    "tests/data/qmail_08.txt": MachineVerdict("auto-reply", "Precedence: auto_reply"),
    # Yale's notice names only the local part "userx"; flufl's detector hard-codes Yale's two
    # domains to rebuild the addresses. We see the bounce but cannot know those domains.
    "tests/data/yale_01.txt": MachineVerdict(
        "bounce", "sent by the mail system (mailer-daemon@mr2.its.yale.edu)", True, ()),
}


def corpus_mail(relative: str, corpus: Path = CORPUS):
    return parse((corpus / relative).read_bytes())


def flufl_expectations(flufl: Path = FLUFL) -> dict[str, tuple[frozenset[str], bool | None]]:
    """File -> (expected addresses, permanent); a file listed twice gets the union."""
    path = flufl / "EXPECTED-flufl-bounce.tsv"
    expected: dict[str, tuple[frozenset[str], bool | None]] = {}
    for line in path.read_text().splitlines():
        if line.startswith(("#", "file\t")) or not line.strip():
            continue
        name, _detector, addresses, kind = line.split("\t")
        known, _ = expected.get(name, (frozenset(), None))
        permanent = {"permanent": True, "temporary": False}.get(kind)
        expected[name] = (known | {a.lower() for a in addresses.split()}, permanent)
    return expected


FLUFL_CASES = flufl_expectations()
READABLE = sorted(set(FLUFL_CASES) - set(KNOWN_MISSES))


def flufl_param(name: str):
    return name


def verdict_of(relative: str, corpus: Path = CORPUS) -> MachineVerdict | None:
    return classify(corpus_mail(relative, corpus), own_domains=("lpse.example",),
                    loop_marker="ldp-1")


def check_flufl_sample(name: str, corpus: Path = CORPUS) -> None:
    """A readable flufl.bounce sample is a bounce with exactly its expected addresses, kind."""
    addresses, permanent = flufl_expectations(corpus / "flufl-bounce")[name]
    verdict = verdict_of(f"flufl-bounce/{name}", corpus)
    assert verdict is not None and verdict.kind == "bounce"
    assert set(verdict.recipients) == addresses
    assert len(verdict.recipients) == len(addresses)
    if permanent is not None:
        assert verdict.permanent is permanent


# -- flufl.bounce: one sample of each detector here, all 116 files in corpus_suite/ ------------
@pytest.mark.parametrize("name", [flufl_param(n) for n in READABLE])
def test_flufl_bounce_is_classified_with_its_addresses_and_permanence(name: str) -> None:
    """Each readable flufl.bounce sample is a bounce with exactly its expected addresses, kind."""
    check_flufl_sample(name)


@pytest.mark.parametrize("name", sorted(KNOWN_MISSES))
def test_flufl_known_misses_are_exactly_as_documented(name: str) -> None:
    """The three flufl rows we do not read as full bounces get exactly the documented verdict."""
    assert verdict_of(f"flufl-bounce/{name}") == KNOWN_MISSES[name]


def test_flufl_samples_cover_every_detector() -> None:
    """The vendored flufl.bounce samples hold one of each of its 19 detectors' formats (the
    whole set, 113 of 116 read completely, is checked in corpus_suite/)."""
    detectors = {line.split("\t")[1] for line in
                 (FLUFL / "EXPECTED-flufl-bounce.tsv").read_text().splitlines()[3:]}
    assert len(detectors) == 19
    assert (len(FLUFL_CASES), len(READABLE)) == (22, 19)  # postfix_02 also, for test_no_loops


# -- RFC 3464 reports from other corpora ---------------------------------------------------
@pytest.mark.parametrize(("relative", "recipients", "original"), [
    (CPYTHON + "msg_16.txt", ("jangel1@cougar.noc.ucla.edu",),
     "<002001c144a6$8752e060$56104586@oxy.edu>"),
    (CPYTHON + "msg_25.txt", ("scoffman@wellpartner.com",), "<01040616033903.00962@server>"),
    ("nodemailer-mailparser/test/fixtures/delivery-status.eml", ("xxxx@xxxx.com",),
     "<xxxxx@email.amazonses.com>"),
    ("postal-mime/test/fixtures/bounce.eml", ("htfgvhyufthdgcvhgjyfthgc@ethereal.email",),
     "<e85f1c9b-9b51-4028-8ec0-0a657155028e@app.fastmail.com>"),
    ("request-tracker/t/data/emails/multipart-report", ("jesmund@mailbox.other.example.com",),
     "<200308221615.h7MGFGac020135@mx12.other.example.com>"),
    ("otobo-otrs/scripts/test/sample/PostMaster/PostMaster-Test10.box",
     ("asdfasdfasdfasd@example.com",), "<1183717051.586927.929001308.97809.36@otobo.otobo.org>"),
])
def test_delivery_status_report_gives_recipient_and_returned_message_id(
        relative: str, recipients: tuple[str, ...], original: str) -> None:
    """A DSN names its failed recipient, is permanent, and points at the returned Message-ID."""
    mail = corpus_mail(relative)
    verdict = detect(mail)
    assert verdict == MachineVerdict("bounce", "delivery-status report (RFC 3464)", True,
                                     recipients)
    assert bounced_message_id(mail) == original


def test_report_without_status_part_is_still_a_bounce() -> None:
    """cpython's msg_05 claims report-type=delivery-status but has no status: bounce, no address."""
    verdict = detect(corpus_mail(CPYTHON + "msg_05.txt"))
    assert verdict == MachineVerdict("bounce", "delivery-status report (RFC 3464)", True, ())


def test_mailer_daemon_report_with_forty_recipients_keeps_each_once() -> None:
    """msg_43 lists 40 blocked addresses, 11 distinct: each is reported once, in order."""
    verdict = detect(corpus_mail(CPYTHON + "msg_43.txt"))
    assert verdict is not None and verdict.permanent is True
    assert len(verdict.recipients) == 11 and verdict.recipients[0] == "xxxxxxx@dot.ca.gov"


def test_wrapped_bounce_points_at_the_innermost_returned_message() -> None:
    """A bounce wrapped in message/rfc822 names the original inside it, not the wrapper."""
    mail = corpus_mail("flufl-bounce/tests/data/dsn_15.txt")
    assert bounced_message_id(mail) == "<mailman.4360.1149475419.1567.gpc-talk@grizz.org>"


def test_text_bounce_gives_message_id_from_the_returned_copy() -> None:
    """Exim's plain-text bounce carries the original headers after its notice."""
    mail = corpus_mail("flufl-bounce/tests/data/exim_01.txt")
    assert bounced_message_id(mail) == "<19990920022322.A19735@stereo.rotzorg.org>"


def test_message_rfc822_headers_part_gives_message_id() -> None:
    """The non-standard message/rfc822-headers part is read like text/rfc822-headers."""
    mail = corpus_mail("spamscope-mail-parser/tests/mails/mail_malformed_2")
    assert bounced_message_id(mail) == "<004801d1fc84$01c934ac$b247f0b7$@infospacemail.com>"


# -- synthetic mails: what the corpora lack ------------------------------------------------
def mail(headers: str, body: str) -> InboundMail:
    return parse((headers.strip() + "\n\n" + body).replace("\n", "\r\n").encode("utf-8"))


def test_in_reply_to_names_the_bounced_message_when_nothing_is_returned() -> None:
    """A bounce without a returned copy falls back to its In-Reply-To."""
    bounce = mail("From: MAILER-DAEMON@mx.example\nTo: helpdesk@lpse.example\n"
                  "Subject: Undeliverable: [LDP-000123] Tiket baru\n"
                  "In-Reply-To: <ldp.000123.1@lpse.example>\nMessage-ID: <b1@mx.example>",
                  "Delivery has failed to these recipients:\n\n  rina@pemkab.example\n")
    assert bounced_message_id(bounce) == "<ldp.000123.1@lpse.example>"
    assert detect(bounce).recipients == ("rina@pemkab.example",)


def test_indonesian_bounce_is_detected() -> None:
    """'Pesan tidak terkirim' from a server's postmaster is a permanent bounce with its address."""
    bounce = mail("From: Postmaster <postmaster@mail.pemkab.example>\nTo: helpdesk@lpse.example\n"
                  "Subject: Pesan tidak terkirim: Tidak bisa login\n"
                  "Message-ID: <b2@pemkab.example>",
                  "Pesan Anda tidak terkirim ke budi@pemkab.example karena alamat tidak "
                  "ditemukan.\n")
    assert detect(bounce) == MachineVerdict(
        "bounce", "delivery failure notice from postmaster@mail.pemkab.example", True,
        ("budi@pemkab.example",))


def test_delay_warning_is_temporary() -> None:
    """A warning that delivery is still being tried is a temporary bounce."""
    warning = mail("From: Mail Delivery System <MAILER-DAEMON@mx.example>\n"
                   "To: helpdesk@lpse.example\n"
                   "Subject: Warning: message delayed 4 hours",
                   "This is a warning only. Delivery attempts will continue.\n\n"
                   "  rina@lambat.example\n")
    assert detect(warning).permanent is False
    assert detect(warning).recipients == ("rina@lambat.example",)


def test_person_forwarding_a_bounce_is_not_a_bounce() -> None:
    """A reporter forwarding an 'Undeliverable' notice to the help desk is asking a question."""
    forward = mail("From: Rina <rina@pemkab.example>\nTo: helpdesk@lpse.example\n"
                   "Subject: Fwd: Undeliverable: Laporan\nMessage-ID: <f1@pemkab.example>",
                   "Kenapa email saya gagal?\n\n---------- Forwarded message ----------\n"
                   "Your message could not be delivered to the following recipients:\n"
                   "  kepala@pemkab.example\n")
    assert detect(forward) is None


def test_person_writing_about_failed_mail_is_not_a_bounce() -> None:
    """A person's subject 'Mail delivery failed' with ordinary text is a question, not a bounce."""
    question = mail("From: Rina <rina@pemkab.example>\nTo: helpdesk@lpse.example\n"
                    "Subject: Mail delivery failed\nMessage-ID: <q1@pemkab.example>",
                    "Selamat pagi, email ke LPSE selalu kembali. Mohon bantuan.\n")
    assert detect(question) is None


def test_successful_delivery_report_has_no_failures() -> None:
    """A DSN whose only recipient was delivered is a report with no failed address and no kind."""
    report = mail('From: MAILER-DAEMON@mx.example\nTo: helpdesk@lpse.example\n'
                  'Subject: Successful Mail Delivery Report\nMIME-Version: 1.0\n'
                  'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
                  "--B\nContent-Type: text/plain\n\nDelivered.\n--B\n"
                  "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
                  "Final-Recipient: rfc822; rina@pemkab.example\nAction: delivered\nStatus: 2.0.0\n"
                  "--B--\n")
    assert detect(report) == MachineVerdict("bounce", "delivery-status report (RFC 3464)", None, ())


def test_huge_bounce_is_read_within_the_caps_in_linear_time() -> None:
    """A 5 MB notice of pathological text is a bounce with no address it can trust, and four
    times as much of it costs about four times as long (no quadratic scan, no backtracking)."""
    def huge(n: int) -> tuple:
        body = "a." * 250_000 * n + "\n" + "<" * 250_000 * n + " user@" + "b." * 125_000 * n
        return (mail("From: MAILER-DAEMON@mx.example\nTo: helpdesk@lpse.example\n"
                     "Subject: Undeliverable", body),)
    verdict = detect(*huge(4))
    assert verdict is not None and verdict.kind == "bounce" and verdict.recipients == ()
    assert growth(detect, huge) < LINEAR_ENOUGH
