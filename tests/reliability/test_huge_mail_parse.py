"""Issue 14, item 5: a huge mail is parsed in bounded memory. Its long bodies are lifted out
before mail-parser sees the message (bigparts), each text is decoded from the raw bytes only as
far as it is kept (bigtext, mime.TEXT_CHARS) and each attachment only when it is read. Whatever
the body's encoding, charset or shape, the mail reads exactly as the whole parse reads it, and a
shape that cannot be shown to read the same is parsed whole."""
from __future__ import annotations

import base64
import quopri
import tracemalloc

import pytest

from gateway.parsers import bigparts, mime, own_text
from tests import mails
from tests.lifting import assert_same, whole

LINE = "2026-11-02 09:15:01,123 ERROR [spse.auth] Login gagal untuk user {0}: sandi salah\n"
HEAD = ("From: Rina Wati <rina@pemkab-bogor.go.id>\nTo: helpdesk@lpse.example\n"
        "Subject: log besar\nMessage-ID: <huge@pemkab.example>\nMIME-Version: 1.0\n")


def log_text(megabytes: float, line: str = LINE) -> str:
    count = int(megabytes * 1_000_000 / len(line.format(100000)))
    return "Selamat pagi, berikut lognya:\n\n" + "".join(
        line.format(100000 + i) for i in range(count)) + "Terima kasih.\n"


def single(body: bytes, content_type: bytes = b"text/plain; charset=utf-8",
           cte: bytes | None = None, eol: bytes = b"\n") -> bytes:
    head = HEAD.encode() + b"Content-Type: " + content_type + b"\n"
    if cte:
        head += b"Content-Transfer-Encoding: " + cte + b"\n"
    return (head + b"\n").replace(b"\n", eol) + body


def multipart(*parts: bytes, subtype: bytes = b"mixed", boundary: bytes = b"==b0==") -> bytes:
    head = HEAD.encode() + b"Content-Type: multipart/" + subtype + b"; boundary=\"" + \
        boundary + b"\"\n\n"
    return head + b"".join(b"--" + boundary + b"\n" + part + b"\n" for part in parts) + \
        b"--" + boundary + b"--\n"


def part(body: bytes, content_type: bytes = b"text/plain; charset=utf-8", cte: bytes = b"",
         name: bytes = b"") -> bytes:
    head = b"Content-Type: " + content_type + b"\n"
    if cte:
        head += b"Content-Transfer-Encoding: " + cte + b"\n"
    if name:
        head += b"Content-Disposition: attachment; filename=\"" + name + b"\"\n"
    return head + b"\n" + body


def lifted_run_count(raw: bytes) -> int:
    return len(bigparts.lift(raw)[1])


QP_TEXT = log_text(3, "Baris {0}: pengguna tidak bisa masuk, sandi=salah — kode ✓ " + "x" * 60
                   + "\n")

