"""Issue 14, item 3: an agent's answer carries only the agent's own fresh text. What is attached
to it (a forwarded message, an inline log, a message forwarded inside a forwarded one) never
reaches the reporter, and commands are read only from the top of the text the agent wrote:
never from attached messages, later parts or hidden HTML. Through the whole gateway: Dovecot,
the SMTP sink, SQLite and PostgreSQL."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.store import tickets
from gateway.store.models import MessageRow
from tests import mails
from tests.integration.agent_replies import POLICY
from tests.reliability.desk import BUDI, RINA, Desk

pytestmark = pytest.mark.integration

SECRET = "RAHASIA: kata sandi server basis data db-123"
LOG = "2026-11-02 16:58:01 ERROR spse-auth token=4f9a internal trace\n"
FEEDBACK_TO_RINA = (
    "Yth. Rina Wati,\n\n"
    "Berikut tanggapan petugas kami atas laporan Bapak/Ibu dengan nomor tiket LDP-000001:\n\n"
    "{message}\n\n"
    "Laporan Bapak/Ibu sedang ditangani LKPP Level 0 (Tingkat 0).\n\n"
    "Nomor tiket : LDP-000001\nPerihal     : Tidak bisa login SPSE\nKeadaan     : diproses\n\n"
    "Untuk menanggapi, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya.\n\n"
    "Hormat kami,\nLayanan Dukungan Pengguna\n")


def internal_mail(body: str, inner: EmailMessage | None = None) -> EmailMessage:
    """A colleague's mail, as a client attaches it when forwarding (message/rfc822)."""
    message = EmailMessage()
    message["From"] = "Sari <sari@lkpp.example>"
    message["To"] = BUDI
    message["Subject"] = "Internal: akun Rina"
    message.set_content(body)
    if inner is not None:
        message.add_attachment(inner)
    return message


def budi_reply(notice: bytes, text: str | None, *, html: str | None = None,
               log: str | None = None, forwarded: EmailMessage | None = None,
               message_id: str = "<budi-1@lkpp.example>") -> bytes:
    """Budi's answer to his own notification (so it carries his reply token): his text and
    HTML, then an inline log part and a forwarded message, as his client attaches them."""
    quoted = mails.parse(notice)
    message = EmailMessage()
    message["From"] = f"Budi <{BUDI}>"
    message["To"] = "helpdesk@lpse.example"
    message["Subject"] = f"Re: {quoted['Subject']}"
    message["Message-ID"] = message_id
    message["In-Reply-To"] = quoted["Message-ID"]
    message["References"] = quoted["Message-ID"]
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    if log is not None:
        message.add_attachment(log, disposition="inline")
    if forwarded is not None:
        message.add_attachment(forwarded)
    return message.as_bytes(policy=POLICY)


@pytest.fixture
def desk(imap_server, smtp_sink, db_url, tmp_path):
    return Desk(imap_server, smtp_sink, db_url, tmp_path)


def events() -> list[tuple[str, str]]:
    return [(e.kind, e.detail) for e in tickets.events(tickets.get_ticket("LDP-000001"))][2:]


def stored_text() -> str:
    return MessageRow.get(MessageRow.message_id == "<budi-1@lkpp.example>").text


def test_a_reply_with_a_forwarded_message_and_an_inline_log_sends_only_the_agents_words(desk):
    """The issue's mail: #balas with a pasted log part and a colleague's mail attached. Rina
    gets the answer Budi wrote, word for word, as the only part of a text+HTML mail."""
    notice = desk.report()[BUDI]
    sent = desk.run(budi_reply(notice, "#balas\n\nSudah kami cek, silakan coba lagi.\n",
                               log=LOG, forwarded=internal_mail(f"{SECRET}\n")))
    [(rcpts, raw)] = [(r, m) for r, m in sent if r == [RINA]]
    assert mails.text_of(raw) == FEEDBACK_TO_RINA.format(
        message="Sudah kami cek, silakan coba lagi.")
    parsed = mails.parse(raw)
    assert [p.get_content_type() for p in parsed.walk()] == \
        ["multipart/alternative", "text/plain", "text/html"]
    assert "RAHASIA" not in mails.html_of(raw) and "ERROR" not in mails.html_of(raw)
    assert stored_text() == "Sudah kami cek, silakan coba lagi."
    assert [kind for kind, _ in events()] == ["agent_reply", "reply"]


