"""`Notice` to `OutgoingMail`: jinja2 templates (with `sandbox`, the only modules that import
jinja2) plus the headers every mail of ours carries: Message-ID on the support domain,
threading, the ticket tag, RFC 3834 Auto-Submitted and our loop marker.

Templates live in `templates/emails/{id,en}/NAME.{subject.txt,txt,html}`; they are compiled
once per Composer. HTML templates autoescape; every header value built from data is stripped
of CR, LF and other control characters before it reaches the message.
"""
from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
import sys
import urllib.parse
from dataclasses import replace
from datetime import datetime, timezone
from email import quoprimime
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import BinaryIO, Callable

import jinja2
from markupsafe import Markup, escape

from gateway import resources
from gateway.text import vocabulary
from gateway.domain import Notice, NoticeFile, OutgoingMail, Visibility
from gateway.parsers import safetext

TEMPLATES_DIR = resources.email_templates()
LANGUAGES = ("id", "en")
LOOP_HEADER = "X-LDP-Loop"
HEADER_POLICY = SMTP.clone(max_line_length=998)
QP_LINE = 76  # RFC 2045: encoded lines of at most 76 characters
HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
CRLF = "\r\n"
log = logging.getLogger("ldp")


def clean_header(value: str, limit: int = 900) -> str:
    """One safe header line: control characters (CR and LF above all) become spaces, and
    bidi controls go, so no header reads in an order other than its characters'."""
    return HEADER_UNSAFE.sub(" ", safetext.without_bidi(value or "")).strip()[:limit]


def make_message_id(domain: str, ref: str | None, token: str | None = None) -> str:
    """A Message-ID on our domain, recognisable as ours by its `ldp.` prefix."""
    local = ".".join(p for p in ("ldp", (ref or "x").lower(), token or secrets.token_hex(8)) if p)
    return f"<{local}@{clean_header(domain)}>"


def encode_text(value: str) -> str:
    """An unstructured header value as it goes on the wire: plain when it is printable ASCII
    without `=?`, else RFC 2047 base64 words of at most 75 characters each."""
    value = clean_header(value)
    if value.isascii() and "=?" not in value:
        return value
    # Split at spaces where possible: some readers (Python's address parser among them) keep
    # the blank between two encoded words of a display name.
    words, chunk = [], ""
    for token in re.split(r"(?<= )", value):
        while len((chunk + token).encode()) > 45:
            if chunk:
                words.append(chunk)
                chunk = ""
                continue
            cut = _fit(token, 45)
            words.append(token[:cut])
            token = token[cut:]
        chunk += token
    words.append(chunk)
    return " ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words if w)


def _fit(text: str, limit: int) -> int:
    """How many characters of text fit in `limit` UTF-8 bytes (at least one)."""
    size = 0
    for index, char in enumerate(text):
        size += len(char.encode())
        if size > limit:
            return max(index, 1)
    return len(text)


def _address(name: str, email: str) -> str:
    email = clean_header(email)
    name = clean_header(name)
    if not name:
        return email
    if name.isascii() and "=?" not in name:
        return formataddr((name, email))
    return f"{encode_text(name)} <{email}>"


def _quoted_printable(text: str) -> str:
    """A text body in utf-8, quoted-printable at 76 columns, ending in a line break, with CRLF
    line ends. binascii's encoder is C: the email package's (quoprimime) took a third of the
    time of rendering a notice. They differ only where both are right: binascii breaks a line
    before an escape a little earlier, and encodes a lone "." line as "=2E"."""
    data = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True).decode("ascii")
    if max(map(len, encoded.split("\n"))) > QP_LINE:
        # binascii can end a line with "=20" one column past the limit (CPython's encoder
        # reserves no room for it); the email package's encoder never does.
        encoded = quoprimime.body_encode(data.decode("latin-1"), QP_LINE)
    return encoded.replace("\n", CRLF)


@jinja2.pass_context
def _word(context: jinja2.runtime.Context, value: object, kind: str) -> str:
    """`{{ status | word("status") }}`: a stored value in the mail's language (`vocabulary`)."""
    return vocabulary.word(kind, value, context.get("language"))


