"""Bounces: whether a mail reports a failed delivery, which addresses failed, and whether for good.

RFC 3464 delivery-status reports are read field by field; the many older or non-standard formats
(qmail, Exim, Postfix, Exchange, GroupWise, Yahoo, AOL, Lotus Notes, free text) are recognised by
their sender and wording and their addresses taken from the notice text. `bounced_message_id`
names the message of ours that bounced. Everything works on the stdlib `email` parse of
`InboundMail.raw`, capped, so a huge returned attachment costs nothing.
"""
from __future__ import annotations

import email
import re
from email import policy
from email.message import Message
from typing import Iterator

from gateway.domain import InboundMail, MachineVerdict
from gateway.parsers import bounce_shape
from gateway.parsers.bounce_text import (
    ADDR_RE, BODY_RE, cut_notice, english_wording, html_text, is_forward, permanent_from_text,
    subject_says_bounce, text_recipients,
)

MAX_RAW = 512 * 1024      # the notice and status come first; the returned mail may be cut
MAX_NOTICE = 64 * 1024    # decoded notice text scanned for wording and addresses
MAX_PARTS = 200           # a mail with more parts than this is not a bounce worth reading
MAX_RECIPIENTS = 50

MSGID_RE = re.compile(r"<[^<>\s]{1,900}>")
ID_LINE_RE = re.compile(r"^[ \t>]*Message-Id[ \t]*:[ \t]*(<[^<>\s]{1,900}>)", re.I | re.M)
FIELD_RE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
DAEMON_NAME_RE = re.compile(r"mail(?:er)?[\s_.-]*daemon|mail delivery (?:sub)?system|"
                            r"delivery subsystem", re.I)
DAEMON_LOCALS = {"mailer-daemon", "mailerdaemon", "mailer_daemon", "mdaemon", "post_master"}
REJECTED_MDN_RE = re.compile(r"automatic-action\s*/[^;]*;\s*deleted", re.I)
FAILED_ACTIONS = {"failed", "failure", "error", "bounced", "undeliverable"}
RETURNED_TYPES = {"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"}
OK_ACTIONS = {"delivered", "relayed", "expanded"}
REPORT_TYPES_RE = re.compile(rb"delivery-status|disposition-notification", re.I)


def parse_raw(raw: bytes) -> Message:
    """The stdlib tree of the first MAX_RAW bytes; compat32 never raises on odd headers."""
    return email.message_from_bytes(raw[:MAX_RAW], policy=policy.compat32)


def detect(mail: InboundMail) -> MachineVerdict | None:
    """A bounce verdict with the failed addresses and permanence, or None when it is no bounce."""
    if not _may_be_bounce(mail):
        return None
    msg = parse_raw(mail.raw)
    parts = list(_walk(msg))
    reason = _why_bounce(mail, msg, parts)
    if reason is None:
        return None
    notice = _notice(msg, parts)
    recipients, permanent, found = _status_recipients(parts)
    if not found:
        recipients, permanent = _status_text_recipients(msg)
        found = bool(recipients)
    if not found:
        recipients = _header_list(mail.header("x-failed-recipients")) or \
            _text_recipients(mail, notice)
    if permanent is None and (recipients or not found):  # a report of deliveries only stays None
        permanent = permanent_from_text(mail.subject, notice)
    return MachineVerdict("bounce", reason, permanent, tuple(recipients[:MAX_RECIPIENTS]))


def bounced_message_id(mail: InboundMail) -> str | None:
    """The Message-ID of the mail the bounce reports on.

    From the returned copy (message/rfc822 or its headers), else In-Reply-To or References,
    else a Message-ID line in a plain-text bounce. None when the bounce does not say.
    """
    msg = parse_raw(mail.raw)
    for part, _nested in _walk(msg):
        found = _returned_id(part)
        if found:
            return found
    if mail.in_reply_to:
        return mail.in_reply_to[-1]
    if mail.references:
        return mail.references[-1]
    return _id_line(_body_text(msg))


