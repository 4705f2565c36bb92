"""A reporter's thanks after a resolution, over the real IMAP server (Dovecot), the SMTP sink,
`ldp run --once` and both databases: "Terima kasih, sudah bisa" leaves the ticket resolved,
is recorded (its message and a `thanks` event, shown by `ldp tickets show`) and sends no mail
at all, to the agents or to the reporter; a thanks with a question, or with a file, reopens the
ticket and reaches the agent as any reply does; a thanks to a closed ticket opens no new one."""
from __future__ import annotations

import re

import pytest

from gateway import cli
from gateway.store import tickets
from tests import mails
from tests.conftest import deliver, make_settings, write_config
from tests.integration.agent_replies import gmail_reply, outlook_reply

pytestmark = pytest.mark.integration

REF = "LDP-000001"
RINA, BUDI, SARI = "rina@pemkab-bogor.go.id", "budi@lkpp.example", "sari@lkpp.example"
RINA_FROM = f"Rina Wati <{RINA}>"
BUDI_FROM = f"Budi Santoso <{BUDI}>"
SIGNATURE = "Budi Santoso\nHelpdesk LPSE LKPP"
RINA_SIGNATURE = "Rina Wati\nPPK Dinas PUPR Kab. Bogor\nTelp. 0251-8321075"


class Desk:
    """The gateway as an operator runs it: one delivery, then `ldp run --once`; the mail each
    step sent, as (envelope recipients, bytes)."""

    def __init__(self, imap_server, sink, db_url, tmp_path):
        self.imap, self.sink = imap_server, sink
        self.settings = make_settings(tmp_path, db_url, imap_server, sink)
        self.config = str(write_config(tmp_path / "ldp.toml", self.settings))
        self.seen = 0

    def deliver(self, raw: bytes) -> list[tuple[list[str], bytes]]:
        deliver(self.imap, self.settings.imap.folder, raw)
        assert cli.main(["--quiet", "--config", self.config, "run", "--once"]) == 0
        fresh, self.seen = self.sink.messages[self.seen:], len(self.sink.messages)
        return [(recipients, message) for _sender, recipients, message in fresh]

    def budi(self, notice: bytes, top: str, number: int) -> list[tuple[list[str], bytes]]:
        return self.deliver(gmail_reply(BUDI_FROM, notice, top, SIGNATURE,
                                        f"<budi-{number}@mail.example>"))

    def resolved(self) -> bytes:
        """Rina's report taken and resolved by Budi: the resolution mail Rina received."""
        new = self.deliver(mails.report(sender=RINA_FROM, message_id="<rina-1@mail.example>"))
        assert envelopes(new) == [[BUDI], [RINA], [SARI]]
        done = self.budi(to(new, BUDI), "#ambil\n#selesai Kata sandi sudah diatur ulang; "
                         "silakan login kembali.", 1)
        assert envelopes(done) == [[BUDI], [RINA]]
        assert self.ticket().status.value == "resolved"
        self.receipt = to(done, BUDI)
        return to(done, RINA)

    def ticket(self):
        return tickets.get_ticket(REF)

    def kinds(self) -> list[tuple[str, str]]:
        return [(e.kind, e.actor) for e in tickets.events(self.ticket())]

    def show(self, capsys) -> str:
        capsys.readouterr()
        assert cli.main(["--config", self.config, "tickets", "show", REF]) == 0
        return capsys.readouterr().out


def to(sent: list[tuple[list[str], bytes]], address: str) -> bytes:
    """The one mail whose envelope names `address`."""
    [found] = [message for recipients, message in sent if address in recipients]
    return found


def envelopes(sent) -> list[list[str]]:
    return sorted(sorted(recipients) for recipients, _ in sent)


def subject(raw: bytes) -> str:
    return str(mails.parse(raw)["Subject"])


@pytest.fixture
def desk(imap_server, smtp_sink, db_url, tmp_path):
    return Desk(imap_server, smtp_sink, db_url, tmp_path)


