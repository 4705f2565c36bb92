"""Raw bytes to `InboundMail`, through mail-parser (the only module that imports it).

Addresses are decoded and lower-cased, the text body comes from the plain parts (or from the
HTML when there is none), mislabelled charsets fall back to something readable, and every
attachment name is reduced to a safe base name before anything else sees it.

A large message has its long bodies lifted out before mail-parser sees it (`bigparts`):
mail-parser holds a message about nine times over while it parses. A lifted body's text is
decoded from the raw bytes only as far as it is kept (`bigtext`), and a lifted attachment only
when it is read (`skeleton`). The result is the one a whole parse gives; when that cannot be
shown, the whole message is parsed.

A mail keeps at most TEXT_CHARS of text and HTML_CHARS of HTML (`text_size` says how long the
whole was): a 25 MB pasted log is for the original, kept whole beside the ticket, not for every
notice, rule and page that reads the text.
"""
from __future__ import annotations

import base64
import binascii
import email
import hashlib
import logging
import re
import unicodedata
from datetime import datetime, timezone
from email.feedparser import FeedParser
from email.utils import parsedate_to_datetime

import mailparser

from gateway.domain import Address, Attachment, InboundMail
from gateway.errors import MalformedMail
from gateway.parsers import addresses, bigparts, encoded_words, safetext, skeleton
from gateway.parsers.quoting import html_to_text
from gateway.parsers.threading import MAX_MESSAGE_ID_OCTETS

# mail-parser logs every defect at WARNING; defects are kept on the InboundMail instead.
logging.getLogger("mailparser").setLevel(logging.ERROR)

MSGID_RE = re.compile(r"<[^<>\s]{1,900}>")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                    *(f"lpt{i}" for i in range(10))}
MAX_NAME_BYTES = 150
MAX_SUBJECT = 1000  # a subject is a line for people; a 5 MB one is an attack, not a title
TEXT_CHARS = 1 << 20  # text a mail keeps (a notice shows 64 Ki of it; the original has all)
HTML_CHARS = 2 << 20  # HTML a mail keeps: markup is wordy
# The largest message parsed whole when its bodies cannot be lifted (a UTF-16 body, a long
# preamble): the whole parse holds it about eight times over. A larger one is read as far as
# this: its beginning makes the ticket, and the original keeps the rest and every attachment
# (PARTIAL).
WHOLE_PARSE_BYTES = 10 << 20
PARTIAL = "ReadInPartDefect"
# RFC 2047 decoding of everything but addresses; moved to its own module, kept here by name.
_decode = encoded_words.decode
_codec = encoded_words.codec


def parse(raw: bytes) -> InboundMail:
    """Decode one message. Raises MalformedMail when the bytes are not a mail at all."""
    if not raw or raw.isspace():  # (not raw.strip(): a copy of a 25 MB message)
        raise MalformedMail("empty message")
    if b":" not in raw[:4096]:
        raise MalformedMail("no header found in the first 4096 bytes")
    parsed, bodies = _parse_lifted(raw)
    headers, address_headers = _headers(parsed.message)
    # NUL out of the HTML too: PostgreSQL refuses it in text, and SQLite must store the same.
    html, html_size = _joined(bodies.html, HTML_CHARS, _no_nul)
    text, text_size = _joined(bodies.plain, TEXT_CHARS, _clean_text)
    if not text.strip() and html:
        text = _clean_text(html_to_text(html))
        text_size = html_size if html_size > len(html) else len(text)
        text = text[:TEXT_CHARS]
    if bodies.partial:  # how long the whole text is, no one knows: at most the message
        text_size = max(text_size, len(raw))
    return InboundMail(
        message_id=_first_id(headers.get("message-id", ())),
        sender=addresses.sender(address_headers.get("from", [])),
        to=_addresses(address_headers.get("to", [])),
        cc=_addresses(address_headers.get("cc", [])),
        reply_to=_addresses(address_headers.get("reply-to", [])),
        subject=_one_line(headers.get("subject", ("",))[0])[:MAX_SUBJECT],
        date=_date(headers.get("date", ())),
        in_reply_to=message_ids(" ".join(headers.get("in-reply-to", ()))),
        references=message_ids(" ".join(headers.get("references", ()))),
        text=text,
        html=html,
        # Read in part, the last attachment may be cut short: none is kept but the original.
        attachments=() if bodies.partial else
        tuple(_attachments(parsed.attachments, bodies.attachments)),
        headers=headers,
        digest=hashlib.sha256(raw).hexdigest(),
        raw=raw,
        defects=_defects(parsed, bodies),
        text_size=text_size,
    )


