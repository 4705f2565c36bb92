"""`Notice` to `OutgoingMail`: jinja2 templates (the only module that imports jinja2) plus the
headers every mail of ours carries: Message-ID on the support domain, threading, the ticket tag,
RFC 3834 Auto-Submitted and our loop marker.

Templates live in `templates/emails/{id,en}/NAME.{subject.txt,txt,html}`; they are compiled
once per Composer. HTML templates autoescape; every header value built from data is stripped
of CR, LF and other control characters before it reaches the message.
"""
from __future__ import annotations

import base64
import binascii
import re
import secrets
import sys
from dataclasses import replace
from datetime import datetime, timezone
from email import quoprimime
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from gateway import resources
from gateway.text import vocabulary
from gateway.domain import Notice, OutgoingMail, Visibility
from gateway.parsers import safetext

TEMPLATES_DIR = resources.email_templates()
LANGUAGES = ("id", "en")
LOOP_HEADER = "X-LDP-Loop"
HEADER_POLICY = SMTP.clone(max_line_length=998)
QP_LINE = 76  # RFC 2045: encoded lines of at most 76 characters
HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
CRLF = "\r\n"


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
                 loop_marker: str, templates_dir: Path | None = None) -> None:
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
        context = {"support_name": self.support_name, "support_address": self.support_address,
                   "language": language, **notice.context}
        subject_template, text_template, html_template = self._templates(notice.template,
                                                                         language)
        subject = clean_header(subject_template.render(context))
        text = text_template.render(context)
        html = html_template.render(context)
        notice = self.addressed(notice)
        raw = self._build(notice, subject, text, html, notice.message_id, now)
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
               now: datetime | None) -> bytes:
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
        if notice.attachments:
            body, content_type = _with_attachments(body, content_type, notice.attachments)
        head = CRLF.join(headers + ["MIME-Version: 1.0", f"Content-Type: {content_type}"])
        return f"{head}{CRLF}{CRLF}{body}".encode("ascii")


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


def _with_attachments(body: str, content_type: str,
                      attachments: tuple[tuple[str, str, str], ...]) -> tuple[str, str]:
    """The alternatives and each (file name, MIME type, text) as a base64 attachment, in one
    multipart/mixed body."""
    boundary = _boundary()
    parts = [f"--{boundary}{CRLF}Content-Type: {content_type}{CRLF}{CRLF}{body}"]
    for name, mime_type, content in attachments:
        encoded = base64.encodebytes(content.encode("utf-8")).decode("ascii")
        filename = clean_header(name, 200).replace("\\", "_").replace('"', "_")
        parts.append(f'--{boundary}{CRLF}Content-Type: {clean_header(mime_type, 100)}; '
                     f'charset="utf-8"{CRLF}Content-Transfer-Encoding: base64{CRLF}'
                     f'Content-Disposition: attachment; filename="{filename}"{CRLF}{CRLF}'
                     + encoded.replace("\n", CRLF))
    return (CRLF.join(parts) + f"{CRLF}--{boundary}--{CRLF}",
            f'multipart/mixed; boundary="{boundary}"')