def test_commands_in_an_attached_message_are_not_read(desk):
    """Budi forwards Sari's mail, whose first lines are commands, with a line of his own: the
    line is kept as a note; nothing in the attachment is applied and Rina hears nothing."""
    notice = desk.report()[BUDI]
    forwarded = internal_mail(f"#selesai Sudah beres\n#balas\n\n{SECRET}\n")
    sent = desk.run(budi_reply(notice, "Terlampir email dari Sari, mohon dicek.\n",
                               forwarded=forwarded))
    assert [r for r, _ in sent] == [[BUDI]]  # his receipt, nothing else
    assert tickets.get_ticket("LDP-000001").status.value == "open"
    assert [kind for kind, _ in events()] == ["agent_reply", "note"]
    assert stored_text() == "Terlampir email dari Sari, mohon dicek."


def test_commands_two_forwards_deep_with_no_text_of_the_agents_apply_nothing(desk):
    """A mail of nothing but a forward whose own forward starts with commands: no text of
    Budi's, so nothing to do; no event, no mail to Rina, the ticket as it was."""
    notice = desk.report()[BUDI]
    inner = internal_mail(f"#eskalasi L2 bocor\n#selesai beres\n#balas\n\n{SECRET}\n")
    sent = desk.run(budi_reply(notice, "", forwarded=internal_mail("Lihat di bawah.\n", inner)))
    assert sent == []
    ticket = tickets.get_ticket("LDP-000001")
    assert (ticket.level.value, ticket.status.value) == ("L0", "new")
    assert events() == []
    assert stored_text() == ""


def test_commands_in_an_inline_log_after_an_empty_body_are_not_read(desk):
    """An empty text part, then an inline text part that starts with #selesai: the second part
    is attached, not written, so nothing is applied and Rina hears nothing."""
    notice = desk.report()[BUDI]
    sent = desk.run(budi_reply(notice, "", log=f"#selesai beres\n#balas\n\n{LOG}"))
    assert sent == []
    assert tickets.get_ticket("LDP-000001").status.value == "new"
    assert events() == []


def test_a_command_in_a_hidden_html_element_is_not_read(desk):
    """HTML-only: a display:none line with #selesai is no line at all, so the visible text is
    an ordinary note (not a block refused for its HTML-only commands)."""
    notice = desk.report()[BUDI]
    html = ('<div style="display: none !important">#selesai beres<br>#balas</div>'
            "<p>Saya cek dulu ya.</p><!-- #tutup -->")
    sent = desk.run(budi_reply(notice, None, html=html))
    assert [r for r, _ in sent] == [[BUDI]]
    assert [kind for kind, _ in events()] == ["agent_reply", "note"]
    assert stored_text() == "Saya cek dulu ya."
    receipt = mails.text_of(sent[0][1])
    assert "(otomatis: #catatan)" in receipt
    assert "#selesai beres" not in receipt and "HTML" not in receipt


def test_hidden_html_and_comments_never_reach_the_reporter(imap_server, smtp_sink, db_url,
                                                           tmp_path):
    """With answers public by default, an HTML-only answer with a comment, a `hidden` element
    and an mso-hidden one sends Rina the visible sentence only."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path,
                security={"default_visibility": "public"})
    notice = desk.report()[BUDI]
    html = (f"<p>Sudah kami perbaiki, silakan login kembali.</p><!-- {SECRET} -->"
            f"<div hidden><p>{SECRET}</p></div><span style='mso-hide:all'>{LOG}</span>")
    sent = desk.run(budi_reply(notice, None, html=html))
    [(rcpts, raw)] = [(r, m) for r, m in sent if r == [RINA]]
    assert mails.text_of(raw) == FEEDBACK_TO_RINA.format(
        message="Sudah kami perbaiki, silakan login kembali.")
    assert "RAHASIA" not in mails.html_of(raw) and "ERROR" not in mails.html_of(raw)