def _joined(entries: list[skeleton.Text], limit: int, clean) -> tuple[str, int]:
    """The bodies' texts joined and cleaned, cut after `limit` characters, and the length of
    all of them (a lifted body's text is cut already and knows its whole length)."""
    whole = clean("\n".join(entry.text for entry in entries))
    size = len(whole) + sum(entry.size - len(entry.text) for entry in entries if entry.size >= 0)
    return whole[:limit], size


def _defects(parsed, bodies: skeleton.Bodies) -> tuple[str, ...]:
    """mail-parser's defect categories, and the charset failures of the lifted bodies it did
    not decode itself; sorted, so the same mail always lists them alike."""
    found = {str(d) for d in (parsed.defects_categories or ())}
    if any(entry.recovered for entry in bodies.plain + bodies.html):
        found.add("CharsetDecodeDefect")
    if bodies.partial:
        found.add(PARTIAL)
    return tuple(sorted(found))


def _no_nul(text: str) -> str:
    return text.replace("\x00", "")


FEED_CHARS = 64 * 1024


def _feed(raw: bytes):
    """The standard library's tree of a message, as message_from_bytes makes it, with half its
    peak memory: message_from_bytes reads the message through a StringIO, which holds it four
    bytes a character (a 12 MB mail peaked at 101 MB there); fed to the same FeedParser in
    slices, the tree is the same."""
    parser = FeedParser()
    text = raw.decode("ascii", "surrogateescape")  # what BytesParser does
    for start in range(0, len(text), FEED_CHARS):
        parser.feed(text[start:start + FEED_CHARS])
    del text
    return parser.close()


def _mailparser(raw: bytes):
    try:
        return mailparser.MailParser(_message(raw))
    except Exception as exc:  # mail-parser raises anything from deep inside email.*
        raise MalformedMail(f"unparseable MIME: {type(exc).__name__}: {exc}") from exc


def _message(raw: bytes):
    """The stdlib tree mail-parser reads. A part whose boundary never starts (a returned
    message cut short, as SendGrid's reports have) makes mail-parser look for it in the top
    level's epilogue, which it assumes is a string: an empty one is the same as none."""
    message = _feed(raw)
    if message.is_multipart() and message.epilogue is None and message.get_boundary():
        message.epilogue = ""
    return message


def _parse_lifted(raw: bytes) -> tuple[object, skeleton.Bodies]:
    """mail-parser's result for the skeleton with the lifted bodies read from `raw`, or for the
    whole message when nothing was lifted or the skeleton's parse cannot be shown to be the
    whole parse. Runs stopped at the message's boundaries are tried first, then base64 runs
    only (they never hold a boundary line)."""
    if len(raw) >= bigparts.LIFT_MESSAGE_BYTES:
        declared = bigparts.boundaries(raw)
        for stops in ([declared, None] if declared is not None else [None]):
            skeleton_bytes, lifted = bigparts.lift(raw, stops)
            if not lifted:
                continue
            try:
                parsed = mailparser.MailParser(_message(skeleton_bytes))
            except Exception:  # the whole parse below raises it again, or succeeds
                continue
            del skeleton_bytes  # a copy of the small parts; the parse keeps what it needs
            holders = bigparts.holders(parsed.message, lifted, stops)
            if holders is None:
                continue
            bodies = skeleton.resolve(parsed.text_plain or [], parsed.text_html or [],
                                      parsed.attachments or [], holders, raw, lifted,
                                      (TEXT_CHARS, HTML_CHARS),
                                      parsed.text_not_managed or [])
            if bodies is not None:
                return parsed, bodies
    partial = len(raw) > WHOLE_PARSE_BYTES
    end = raw.rfind(b"\n", 0, WHOLE_PARSE_BYTES) + 1 or WHOLE_PARSE_BYTES
    parsed = _mailparser(raw[:end] if partial else raw)
    return parsed, skeleton.Bodies([skeleton.Text(t, -1) for t in parsed.text_plain or ()],
                                   [skeleton.Text(t, -1) for t in parsed.text_html or ()], {},
                                   partial)


def message_ids(value: str) -> tuple[str, ...]:
    """Every `<id>` in a header value, in order, without repeats. An ID longer than RFC 5322's
    line limit (998 octets, threading.MAX_MESSAGE_ID_OCTETS) is no ID: a mail whose own one is
    that long is known by the hash of its bytes, and a database index never sees it."""
    seen: dict[str, None] = {}
    for match in MSGID_RE.findall(value or ""):
        if len(match.encode("utf-8", "replace")) <= MAX_MESSAGE_ID_OCTETS:
            seen.setdefault(match, None)
    return tuple(seen)