def _may_be_bounce(mail: InboundMail) -> bool:
    """Whether any evidence `_why_bounce` weighs could be there, without a second MIME parse
    (that parse took a fifth of the time of storing an ordinary mail). A content type or report
    type cannot be folded inside its name, so the bytes must spell it out."""
    return bool(REPORT_TYPES_RE.search(mail.raw, 0, MAX_RAW)
                or mail.header("x-failed-recipients")
                or subject_says_bounce(mail.subject) or _machine_sender(mail))


def _why_bounce(mail: InboundMail, msg: Message, parts: list[tuple[Message, bool]]) -> str | None:
    """Which evidence makes this a bounce; None when there is not enough of it."""
    types = {(p.get_content_type(), nested) for p, nested in parts}
    report = (msg.get_param("report-type") or "")
    if ("message/delivery-status", False) in types or str(report).lower() == "delivery-status":
        return "delivery-status report (RFC 3464)"
    if any(_rejection_mdn(p) for p, nested in parts if not nested):
        return "disposition report: rejected automatically (RFC 5429)"
    if mail.header("x-failed-recipients"):
        return "X-Failed-Recipients header"
    subject_hit = subject_says_bounce(mail.subject)
    machine = _machine_sender(mail)
    if not (subject_hit or machine):
        return None  # most mail stops here, before its text is read
    notice = _notice(msg, parts)
    body_hit = ("message/delivery-status", True) in types or bool(BODY_RE.search(notice[:4096]))
    if from_mail_system(mail) and (subject_hit or body_hit or _text_recipients(mail, notice)):
        # The mailer-daemon writes in any language; naming an address is evidence enough.
        return f"sent by the mail system ({_sender_text(mail)})"
    if machine and (subject_hit or body_hit):
        return f"delivery failure notice from {_sender_text(mail)}"
    if subject_hit and body_hit and not is_forward(mail.subject) \
            and _machine_layout(mail, msg, parts, notice):
        return "delivery failure notice (subject, wording and layout)"
    return None


def _machine_layout(mail: InboundMail, msg: Message, parts, notice: str) -> bool:
    """People write "tidak terkirim" too: from a sender who is no mail system, only a mail
    system's English wording counts, and only beside a returned copy of the mail or a failed
    address listed on its own line."""
    if not english_wording(notice[:4096]):
        return False
    return bounce_shape.returned_message(parts, _plain_text(msg, parts)) \
        or bounce_shape.listed_address(notice, _own_addresses(mail))


def has_report_structure(mail: InboundMail) -> bool:
    """A multipart/report, or a null or mail-system envelope sender with a returned message:
    what a real delivery report has and a person's mail about lost mail has not."""
    if bounce_shape.report_type(mail) is not None:
        return True
    if not bounce_shape.null_or_daemon_envelope(mail):
        return False
    msg = parse_raw(mail.raw)
    parts = list(_walk(msg))
    return bounce_shape.returned_message(parts, _plain_text(msg, parts))


def reported_ids(mail: InboundMail) -> tuple[str, ...]:
    """Every Message-ID the report names as the mail it reports on (see bounce_shape)."""
    msg = parse_raw(mail.raw)
    parts = list(_walk(msg))
    returned = [found for part, _nested in parts if (found := _returned_id(part))]
    line = _id_line(_plain_text(msg, parts))
    return bounce_shape.reported_ids(mail, returned + ([line] if line else []))


def feedback(mail: InboundMail) -> MachineVerdict | None:
    """A feedback-loop (abuse) report, RFC 5965: machine mail, never a ticket."""
    if not bounce_shape.may_be_feedback(mail, MAX_RAW):
        return None
    if bounce_shape.is_feedback_report(mail, list(_walk(parse_raw(mail.raw)))):
        return MachineVerdict("feedback", "feedback-loop report (RFC 5965)")
    return None


def _plain_text(msg: Message, parts) -> str:
    """The body of a single-part mail, else its first plain-text part outside returned copies."""
    if not msg.is_multipart():
        return _decoded(msg)
    for part, nested in parts:
        if not nested and not part.is_multipart() and part.get_content_type() == "text/plain":
            return _decoded(part)
    return ""


