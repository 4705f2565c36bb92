"""Issue 14, item 2: an address hidden in an encoded word, or in a header shaped so that parsers
disagree, never becomes the sender. Addresses are read from the raw header; only display names
are decoded, and a decoded name never yields an address nor carries CR/LF into a header we
write. Through the whole gateway: Dovecot, the SMTP sink, SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from gateway.domain import Address, Disposition
from gateway.parsers import mime
from gateway.store import mailbox, tickets
from gateway.store.models import MessageRow
from tests import mails
from tests.integration.agent_replies import prepend
from tests.reliability.desk import BUDI, LKPP_PASSES, RINA, Desk

pytestmark = pytest.mark.integration

SARI, INTERN = "sari@lkpp.example", "intern@lkpp.example"
RESOLVE = "#selesai Sudah beres\n#balas\n\nTiket ini sudah selesai.\n"
SUBJECT = "Re: [LDP-000001] Tidak bisa login SPSE"
REPORT, REPORT_BODY = "Tidak bisa login SPSE", "Saya tidak bisa login ke SPSE.\n"


def from_lines(*values: str, body: str = RESOLVE, message_id: str = "<intern-1@lkpp.example>",
               subject: str = SUBJECT, extra: str = "") -> bytes:
    """A plain mail with these raw From lines (several, when given), as the intern's client
    and lkpp.example's signing server would pass it on, with our server's passing results."""
    head = "".join(f"From: {v}\r\n" for v in values)
    mail = (f"{head}To: helpdesk@lpse.example\r\nSubject: {subject}\r\n"
            f"Date: Mon, 02 Nov 2026 17:05:00 +0700\r\nMessage-ID: {message_id}\r\n"
            f"{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + body.replace("\n", "\r\n"))
    return prepend(mail.encode(), LKPP_PASSES)


# From headers that name Budi only in an encoded word, or only where a second reading of a
# malformed header would find him. Each passes DKIM for lkpp.example (the intern's own domain).
UNREADABLE_FROM = {
    "encoded-word-is-the-whole-from": ("=?utf-8?q?budi=40lkpp=2Eexample?=",),
    "encoded-word-in-the-local-part": ("=?utf-8?q?budi?=@lkpp.example",),
    "encoded-word-in-an-angle-address": ("Budi <=?utf-8?q?budi?=@lkpp.example>",),
    "encoded-phrase-then-a-bare-address": (
        "=?utf-8?q?budi=40lkpp=2Eexample_=3C?= intern@lkpp.example",),
    "address-before-the-angle-address": ("budi@lkpp.example (Budi) <intern@lkpp.example>",),
    "two-from-headers": ("Budi <budi@lkpp.example>", "intern@lkpp.example"),
    "two-mailboxes-in-one-from": ("Budi <budi@lkpp.example>, intern@lkpp.example",),
    "a-group-in-from": ("budi@lkpp.example: intern@lkpp.example;",),
}


@pytest.fixture
def desk(imap_server, smtp_sink, db_url, tmp_path):
    return Desk(imap_server, smtp_sink, db_url, tmp_path)


def untouched(ref: str = "LDP-000001") -> None:
    """The ticket as Rina's report left it: no event but created and routed."""
    ticket = tickets.get_ticket(ref)
    assert (ticket.level.value, ticket.status.value, ticket.assignee) == ("L0", "new", None)
    assert [(e.kind, e.actor) for e in tickets.events(ticket)] == \
        [("created", RINA), ("routed", "router")]


