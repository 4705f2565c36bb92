"""Which ticket a mail belongs to, as pure functions the pipeline asks the store about.

First the Message-IDs it answers (In-Reply-To, then References from the newest back), then
the `[LDP-000123]` tag in its subject, which only counts for the reporter or an agent.
"""
from __future__ import annotations

import re

from gateway.domain import InboundMail


def referenced_ids(mail: InboundMail) -> tuple[str, ...]:
    """The Message-IDs the mail answers, most direct first, without repeats."""
    ordered: dict[str, None] = {}
    for message_id in (*mail.in_reply_to, *reversed(mail.references)):
        ordered.setdefault(message_id, None)
    return tuple(ordered)


def subject_ref(subject: str, prefix: str) -> str | None:
    """The ticket reference tagged in a subject, e.g. `[LDP-000123]` -> `LDP-000123`."""
    match = re.search(rf"\[{re.escape(prefix)}-(\d{{1,12}})\]", subject or "", re.IGNORECASE)
    return format_ref(prefix, int(match.group(1))) if match else None


def format_ref(prefix: str, number: int) -> str:
    return f"{prefix}-{number:06d}"


def ref_number(ref: str) -> int:
    return int(ref.rpartition("-")[2])
