"""Raw bytes to `InboundMail`, through mail-parser (the only module that imports it).

Addresses are decoded and lower-cased, the text body comes from the plain parts (or from the
HTML when there is none), mislabelled charsets fall back to something readable, and every
attachment name is reduced to a safe base name before anything else sees it.

A large message has its long base64 runs lifted out before mail-parser sees it (`bigparts`):
mail-parser holds a message about nine times over while it parses, and a lifted attachment is
decoded from the raw bytes only when it is read. The result is the one a whole parse gives; when
that cannot be shown (a run that is not an attachment's whole body), the whole message is parsed.
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
from gateway.parsers import addresses, bigparts, encoded_words, safetext
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
# RFC 2047 decoding of everything but addresses; moved to its own module, kept here by name.
_decode = encoded_words.decode
_codec = encoded_words.codec


def parse(raw: bytes) -> InboundMail:
    """Decode one message. Raises MalformedMail when the bytes are not a mail at all."""
    if not raw or not raw.strip():
        raise MalformedMail("empty message")
    if b":" not in raw[:4096]:
        raise MalformedMail("no header found in the first 4096 bytes")
    parsed, found = _parse_lifted(raw)
    headers, address_headers = _headers(parsed.message)
    # NUL out of the HTML too: PostgreSQL refuses it in text, and SQLite must store the same.
    html = "\n".join(parsed.text_html or ()).replace("\x00", "")
    text = _clean_text("\n".join(parsed.text_plain or ()))
    if not text.strip() and html:
        text = _clean_text(html_to_text(html))
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
        attachments=tuple(_attachments(parsed.attachments, raw, found)),
        headers=headers,
        digest=hashlib.sha256(raw).hexdigest(),
        raw=raw,
        defects=tuple(str(d) for d in (parsed.defects_categories or ())),
    )


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


def _parse_lifted(raw: bytes):
    """mail-parser's result and the lifted attachments ({} when nothing was lifted, or when
    the skeleton's parse cannot be shown to be the whole parse: then the whole is parsed)."""
    skeleton, lifted = bigparts.lift(raw)
    if lifted:
        try:
            parsed = mailparser.MailParser(_message(skeleton))
        except Exception:  # the whole parse below raises it again, or succeeds
            parsed = None
        del skeleton  # a copy of the small parts; the parse keeps what it needs
        if parsed is not None:
            found = _placed(lifted, parsed.attachments, "\n".join(parsed.text_plain or ()),
                            "\n".join(parsed.text_html or ()))
            if found is not None:
                return parsed, found
    return _mailparser(raw), {}


def _placed(lifted, items, plain: str, html: str) -> dict | None:
    """Attachment index -> (lifted run, text after its marker), when every lifted run came back
    as the whole payload of exactly one base64 attachment and shows nowhere else; else None."""
    found: dict[int, tuple] = {}
    others = [plain, html]
    for index, item in enumerate(items or ()):
        spot = bigparts.placed(lifted, item.get("payload")) if item.get("binary") else None
        if spot is None:
            others.append(item.get("payload") if isinstance(item.get("payload"), str) else "")
        else:
            found[index] = spot
    runs = [part for part, _ in found.values()]
    if len(runs) != len(lifted) or len(set(runs)) != len(runs):
        return None
    if any(bigparts.leaked(lifted, text) for text in others):
        return None
    return found


def message_ids(value: str) -> tuple[str, ...]:
    """Every `<id>` in a header value, in order, without repeats. An ID longer than RFC 5322's
    line limit (998 octets, threading.MAX_MESSAGE_ID_OCTETS) is no ID: a mail whose own one is
    that long is known by the hash of its bytes, and a database index never sees it."""
    seen: dict[str, None] = {}
    for match in MSGID_RE.findall(value or ""):
        if len(match.encode("utf-8", "replace")) <= MAX_MESSAGE_ID_OCTETS:
            seen.setdefault(match, None)
    return tuple(seen)


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


def _attachments(items, raw: bytes, lifted: dict) -> list[Attachment]:
    result: list[Attachment] = []
    for index, item in enumerate(items or ()):
        name = safe_filename(_decode(item.get("filename") or ""))
        content_type = _one_line(item.get("mail_content_type") or "application/octet-stream")
        if index in lifted:
            part, tail = lifted[index]
            result.append(bigparts.LiftedAttachment(name, content_type.lower(), raw, part, tail))
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
        result.append(Attachment(name=name, content_type=content_type.lower(), payload=data))
    return result