def _nl2br(value: str) -> Markup:
    return Markup("<br>\n").join(escape(line) for line in str(value).split("\n"))


class Composer:
    """Renders notices; one per process, so templates compile once."""

    def __init__(self, *, support_address: str, support_name: str, domain: str,
                 loop_marker: str, templates_dir: Path | None = None,
                 file_path: Callable[[str], Path | None] | None = None) -> None:
        """`file_path`: where a stored attachment is now, by its storage id (None when it is
        not there); given by the edge (`service.build_context`), from `store.files`."""
        folder = Path(templates_dir) if templates_dir else TEMPLATES_DIR
        loader = jinja2.FileSystemLoader(str(folder))
        common = dict(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                      auto_reload=False, trim_blocks=True, lstrip_blocks=True)
        self._text = jinja2.Environment(autoescape=False, **common)
        self._html = jinja2.Environment(autoescape=True, **common)
        self._html.filters["nl2br"] = _nl2br
        for environment in (self._text, self._html):
            environment.filters["word"] = _word
        self.support_address = support_address
        self.support_name = support_name
        self.domain = domain
        self.loop_marker = loop_marker
        self.folder = folder
        self.file_path = file_path
        self._from = _address(support_name, support_address)
        self._compiled: dict[tuple[str, str], tuple] = {}

    def _templates(self, name: str, language: str) -> tuple:
        """The compiled subject, text and HTML templates, looked up once per process (jinja's
        own cache is consulted on every render: a few percent of storing a message)."""
        found = self._compiled.get((name, language))
        if found is None:
            base = f"{language}/{name}"
            found = self._compiled[(name, language)] = (
                self._text.get_template(f"{base}.subject.txt"),
                self._text.get_template(f"{base}.txt"), self._html.get_template(f"{base}.html"))
        return found

    def has_template(self, name: str, language: str) -> bool:
        return (self.folder / language / f"{name}.txt").is_file()

    def render(self, notice: Notice, now: datetime | None = None) -> OutgoingMail:
        language = notice.language if notice.language in LANGUAGES else "id"
        # The files are opened first, so that the mail says which one it could not carry
        # (gone from the attachments folder) rather than that it carries them all.
        files = self._opened(notice)
        try:
            found = {id(item) for item, _handle in files}
            missing = [item.name for item in notice.files if id(item) not in found]
            context = {"support_name": self.support_name,
                       "support_address": self.support_address, "language": language,
                       **notice.context, **({"files_missing": missing} if missing else {})}
            subject_template, text_template, html_template = self._templates(notice.template,
                                                                             language)
            subject = clean_header(subject_template.render(context))
            text = text_template.render(context)
            html = html_template.render(context)
            notice = self.addressed(notice)
            raw = self._build(notice, subject, text, html, notice.message_id, now, files)
        finally:
            for _item, handle in files:
                handle.close()
        return OutgoingMail(message_id=notice.message_id, sender=self.support_address,
                            recipients=(notice.to.email, *(a.email for a in notice.cc)),
                            subject=subject, raw=raw,
                            template=notice.template, text=text,
                            visibility=self.visibility(notice))

    def addressed(self, notice: Notice) -> Notice:
        """The notice with the Message-ID its mail will carry (a new one unless it has one)."""
        if notice.message_id:
            return notice
        return replace(notice, message_id=make_message_id(self.domain, notice.ticket_ref))

    @staticmethod
    def visibility(notice: Notice) -> Visibility:
        # Mail to people outside the desk: the reporter's, and a follower's confirmation.
        return Visibility.PUBLIC if notice.template.startswith(("reporter", "follow_")) \
            else Visibility.INTERNAL

    def _build(self, notice: Notice, subject: str, text: str, html: str, message_id: str,
               now: datetime | None, files: list[tuple[NoticeFile, BinaryIO]] = ()) -> bytes:
        """The mail's bytes, the one MIME builder of the gateway: written directly, since the
        email package's header objects and generator took nine tenths of the time of a
        render. The text and HTML are alternatives; a notice's files follow as attachments."""
        headers = [_line("From", self._from, parsed=False),
                   _line("To", _address(notice.to.name, notice.to.email), parsed=False),
                   *([_line("Cc", ", ".join(_address(a.name, a.email) for a in notice.cc),
                            parsed=False)] if notice.cc else []),
                   _line("Subject", encode_text(subject), parsed=False),
                   _line("Date", format_datetime(now or datetime.now(timezone.utc))),
                   _line("Message-ID", message_id),
                   _line("Reply-To", clean_header(notice.reply_to or self.support_address))]
        if notice.in_reply_to:
            headers.append(_line("In-Reply-To", clean_header(notice.in_reply_to)))
        references = " ".join(clean_header(r) for r in notice.references if r)
        if references:
            headers.append(_line("References", references))
        # X-Auto-Response-Suppress asks Exchange and friends not to answer with out-of-office.
        headers += [_line("Auto-Submitted", clean_header(notice.auto_submitted)),
                    "X-Auto-Response-Suppress: All", _line(LOOP_HEADER, self.loop_marker)]
        if notice.ticket_ref:
            headers.append(_line("X-LDP-Ticket", clean_header(notice.ticket_ref)))
        boundary = _boundary()
        # The parts as the email package writes them (MIME-Version in the HTML part too).
        body = (f'--{boundary}{CRLF}'
                f'Content-Type: text/plain; charset="utf-8"{CRLF}'
                f'Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}'
                f'{_quoted_printable(text)}{CRLF}--{boundary}{CRLF}'
                f'Content-Type: text/html; charset="utf-8"{CRLF}'
                f'Content-Transfer-Encoding: quoted-printable{CRLF}MIME-Version: 1.0{CRLF}{CRLF}'
                f'{_quoted_printable(html)}{CRLF}--{boundary}--{CRLF}')
        content_type = f'multipart/alternative; boundary="{boundary}"'
        pieces: list[bytes] = [body.encode("ascii")]
        if notice.attachments or files:
            pieces, content_type = _with_attachments(pieces, content_type, notice.attachments,
                                                     list(files))
        head = CRLF.join(headers + ["MIME-Version: 1.0", f"Content-Type: {content_type}"])
        # One join: a notice with 10 MB of files is held as its encoded pieces and the result.
        return b"".join([f"{head}{CRLF}{CRLF}".encode("ascii"), *pieces])

    def _opened(self, notice: Notice) -> list[tuple[NoticeFile, BinaryIO]]:
        """The notice's stored files, open. Opened at once: a file staged by the transaction
        that queued the notice may be moved into place meanwhile (an open file survives the
        rename). A file that is gone (removed by hand) is left out; the notice lists it."""
        found = []
        for item in notice.files:
            handle = self._open(item.storage_id)
            if handle is None:
                log.warning("%s: attachment %s (%s) not found, not attached", notice.ticket_ref,
                            item.storage_id, item.name)
            else:
                found.append((item, handle))
        return found

    def _open(self, storage_id: str) -> BinaryIO | None:
        for _attempt in range(2):
            path = self.file_path(storage_id) if self.file_path else None
            if path is None:
                return None
            try:
                return open(path, "rb")
            except FileNotFoundError:
                continue  # moved into place between looking and opening: look again
        return None


