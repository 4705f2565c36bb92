"""Large base64 bodies lifted out of a raw message before mail-parser sees it.

mail-parser (through the email package) holds a message many times over while it parses: the
bytes decoded to a str, that str again inside a StringIO (four bytes a character), a list of its
lines, then each body joined back into one string. For a mail with a 20 MB attachment (27 MB on
the wire) that was 230 MB at the peak of one parse. Attachments are nearly always base64, and a
base64 body is a run of lines made of nothing but base64 characters: no such line is a header,
a boundary or a blank line to the email package. So a long run of them can be swapped for a
single marker line of the same kind without changing the MIME structure the email package sees;
the parse of that skeleton costs what a small mail costs, and the attachment is decoded straight
from the raw bytes, only when it is read (`LiftedAttachment`).

The caller checks that every marker came back as the whole payload of one base64 attachment and
nowhere else (`placed`, `leaked`); when that fails it parses the original bytes instead, so the
result is always what a whole parse gives.
"""
from __future__ import annotations

import binascii
import re
import secrets
from base64 import b64encode
from dataclasses import dataclass

from gateway.domain import Attachment

LIFT_MESSAGE_BYTES = 1 << 20  # smaller messages are parsed whole, exactly as before
LIFT_RUN_BYTES = 256 << 10    # shorter base64 runs stay where they are

# One or more whole lines of base64 characters (padding only at the end of a line), each ending
# in LF or CRLF. A lone CR ends a line for the email package, so it breaks a run here too.
# Possessive: a plain `+` kept a backtracking entry per line, 97 MB for a 27 MB run.
RUN_RE = re.compile(rb"^(?:[A-Za-z0-9+/]+=*\r?\n)++", re.M)
WHITESPACE = " \t\r\n"


@dataclass(frozen=True)
class Lifted:
    """One run taken out: `raw[start:end]` is the run, its last line ending (`eol` bytes)
    included; `marker` is the base64 line that stands in its place in the skeleton."""

    marker: str
    start: int
    end: int
    eol: int


def lift(raw: bytes) -> tuple[bytes, tuple[Lifted, ...]]:
    """The skeleton to parse and the runs taken out of it; `raw` itself when nothing is."""
    if len(raw) < LIFT_MESSAGE_BYTES:
        return raw, ()
    nonce = secrets.token_hex(8)
    view = memoryview(raw)
    pieces: list = []
    lifted: list[Lifted] = []
    last = 0
    for match in RUN_RE.finditer(raw):
        start, end = match.span()
        if end - start < LIFT_RUN_BYTES or start == 0:
            continue
        eol = 2 if raw[end - 2:end] == b"\r\n" else 1
        # 39 bytes encode to 52 characters without padding; the nonce makes the marker unique.
        marker = b64encode(f"ldp-lifted-part:{nonce}:{len(lifted):05d}:".encode()).decode()
        pieces += [view[last:start], marker.encode() + raw[end - eol:end]]
        lifted.append(Lifted(marker, start, end, eol))
        last = end
    if not lifted:
        return raw, ()
    pieces.append(view[last:])
    return b"".join(pieces), tuple(lifted)


def placed(lifted: tuple[Lifted, ...], payload: object) -> tuple[Lifted, str] | None:
    """The run a base64 attachment payload of the skeleton stands for, with what followed the
    marker (only line endings and blanks are allowed there); None when it is not a marker."""
    if not isinstance(payload, str):
        return None
    for part in lifted:
        if payload.startswith(part.marker):
            tail = payload[len(part.marker):]
            return (part, tail) if not tail.strip(WHITESPACE) else None
    return None


def leaked(lifted: tuple[Lifted, ...], text: str) -> bool:
    """Whether a marker shows in text that is not a lifted attachment's own payload: as the
    base64 line (a 7bit part, a forwarded message) or decoded (a base64 text part)."""
    if not lifted or not text:
        return False
    nonce = _nonce(lifted[0])
    return nonce in text or any(part.marker in text for part in lifted)


def _nonce(part: Lifted) -> str:
    return binascii.a2b_base64(part.marker).decode().split(":")[1]


class LiftedAttachment(Attachment):
    """An `Attachment` whose bytes are decoded from the raw message each time `payload` is read,
    so a parsed mail does not hold a second copy of a large attachment. It reads as the plain
    `Attachment` a whole parse would give: same name, content type and payload bytes."""

    def __init__(self, name: str, content_type: str, raw: bytes, part: Lifted,
                 tail: str) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "content_type", content_type)
        object.__setattr__(self, "_source", (raw, part, tail))

    @property
    def payload(self) -> bytes:  # type: ignore[override]
        raw, part, tail = self._source
        body = memoryview(raw)[part.start:part.end - part.eol]
        try:
            # As base64.b64decode(text) did on the whole payload: characters outside the
            # alphabet, the line endings among them, are skipped.
            return binascii.a2b_base64(body)
        except (binascii.Error, ValueError):
            # Undecodable base64 is kept as its text, as for any other attachment.
            return bytes(body) + tail.encode("utf-8", "replace")
