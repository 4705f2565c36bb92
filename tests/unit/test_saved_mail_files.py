"""Review: a forwarded message is a forwarded message whatever type the agent's client gives
it. A notice the agent saves and attaches as a file (notice.eml as application/octet-stream,
Outlook's .msg) holds the internal notes and the agent's reply token: it must never go to the
reporter, as a message/rfc822 part never does."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from gateway.parsers import own_files

NOTICE = (b"From: Layanan <helpdesk@lpse.example>\r\nTo: budi@lkpp.example\r\n"
          b"Subject: [LDP-000001] Tiket baru\r\n"
          b"Message-ID: <ldp.ldp-000001.tok3n@lpse.example>\r\nX-LDP-Loop: helpdesk\r\n\r\n"
          b"Catatan internal: password admin = rahasia\r\n")


def reply_with(data: bytes, maintype: str, subtype: str, filename: str) -> bytes:
    message = EmailMessage()
    message["From"] = "budi@lkpp.example"
    message["To"] = "helpdesk@lpse.example"
    message.set_content("#balas\n\nTerlampir panduan.\n")
    message.add_attachment(b"%PDF-1.4 panduan", "application", "pdf", filename="panduan.pdf")
    message.add_attachment(data, maintype, subtype, filename=filename)
    return message.as_bytes(policy=SMTP)


def chosen(raw: bytes) -> list[int]:
    parts = own_files.parts(raw)
    picked = own_files.choose(parts, "", ())
    return [p.size for p in parts if p.sha256 in picked]


def test_a_notice_saved_as_an_eml_file_is_never_chosen():
    raw = reply_with(NOTICE, "application", "octet-stream", "notice.eml")
    assert chosen(raw) == [len(b"%PDF-1.4 panduan")]


def test_an_outlook_msg_item_is_never_chosen():
    raw = reply_with(b"\xd0\xcf\x11\xe0 outlook item", "application", "vnd.ms-outlook",
                     "Tiket baru.msg")
    assert chosen(raw) == [len(b"%PDF-1.4 panduan")]


def test_a_mail_under_another_name_is_never_chosen():
    raw = reply_with(NOTICE, "text", "plain", "catatan.txt")
    assert chosen(raw) == [len(b"%PDF-1.4 panduan")]