def _walk(msg: Message) -> Iterator[tuple[Message, bool]]:
    """Each part, and whether it sits inside a returned message/rfc822; bounded in depth, count."""
    count = 0
    stack = [(msg, False, 0)]
    while stack and count < MAX_PARTS:
        part, inside, level = stack.pop(0)
        count += 1
        yield part, inside
        payload = part.get_payload()
        if isinstance(payload, list) and level < 8:
            child_inside = inside or part.get_content_type() == "message/rfc822"
            stack[:0] = [(p, child_inside, level + 1) for p in payload if isinstance(p, Message)]


def _status_recipients(parts) -> tuple[list[str], bool | None, bool]:
    """Recipients and permanence from message/delivery-status parts (the outermost report first)."""
    for part, _nested in parts:
        if part.get_content_type() == "message/delivery-status":
            recipients, permanent, found = _dsn_fields(_status_text(part))
            if found:
                return recipients, permanent, True
    for part, nested in parts:
        if not nested and part.get_content_type() == "message/disposition-notification" \
                and _rejection_mdn(part):
            recipients, _permanent, found = _dsn_fields(_status_text(part))
            return recipients, True, found
    return [], None, False


def _status_text_recipients(msg: Message) -> tuple[list[str], bool | None]:
    """DSN fields written into a body the MIME parser could not split (a missing boundary)."""
    text = _body_text(msg)
    if "final-recipient" not in text.lower():
        return [], None
    recipients, permanent, _found = _dsn_fields(text)
    return recipients, permanent


def _dsn_fields(text: str) -> tuple[list[str], bool | None, bool]:
    """Failed or delayed addresses, permanence, and whether any block named a recipient."""
    recipients: list[str] = []
    verdicts: list[bool | None] = []
    found = False
    for block in _blocks(text):
        address = _block_address(block)
        if address is None and not ({"final-recipient", "original-recipient"} & block.keys()):
            continue
        found = True
        failed = _block_failure(block)
        if failed == "ok":
            continue
        verdicts.append(failed)
        if address and address not in recipients:
            recipients.append(address)
    permanent = True if True in verdicts else (False if False in verdicts else None)
    return recipients, permanent, found


def _blocks(text: str) -> Iterator[dict[str, str]]:
    """RFC 3464 field groups, separated by blank lines, with folded lines joined."""
    for chunk in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")[:MAX_NOTICE]):
        fields: dict[str, str] = {}
        last = None
        for line in chunk.split("\n"):
            match = FIELD_RE.match(line)
            if match:
                last = match.group(1).lower()
                fields.setdefault(last, match.group(2).strip())
            elif last and line[:1] in (" ", "\t"):
                fields[last] += " " + line.strip()
        yield fields


def _block_address(block: dict[str, str]) -> str | None:
    # Original-Recipient is what the sender wrote; Final-Recipient may be an internal alias.
    for name in ("original-recipient", "final-recipient", "x-actual-recipient"):
        value = block.get(name, "").split(";", 1)[-1]
        match = ADDR_RE.search(value)
        if match and match.group(0) == value.strip().strip("<>").strip():
            return match.group(0).lower()
    return None


def _block_failure(block: dict[str, str]) -> bool | None | str:
    """True for a permanent failure, False for a delay, "ok" for a delivery, None when unsaid."""
    action = (block.get("action", "").split() or [""])[0].lower()
    status = block.get("status", "").strip()[:1]
    if action in FAILED_ACTIONS:
        return True
    if action == "delayed":
        return False
    if action in OK_ACTIONS or (not action and status == "2"):
        return "ok"
    return {"5": True, "4": False}.get(status)


