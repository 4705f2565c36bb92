"""The structure of machine reports, as opposed to their wording.

Wording ("tidak terkirim", "undeliverable", "returned") is what people use too when they write
to a help desk about mail that did not arrive, so wording alone must never turn a person's mail
into a bounce. This module answers the structural questions instead: is the mail a
`multipart/report` (RFC 6522), is its envelope sender null or the mail system, does it carry a
returned message, is it a feedback-loop report (RFC 5965), and which Message-IDs does it report
on (so a bounce can be checked against our outbox).
"""
from __future__ import annotations

import re
from email.message import Message

from gateway.domain import InboundMail

MAX_REPORTED_IDS = 20
REPORT_CT_RE = re.compile(r"^\s*multipart/report\s*;.*report-type\s*=\s*\"?([\w-]+)", re.I | re.S)
FEEDBACK_RE = re.compile(rb"feedback-report", re.I)
DAEMON_LOCAL_RE = re.compile(r"^(?:mailer[-_.]?daemon|mdaemon|postmaster|post_master)$", re.I)
RETURNED_TYPES = {"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"}
# A copy of a mail's header block quoted in a plain-text notice (qmail, Exim, Sendmail 8...).
INLINE_HEADER_RE = re.compile(r"^[ \t>]*(?:received|message-id|return-path)[ \t]*:[ \t]*\S",
                              re.I | re.M)
# A line that is one address and nothing else: how notices list their failed recipients.
LISTED_ADDRESS_RE = re.compile(r"^[ \t]*(?:\"[^\"\n]{0,80}\"[ \t]*)?"
                               r"<?[\w.%+-]+@[\w.-]+\.[a-z]{2,24}>?[ \t]*:?[ \t]*$", re.I | re.M)


def report_type(mail: InboundMail) -> str | None:
    """The report-type of a top-level multipart/report, lower-cased; None for any other mail."""
    match = REPORT_CT_RE.match(mail.header("content-type") or "")
    return match.group(1).lower() if match else None


def is_feedback_report(mail: InboundMail, parts: list[tuple[Message, bool]]) -> bool:
    """An abuse or feedback-loop report (ARF, RFC 5965): the report-type, or its report part."""
    if report_type(mail) == "feedback-report":
        return True
    return any(not nested and part.get_content_type() == "message/feedback-report"
               for part, nested in parts)


def may_be_feedback(mail: InboundMail, limit: int) -> bool:
    """Cheap pre-check on the bytes, so ordinary mail is not parsed a second time."""
    return bool(FEEDBACK_RE.search(mail.raw, 0, limit))


def null_or_daemon_envelope(mail: InboundMail) -> bool:
    """The envelope sender (Return-Path, else From) is null, MAILER-DAEMON or postmaster."""
    paths = mail.headers.get("return-path", ())
    if paths:
        return any(_daemon_path(value) for value in paths)
    local = mail.sender.email.rpartition("@")[0] if mail.sender else ""
    return mail.sender is None or bool(DAEMON_LOCAL_RE.match(local))


def _daemon_path(value: str) -> bool:
    inner = value.strip().strip("<>").strip()
    return not inner or bool(DAEMON_LOCAL_RE.match(inner.rpartition("@")[0] or inner))


def returned_message(parts: list[tuple[Message, bool]], notice_text: str) -> bool:
    """A copy of the failed mail: an attached message or header part that is not itself a
    report (a person forwarding a bounce is asking for help), else a header block quoted in
    the plain text."""
    for part, nested in parts:
        if nested or part.get_content_type() not in RETURNED_TYPES:
            continue
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message) \
                and inner[0].get_content_type() == "multipart/report":
            return False
        return True
    return len(INLINE_HEADER_RE.findall(notice_text)) >= 2


def listed_address(notice: str, own: set[str]) -> bool:
    """The notice lists a failed address on a line of its own (not one of the mail's own)."""
    for match in LISTED_ADDRESS_RE.finditer(notice):
        address = re.search(r"[\w.%+-]+@[\w.-]+\.[a-z]{2,24}", match.group(0), re.I)
        if address and address.group(0).lower() not in own:
            return True
    return False


def has_report_structure(mail: InboundMail, parts: list[tuple[Message, bool]],
                         body_text: str) -> bool:
    """What a real delivery report has and a person's mail does not: a multipart/report, or
    a null or mail-system envelope sender together with a returned message."""
    if report_type(mail) is not None:
        return True
    return null_or_daemon_envelope(mail) and returned_message(parts, body_text)


def reported_ids(mail: InboundMail, returned: list[str]) -> tuple[str, ...]:
    """The Message-IDs a report names as the mail it reports on: returned copies first, then
    In-Reply-To and References (newest first); bounded."""
    ordered: dict[str, None] = {}
    for message_id in (*returned, *mail.in_reply_to, *reversed(mail.references)):
        if len(ordered) >= MAX_REPORTED_IDS:
            break
        ordered.setdefault(message_id, None)
    return tuple(ordered)
