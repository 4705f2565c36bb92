"""A part without a file name gets a name that says what it is and never changes; a part
with a name keeps it, however random it looks."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from gateway.parsers import mime


def _with_parts(named: str | None) -> bytes:
    message = EmailMessage()
    message["From"] = "Budi <budi@lkpp.example>"
    message["To"] = "helpdesk@lpse.example"
    message["Subject"] = "Fwd: laporan"
    message["Message-ID"] = "<names-1@lkpp.example>"
    message.set_content("Saya teruskan email pelapor.\n")
    forwarded = EmailMessage()
    forwarded["From"] = "rina@pemkab-bogor.go.id"
    forwarded["Subject"] = "Tidak bisa login"
    forwarded.set_content("Isi email yang diteruskan.\n")
    message.add_attachment(forwarded)  # message/rfc822, no file name
    message.add_attachment(b"log line\n", maintype="text", subtype="plain", filename=named)
    return message.as_bytes(policy=SMTP)


def test_a_forwarded_message_without_a_name_is_attachment_n_eml_on_every_parse():
    raw = _with_parts("qwertyuiop.txt")
    first, second = mime.parse(raw), mime.parse(raw)
    names = [a.name for a in first.attachments]
    assert names == [a.name for a in second.attachments]
    assert names[0] == "attachment-1.eml"
    assert first.attachments[0].content_type == "message/rfc822"
    # A name the sender gave is kept, even one that looks like mail-parser's random names.
    assert names[1] == "qwertyuiop.txt"


def test_a_text_part_marked_attachment_without_a_name_is_numbered():
    message = EmailMessage()
    message["From"] = "rina@pemkab-bogor.go.id"
    message["To"] = "helpdesk@lpse.example"
    message["Subject"] = "log"
    message.set_content("Terlampir log.\n")
    message.add_attachment("baris log\n", disposition="attachment")
    parsed = mime.parse(message.as_bytes(policy=SMTP))
    assert [a.name for a in parsed.attachments] == ["attachment-1.txt"]
