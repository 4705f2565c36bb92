"""Which ticket a mail belongs to, as pure functions the pipeline asks the store about.

First the Message-IDs it answers (In-Reply-To, then References from the newest back), then
the `[LDP-000123]` tag in its subject, which only counts for the reporter or an agent.
"""
from __future__ import annotations

import re

from gateway.domain import InboundMail

# How many IDs of References a thread lookup reads: the last ones, nearest the reply, as RFC
# 5322 readers do (a client trims the front of a long References). A mail naming 130,000 IDs
# costs one small query, like any other.
THREAD_LOOKUP_REFERENCES = 50
# The same bound for In-Reply-To, which names one ID (RFC 5322 3.6.4), rarely a few.
THREAD_LOOKUP_IN_REPLY_TO = 5
# RFC 5322's line limit in octets: no real Message-ID is longer (mime.message_ids drops them).
MAX_MESSAGE_ID_OCTETS = 998
THREAD_LOOKUP_IDS = THREAD_LOOKUP_REFERENCES + THREAD_LOOKUP_IN_REPLY_TO


def referenced_ids(mail: InboundMail) -> tuple[str, ...]:
    """The Message-IDs the mail answers, most direct first, without repeats: at most
    THREAD_LOOKUP_IDS, each at most MAX_MESSAGE_ID_OCTETS long."""
    ordered: dict[str, None] = {}
    for message_id in (*mail.in_reply_to[:THREAD_LOOKUP_IN_REPLY_TO],
                       *reversed(mail.references[-THREAD_LOOKUP_REFERENCES:])):
        if len(message_id.encode("utf-8", "replace")) <= MAX_MESSAGE_ID_OCTETS:
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
