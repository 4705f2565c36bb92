"""Large attachments: their base64 runs are lifted out of the raw bytes before mail-parser sees
them, and the parsed mail is the one a whole parse gives, field for field, byte for byte."""
from __future__ import annotations

import base64
import hashlib
import random

import pytest

from gateway.parsers import bigparts, mime
from tests import mails
from tests.lifting import assert_same, whole

MB = 1_000_000


def blob(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def multipart(*parts: bytes, boundary: bytes = b"B0", eol: bytes = b"\r\n") -> bytes:
    head = (b"From: Rina <rina@pemkab-bogor.go.id>\nTo: helpdesk@lpse.example\n"
            b"Subject: lampiran besar\nMessage-ID: <big@x.id>\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=" + boundary + b"\n\n")
    body = b"".join(b"--" + boundary + b"\n" + part + b"\n" for part in parts)
    return (head + body + b"--" + boundary + b"--\n").replace(b"\n", eol)


def b64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).rstrip(b"\n")


def attachment(name: bytes, data_lines: bytes, content_type: bytes = b"application/pdf") -> bytes:
    return (b"Content-Type: " + content_type + b"; name=\"" + name + b"\"\n"
            b"Content-Transfer-Encoding: base64\n"
            b"Content-Disposition: attachment; filename=\"" + name + b"\"\n\n" + data_lines)


TEXT = b"Content-Type: text/plain; charset=utf-8\n\nTerlampir hasil pindai dokumen.\n"


def test_a_large_attachment_is_lifted_and_comes_out_byte_identical(monkeypatch):
    """A 3 MB attachment in a Python-built mail: lifted, not decoded at parse time, and the
    mail equals the whole parse (text, headers, defects, digest, raw, attachment bytes)."""
    data = blob(3 * MB)
    raw = mails.report(attachments=[("laporan.pdf", "application/pdf", data)])
    mail = mime.parse(raw)
    [item] = mail.attachments
    assert isinstance(item, bigparts.LiftedAttachment)
    assert (item.name, item.content_type, item.size) == ("laporan.pdf", "application/pdf",
                                                         3 * MB)
    assert hashlib.sha256(item.payload).digest() == hashlib.sha256(data).digest()
    assert mail.raw is raw and mail.digest == hashlib.sha256(raw).hexdigest()
    assert_same(mail, whole(raw, monkeypatch))


@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_blank_lines_after_the_body_and_both_line_endings_keep_the_parse_exact(monkeypatch, eol):
    """A blank line between the base64 and the boundary (as some clients write it), two large
    attachments and a nested alternative part: both lifted, everything as the whole parse."""
    first, second = blob(MB, 1), blob(2 * MB, 2)
    alternative = (b"Content-Type: multipart/alternative; boundary=ALT\n\n--ALT\n" + TEXT +
                   b"--ALT\nContent-Type: text/html\n\n<p>Terlampir</p>\n--ALT--")
    raw = multipart(alternative, attachment(b"a.bin", b64_lines(first) + b"\n\n"),
                    attachment(b"b.mp4", b64_lines(second), b"video/mp4"), eol=eol)
    mail = mime.parse(raw)
    assert [type(a).__name__ for a in mail.attachments] == ["LiftedAttachment"] * 2
    assert [a.payload for a in mail.attachments] == [first, second]
    assert mail.text == "Terlampir hasil pindai dokumen." and mail.html == "<p>Terlampir</p>"
    assert_same(mail, whole(raw, monkeypatch))


def test_truncated_base64_is_kept_as_its_text_exactly_as_a_whole_parse_keeps_it(monkeypatch):
    """A large attachment cut short in the middle of a base64 quantum cannot be decoded: the
    attachment holds the base64 text, as before, and the raw message is kept whole."""
    lines = b64_lines(blob(MB))[:-3]
    raw = multipart(TEXT, attachment(b"rusak.zip", lines))
    mail = mime.parse(raw)
    [item] = mail.attachments
    assert isinstance(item, bigparts.LiftedAttachment)
    assert item.payload == lines.replace(b"\n", b"\r\n") and item.size == len(item.payload)
    assert mail.raw == raw
    assert_same(mail, whole(raw, monkeypatch))


def test_a_hostile_name_on_a_lifted_attachment_is_still_reduced_to_a_safe_base_name():
    """The name of a lifted attachment goes through the same safe-name rules."""
    raw = multipart(TEXT, attachment(b"../../etc/passwd", b64_lines(blob(MB))))
    [item] = mime.parse(raw).attachments
    assert isinstance(item, bigparts.LiftedAttachment) and item.name == "passwd"


@pytest.mark.parametrize("kind", ["base64 text body", "7bit text body", "forwarded message",
                                  "extra line after the base64"])
def test_a_run_that_is_not_one_whole_base64_attachment_reads_as_the_whole_parse(
        monkeypatch, kind):
    """Long base64 runs in a text body, inside a forwarded message, or sharing a body with
    other text: lifted or not, no marker leaks anywhere and the result is the whole parse."""
    data = blob(MB)
    if kind == "base64 text body":
        text = ("Baris laporan panjang.\n" * 60_000).encode()
        raw = multipart(b"Content-Type: text/plain; charset=utf-8\n"
                        b"Content-Transfer-Encoding: base64\n\n" + b64_lines(text))
    elif kind == "7bit text body":
        raw = multipart(b"Content-Type: text/plain\n\n" + b64_lines(data))
    elif kind == "forwarded message":
        inner = mails.report(attachments=[("asli.pdf", "application/pdf", data)])
        inner = inner.replace(b"\r\n", b"\n")  # multipart() sets the line endings
        raw = multipart(TEXT, b"Content-Type: message/rfc822\n"
                        b"Content-Disposition: attachment; filename=\"asli.eml\"\n\n" + inner)
    else:
        raw = multipart(TEXT, attachment(b"x.bin", b64_lines(data) + b"\n-- tanda tangan"))
    assert bigparts.lift(raw)[1], "the test mail must have a run to lift"
    mail = mime.parse(raw)
    assert "ldp-lifted-part" not in mail.text
    for item in mail.attachments:
        assert b"ldp-lifted-part" not in item.payload
        assert base64.b64encode(b"ldp-lifted-part")[:12] not in item.payload
    assert_same(mail, whole(raw, monkeypatch))


def test_small_mail_is_parsed_whole_as_before():
    """Under LIFT_MESSAGE_BYTES nothing is lifted: the skeleton is the raw message itself."""
    raw = mails.report(attachments=[("kecil.pdf", "application/pdf", blob(200_000))])
    assert bigparts.lift(raw) == (raw, ())
    [item] = mime.parse(raw).attachments
    assert type(item).__name__ == "Attachment"


def test_the_skeleton_keeps_every_byte_outside_the_lifted_runs():
    """The skeleton is the raw message with each run replaced by one marker line."""
    raw = multipart(TEXT, attachment(b"a.bin", b64_lines(blob(MB))))
    skeleton, lifted = bigparts.lift(raw)
    [part] = lifted
    assert len(skeleton) < 2000
    assert skeleton == raw[:part.start] + part.marker.encode() + b"\r\n" + raw[part.end:]
