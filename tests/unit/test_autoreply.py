"""Machine mail: loops, bounces, receipts, auto-replies, bulk and system mail are never answered."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.domain import MachineVerdict
from gateway.errors import MalformedMail
from gateway.parsers.autoreply import classify
from gateway.parsers.mime import parse
from tests.conftest import CORPUS

OWN = ("lpse.example",)
MARKER = "ldp-gateway-7f3a"
PERSON = "From: Rina Wati <rina@pemkab-bogor.example>\nTo: helpdesk@lpse.example\n"
# Corpora of mail people wrote; any verdict on them is a false positive.
HUMAN_CORPORA = ("mailgun-talon", "django-helpdesk", "github-email_reply_parser",
                 "mail-parser-reply", "crisp-email-reply-parser", "willdurand-EmailReplyParser")


def mail(headers: str, body: str = "Selamat pagi,\nSaya tidak bisa login.\n"):
    raw = (headers.strip() + "\nMessage-ID: <m1@pemkab-bogor.example>\n\n" + body)
    return parse(raw.replace("\n", "\r\n").encode("utf-8"))


def verdict(headers: str, body: str = "Selamat pagi,\nSaya tidak bisa login.\n"):
    return classify(mail(headers, body), own_domains=OWN, loop_marker=MARKER)


def test_person_is_not_machine_mail() -> None:
    """An ordinary question from a reporter gets no verdict."""
    assert verdict(PERSON + "Subject: Tidak bisa login SPSE") is None


def test_auto_submitted_no_is_a_person() -> None:
    """RFC 3834: Auto-Submitted: no marks mail a person sent."""
    assert verdict(PERSON + "Subject: Login\nAuto-Submitted: no") is None


@pytest.mark.parametrize("value", ["auto-replied", "auto-generated",
                                   "auto-notified; owner-email=x"])
def test_auto_submitted_other_than_no_is_an_auto_reply(value: str) -> None:
    """Any Auto-Submitted value but "no" is an auto-reply, named in the reason."""
    assert verdict(PERSON + f"Subject: Login\nAuto-Submitted: {value}") == \
        MachineVerdict("auto-reply", f"Auto-Submitted: {value}")


def test_header_names_are_case_insensitive() -> None:
    """AUTO-SUBMITTED in capitals is the same header."""
    assert verdict(PERSON + "Subject: Login\nAUTO-SUBMITTED: Auto-Replied") == \
        MachineVerdict("auto-reply", "Auto-Submitted: Auto-Replied")


@pytest.mark.parametrize(("header", "reason"), [
    ("X-Autoreply: yes", "X-Autoreply: yes"),
    ("X-Autorespond: Out of office", "X-Autorespond: Out of office"),
    ("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress: All"),
    ("Precedence: auto_reply", "Precedence: auto_reply"),
])
def test_vendor_auto_reply_headers(header: str, reason: str) -> None:
    """The X-Autoreply family and Precedence: auto_reply mark auto-replies."""
    assert verdict(PERSON + f"Subject: Login\n{header}") == MachineVerdict("auto-reply", reason)


@pytest.mark.parametrize("subject", [
    "Out of Office: Tidak bisa login", "Automatic reply: Tidak bisa login",
    "Auto-Reply: Tidak bisa login", "Balasan otomatis: Tidak bisa login",
    "Balasan Otomatis: [LDP-000123] Tidak bisa login", "Sedang cuti sampai 5 Mei",
    "Di luar kantor", "Rina Wati is out of the office.",
])
def test_out_of_office_subjects_in_english_and_indonesian(subject: str) -> None:
    """Outlook, Gmail, Lotus Notes and Indonesian out-of-office subjects are auto-replies."""
    assert verdict(PERSON + f"Subject: {subject}") == \
        MachineVerdict("auto-reply", f"out-of-office subject: {subject}")


def test_out_of_office_words_inside_a_question_are_a_person() -> None:
    """A question that mentions being out of office later in the subject is a person's."""
    assert verdict(PERSON + "Subject: Akun terkunci waktu saya di luar kantor") is None