def _line(name: str, value: str, parsed: bool = True) -> str:
    """One header line. Printable ASCII within 998 characters is written as it is, as the
    email package would write it; anything else (a non-ASCII Message-ID a reporter's client
    made, a References line too long) as the email package writes it: RFC 2047 words, folded.
    `parsed`: a value we encoded ourselves (addresses, the subject), which the email package
    would otherwise decode again and re-fold, or crash on."""
    line = f"{name}: {value}"
    if line.isascii() and len(line) <= 998:
        return line
    header = HEADER_POLICY.header_factory(name, value) if parsed else value
    return HEADER_POLICY.fold_binary(name, header).decode("ascii").rstrip(CRLF)


def _boundary() -> str:
    """The email package's boundary: '=' runs never occur in quoted-printable or base64."""
    return "=" * 15 + f"{secrets.randbelow(sys.maxsize):019d}" + "=="


FILE_CHUNK = 57 * 16384  # 57 bytes make one 76-character base64 line
MIME_TYPE_RE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")


def _with_attachments(pieces: list[bytes], content_type: str,
                      attachments: tuple[tuple[str, str, str], ...],
                      files: list[tuple[NoticeFile, BinaryIO]]) -> tuple[list[bytes], str]:
    """The alternatives and the notice's files in one multipart/mixed body: each (file name,
    MIME type, text) and each stored file as a base64 attachment, read from its file a chunk
    at a time. Files with a Content-ID go with the alternatives into a multipart/related part,
    inline under the same Content-ID, so the HTML that names "cid:..." shows them."""
    inline = [(item, handle) for item, handle in files if item.content_id]
    if inline:
        boundary = _boundary()
        related = [f'--{boundary}{CRLF}Content-Type: {content_type}{CRLF}{CRLF}'.encode(),
                   *pieces]
        for item, handle in inline:
            related += [f"{CRLF}--{boundary}{CRLF}".encode(), *_file_part(item, handle, True)]
        related.append(f"{CRLF}--{boundary}--{CRLF}".encode())
        pieces = related
        content_type = f'multipart/related; type="multipart/alternative"; boundary="{boundary}"'
    boundary = _boundary()
    parts = [f"--{boundary}{CRLF}Content-Type: {content_type}{CRLF}{CRLF}".encode(), *pieces]
    for name, mime_type, content in attachments:
        encoded = base64.encodebytes(content.encode("utf-8")).decode("ascii")
        parts.append((f'{CRLF}--{boundary}{CRLF}Content-Type: {_mime_type(mime_type)}; '
                      f'charset="utf-8"{CRLF}Content-Transfer-Encoding: base64{CRLF}'
                      f'Content-Disposition: attachment; {_filename(name)}{CRLF}{CRLF}'
                      + encoded.replace("\n", CRLF).rstrip(CRLF)).encode("ascii"))
    for item, handle in files:
        if not item.content_id:
            parts += [f"{CRLF}--{boundary}{CRLF}".encode(), *_file_part(item, handle, False)]
    parts.append(f"{CRLF}--{boundary}--{CRLF}".encode())
    return parts, f'multipart/mixed; boundary="{boundary}"'


