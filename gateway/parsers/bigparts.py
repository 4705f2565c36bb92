"""Large bodies lifted out of a raw message before mail-parser sees it.

mail-parser (through the email package) holds a message many times over while it parses: the
bytes decoded to a str, a list of its lines, each body joined back into one string, then decoded
again. A 25 MB pasted log peaked at 226 MB in one parse. To the email package a body is opaque
except for the lines that start with `--` and a multipart's boundary, so a long run of body
lines can be swapped for a single marker line without changing the MIME structure it sees; the
skeleton's parse costs what a small mail costs, and each body is decoded from the raw bytes, only
as far as it is read (`LiftedAttachment`, `bigtext`).

What may be lifted (`RUN_RE`): a run starts at a line that cannot be a header line, a blank line
or a boundary (so that if the run starts where the email package still reads headers, the
headers end there in both parses), and goes on over every line until one that starts with `--`
followed by a boundary the message may declare (`boundaries`: every `boundary=` value in the
raw bytes, more than the message really declares). The caller checks afterwards that every
marker came back inside exactly one leaf body and nowhere else, and that every boundary of the
skeleton was among those looked for (`mime._parse_lifted`); when that cannot be shown it parses
with fewer runs lifted or the whole message, so the result is always what a whole parse gives.
"""
from __future__ import annotations

import binascii
import email
import re
import secrets
from base64 import b64encode
from dataclasses import dataclass
from typing import Iterator

from gateway.domain import Attachment

LIFT_MESSAGE_BYTES = 1 << 20  # smaller messages are parsed whole, exactly as before
LIFT_RUN_BYTES = 16 << 10     # shorter runs stay where they are
MAX_BOUNDARIES = 64           # more declared boundaries than this: only base64 runs are lifted

# A line as the email package splits them: up to CRLF, CR or LF.
LINE = rb"[^\r\n]*+(?:\r\n|\r|\n)"
# A line that ends the email package's headers and is read as body: not blank, not a header
# line (feedparser.headerRE: "From ", a field name and a colon, or leading white space), and
# not a boundary.
FIRST = rb"(?!--|From |[\x21-\x39\x3b-\x7e]*+:|[ \t\r\n])" + LINE
# Base64 lines only: what is lifted when the boundaries cannot be known.
BASE64_RUN_RE = re.compile(rb"(?<=[\r\n])(?:[A-Za-z0-9+/]++=*+(?:\r\n|\r|\n))++")
BOUNDARY_RE = re.compile(rb"boundary\s*=\s*(?:\"([^\"\r\n]{1,200})\"|([^\s;\"]{1,200}))", re.I)


@dataclass(frozen=True)
class Lifted:
    """One run taken out: `raw[start:end]` is the run, its last line ending (`eol` bytes)
    included; `marker` is the base64 line that stands in its place in the skeleton."""

    marker: str
    start: int
    end: int
    eol: int


def boundaries(raw: bytes) -> list[bytes] | None:
    """Every boundary the message may declare, as its lines start (`--` and the value); None
    when there are too many to look for."""
    found = {(m.group(1) or m.group(2)).strip() for m in BOUNDARY_RE.finditer(raw)}
    found.discard(b"")
    return None if len(found) > MAX_BOUNDARIES else sorted(found)


def run_pattern(declared: list[bytes] | None) -> re.Pattern:
    if declared is None:
        return BASE64_RUN_RE
    stop = b"|".join(re.escape(b"--" + value) for value in declared) or b"(?!)"
    return re.compile(rb"(?<=[\r\n])" + FIRST + rb"(?:(?!" + stop + rb")" + LINE + rb")*+")


FIND = "find"


def lift(raw: bytes, declared: list[bytes] | None | str = FIND
         ) -> tuple[bytes, tuple[Lifted, ...]]:
    """The skeleton to parse and the runs taken out of it; `raw` itself when nothing is.
    `declared` are the boundaries runs stop at (found with `boundaries` by default); None
    lifts base64 runs only."""
    if len(raw) < LIFT_MESSAGE_BYTES:
        return raw, ()
    pattern = run_pattern(boundaries(raw) if declared == FIND else declared)
    nonce = secrets.token_hex(8)
    view = memoryview(raw)
    pieces: list = []
    lifted: list[Lifted] = []
    last = 0
    for match in pattern.finditer(raw):
        start, end = match.span()
        if end - start < LIFT_RUN_BYTES:
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


def nonce_of(lifted: tuple[Lifted, ...]) -> str:
    return binascii.a2b_base64(lifted[0].marker).decode().split(":")[1]


def prefix(lifted: tuple[Lifted, ...]) -> str:
    """What every marker of one lift starts with (33 bytes encode to 44 characters)."""
    return lifted[0].marker[:44]


def markers_in(text: str, lifted: tuple[Lifted, ...]) -> list[Lifted]:
    """The lifted runs whose marker shows in `text` as it is in the skeleton."""
    if not lifted or prefix(lifted) not in text:
        return []
    return [part for part in lifted if part.marker in text]


def decoded_markers_in(text: str, lifted: tuple[Lifted, ...]) -> list[Lifted]:
    """The lifted runs whose marker shows in `text` base64-decoded (a base64 body)."""
    if not lifted or nonce_of(lifted) not in text:
        return []
    nonce = nonce_of(lifted)
    return [part for index, part in enumerate(lifted)
            if f"ldp-lifted-part:{nonce}:{index:05d}:" in text]