def _status_text(part: Message) -> str:
    """A delivery-status part as text: compat32 hands it over as a list of field blocks."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join("\n".join(f"{k}: {v}" for k, v in block.items())
                           for block in payload if isinstance(block, Message))
    return _decoded(part)


def _rejection_mdn(part: Message) -> bool:
    """A Sieve reject (RFC 5429): an automatic MDN whose disposition is `deleted`."""
    if part.get_content_type() != "message/disposition-notification":
        return False
    return bool(REJECTED_MDN_RE.search(_status_text(part)))


def _returned_id(part: Message) -> str | None:
    """The Message-ID in a returned copy, unless that copy is itself a report (a wrapped bounce)."""
    if part.get_content_type() not in RETURNED_TYPES:
        return None
    inner = part.get_payload()
    if isinstance(inner, list):  # message/* parts hold the parsed copy
        inner = inner[0] if inner and isinstance(inner[0], Message) else None
        if inner is None or inner.get_content_type() == "multipart/report":
            return None
        value = inner.get("message-id") or _id_line(inner.get_payload())
    else:
        value = _id_line(_decoded(part))
    match = MSGID_RE.search(str(value or ""))
    return match.group(0) if match else None


def _id_line(text: object) -> str | None:
    """A Message-ID header line in text, for copies whose header block is broken or unparsed."""
    if not isinstance(text, str):
        return None
    match = ID_LINE_RE.search(text[:MAX_NOTICE])
    return match.group(1) if match else None


def _notice(msg: Message, parts) -> str:
    """The human-readable notice: first plain (else HTML) text outside any returned message."""
    for wanted in ("text/plain", "text/html"):
        for part, nested in parts:
            if nested or part.is_multipart() or part.get_content_type() != wanted:
                continue
            if part.get("content-disposition", "").lower().startswith("attachment"):
                continue
            text = _decoded(part)
            return cut_notice(html_text(text) if wanted == "text/html" else text)
    return cut_notice(_body_text(msg)) if not msg.is_multipart() else ""


def _body_text(msg: Message) -> str:
    return "" if msg.is_multipart() else _decoded(msg)


def _decoded(part: Message) -> str:
    """Payload text in its declared charset, falling back when the label is wrong or unknown."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    data = data[:MAX_NOTICE]
    try:
        return data.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:  # "uft-8", "unicode-1-1-utf-7", "ansi_x3.110-1983" and friends
        return data.decode("utf-8", "replace")


def from_mail_system(mail: InboundMail) -> bool:
    """The sender is the mail system itself (MAILER-DAEMON, "Mail Delivery Subsystem")."""
    local = mail.sender.email.split("@")[0] if mail.sender else ""
    return local in DAEMON_LOCALS or bool(DAEMON_NAME_RE.search(mail.header("from") or ""))


def _machine_sender(mail: InboundMail) -> bool:
    """Signs that software, not a person, sent it (bounce wording is then trusted)."""
    if from_mail_system(mail):
        return True
    local = mail.sender.email.split("@")[0] if mail.sender else ""
    auto = (mail.header("auto-submitted") or "no").strip().lower()
    return (local == "postmaster" or mail.sender is None or not auto.startswith("no")
            or (mail.header("return-path") or "").strip() in ("<>", "< >"))


def _sender_text(mail: InboundMail) -> str:
    return mail.sender.email if mail.sender else (mail.header("from") or "no sender").strip()[:80]


def _text_recipients(mail: InboundMail, notice: str) -> list[str]:
    domain = mail.sender.email.rpartition("@")[2] if mail.sender else ""
    return text_recipients(notice, _own_addresses(mail), domain)


def _own_addresses(mail: InboundMail) -> set[str]:
    """Addresses in the bounce's own headers: those are the reporter and us, never the failure."""
    own = {a.email for a in (*mail.to, *mail.cc, *mail.reply_to)}
    if mail.sender:
        own.add(mail.sender.email)
    for name in ("return-path", "sender", "errors-to", "delivered-to"):
        own.update(m.lower() for v in mail.headers.get(name, ()) for m in ADDR_RE.findall(v))
    return own


def _header_list(value: str | None) -> list[str]:
    return list(dict.fromkeys(m.lower() for m in ADDR_RE.findall(value or "")))