SHAPES = {
    "7bit log, LF": lambda: single(log_text(3).encode()),
    "7bit log, CRLF": lambda: single(log_text(3).replace("\n", "\r\n").encode(), eol=b"\r\n"),
    "8bit latin-1 log": lambda: single(log_text(3, "Baris {0}: pengguna tidak bisa masuk à é\n")
                                       .encode("latin-1"), b"text/plain; charset=iso-8859-1",
                                       b"8bit"),
    "utf-8 declared, latin-1 bytes": lambda: single(
        log_text(2, "Baris {0}: café\n").encode("latin-1"), b"text/plain; charset=utf-8", b"8bit"),
    "unknown charset": lambda: single(log_text(2, "Baris {0}: naïve\n").encode(),
                                      b"text/plain; charset=x-no-such-charset", b"8bit"),
    "quoted-printable utf-8 (Gmail)": lambda: single(quopri.encodestring(QP_TEXT.encode()),
                                                     cte=b"quoted-printable"),
    "base64 utf-8 text": lambda: single(base64.encodebytes(QP_TEXT.encode()), cte=b"base64"),
    "HTML only": lambda: single(("<html><body><table>" + "".join(
        f"<tr><td>{i}</td><td>Login gagal &amp; sandi salah</td></tr>\n" for i in range(60_000))
        + "</table></body></html>\n").encode(), b"text/html; charset=utf-8"),
    "log with -- separators and header-like lines": lambda: single(log_text(
        3, "ERROR: baris {0}\n-----------------------------\n--no boundary here\n").encode()),
    "lone CRs": lambda: single(log_text(2, "a\rb {0}\r\n").encode()),
    "NUL bytes": lambda: single(log_text(2, "a\x00b {0}\n").encode()),
    "alternative, both large": lambda: multipart(
        part(log_text(2).encode()),
        part(("<p>" + log_text(2).replace("\n", "<br>\n")).encode(), b"text/html; charset=utf-8"),
        subtype=b"alternative"),
    "text and a text attachment (Thunderbird)": lambda: multipart(
        part(b"Terlampir log server.\n"),
        part(log_text(3).encode(), b"text/plain; charset=utf-8", b"7bit", b"server.log")),
    "quoted-printable attachment": lambda: multipart(
        part(b"Terlampir.\n"),
        part(quopri.encodestring(QP_TEXT.encode()), b"text/csv", b"quoted-printable", b"d.csv")),
    "base64 attachment and a large body": lambda: multipart(
        part(log_text(2).encode()),
        part(base64.encodebytes(bytes(range(256)) * 8000), b"application/pdf", b"base64",
             b"scan.pdf")),
    "forwarded message with a large body": lambda: multipart(
        part(b"Diteruskan.\n"),
        part(single(log_text(2).encode()), b"message/rfc822", name=b"asli.eml")),
    "boundary only in RFC 2231 form": lambda: multipart(
        part(log_text(2).encode()), part(b"kedua\n")).replace(
        b"boundary=\"==b0==\"", b"boundary*0=\"==b\"; boundary*1=\"0==\""),
    "a run in the preamble": lambda: multipart(part(b"isi\n")).replace(
        b"\n\n--==b0==", b"\n\n" + log_text(2).encode() + b"--==b0==", 1),
    "utf-16 text": lambda: single(log_text(1.5).encode("utf-16"),
                                  b"text/plain; charset=utf-16", b"binary"),
    "base64 with a bad line": lambda: single(base64.encodebytes(QP_TEXT.encode()) + b"!!\n",
                                             cte=b"base64"),
    # Found by an attacker's review: a stateful charset that reads the marker line as other
    # characters, EBCDIC under base64, codecs that are no text encodings, and quoted-printable
    # soft breaks with lone CRs across a megabyte without a line feed.
    "iso-2022-jp-2 switched before a run": lambda: single(
        b" \x1b$(C\n\x1b(B" + log_text(2).encode(), b"text/plain; charset=iso-2022-jp-2",
        b"quoted-printable"),
    "EBCDIC under base64": lambda: single(base64.encodebytes(
        log_text(2, "Baris {0}: pengguna tidak bisa masuk\n").encode("cp037")),
        b"text/plain; charset=cp037", b"base64"),
    "charset=base64": lambda: single(log_text(2).encode(), b"text/plain; charset=base64"),
    "charset=rot13": lambda: single(log_text(2).encode(), b"text/plain; charset=rot13"),
    "charset=zlib, quoted-printable": lambda: single(log_text(2).encode(),
                                                     b"text/plain; charset=zlib",
                                                     b"quoted-printable"),
    "quoted-printable lone-CR soft breaks": lambda: single(b"start\n" + b"abc=\r" * 500_000,
                                                           b"text/plain", b"quoted-printable"),
    "delivery report": lambda: multipart(
        part(b"Pesan tidak terkirim.\n"),
        part(b"Reporting-MTA: dns; mx.example\n\n" + log_text(2).encode(),
             b"message/delivery-status"), subtype=b"report; report-type=delivery-status"),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_large_mail_reads_exactly_as_the_whole_parse_reads_it(shape, monkeypatch):
    raw = SHAPES[shape]()
    assert len(raw) > bigparts.LIFT_MESSAGE_BYTES
    mail = mime.parse(raw)
    assert_same(mail, whole(raw, monkeypatch))
    assert "ldp-lifted-part" not in mail.text and "ldp-lifted-part" not in mail.html
    for item in mail.attachments:
        assert b"ldp-lifted-part" not in item.payload


def test_the_kept_text_is_the_beginning_and_says_how_long_the_whole_was():
    text = log_text(5)
    mail = mime.parse(single(text.encode()))
    assert lifted_run_count(single(text.encode())) == 1
    assert mail.text == text[:mime.TEXT_CHARS]
    assert mail.text_size == len(text) and mail.text_cut
    small = mime.parse(mails.report(body="Tidak bisa login.\n"))
    assert not small.text_cut


def test_an_html_only_mail_keeps_its_beginning_as_text():
    html = "<html><body><p>Selamat pagi,</p><table>" + "".join(
        f"<tr><td>{i}</td><td>Login gagal &amp; sandi salah</td></tr>\n" for i in range(400_000)
    ) + "</table></body></html>"
    mail = mime.parse(single(html.encode(), b"text/html; charset=utf-8"))
    assert mail.html == html[:mime.HTML_CHARS]
    assert mail.text.startswith("Selamat pagi,\n\n0 Login gagal & sandi salah\n")
    assert "&amp;" not in mail.text and "<td" not in mail.text
    assert mail.text_size == len(html) and mail.text_cut


def test_a_text_attachment_comes_out_byte_identical_and_is_read_only_when_asked():
    log = log_text(4).encode()
    raw = multipart(part(b"Terlampir log server.\n"),
                    part(log, b"text/plain; charset=utf-8", b"8bit", b"server.log"))
    mail = mime.parse(raw)
    [item] = mail.attachments
    assert isinstance(item, bigparts.LiftedAttachment)
    assert item.name == "server.log" and item.payload == log
    assert mail.text == "Terlampir log server.\n"


def qp_line() -> str:
    return "Baris {0}: pengguna tidak bisa masuk, sandi=salah — kode ✓ " + "x" * 60 + "\n"


GROWING = {
    "7bit log": lambda mb: single(log_text(mb).encode()),
    "quoted-printable utf-8 (Gmail)": lambda mb: single(
        quopri.encodestring(log_text(mb, qp_line()).encode()), cte=b"quoted-printable"),
    "base64 utf-8 text": lambda mb: single(base64.encodebytes(log_text(mb, qp_line()).encode()),
                                           cte=b"base64"),
    "HTML only": lambda mb: single(("<html><body><table>" + "".join(
        f"<tr><td>{i}</td><td>Login gagal &amp; sandi salah</td></tr>\n"
        for i in range(int(mb * 20_000))) + "</table></body></html>\n").encode(),
        b"text/html; charset=utf-8"),
    "text attachment": lambda mb: multipart(
        part(b"Terlampir.\n"), part(log_text(mb).encode(), b"text/plain", b"7bit", b"a.log")),
}


def parse_peak(function, raw: bytes) -> int:
    """Python's own allocations at their peak while `function` reads `raw` (tracemalloc
    counts them exactly: no timing and no machine in it)."""
    tracemalloc.start()
    try:
        function(raw)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape", sorted(GROWING))
@pytest.mark.parametrize("reader", ["mime.parse", "own_text.own_body"])
def test_parsing_memory_does_not_grow_with_the_message(shape, reader):
    """Four times the message, about the same memory: what a parse holds is the text it
    keeps (TEXT_CHARS) and slices of a megabyte, not the message. The whole parse held about
    four times the message (a 16 MB mail: 64 MB)."""
    function = mime.parse if reader == "mime.parse" else own_text.own_body
    small, large = GROWING[shape](4), GROWING[shape](16)
    small_peak, large_peak = parse_peak(function, small), parse_peak(function, large)
    assert large_peak < small_peak * 1.25 + 1_000_000, (small_peak, large_peak)
    assert large_peak < len(large), f"{large_peak / len(large):.2f} times the message"


def test_an_agents_own_words_are_read_from_a_huge_reply():
    log = log_text(3)
    body = own_text.own_body(single(("#escalate\n\nLog terlampir di bawah:\n" + log).encode()))
    assert body.plain == ("#escalate\n\nLog terlampir di bawah:\n" + log)[:own_text.TEXT_CHARS]


@pytest.mark.parametrize("shape", ["utf-16 text", "a run in the preamble"])
def test_a_huge_mail_that_cannot_be_lifted_is_read_in_part_never_whole(shape, monkeypatch):
    """Over WHOLE_PARSE_BYTES, a mail whose bodies cannot be lifted is not parsed whole (that
    held it eight times over): its beginning makes the ticket's text, marked as read in part,
    and the original (kept whole by the store) has the rest."""
    monkeypatch.setattr(mime, "WHOLE_PARSE_BYTES", 1 << 20)
    raw = SHAPES[shape]()
    assert len(raw) > 1 << 20
    mail = mime.parse(raw)
    assert mime.PARTIAL in mail.defects and mail.text_cut and mail.raw == raw
    assert "Selamat pagi, berikut lognya:" in mail.text[:100] or shape == "a run in the preamble"
    assert mail.attachments == ()
    peak = parse_peak(mime.parse, raw)
    assert peak < 8 * (1 << 20) + len(raw) // 2
