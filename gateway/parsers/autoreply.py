"""Machine mail: what must never be answered, and why.

`classify` looks at one InboundMail and names the first reason that applies, in this order:
our own mail coming back (loop), a delivery failure (bounce, see `bounce`), a read receipt (MDN),
an auto-reply (RFC 3834 and the out-of-office conventions of common clients, English and
Indonesian), list or bulk mail, and mail from system addresses. None means a person wrote it.
Every check reads headers by lower-case name, so header case never matters.
"""
from __future__ import annotations

import re
from typing import Collection

from gateway.domain import InboundMail, MachineVerdict
from gateway.parsers import bounce

LOOP_HEADER = "x-ldp-loop"
OUR_ID_PREFIX = "ldp."
MAX_SUBJECT = 300  # out-of-office markers sit at the start; a long subject needs no full scan

AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress")
AUTO_SUBJECT_RE = re.compile(
    r"^\s*(?:\[[^\]]{0,40}\]\s*)?(?:"
    r"auto(?:matic)?[ _-]?(?:reply|response|answer)|autoreply|autoresponse|"
    r"out of (?:the )?office|"
    r"balasan otomatis|jawaban otomatis|balasan automatis|"  # Indonesian: "automatic reply"
    # Indonesian: "on leave", "out of the office", "not in the office".
    r"sedang cuti|di luar kantor|tidak di kantor|sedang di luar kantor"
    r")\b", re.I)
# Lotus Notes puts the person first: "Jane Doe is out of the office."
NOTES_SUBJECT_RE = re.compile(r"\bis out of the office\b", re.I)
BULK_PRECEDENCE = {"bulk", "junk", "list"}
AUTO_PRECEDENCE = {"auto_reply", "auto-reply", "autoreply"}
SYSTEM_LOCAL_RE = re.compile(r"^(?:mailer[-_]?daemon|postmaster|no[-_.]?reply|"
                             r"do[-_.]?not[-_.]?reply)(?:$|[-_.+])", re.I)
RECEIPT_RE = re.compile(r"report-type\s*=\s*\"?disposition-notification", re.I)


def classify(mail: InboundMail, *, own_domains: Collection[str],
             loop_marker: str, bounces: bool = True) -> MachineVerdict | None:
    """None for mail a person wrote; otherwise why it is machine mail never to be answered.
    `bounces=False` leaves delivery failures out (for a person's mail that only reads like one)."""
    return (_loop(mail, own_domains, loop_marker)
            or (bounces and bounce.detect(mail) or None)
            or bounce.feedback(mail)
            or _receipt(mail)
            or _auto_reply(mail)
            or _bulk(mail)
            or _system(mail))


def _loop(mail: InboundMail, own_domains: Collection[str], marker: str) -> MachineVerdict | None:
    """Our own outgoing mail, delivered back to us (a forward rule, an alias, a reflector)."""
    for value in mail.headers.get(LOOP_HEADER, ()):
        if marker and value.strip().lower() == marker.strip().lower():
            return MachineVerdict("loop", f"X-LDP-Loop: {value.strip()[:100]}")
    if mail.message_id and _is_our_id(mail.message_id, own_domains):
        return MachineVerdict("loop", f"our own Message-ID {mail.message_id[:200]}")
    return None


def _is_our_id(message_id: str, own_domains: Collection[str]) -> bool:
    local, at, domain = message_id.strip().strip("<>").rpartition("@")
    domains = {d.strip().lower() for d in own_domains}
    return bool(at) and local.lower().startswith(OUR_ID_PREFIX) and domain.lower() in domains


def _receipt(mail: InboundMail) -> MachineVerdict | None:
    """A read receipt (RFC 8098 MDN); a rejection MDN was already taken as a bounce."""
    if RECEIPT_RE.search(mail.header("content-type") or ""):
        return MachineVerdict("receipt", "disposition notification (read receipt)")
    return None


def _auto_reply(mail: InboundMail) -> MachineVerdict | None:
    """RFC 3834 Auto-Submitted (but "no" is a person), vendor headers, out-of-office subjects."""
    auto = _token(mail.header("auto-submitted"))
    if auto and auto != "no":
        value = _short(mail.header("auto-submitted"))
        return MachineVerdict("auto-reply", f"Auto-Submitted: {value}")
    for name in AUTO_HEADERS:
        if name in mail.headers:
            return MachineVerdict("auto-reply", f"{_title(name)}: {_short(mail.header(name))}")
    if _token(mail.header("precedence")) in AUTO_PRECEDENCE \
            or _token(mail.header("x-precedence")) in AUTO_PRECEDENCE:
        return MachineVerdict("auto-reply", f"Precedence: {_short(mail.header('precedence'))}")
    subject = mail.subject[:MAX_SUBJECT]
    if AUTO_SUBJECT_RE.search(subject) or NOTES_SUBJECT_RE.search(subject):
        return MachineVerdict("auto-reply", f"out-of-office subject: {_short(subject)}")
    return None


def _bulk(mail: InboundMail) -> MachineVerdict | None:
    """Mailing-list and bulk mail: answering it would write to a list or a newsletter robot."""
    precedence = _token(mail.header("precedence"))
    if precedence in BULK_PRECEDENCE:
        return MachineVerdict("bulk", f"Precedence: {precedence}")
    if "list-id" in mail.headers:
        return MachineVerdict("bulk", f"List-Id: {_short(mail.header('list-id'))}")
    if "x-mlserver" in mail.headers:  # fml's notices (loop alerts, errors) carry no Precedence
        return MachineVerdict("bulk", f"X-MLServer: {_short(mail.header('x-mlserver'))}")
    if "list-unsubscribe" in mail.headers and precedence:
        return MachineVerdict("bulk", f"List-Unsubscribe with Precedence: {precedence}")
    return None


def _system(mail: InboundMail) -> MachineVerdict | None:
    """Mail whose sender cannot or will not read a reply."""
    return_path = mail.headers.get("return-path", ())
    if return_path and all(v.strip() in ("<>", "< >", "") for v in return_path):
        return MachineVerdict("system", "empty Return-Path <>")
    local = mail.sender.email.rpartition("@")[0] if mail.sender else ""
    if (local and SYSTEM_LOCAL_RE.match(local)) or bounce.from_mail_system(mail):
        sender = mail.sender.email if mail.sender else _short(mail.header("from"))
        return MachineVerdict("system", f"system sender {sender}")
    return None


def _token(value: str | None) -> str:
    """The keyword of a header value: "auto-replied (vacation); x=1" -> "auto-replied"."""
    return re.split(r"[\s;(]", (value or "").strip().lower(), maxsplit=1)[0]


def _short(value: str | None) -> str:
    return re.sub(r"\s+", " ", value or "").strip()[:120]


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))