def _file_part(item: NoticeFile, handle: BinaryIO, inline: bool) -> list[bytes]:
    """One stored file as a MIME part: its headers, then its bytes in base64, 76-character
    lines, encoded a chunk at a time (never the whole file as one string)."""
    disposition = "inline" if inline else "attachment"
    head = (f"Content-Type: {_mime_type(item.content_type)}{CRLF}"
            f"Content-Transfer-Encoding: base64{CRLF}"
            f"Content-Disposition: {disposition}; {_filename(item.name)}{CRLF}")
    if inline:
        head += f"Content-ID: <{clean_header(item.content_id, 250)}>{CRLF}"
    chunks = [(head + CRLF).encode("ascii")]
    while chunk := handle.read(FILE_CHUNK):
        chunks.append(base64.encodebytes(chunk).replace(b"\n", b"\r\n"))
    if len(chunks) > 1:
        chunks[-1] = chunks[-1][:-2]  # the boundary line brings its own line break
    return chunks


def _mime_type(value: str) -> str:
    """A MIME type as a header may carry it; anything else is a plain file of bytes."""
    value = (value or "").strip().lower()
    return value if MIME_TYPE_RE.fullmatch(value) else "application/octet-stream"


def _filename(name: str) -> str:
    """The filename parameter: quoted when it is plain ASCII, else RFC 2231 UTF-8."""
    name = clean_header(name, 200) or "attachment"
    if name.isascii() and not any(c in name for c in '"\\'):
        return f'filename="{name}"'
    return f"filename*=utf-8''{urllib.parse.quote(name, safe='')}"
