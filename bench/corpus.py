"""A deterministic corpus of support mail, generated on the fly from a seed.

    python -m bench corpus [--mails N]

Indonesian and English reports as people send them during an SPSE outage: plain text, HTML only,
multipart/alternative, and multipart/mixed with a small attachment; bodies in UTF-8, ISO-8859-1,
windows-1252 and US-ASCII, sent 7bit, 8bit, quoted-printable or base64. About a fifth are the
reporter's reply to one of their earlier mails (In-Reply-To and References), so the gateway must
thread them instead of opening a ticket. Nothing is kept but what replies need (the earlier
Message-IDs), so ten thousand mails stream in constant memory. Same seed, same bytes.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Iterator

SEED = 20241128
SUPPORT = "helpdesk@lpse.example"
REPLY_SHARE = 0.2
START = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)

FIRST = ["Rina", "Budi", "Siti", "Agus", "Dewi", "Joko", "Ayu", "Hendra", "Putri", "Wahyu",
         "Andréa", "José", "Chloë", "Nadia", "Rizky", "Yusuf", "Lestari", "Bayu", "Fitri", "Eko"]
LAST = ["Wati", "Santoso", "Nurhaliza", "Pratama", "Lestari", "Widodo", "Saputra", "Hidayat",
        "Kusuma", "Müller", "Setiawan", "Rahmawati", "Gunawan", "Sitompul", "Harahap"]
DOMAINS = ["pemkab-bogor.go.id", "ulp.lkpp.go.id", "majujaya.co.id", "gmail.com", "yahoo.co.id",
           "pemprov-jatim.go.id", "kemenkeu.go.id", "outlook.com", "cvsentosa.id", "pu.go.id"]
CLIENTS = {"gmail.com": "mail.gmail.com", "outlook.com": "outlook.com", "yahoo.co.id": "yahoo.com"}
TOPICS = {
    "id": [("Tidak bisa login SPSE", "Saya tidak bisa login ke SPSE sejak tadi pagi, muncul "
            "pesan \"server tidak merespons\" padahal password sudah benar."),
           ("Gagal unggah dokumen penawaran", "Peserta tidak bisa mengunggah dokumen penawaran; "
            "halaman berhenti di 99% lalu muncul galat 502. Batas waktu hari ini pukul 15.00."),
           ("Jadwal tender tidak bisa diubah", "Pokja tidak dapat mengubah jadwal tahap evaluasi "
            "karena aplikasi lambat sekali sejak pukul 09.00 WIB."),
           ("Email aktivasi akun SIKaP tidak masuk", "Sudah tiga jam kode aktivasi akun SIKaP "
            "tidak masuk ke email kami. Mohon dicek apakah ada gangguan."),
           ("Aplikasi SPSE sangat lambat", "Semua halaman SPSE di wilayah kami lambat sekali dan "
            "sering time out. Apakah sedang ada gangguan regional?")],
    "en": [("Cannot log in to SPSE", "Since this morning I cannot log in to SPSE; the page says "
            "\"server not responding\" although the password is right."),
           ("Bid upload keeps failing", "Our bid documents stop uploading at 99% and then show "
            "error 502. The deadline is today at 15:00 WIB."),
           ("Tender schedule cannot be edited", "The committee cannot change the evaluation "
            "schedule: every page times out since 09:00."),
           ("No activation e-mail for SIKaP", "We have waited three hours for the SIKaP "
            "activation code. Is the mail service down?")],
}
GREETING = {"id": ("Selamat pagi,", "Terima kasih,"), "en": ("Good morning,", "Kind regards,")}
REPLY_TEXT = {"id": ["Berikut tangkapan layarnya.", "Masalahnya masih terjadi sampai sekarang.",
                     "Sudah saya coba dari browser lain, hasilnya sama."],
              "en": ["Here is the screenshot.", "It still happens right now.",
                     "Same result from another browser."]}
# Each charset with the characters only it can carry, so the encodings really differ.
CHARSETS = [("utf-8", " — status ✓, naïve café"), ("iso-8859-1", " (Rp 5.000, café é)"),
            ("windows-1252", " “segera” – mohon"), ("us-ascii", "")]
ENCODINGS = ["quoted-printable", "base64", "8bit", "7bit"]
SHAPES = [("plain", 40), ("html", 15), ("alternative", 25), ("attachment", 20)]
ATTACHMENTS = [("layar.png", "image", "png"), ("log-error.txt", "text", "plain"),
               ("surat penawaran.pdf", "application", "pdf"), ("daftar-paket.csv", "text", "csv")]


@dataclass
class Summary:
    """What the corpus holds, and so what the gateway must make of it."""

    mails: int = 0
    bytes: int = 0
    replies: int = 0
    kinds: Counter = field(default_factory=Counter)

    @property
    def reports(self) -> int:
        return self.mails - self.replies


def generate(count: int, seed: int = SEED, prefix: str = "bench", summary: Summary | None = None,
             replies: float = REPLY_SHARE) -> Iterator[bytes]:
    """Yield `count` raw mails, `replies` of them (a share) answering earlier ones; `summary`,
    when given, is filled in as they are made."""
    rng = random.Random(seed)
    earlier: list[tuple[str, str, str, str]] = []  # (message-id, sender, subject, language)
    for number in range(count):
        if earlier and rng.random() < replies:
            message_id, sender, subject, language = rng.choice(earlier)
            raw, kind = _reply(rng, number, prefix, message_id, sender, subject, language)
            replied = True
        else:
            language = "id" if rng.random() < 0.7 else "en"
            sender = _person(rng)
            subject, body = rng.choice(TOPICS[language])
            subject = f"{subject} ({rng.choice(['LPSE', 'Pokja', 'PPK'])} {number % 97 + 1})"
            raw, kind = _report(rng, number, prefix, sender, subject, body, language)
            earlier.append((_message_id(number, prefix, sender), sender, subject, language))
            replied = False
        if summary is not None:
            summary.mails += 1
            summary.bytes += len(raw)
            summary.replies += replied
            summary.kinds.update(kind)
        yield raw


def _person(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
    return f"{first} {last} <{local}{rng.randrange(100)}@{rng.choice(DOMAINS)}>"


def _message_id(number: int, prefix: str, sender: str) -> str:
    domain = sender.rpartition("@")[2].rstrip(">")
    return f"<{prefix}-{number:06d}@{CLIENTS.get(domain, 'mail.' + domain)}>"


def _headers(number: int, prefix: str, sender: str, subject: str, *extra: str) -> bytes:
    """The top header block, written directly: the email package's header objects would take
    most of the generation time, and these values need no folding."""
    name, _, address = sender.rpartition(" <")
    lines = [f"From: {formataddr((name, address.rstrip('>')), charset='utf-8')}",
             f"To: Layanan Dukungan Pengguna <{SUPPORT}>", f"Subject: {subject}",
             f"Date: {format_datetime(START + timedelta(seconds=7 * number))}",
             f"Message-ID: {_message_id(number, prefix, sender)}", *extra]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _finish(header: bytes, message: EmailMessage, number: int, prefix: str) -> bytes:
    if message.is_multipart():
        message.set_boundary(f"=_{prefix}_{number:06d}")  # fixed, so the bytes repeat
    return header + message.as_bytes(policy=SMTP)


def _body(rng: random.Random, language: str, text: str) -> tuple[str, str, str]:
    """The text with the characters of a chosen charset, the charset, and its encoding."""
    charset, extra = rng.choice(CHARSETS)
    hello, bye = GREETING[language]
    text = f"{hello}\n\n{text}{extra}\n\n{bye}\n"
    encoding = rng.choice(ENCODINGS)
    if charset == "us-ascii" and encoding == "8bit":
        encoding = "7bit"
    if charset != "us-ascii" and encoding == "7bit":
        encoding = "quoted-printable"
    return text, charset, encoding


def _html(text: str) -> str:
    paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    return f"<html><body style=\"font-family:Arial\">{paragraphs}</body></html>"


def _report(rng: random.Random, number: int, prefix: str, sender: str, subject: str, body: str,
            language: str) -> tuple[bytes, list[str]]:
    message = EmailMessage()
    shape = rng.choices([s for s, _ in SHAPES], [w for _, w in SHAPES])[0]
    text, charset, encoding = _body(rng, language, body)
    if shape == "html":
        message.set_content(_html(text), subtype="html", charset=charset, cte=encoding)
    else:
        message.set_content(text, charset=charset, cte=encoding)
    if shape == "alternative":
        message.add_alternative(_html(text), subtype="html", charset=charset, cte=encoding)
    if shape == "attachment":
        name, maintype, subtype = rng.choice(ATTACHMENTS)
        payload = rng.randbytes(rng.randrange(1_000, 20_000)) if maintype != "text" else \
            ("baris,kode,status\n" * rng.randrange(20, 400)).encode()
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name)
    header = _headers(number, prefix, sender, subject)
    return _finish(header, message, number, prefix), _kinds(language, shape, charset, encoding)


def _reply(rng: random.Random, number: int, prefix: str, parent: str, sender: str, subject: str,
           language: str) -> tuple[bytes, list[str]]:
    message = EmailMessage()
    header = _headers(number, prefix, sender, ("Re: " if language == "en" else "Balas: ")
                      + subject, f"In-Reply-To: {parent}", f"References: {parent}")
    fresh, charset, encoding = _body(rng, language, rng.choice(REPLY_TEXT[language]))
    said = "wrote" if language == "en" else "menulis"
    quoted = "\n".join("> " + line for line in TOPICS[language][0][1].split(". "))
    address = sender.rpartition("<")[2].rstrip(">")
    message.set_content(f"{fresh}\nOn {START:%d/%m/%Y}, <{address}> {said}:\n{quoted}\n",
                        charset=charset, cte=encoding)
    return _finish(header, message, number, prefix), _kinds(language, "reply", charset, encoding)


def _kinds(language: str, shape: str, charset: str, encoding: str) -> list[str]:
    return [f"language {language}", f"shape {shape}", f"charset {charset}",
            f"encoding {encoding}"]


def big_mail(megabytes: float = 20.0, seed: int = SEED) -> bytes:
    """One report carrying an attachment of `megabytes` MB (10**6 bytes), for the memory part."""
    rng = random.Random(seed)
    header = _headers(999_999, "big", "Rina Wati <rina.wati@pemkab-bogor.go.id>",
                      "Rekaman layar gangguan SPSE (video)")
    message = EmailMessage()
    message.set_content("Selamat pagi,\n\nTerlampir rekaman layar gangguan tadi pagi.\n")
    message.add_attachment(rng.randbytes(int(megabytes * 1_000_000)), maintype="video",
                           subtype="mp4", filename="rekaman-layar.mp4")
    return _finish(header, message, 999_999, "big")


def describe(summary: Summary) -> list[tuple[str, str]]:
    """Rows for the corpus table: every language, shape, charset and encoding with its count."""
    rows = [("mails", str(summary.mails)), ("new reports", str(summary.reports)),
            ("replies to earlier mail", str(summary.replies)),
            ("average size (bytes)", str(summary.bytes // max(summary.mails, 1)))]
    rows += [(name, str(count)) for name, count in sorted(summary.kinds.items())]
    return rows