@pytest.mark.parametrize(("header", "reason"), [
    ("Precedence: bulk", "Precedence: bulk"), ("Precedence: junk", "Precedence: junk"),
    ("Precedence: list", "Precedence: list"),
    ("List-Id: Pengumuman LPSE <pengumuman.lpse.example>",
     "List-Id: Pengumuman LPSE <pengumuman.lpse.example>"),
    ("List-Unsubscribe: <mailto:leave@news.example>\nPrecedence: first-class",
     "List-Unsubscribe with Precedence: first-class"),
])
def test_list_and_bulk_mail(header: str, reason: str) -> None:
    """Precedence bulk/junk/list, List-Id, and List-Unsubscribe with a Precedence are bulk."""
    assert verdict(PERSON + f"Subject: Buletin\n{header}") == MachineVerdict("bulk", reason)


def test_list_unsubscribe_alone_is_a_person() -> None:
    """A List-Unsubscribe header without Precedence does not make a person's mail bulk."""
    assert verdict(PERSON + "Subject: Login\nList-Unsubscribe: <mailto:x@y.example>") is None


@pytest.mark.parametrize(("headers", "reason"), [
    ("From: noreply@sirup.example\nTo: helpdesk@lpse.example\n",
     "system sender noreply@sirup.example"),
    ("From: no-reply@sirup.example\nTo: helpdesk@lpse.example\n",
     "system sender no-reply@sirup.example"),
    ("From: DoNotReply@bank.example\nTo: helpdesk@lpse.example\n",
     "system sender donotreply@bank.example"),
    ("From: do_not_reply@bank.example\nTo: helpdesk@lpse.example\n",
     "system sender do_not_reply@bank.example"),
    ("From: postmaster@pemkab.example\nTo: helpdesk@lpse.example\n",
     "system sender postmaster@pemkab.example"),
    ("From: MAILER-DAEMON@pemkab.example\nTo: helpdesk@lpse.example\n",
     "system sender mailer-daemon@pemkab.example"),
    (PERSON + "Return-Path: <>\n", "empty Return-Path <>"),
])
def test_system_senders(headers: str, reason: str) -> None:
    """No-reply addresses, postmaster, a mailer-daemon that reports nothing, and Return-Path <>."""
    assert verdict(headers + "Subject: Informasi akun", "Akun Anda sudah aktif.\n") == \
        MachineVerdict("system", reason)


def test_noreply_lookalike_is_a_person() -> None:
    """A person whose name merely starts with "no" is not a no-reply address."""
    assert verdict("From: norma@pemkab.example\nTo: helpdesk@lpse.example\nSubject: Login") is None


def test_our_own_message_id_is_a_loop() -> None:
    """Mail carrying a Message-ID we generate (ldp. at our domain) is our own mail coming back."""
    raw = (PERSON + "Subject: [LDP-000123] Tiket dibuat\n"
           "Message-ID: <ldp.000123.5@LPSE.example>\n\nx")
    result = classify(parse(raw.encode()), own_domains=OWN, loop_marker=MARKER)
    assert result == MachineVerdict("loop", "our own Message-ID <ldp.000123.5@LPSE.example>")


def test_someone_elses_ldp_message_id_is_not_a_loop() -> None:
    """The ldp. prefix at a domain that is not ours is somebody else's mail."""
    raw = PERSON + "Subject: Login\nMessage-ID: <ldp.1@other.example>\n\nx"
    assert classify(parse(raw.encode()), own_domains=OWN, loop_marker=MARKER) is None


def test_loop_header_with_our_marker_is_a_loop() -> None:
    """Our X-LDP-Loop header, in any header case, marks our own mail."""
    assert verdict(PERSON + f"Subject: Login\nx-ldp-loop: {MARKER}") == \
        MachineVerdict("loop", f"X-LDP-Loop: {MARKER}")


def test_loop_header_of_another_installation_is_not_ours() -> None:
    """An X-LDP-Loop header with another marker is not our loop."""
    assert verdict(PERSON + "Subject: Login\nX-LDP-Loop: other-gateway") is None