def test_an_encoded_agent_address_in_the_display_name_is_only_a_name(desk):
    """The issue's mail: `=?utf-8?q?budi=40lkpp=2Eexample?= <intern@lkpp.example>` with a
    DKIM pass for lkpp.example is the intern's mail, named "budi@lkpp.example". Nothing is
    applied to LDP-000001; the tag does not thread an outsider's mail, so it opens LDP-000002
    for the intern, and its acknowledgement goes to the intern alone."""
    desk.report()
    sent = desk.run(from_lines("=?utf-8?q?budi=40lkpp=2Eexample?= <intern@lkpp.example>"))
    [outcome] = desk.intake.outcomes
    assert (outcome.disposition, outcome.ticket_ref) == (Disposition.NEW_TICKET, "LDP-000002")
    untouched()
    ticket = tickets.get_ticket("LDP-000002")
    assert (ticket.reporter.email, ticket.reporter.name) == (INTERN, "budi@lkpp.example")
    row = MessageRow.get(MessageRow.message_id == "<intern-1@lkpp.example>")
    assert (row.author_email, row.author_name, row.kind) == \
        (INTERN, "budi@lkpp.example", "report")
    assert sorted(rcpts for rcpts, _raw in sent) == [[BUDI], [INTERN], [SARI]]
    [ack] = [raw for rcpts, raw in sent if rcpts == [INTERN]]
    to = mails.parse(ack)["To"]
    assert [(a.display_name, a.addr_spec) for a in to.addresses] == \
        [("budi@lkpp.example", INTERN)]


@pytest.mark.parametrize("name", sorted(UNREADABLE_FROM))
def test_a_from_that_cannot_be_read_without_guessing_is_quarantined(name, desk):
    """No single address can be read from the raw From: the mail is quarantined with its bytes
    (a person must look at it), LDP-000001 is untouched and nobody gets mail."""
    desk.report()
    raw = from_lines(*UNREADABLE_FROM[name])
    sent = desk.run(raw)
    [outcome] = desk.intake.outcomes
    assert outcome.disposition == Disposition.QUARANTINED
    assert outcome.detail.endswith(": no sender address in From")
    assert sent == []
    untouched()
    [held] = mailbox.list_quarantine()
    assert (held.raw, held.error) == (raw, "no sender address in From")
    assert MessageRow.select().where(MessageRow.author_email == BUDI).count() == 0


# Reports whose From spells another address, or header lines, in an encoded display name. The
# reporter is the address in angle brackets; the name is one line of text.
HOSTILE_NAMES = {
    "stranger-address-as-name": ("=?utf-8?q?stranger=40evil=2Eexample?=",
                                 "stranger@evil.example"),
    "crlf-bcc-in-name": ("=?utf-8?q?Rina=0D=0ABcc=3A_evil=40evil=2Eexample?=",
                         "Rina Bcc: evil@evil.example"),
    "crlf-bcc-in-a-base64-name": ("=?utf-8?b?UmluYQ0KQmNjOiBldmlsQGV2aWwuZXhhbXBsZQ==?=",
                                  "Rina Bcc: evil@evil.example"),
    "nul-and-crlf-to-in-name": ("=?utf-8?q?Rina=00=0D=0ATo=3A_evil=40evil=2Eexample?=",
                                "Rina To: evil@evil.example"),
    "angle-address-as-name": ("=?utf-8?q?=3Cevil=40evil=2Eexample=3E?=",
                              "<evil@evil.example>"),
    "group-and-comma-in-name": ("=?utf-8?q?Rina=3A_evil=40evil=2Eexample=2C?=",
                                "Rina: evil@evil.example,"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_NAMES))
def test_an_encoded_display_name_never_becomes_the_reporter_or_a_header(name, desk):
    """The ticket's reporter is Rina's address with the decoded name as plain text; her
    acknowledgement goes to her alone, and re-parses to exactly one To address and no Bcc."""
    encoded, decoded = HOSTILE_NAMES[name]
    sent = desk.run(from_lines(f"{encoded} <{RINA}>", subject=REPORT, body=REPORT_BODY))
    ticket = tickets.get_ticket("LDP-000001")
    assert (ticket.reporter.email, ticket.reporter.name) == (RINA, decoded)
    assert sorted(rcpts for rcpts, _raw in sent) == [[BUDI], [RINA], [SARI]]
    [ack] = [raw for rcpts, raw in sent if rcpts == [RINA]]
    parsed = mails.parse(ack)
    assert "Bcc" not in parsed and "Cc" not in parsed
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [(decoded, RINA)]
    assert [e.actor for e in tickets.events(ticket)] == [RINA, "router"]