def placed(lifted: tuple[Lifted, ...], payload: object) -> tuple[Lifted, str] | None:
    """The run a base64 attachment payload of the skeleton stands for, with what followed the
    marker (only line endings and blanks are allowed there); None when it is not a marker."""
    if not isinstance(payload, str) or not lifted or not payload.startswith(prefix(lifted)):
        return None
    for part in lifted:
        if payload.startswith(part.marker):
            tail = payload[len(part.marker):]
            return (part, tail) if not tail.strip(" \t\r\n") else None
    return None


def leaked(lifted: tuple[Lifted, ...], text: str) -> bool:
    """Whether a marker shows in `text`: as the base64 line or decoded."""
    if not lifted or not text:
        return False
    return nonce_of(lifted) in text or prefix(lifted) in text


def encoded_body(payload: str, raw: bytes, lifted: tuple[Lifted, ...]) -> Iterator[bytes]:
    """The transfer-encoded bytes of one leaf body of the skeleton as the original has them:
    its payload with each marker (and the line ending after it) put back as the run it stands
    for, in pieces; the runs are views of `raw`, not copies."""
    view = memoryview(raw)
    at = 0
    for part in sorted(markers_in(payload, lifted), key=lambda p: payload.find(p.marker)):
        found = payload.find(part.marker, at)
        if found > at:
            yield payload[at:found].encode("ascii", "surrogateescape")
        after = found + len(part.marker)
        ending = raw[part.end - part.eol:part.end].decode("ascii")
        if payload.startswith(ending, after):
            yield view[part.start:part.end]
            at = after + len(ending)
        else:  # the body's last line: its line ending belongs to the boundary after it
            yield view[part.start:part.end - part.eol]
            at = after
    if at < len(payload):
        yield payload[at:].encode("ascii", "surrogateescape")


class LiftedAttachment(Attachment):
    """An `Attachment` whose bytes are decoded from the raw message each time `payload` is read,
    so a parsed mail does not hold a second copy of a large attachment. It reads as the plain
    `Attachment` a whole parse would give: same name, content type and payload bytes.
    `decode` turns the body's encoded pieces into its bytes (`bigtext.decoded_bytes`)."""

    def __init__(self, name: str, content_type: str, body, decode, content_id: str = "") -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "content_type", content_type)
        object.__setattr__(self, "content_id", content_id)
        object.__setattr__(self, "_source", (body, decode))

    @property
    def payload(self) -> bytes:  # type: ignore[override]
        body, decode = self._source
        return decode(body())


def lifted_trees(raw: bytes) -> Iterator[tuple[object, tuple[Lifted, ...]]]:
    """Each reading of a large message with its long bodies lifted out whose tree checks out
    (`holders`), the boundaries it declares first, then any: (the skeleton parsed by the
    email package, the lifted runs). Nothing below LIFT_MESSAGE_BYTES, nor for a message that
    cannot be lifted; the caller then reads it whole, within its own limit."""
    declared = boundaries(raw) if len(raw) >= LIFT_MESSAGE_BYTES else None
    for stops in ([declared, None] if declared is not None else [None]):
        skeleton, lifted = lift(raw, stops)
        if not lifted:
            continue
        try:
            message = email.message_from_bytes(skeleton)
            if holders(message, lifted, stops) is None:
                continue
        except Exception:  # the email package raises anything on hostile MIME: not this way
            continue
        yield message, lifted


def holders(message, lifted: tuple[Lifted, ...], declared: list[bytes] | None) -> dict | None:
    """Marker -> the leaf part of the skeleton's tree whose body holds it, when the skeleton
    parsed as the whole message would have (every marker inside exactly one leaf body, none in
    a preamble, an epilogue or a delivery report's fields, and every boundary of the tree among
    those the runs stopped at); None when that cannot be shown."""
    found: dict = {}
    stack = [(message, "")]
    try:
        while stack:
            part, parent = stack.pop()
            payload = part._payload
            if isinstance(payload, list):
                if not _boundary_declared(part.get_boundary(), declared):
                    return None
                if leaked(lifted, part.preamble or "") or leaked(lifted, part.epilogue or ""):
                    return None
                stack.extend((child, part.get_content_type()) for child in payload)
            elif isinstance(payload, str):
                held = markers_in(payload, lifted)
                if held and parent == "message/delivery-status":
                    return None
                for run in held:
                    if run.marker in found:
                        return None
                    found[run.marker] = part
    except Exception:  # hostile parameters: the email package raises anything
        return None
    return found if len(found) == len(lifted) else None


def _boundary_declared(boundary: str | None, declared: list[bytes] | None) -> bool:
    """Whether a run always stops at this boundary's lines (they start with `--` and it)."""
    if boundary is None or declared is None:
        return True  # no boundary lines; or only base64 runs, which never hold a `--` line
    try:
        value = boundary.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return True  # a line read from bytes can never equal it
    return any(value.startswith(start) for start in declared)


def body_of(part, raw: bytes, lifted: tuple[Lifted, ...]):
    """The transfer-encoded pieces of a leaf's body as the original has them, anew at each
    call (for `bigtext`)."""
    payload = part._payload
    return lambda: encoded_body(payload, raw, lifted)