def test_loop_comes_before_everything() -> None:
    """Our own auto-reply coming back is a loop, not an auto-reply."""
    assert verdict(PERSON + f"Subject: Automatic reply: x\nAuto-Submitted: auto-replied\n"
                   f"X-LDP-Loop: {MARKER}").kind == "loop"


def test_bounce_comes_before_auto_reply() -> None:
    """A bounce with Auto-Submitted: auto-replied is a bounce."""
    result = verdict("From: MAILER-DAEMON@mx.example\nTo: helpdesk@lpse.example\n"
                     "Subject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied",
                     "<rina@pemkab.example>: host said: 550 5.1.1 User unknown\n")
    assert result == MachineVerdict("bounce", "sent by the mail system (mailer-daemon@mx.example)",
                                    True, ("rina@pemkab.example",))


RECEIPT = (
    "From: Rina <rina@pemkab.example>\nTo: helpdesk@lpse.example\nSubject: Read: Tiket dibuat\n"
    "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
    'Content-Type: multipart/report; report-type=disposition-notification; boundary="R"\n',
    "--R\nContent-Type: text/plain\n\nYour message was displayed.\n--R\n"
    "Content-Type: message/disposition-notification\n\nReporting-UA: pemkab.example; Thunderbird\n"
    "Final-Recipient: rfc822; rina@pemkab.example\nOriginal-Message-ID: <ldp.1@lpse.example>\n"
    "Disposition: manual-action/MDN-sent-manually; displayed\n--R--\n")


def test_read_receipt_comes_before_auto_reply() -> None:
    """An MDN (read receipt) is a receipt even though it also says Auto-Submitted."""
    assert verdict(*RECEIPT) == MachineVerdict("receipt", "disposition notification (read receipt)")


def test_rejection_mdn_is_a_bounce() -> None:
    """A Sieve reject (automatic MDN, disposition deleted) is a bounce, as flufl's simple_38."""
    headers, body = RECEIPT
    body = body.replace("manual-action/MDN-sent-manually; displayed",
                        "automatic-action/MDN-sent-automatically; deleted")
    assert verdict(headers, body) == MachineVerdict(
        "bounce", "disposition report: rejected automatically (RFC 5429)", True,
        ("rina@pemkab.example",))


def test_read_receipt_request_is_a_person() -> None:
    """Asking for a read receipt (Disposition-Notification-To) does not make a mail a receipt."""
    request = "Disposition-Notification-To: rina@pemkab-bogor.example"
    assert verdict(PERSON + f"Subject: Login\n{request}") is None


def test_auto_reply_comes_before_bulk_and_system() -> None:
    """A no-reply list robot's vacation notice is an auto-reply; its list mail is bulk."""
    robot = "From: noreply@list.example\nTo: helpdesk@lpse.example\nPrecedence: bulk\n"
    assert verdict(robot + "Subject: Out of Office: x").kind == "auto-reply"
    assert verdict(robot + "Subject: Buletin").kind == "bulk"


def human_corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for name in HUMAN_CORPORA if (corpus / name).is_dir()
                  for p in (corpus / name).rglob("*")
                  if p.is_file() and p.suffix not in (".md", ".json")
                  and p.name not in ("LICENSE", "COPYING", "NOTICE"))


def verdicts_on_human_mail(corpus: Path) -> tuple[list, int]:
    """Every verdict given to the human corpora's mail under `corpus`, and how many were mail."""
    flagged, checked = [], 0
    for path in human_corpus_files(corpus):
        try:
            parsed = parse(path.read_bytes())
        except MalformedMail:
            continue  # bare reply bodies without headers
        checked += 1
        found = classify(parsed, own_domains=OWN, loop_marker=MARKER)
        if found is not None:
            flagged.append((path.relative_to(corpus).as_posix(), found))
    return flagged, checked


def test_mail_people_wrote_is_never_machine_mail() -> None:
    """Human replies (Outlook, Talon's signature set, help-desk mail) get no verdict; the
    whole corpora, over 200 mails, are checked in corpus_suite/."""
    flagged, checked = verdicts_on_human_mail(CORPUS)
    assert flagged == []
    assert checked == 5  # bare reply bodies without headers are not mail
