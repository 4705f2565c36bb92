"""The files an agent attached to a reply themselves, which may go on to the reporter: as
`own_text` finds the agent's own words, this finds the agent's own files.

A reply carries more files than the agent chose to send: a forwarded mail (message/rfc822)
and everything inside it (or a mail saved as a file: notice.eml, an Outlook .msg, which
hold the notice's internal notes and the agent's reply token); the reporter's own files coming back (a client that keeps the
attachments of the notice it answers, an agent who forwards the notice); and the images of
the agent's signature (a logo the HTML shows by its Content-ID). None of them goes to the
reporter: a reporter never learns what the desk forwarded among itself, gets their own files
back, or receives a logo as a file.

`parts(raw)` describes every file of a reply (walking the tree as `own_text` does, large bodies
lifted out first and hashed a slice at a time); `choose` is the rule, pure: what remains is
what the agent attached. The caller sends the stored attachments of the reply whose SHA-256 it
chose, so a file is sent only if it was both stored and chosen.
"""
from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass
from email.message import Message
from typing import Iterable

from gateway.parsers import bigparts, bigtext, quoting_html
from gateway.parsers.mime import WHOLE_PARSE_BYTES

SIGNATURE_IMAGE_BYTES = 20 * 1024  # an inline image this small, shown by the HTML: a logo
MAX_DEPTH = 20  # as own_text: multiparts nested deeper than any mail client writes are skipped
MAX_PARTS = 500  # a reply with more parts than this is not a reply a person wrote


@dataclass(frozen=True)
class Part:
    """One file of a reply, as its MIME tree shows it."""

    content_type: str
    sha256: str
    size: int
    content_id: str = ""  # without <>
    inline: bool = False  # Content-Disposition inline, or none
    forwarded: bool = False  # a message/* part, or inside one


def choose(parts: Iterable[Part], own_html: str, known: Iterable[str]) -> tuple[str, ...]:
    """The SHA-256 of each file the agent attached themselves, in order, each once: never a
    forwarded message or what is inside one, never a file the ticket holds already (`known`:
    the SHA-256 of the ticket's earlier attachments, the reporter's among them), never a small
    inline image the agent's own HTML shows by its Content-ID (a signature's logo), never an
    inline image the HTML shows only inside the quote (the notice's own picture, which a
    client such as Outlook re-encodes when replying, so that its SHA-256 is new)."""
    known = set(known)
    html = own_html.lower()
    above = quoting_html.images_above_quote(own_html) if own_html else frozenset()
    chosen: dict[str, None] = {}
    for part in parts:
        if part.forwarded or part.content_type.startswith("message/") or part.sha256 in known:
            continue
        if _signature_image(part, html) or _quoted_image(part, html, above):
            continue
        chosen.setdefault(part.sha256, None)
    return tuple(chosen)


def _quoted_image(part: Part, html: str, above: frozenset[str]) -> bool:
    cid = part.content_id.lower()
    return part.inline and bool(cid) and f"cid:{cid}" in html and cid not in above


def _signature_image(part: Part, html: str) -> bool:
    return (part.inline and bool(part.content_id) and part.content_type.startswith("image/")
            and part.size < SIGNATURE_IMAGE_BYTES
            and f"cid:{part.content_id.lower()}" in html)


def parts(raw: bytes) -> list[Part]:
    """Every file of a raw reply (leaf parts that are not its text bodies), in tree order.
    A large reply has its long bodies lifted out first, so a 20 MB attachment is hashed a
    slice at a time; when that cannot be shown to read as the whole message, it is read
    whole."""
    for message, lifted in bigparts.lifted_trees(raw):
        try:
            return _walk(message, raw, lifted)
        except bigtext.NotStreamable:
            continue
        except Exception:  # the email package raises anything on hostile MIME
            return []
    if len(raw) > WHOLE_PARSE_BYTES:
        return []  # too large to read whole (as mime.parse): no file goes on (all stay on the ticket)
    try:
        return _walk(email.message_from_bytes(raw), raw, ())
    except Exception:  # the email package raises anything on hostile MIME: no files, then
        return []


def _walk(message: Message, raw: bytes, lifted: tuple) -> list[Part]:
    found: list[Part] = []
    stack = [(message, 0, False)]
    while stack and len(found) < MAX_PARTS:
        part, depth, forwarded = stack.pop()
        if depth > MAX_DEPTH:
            continue
        content_type = part.get_content_type()
        payload = part.get_payload()
        if isinstance(payload, list):  # a multipart, or a message/* with its message inside
            inside = forwarded or part.get_content_maintype() == "message"
            stack.extend((child, depth + 1, inside) for child in reversed(payload))
            continue
        if _is_body(part):
            continue
        digest, size, head = _digest(part, raw, lifted)
        disposition = (part.get_content_disposition() or "inline").lower()
        found.append(Part(content_type, digest, size, _content_id(part.get("content-id")),
                          disposition == "inline",
                          forwarded or part.get_content_maintype() == "message"
                          or _is_saved_mail(part, head)))
    return found


def _is_body(part: Message) -> bool:
    """A text part without a file name, not marked as an attachment: a body, not a file."""
    return part.get_content_maintype() == "text" and part.get_filename() is None and \
        (part.get_content_disposition() or "inline").lower() != "attachment"


# A mail saved as a file: by its name or type (Outlook's item), or by its first bytes, a
# header block naming its sender and its Message-ID, whatever the file is called.
_MAIL_NAMES = (".eml", ".msg", ".mbox", ".emlx")
_MAIL_TYPES = ("application/vnd.ms-outlook", "application/mbox", "text/rfc822-headers")
_HEAD_BYTES = 16 * 1024
_HEADER_LINE = re.compile(rb"[!-9;-~]+:[^\r\n]*")


def _is_saved_mail(part: Message, head: bytes) -> bool:
    """A message forwarded as a plain file (a notice saved as notice.eml, an Outlook .msg):
    it carries what the notice carried, internal notes and the agent's reply token."""
    name = str(part.get_filename() or "").strip().lower()
    if name.endswith(_MAIL_NAMES) or part.get_content_type() in _MAIL_TYPES:
        return True
    fields = set()
    for line in head.lstrip().splitlines():
        if not line.strip():
            break
        if line[:1] in b" \t":
            continue  # a folded line
        if _HEADER_LINE.fullmatch(line) is None:
            return False
        fields.add(line.partition(b":")[0].strip().lower())
    return b"from" in fields and bool(fields & {b"message-id", b"received"})


def _digest(part: Message, raw: bytes, lifted: tuple) -> tuple[str, int, bytes]:
    """SHA-256 and size of a part's decoded bytes, and their first bytes; a lifted body a
    slice at a time."""
    digest, size, head = hashlib.sha256(), 0, b""
    payload = part._payload
    if lifted and isinstance(payload, str) and bigparts.markers_in(payload, lifted):
        cte = str(part.get("content-transfer-encoding", "")).lower()
        blocks = bigtext.transfer_decoded(bigparts.body_of(part, raw, lifted)(), cte)
    else:
        blocks = [part.get_payload(decode=True) or b""]
    for block in blocks:
        digest.update(block)
        size += len(block)
        if len(head) < _HEAD_BYTES:
            head += block[:_HEAD_BYTES - len(head)]
    return digest.hexdigest(), size, head


def _content_id(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return re.sub(r"\s", "", value).removeprefix("<").removesuffix(">")
