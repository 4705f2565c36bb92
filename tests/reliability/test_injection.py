"""Promise 11, injection: whatever a reporter puts in a subject, a name or a body, every mail
we send re-parses to exactly the headers we meant, reporter HTML never reaches another mail
unescaped, and attachment names never leave the attachment folder."""
from __future__ import annotations

import email
from email.policy import default

import pytest

from gateway.compose import Composer, encode_text
from gateway.domain import Address, Notice
from gateway.intake.rounds import handle_raw
from gateway.service import build_context
from gateway.store import outbox
from gateway.store.models import AttachmentRow
from tests.conftest import make_settings

HOSTILE_SUBJECTS = [
    "Halo\r\nBcc: evil@x.id",
    "Halo\nX-Injected: 1",
    "Halo\x00\x01\x7f end",
    "=?utf-8?Q?a=0D=0ABcc:_evil@x.id?=",
    "Literal =?gb2312?B?ztKw0b61zbfArb380Kmj?= words",
    "<script>alert(1)</script> & <b>tebal</b>",
    "Sangat panjang " * 40,
    "Unicode \u2028 line \u2029 separators \u0085 next",
]
EXPECTED_HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "Reply-To", "Auto-Submitted",
                    "X-Auto-Response-Suppress", "X-LDP-Loop", "X-LDP-Ticket",
                    "Content-Type", "MIME-Version", "In-Reply-To",
                    "References"}


def composer():
    return Composer(support_address="helpdesk@lpse.example", support_name="LDP",
                    domain="lpse.example", loop_marker="helpdesk@lpse.example")


@pytest.mark.parametrize("subject", HOSTILE_SUBJECTS)
def test_a_hostile_subject_and_name_reparse_to_exactly_the_headers_we_meant(subject):
    """The subject comes back as the cleaned text, and no header we did not set appears."""
    notice = Notice(template="reporter_ack", to=Address("rina@x.id", subject), language="id",
                    ticket_ref="LDP-000001", in_reply_to="<a@b>", references=("<a@b>",),
                    context={"ref": "LDP-000001", "reporter_name": subject,
                             "subject": subject})
    mail = composer().render(notice)
    parsed = email.message_from_bytes(mail.raw, policy=default)
    assert set(parsed.keys()) == EXPECTED_HEADERS
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in subject).split())
    assert " ".join(parsed["Subject"].split()) == \
        f"[LDP-000001] Laporan Bapak/Ibu telah kami terima: {cleaned}"
    assert [a.addr_spec for a in parsed["To"].addresses] == ["rina@x.id"]
    assert " ".join(parsed["To"].addresses[0].display_name.split()) == cleaned
    assert all(len(line) <= 998 for line in mail.raw.split(b"\r\n"))


def test_encoded_words_we_write_decode_to_the_literal_text():
    """A subject that looks like RFC 2047 is itself encoded, so readers show it literally."""
    value = "=?utf-8?Q?a=0D=0ABcc:_x?="
    wire = encode_text(value)
    assert wire.startswith("=?utf-8?b?") and "Bcc" not in wire
    parsed = email.message_from_bytes(f"Subject: {wire}\r\n\r\n".encode(), policy=default)
    assert parsed["Subject"] == value


def test_reporter_html_reaches_the_agents_notification_escaped(db_url, tmp_path):
    """Script and markup in a report are text in the agents' HTML, never markup."""
    settings = make_settings(tmp_path, db_url)
    ctx = build_context(settings, tmp_path)
    raw = (b"From: <script>x</script> <r@x.id>\r\nTo: helpdesk@lpse.example\r\n"
           b"Subject: <img src=x onerror=alert(1)>\r\nMessage-ID: <inj@x.id>\r\n"
           b"Content-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p>Halo</p><script>alert('x')</script><a href='javascript:alert(1)'>klik</a>"
           b"<!-- #resolve diam-diam -->")
    handle_raw(raw, ctx)
    for item in outbox.list_items():
        parsed = email.message_from_bytes(item.raw, policy=default)
        html = parsed.get_body(("html",)).get_content()
        assert "<script" not in html and "<img" not in html and "javascript:" not in html
        assert "onerror" not in html or "&lt;img src=x onerror" in html


@pytest.mark.parametrize("name", ["../../x", "con.txt", "a" * 300 + ".pdf", "x\x01\x02y.txt",
                                  "=?utf-8?b?Li4vLi4vZXRjL3Bhc3N3ZA==?=", "/etc/shadow",
                                  "..\\..\\boot.ini"])
def test_attachment_names_never_leave_the_attachment_folder(db_url, tmp_path, name):
    """Every hostile attachment name is stored under a generated id inside the folder."""
    settings = make_settings(tmp_path, db_url)
    ctx = build_context(settings, tmp_path)
    raw = (b"From: r@x.id\r\nTo: helpdesk@lpse.example\r\nSubject: lampiran\r\n"
           b"Message-ID: <att@x.id>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
           b"Content-Type: text/plain\r\n\r\nlihat lampiran\r\n--B\r\n"
           b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
           b"filename=\"" + name.encode("latin-1") + b"\"\r\n\r\nDATA\r\n--B--\r\n")
    handle_raw(raw, ctx)
    [row] = list(AttachmentRow.select())
    folder = (tmp_path / "data" / "attachments").resolve()
    assert (folder / row.storage_id).resolve().parent == folder
    assert "/" not in row.name and "\\" not in row.name and len(row.name.encode()) <= 150
    assert all(c.isprintable() for c in row.name)
    assert sorted(p.name for p in folder.iterdir()) == [row.storage_id]