def test_encoded_words_in_sender_reply_to_and_cc_name_nobody(desk):
    """With a legitimate From, a Sender, Reply-To and Cc that spell addresses only in encoded
    words add no address anywhere: Rina is the reporter, the acknowledgement goes to her and
    to the Cc's real address (a follower of her domain), never to an address an encoded word
    spells, and the headers kept show the encoded words undecoded."""
    raw = from_lines(f"Rina Wati <{RINA}>", subject=REPORT, body=REPORT_BODY, extra=(
        "Sender: =?utf-8?q?budi=40lkpp=2Eexample?=\r\n"
        "Reply-To: =?utf-8?q?evil=40evil=2Eexample?=\r\n"
        "Cc: =?utf-8?q?evil=40evil=2Eexample?= <rina.kantor@pemkab-bogor.go.id>\r\n"))
    sent = desk.run(raw)
    ticket = tickets.get_ticket("LDP-000001")
    assert (ticket.reporter.email, ticket.reporter.name) == (RINA, "Rina Wati")
    assert sorted(sorted(rcpts) for rcpts, _raw in sent) == \
        [[BUDI], ["rina.kantor@pemkab-bogor.go.id", RINA], [SARI]]
    [ack] = [raw for rcpts, raw in sent if RINA in rcpts]
    assert [a.addr_spec for a in mails.parse(ack)["Cc"].addresses] == \
        ["rina.kantor@pemkab-bogor.go.id"]
    assert "evil@evil.example" not in [a.addr_spec for a in mails.parse(ack)["To"].addresses]
    mail = mime.parse(bytes(MessageRow.get().raw))
    assert (mail.sender.email, mail.reply_to, mail.cc) == \
        (RINA, (), (Address("rina.kantor@pemkab-bogor.go.id", "evil@evil.example"),))
    assert (mail.header("sender"), mail.header("reply-to"), mail.header("cc")) == (
        "=?utf-8?q?budi=40lkpp=2Eexample?=", "=?utf-8?q?evil=40evil=2Eexample?=",
        '"evil@evil.example" <rina.kantor@pemkab-bogor.go.id>')


def test_an_internationalised_domain_is_answered_in_its_ascii_form(desk):
    """rina@désa.id: the ticket keeps the address as she wrote it; her acknowledgement goes to
    the same mailbox spelled as plain SMTP carries it (IDNA)."""
    sent = desk.run(from_lines("Rina <rina@désa.id>", subject=REPORT, body=REPORT_BODY))
    ticket = tickets.get_ticket("LDP-000001")
    assert ticket.reporter.email == "rina@désa.id"
    assert sorted(rcpts for rcpts, _raw in sent) == [[BUDI], ["rina@xn--dsa-bma.id"], [SARI]]
    [ack] = [raw for rcpts, raw in sent if rcpts == ["rina@xn--dsa-bma.id"]]
    assert mails.parse(ack)["To"].addresses[0].addr_spec == "rina@xn--dsa-bma.id"


def test_a_non_ascii_local_part_opens_its_ticket_unanswered_and_says_why(desk):
    """rína@pemkab.id needs SMTPUTF8, which plain SMTP does not carry: the mail is not
    quarantined; it opens its ticket, the agents hear of it, the reporter gets nothing, and the
    ticket's events say why."""
    sent = desk.run(from_lines("Rina <rína@pemkab.id>", subject=REPORT, body=REPORT_BODY))
    ticket = tickets.get_ticket("LDP-000001")
    assert ticket.reporter.email == "rína@pemkab.id"
    assert sorted(rcpts for rcpts, _raw in sent) == [[BUDI], [SARI]]
    assert mailbox.list_quarantine() == []
    [event] = [e for e in tickets.events(ticket) if e.kind == "not_sent"]
    assert event.detail == ("reporter_ack not sent to rína@pemkab.id: the address is not ASCII "
                            "(it needs SMTPUTF8)")