def test_thanks_keep_the_ticket_resolved_and_a_question_reopens_it(desk, capsys):
    """Rina's "Terima kasih, sudah bisa" under her signature, quoting the resolution: no mail
    to anyone, the ticket stays resolved, her message and a `thanks` event are on it and
    `ldp tickets show` shows them. Her next reply thanks too but asks when: it reopens the
    ticket and reaches Budi as her reply."""
    resolution = desk.resolved()
    events_before = len(desk.kinds())

    thanked = desk.deliver(gmail_reply(RINA_FROM, resolution, "Terima kasih, sudah bisa 🙏",
                                       RINA_SIGNATURE, "<rina-2@mail.example>"))
    assert thanked == []  # no reopen notice to Budi or Sari, no answer to Rina
    ticket = desk.ticket()
    assert (ticket.status.value, ticket.assignee) == ("resolved", BUDI)
    assert desk.kinds()[events_before:] == [("thanks", RINA)]
    [event] = [e for e in tickets.events(ticket) if e.kind == "thanks"]
    assert event.detail == ('the reporter only thanked or confirmed; the ticket stays resolved '
                            'and no agent was notified: "Terima kasih, sudah bisa 🙏"')
    assert [m.message_id for m in tickets.messages(ticket)][-1] == "<rina-2@mail.example>"
    shown = desk.show(capsys)
    assert "\nstatus      resolved\n" in shown
    assert re.sub(" +", " ", shown.rstrip()).endswith(
        f" thanks {RINA}: the reporter only thanked or confirmed; the ticket stays resolved and "
        f"no agent was notified: \"Terima kasih, sudah bisa 🙏\"")

    asked = desk.deliver(outlook_reply(RINA_FROM, resolution, "terima kasih, tapi kapan "
                                       "selesai?", RINA_SIGNATURE, "<rina-3@mail.example>",
                                       language="id"))
    assert envelopes(asked) == [[BUDI]]
    assert subject(to(asked, BUDI)).startswith(f"[{REF}] ")
    assert "terima kasih, tapi kapan selesai?" in mails.text_of(to(asked, BUDI))
    assert desk.ticket().status.value == "open"
    assert desk.kinds()[-2:] == [("reply", RINA), ("reopened", RINA)]


def test_a_thanks_with_a_file_reopens_the_ticket(desk):
    """The same words with a screenshot attached are not only thanks: the ticket reopens and
    Budi gets the reply with its file."""
    resolution = desk.resolved()
    quoted = mails.parse(resolution)
    reply = mails.report(subject=f"Re: {quoted['Subject']}", sender=RINA_FROM,
                         body="Terima kasih, sudah bisa.\n",
                         message_id="<rina-2@mail.example>",
                         in_reply_to=quoted["Message-ID"], references=quoted["Message-ID"],
                         attachments=[("layar.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64))])
    sent = desk.deliver(reply)
    assert envelopes(sent) == [[BUDI]]
    assert [p.get_filename() for p in mails.parse(to(sent, BUDI)).iter_attachments()] == \
        ["layar.png"]
    assert desk.ticket().status.value == "open"
    assert "thanks" not in [kind for kind, _ in desk.kinds()]
    assert desk.kinds()[-1] == ("reopened", RINA)


def test_thanks_to_a_closed_ticket_open_no_new_ticket(desk):
    """After Budi closes the ticket, Rina's "makasih banyak pak" is recorded on it and opens
    no new ticket; a new problem in answer to the same mail, within the grace period of the
    closing (`closing.reopen_grace_days`), reopens it (later it would open a new ticket:
    tests/integration/test_closing.py)."""
    resolution = desk.resolved()
    closed = desk.budi(desk.receipt, "#tutup", 2)
    assert envelopes(closed) == [[BUDI]]
    assert desk.ticket().status.value == "closed"
    thanked = desk.deliver(gmail_reply(RINA_FROM, resolution, "makasih banyak pak", "Rina",
                                       "<rina-2@mail.example>"))
    assert thanked == []
    assert len(tickets.list_tickets()) == 1
    assert (desk.ticket().status.value, desk.kinds()[-1]) == ("closed", ("thanks", RINA))
    problem = desk.deliver(gmail_reply(RINA_FROM, resolution, "Makasih pak, tapi sekarang "
                                       "akun PPK saya terkunci.", "Rina",
                                       "<rina-3@mail.example>"))
    assert envelopes(problem) == [[BUDI]]  # the assignee hears of the reply
    assert len(tickets.list_tickets()) == 1
    assert desk.ticket().status.value == "open"
    assert desk.kinds()[-2:] == [("reopened", RINA), ("reply", RINA)]
