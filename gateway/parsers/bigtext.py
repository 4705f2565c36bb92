"""Bodies lifted out of a large message (`bigparts`), decoded a slice at a time: as text, only
as far as the caller keeps it, or as an attachment's bytes when it is read.

Each step does what the email package and mail-parser do to the whole body (`get_payload(
decode=True)`, then the declared charset with UTF-8 as the fallback), so a lifted body reads as
a whole parse would read it. A body these steps cannot decode slice by slice the same way (base64
that is not well formed, uuencode) raises `NotStreamable`, and the caller parses it whole.
"""
from __future__ import annotations

import binascii
import codecs
import re
from typing import Callable, Iterable, Iterator

SLICE = 1 << 20  # bytes decoded at a time
NON_ASCII_RE = re.compile(rb"[^\x00-\x7f]")

Body = Callable[[], Iterable[bytes]]  # the body's transfer-encoded pieces, anew at each call


class NotStreamable(Exception):
    """This body cannot be decoded a slice at a time exactly as a whole parse decodes it."""


def slices(pieces: Iterable[bytes], size: int = SLICE) -> Iterator[bytes]:
    """The pieces re-cut into slices of about `size` bytes that end after a line feed where
    one is near (so a quoted-printable soft break or escape is never cut in two)."""
    carry = b""
    for piece in pieces:
        view = memoryview(piece)
        for start in range(0, len(view), size):
            block = carry + bytes(view[start:start + size])
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                cut = _safe_cut(block)
            carry = block[cut:]
            if cut:
                yield block[:cut]
    if carry:
        yield carry


def _safe_cut(block: bytes) -> int:
    """A cut for a slice without any line feed: never inside an `=XX` escape or a CRLF."""
    cut = len(block)
    while cut > 0 and (b"=" in block[max(0, cut - 2):cut] or block[cut - 1:cut] == b"\r"):
        cut -= 1
    return cut


def transfer_decoded(pieces: Iterable[bytes], cte: str) -> Iterator[bytes]:
    """The body's bytes as `Message.get_payload(decode=True)` gives them, a slice at a time.
    `cte` is the Content-Transfer-Encoding as the email package reads it (lower case, not
    stripped)."""
    if cte == "quoted-printable":
        for block in slices(pieces):
            # a2b_qp drops what follows "=\r" up to the next LF: cut where there is no LF,
            # the slices would not drop what the whole body's decoding drops.
            if not block.endswith(b"\n") and b"=\r" in block:
                raise NotStreamable("quoted-printable soft breaks with lone CRs")
            yield binascii.a2b_qp(block)
    elif cte == "base64":
        yield from _base64(pieces)
    elif cte in ("x-uuencode", "uuencode", "uue", "x-uue"):
        raise NotStreamable("uuencoded body")
    else:
        for block in slices(pieces):
            yield block


def _base64(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Strict base64 only (what decode_b accepts without a defect): alphabet characters in
    quanta of four, padding only at the very end; line breaks are dropped as splitlines does."""
    carry = b""
    ended = False
    for block in slices(pieces):
        data = carry + block.replace(b"\r", b"").replace(b"\n", b"")
        if ended and data:
            raise NotStreamable("base64 goes on after its padding")
        keep = len(data) - len(data) % 4
        quanta, carry = data[:keep], data[keep:]
        if b"=" in quanta:
            if quanta.find(b"=") < len(quanta) - 2 or carry:
                raise NotStreamable("base64 padding inside the body")
            ended = True
        try:
            yield binascii.a2b_base64(quanta, strict_mode=True)
        except binascii.Error as exc:
            raise NotStreamable(f"base64 that is not well formed: {exc}") from exc
    if carry:
        raise NotStreamable("base64 length not a multiple of four")


def decoded_bytes(body: Body, cte: str) -> bytes:
    """The whole body's bytes (an attachment's file)."""
    return b"".join(transfer_decoded(body(), cte))


def text(body: Body, cte: str, charset: str, limit: int, newlines: bool = True
         ) -> tuple[str, int, bool]:
    """(the body's text as mail-parser decodes it, cleaned as mime.parse cleans it (NULs out,
    and with `newlines` every line ending made LF), cut after `limit` characters; the length
    of all of it; whether the declared charset failed, a CharsetDecodeDefect to mail-parser). mail-parser keeps a 7bit or 8bit body that is
    all ASCII as it is, and decodes any other with the declared charset, falling back to UTF-8,
    then to UTF-8 with replacement characters, when that fails anywhere in the body."""
    stripped = cte.strip()
    if stripped in ("", "7bit", "8bit") and not any(NON_ASCII_RE.search(p) for p in body()):
        return (*_decoded(body, cte, "ascii", "strict", limit, newlines), False)
    tries = ((charset, "strict"), ("utf-8", "strict"), ("utf-8", "replace"))
    for number, (codec, errors) in enumerate(tries):
        try:
            return (*_decoded(body, cte, codec, errors, limit, newlines), number > 0)
        except (LookupError, UnicodeError):
            continue
    raise AssertionError("unreachable: utf-8 with replacement never fails")


def _decoded(body: Body, cte: str, codec: str, errors: str, limit: int,
             newlines: bool) -> tuple[str, int]:
    if not getattr(codecs.lookup(codec), "_is_text_encoding", True):
        raise LookupError(f"{codec} is not a text encoding")  # as bytes.decode says
    decoder = codecs.getincrementaldecoder(codec)(errors)
    kept: list[str] = []
    room = limit
    size = 0
    held = ""  # a CR at the end of a slice: it may be the first half of a CRLF
    blocks = transfer_decoded(body(), cte)
    for final, block in _last_flagged(blocks):
        chunk = decoder.decode(block, final)
        chunk.encode("utf-8")  # a lone surrogate is no text (mail-parser's own check)
        if not newlines:
            cleaned = chunk.replace("\x00", "")
            size += len(cleaned)
            if room > 0:
                kept.append(cleaned[:room])
                room -= len(kept[-1])
            continue
        chunk = held + chunk
        held = ""
        if chunk.endswith("\r") and not final:
            chunk, held = chunk[:-1], "\r"
        # As mime._clean_text, except a CR at the very end: it may meet the newline that
        # joins this body to the next, as it would in the whole text.
        cleaned = chunk.replace("\x00", "").replace("\r\n", "\n")
        cleaned = cleaned[:-1].replace("\r", "\n") + cleaned[-1:] if final and \
            cleaned.endswith("\r") else cleaned.replace("\r", "\n")
        size += len(cleaned)
        if room > 0:
            kept.append(cleaned[:room])
            room -= len(kept[-1])
    return "".join(kept), size


def _last_flagged(blocks: Iterator[bytes]) -> Iterator[tuple[bool, bytes]]:
    previous = None
    for block in blocks:
        if previous is not None:
            yield False, previous
        previous = block
    yield True, previous if previous is not None else b""
