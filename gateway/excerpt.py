"""Bounded excerpts of mail text for notices: a 12 MB pasted log must not become a 30 MB notice
per agent that the SMTP server refuses. The ticket keeps the whole text; a notice carries the
first NOTICE_TEXT_CHARS characters, cut at a line end where one is near, and says it was cut
and where the whole mail is (`ldp tickets original`)."""
from __future__ import annotations

from typing import Any

# 64 KiB of text: a notice holds it twice (text and HTML part), so it stays near 200 KB even
# after transfer encoding; a person reads far less than that in a notice anyway.
NOTICE_TEXT_CHARS = 64 * 1024
# How far back from the limit a line end is looked for, so the cut falls between lines.
LINE_SLACK = 2048


def cut(text: str, limit: int = NOTICE_TEXT_CHARS) -> tuple[str, bool]:
    """(the first `limit` characters of `text`, ended at a line end when one is near; whether
    anything was left out)."""
    if len(text) <= limit:
        return text, False
    end = text.rfind("\n", max(0, limit - LINE_SLACK), limit)
    return text[:end if end > 0 else limit].rstrip(), True


def human_size(count: int) -> str:
    return f"{count / 1048576:.1f} MB" if count >= 1048576 else f"{count / 1024:.0f} KB"


def fields(text: str, limit: int = NOTICE_TEXT_CHARS, whole: int = 0) -> dict[str, Any]:
    """Template fields for one text: `text` (the excerpt), `cut` (True when shortened), and
    `size` and `shown` (the whole text's and the excerpt's length, for people). `whole` is
    the length of the whole text when `text` is already only its beginning (InboundMail)."""
    shown, was_cut = cut(text, limit)
    # Characters, not encoded bytes: close enough for people, and no copy of a 12 MB text.
    size = max(whole, len(text))
    return {"text": shown, "cut": was_cut, "size": human_size(size) if was_cut else "",
            "shown": human_size(len(shown)) if was_cut else ""}


def shared(entries: list[dict[str, Any]], budget: int = NOTICE_TEXT_CHARS) -> list[dict[str, Any]]:
    """Entries with a "text" (history, notes) cut so that all of them together stay within
    `budget` characters: each gets an equal share, at least 1 KiB."""
    share = max(1024, budget // max(len(entries), 1))
    return [{**entry, **fields(entry["text"], share)} for entry in entries]
