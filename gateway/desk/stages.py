"""The stages of L2's work on a ticket, declared once: what `#progres TAHAP teks` accepts.

Each stage has its canonical value (stored in the `stage` event's old/new) and the words an
agent may write for it in either language. The words a reporter reads are in
`text/vocabulary.py` (kind "stage"). Pure: no store, no network.
"""
from __future__ import annotations

# canonical value -> the words accepted for it (Indonesian first, then English).
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("analysis", ("analisa", "analisis", "analysis")),
    ("fixing", ("perbaikan", "fixing")),
    ("testing", ("pengujian", "testing")),
    ("release", ("rilis", "release")),
)

BY_WORD: dict[str, str] = {word: value for value, words in STAGES for word in words}
EVENT = "stage"  # the event kind a stage change writes (old/new: the stages)


def words(language: str) -> str:
    """The stages as an agent writes them, for a refusal: Indonesian words for "id"."""
    index = 0 if language == "id" else -1
    return ", ".join(w[index] for _, w in STAGES)


def read(text: str) -> tuple[str, str]:
    """`TAHAP teks` -> (canonical stage, the text after it). LookupError("unknown_stage") when
    the first word is not a stage, ValueError("needs_progress") when no text follows it."""
    first, _, rest = (text or "").strip().partition(" ")
    stage = BY_WORD.get(first.strip().lower().rstrip(":"))
    if stage is None:
        raise LookupError("unknown_stage")
    if not rest.strip():
        raise ValueError("needs_progress")
    return stage, rest.strip()
