"""Builders for test mail that looks like what Gmail, Outlook and office servers send."""
from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import SMTP, default as default_policy
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone


def report(subject: str = "Tidak bisa login SPSE", body: str | None = None,
           sender: str = "Rina Wati <rina@pemkab-bogor.go.id>",
           to: str = "helpdesk@lpse.example", message_id: str | None = None,
           in_reply_to: str | None = None, references: str | None = None,
           attachments: list[tuple[str, str, bytes]] = (), html: str | None = None,
           headers: dict[str, str] | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 11, 2, 9, 15, tzinfo=timezone.utc))
    message["Message-ID"] = message_id or make_msgid(domain="mail.gmail.com")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    text = body if body is not None else (
        "Selamat pagi,\n\nSaya tidak bisa login ke SPSE sejak tadi pagi. Muncul pesan "
        "\"password salah\" padahal sudah benar.\n\nTerima kasih,\nRina\n")
    if html is not None and body is None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    for name, content_type, payload in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes(policy=SMTP)


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=default_policy)


def text_of(raw: bytes) -> str:
    return parse(raw).get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(raw: bytes) -> str:
    return parse(raw).get_body(("html",)).get_content().replace("\r\n", "\n")


# The acknowledgement Rina Wati receives for her first report (`report()`), word for word.
RINA_ACK_TEXT = """Yth. Rina Wati,

Terima kasih telah menghubungi Layanan Dukungan Pengguna. Laporan Bapak/Ibu telah kami terima dan kami catat dengan nomor tiket LDP-000001.

Laporan Bapak/Ibu sedang ditangani LKPP Level 0 (Tingkat 0).

Nomor tiket : LDP-000001
Perihal     : Tidak bisa login SPSE
Keadaan     : baru

Langkah selanjutnya: petugas layanan kami akan menelaah laporan Bapak/Ibu dan memberikan tanggapan melalui email. Bila diperlukan penanganan teknis, tiket ini akan kami teruskan ke tim teknis dan Bapak/Ibu akan kami kabari.

Untuk menambahkan keterangan atau lampiran, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya, agar balasan Bapak/Ibu masuk ke tiket yang sama.

Hormat kami,
Layanan Dukungan Pengguna
"""