def _given_name(item: dict, index: int, content_type: str) -> str:
    """The part's own file name; for a part that has none, a name that says what it is and
    stays the same on every parse (attachment-2.eml for a forwarded message)."""
    name = _decode(item.get("filename") or "")
    if not _INVENTED_NAME.fullmatch(name) or \
            "name" in str(item.get("content-disposition") or "").lower():
        return name
    ext = ".eml" if content_type == "message/rfc822" else name[-4:]
    return f"attachment-{index + 1}{ext}"


def safe_filename(name: str | None) -> str:
    """A display name that cannot leave its folder or confuse a file system or a shell."""
    name = unicodedata.normalize("NFC", name or "")
    name = safetext.without_bidi(CONTROL_RE.sub("", name))
    name = re.split(r"[/\\]", name)[-1]
    name = name.replace(":", "_").strip().lstrip(". ").rstrip(". ")
    stem, dot, ext = name.rpartition(".")
    if (stem if dot else name).lower() in WINDOWS_RESERVED:
        name = "_" + name
    if len(name.encode()) > MAX_NAME_BYTES:
        ext = ("." + ext[:16]) if dot else ""
        keep = name[: len(name) - len(ext)] if dot else name
        while len((keep + ext).encode()) > MAX_NAME_BYTES:
            keep = keep[:-1]
        name = keep + ext
    return name or "attachment"


def _headers(message) -> tuple[dict[str, tuple[str, ...]], dict[str, list]]:
    """(every header decoded, each address header's raw values with what they hold). Address
    headers are parsed raw and kept as `addresses.shown` rebuilds them: only names decoded."""
    headers: dict[str, list[str]] = {}
    found: dict[str, list] = {}
    for (name, value), (_, fetched) in zip(message.raw_items(), message.items()):
        name = name.lower()
        if name in addresses.ADDRESS_HEADERS:
            text = addresses.raw_text(value)
            parsed = addresses.parse_list(text)
            found.setdefault(name, []).append((text, parsed))
            headers.setdefault(name, []).append(addresses.shown(text, parsed))
        else:
            headers.setdefault(name, []).append(_decode(fetched))
    return {name: tuple(values) for name, values in headers.items()}, found


def _one_line(value: str) -> str:
    return safetext.one_line(value)


def _addresses(found: list) -> tuple[Address, ...]:
    return tuple(address for _text, parsed in found for address in parsed)


def _first_id(values: tuple[str, ...]) -> str | None:
    ids = message_ids(" ".join(values))
    return ids[0] if ids else None


def _date(values: tuple[str, ...]) -> datetime | None:
    for value in values:
        try:
            date = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            continue
        return date if date.tzinfo else date.replace(tzinfo=timezone.utc)
    return None


def _clean_text(text: str) -> str:
    # NUL and lone CRs only ever cause trouble downstream (PostgreSQL refuses NUL in text).
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


CONTENT_ID_RE = re.compile(r"[\x21-\x7e]{1,200}")


def content_id(value: object, disposition: object) -> str:
    """An inline part's Content-ID without its angle brackets, "" when the part is a plain
    attachment or the value is no Content-ID a notice may carry (printable ASCII, no quotes or
    angle brackets, at most 200 characters: it goes into our own headers and HTML)."""
    if not isinstance(value, str) or \
            str(disposition or "").strip().lower().startswith("attachment"):
        return ""
    value = value.strip().removeprefix("<").removesuffix(">")
    if not CONTENT_ID_RE.fullmatch(value) or any(c in value for c in '<>"\\'):
        return ""
    return value


# mail-parser names a part that has no file name with ten random letters (and .txt or .rtf):
# a forwarded message would be "xwzpxzdmiz.txt", another name on every parse.
_INVENTED_NAME = re.compile(r"[a-z]{10}\.(txt|rtf)")


def _attachments(items, lifted: dict) -> list[Attachment]:
    result: list[Attachment] = []
    for index, item in enumerate(items or ()):
        content_type = _one_line(item.get("mail_content_type") or "application/octet-stream")
        name = safe_filename(_given_name(item, index, content_type.lower()))
        cid = content_id(item.get("content-id"), item.get("content-disposition"))
        if index in lifted:
            body, decode = lifted[index]
            result.append(bigparts.LiftedAttachment(name, content_type.lower(), body, decode,
                                                    cid))
            continue
        payload = item.get("payload") or ""
        if item.get("binary"):
            try:
                data = base64.b64decode(payload)
            except (binascii.Error, ValueError):
                data = payload.encode("utf-8", "replace")
        else:
            data = payload.encode(_codec(item.get("charset")), "replace") \
                if isinstance(payload, str) else bytes(payload)
        result.append(Attachment(name=name, content_type=content_type.lower(), payload=data,
                                 content_id=cid))
    return result
