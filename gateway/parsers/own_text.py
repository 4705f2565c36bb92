"""The body a sender wrote in the mail itself: never an attached or forwarded message, an inline
log, or any part after the first.

`mime.parse` gathers the text of every part (for a report, a forwarded mail or a pasted log is
part of what the reporter hands over). An agent's reply is different: what it carries besides
the agent's own words (our notification forwarded back, a colleague's mail, a server log) is
for the desk, not for the reporter, and a command written in it is not the agent's command.

The body is found as mail clients build it: in a multipart/alternative the text/plain and the
text/html version of the same body; in any other multipart (mixed, related, signed) only the
first part, since what follows is attached to it; a message/rfc822 part, and any part with a
file name or marked as an attachment, is never the body.
"""
from __future__ import annotations

import email
from dataclasses import dataclass
from email.message import Message

from gateway.parsers import bigparts, bigtext, encoded_words

MAX_DEPTH = 20  # multiparts nested deeper than any mail client writes are not searched
TEXT_CHARS = 1 << 20  # as mime.TEXT_CHARS: an agent's words are at the top


@dataclass(frozen=True)
class OwnBody:
    """The text/plain and text/html versions of the sender's own body ("" when absent)."""

    plain: str
    html: str


def own_body(raw: bytes) -> OwnBody:
    """The sender's own body of a raw message. Large bodies are lifted out first (as for
    `mime.parse`), so reading a reply with a 20 MB attachment or a pasted log costs what a
    small one costs; the body is then read from the raw bytes, no further than TEXT_CHARS."""
    for message, lifted in bigparts.lifted_trees(raw):
        body = _read(message, raw, lifted)
        if body is not None:
            return body
    try:
        return _read(email.message_from_bytes(raw), raw, ()) or OwnBody("", "")
    except Exception:  # the email package raises anything on hostile MIME: no body, then
        return OwnBody("", "")


def _read(message: Message, raw: bytes, lifted: tuple) -> OwnBody | None:
    try:
        plain, html = _body_parts(message, 0)
        return OwnBody(_text(plain, raw, lifted), _text(html, raw, lifted))
    except bigtext.NotStreamable:
        return None
    except Exception:  # the email package raises anything on hostile MIME: no body, then
        return OwnBody("", "")


def _body_parts(part: Message, depth: int) -> tuple[Message | None, Message | None]:
    """(text/plain part, text/html part) of the body at the top of `part`."""
    if depth > MAX_DEPTH or _attached(part):
        return None, None
    maintype, subtype = part.get_content_maintype(), part.get_content_subtype()
    if maintype == "text":
        return (part, None) if subtype == "plain" else (None, part) if subtype == "html" \
            else (None, None)
    if maintype != "multipart" or not part.is_multipart():
        return None, None  # message/rfc822, images, files: never the sender's own words
    children = part.get_payload()
    if not children:
        return None, None
    if subtype != "alternative":
        return _body_parts(children[0], depth + 1)
    plain = html = None
    for child in children:
        found_plain, found_html = _body_parts(child, depth + 1)
        plain, html = plain or found_plain, html or found_html
    return plain, html


def _attached(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or part.get_filename() is not None


def _text(part: Message | None, raw: bytes, lifted: tuple) -> str:
    if part is None:
        return ""
    if lifted and isinstance(part._payload, str) and bigparts.markers_in(part._payload, lifted):
        cte = str(part.get("content-transfer-encoding", "")).lower()
        return bigtext.text(bigparts.body_of(part, raw, lifted), cte,
                            encoded_words.codec(part.get_content_charset()), TEXT_CHARS)[0]
    data = part.get_payload(decode=True) or b""
    text = data.decode(encoded_words.codec(part.get_content_charset()), "replace")
    # As mime.parse cleans its text: NUL and lone CRs only ever cause trouble downstream.
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
