"""Text from a mail made safe to show on one line: in a header we write, an agent's notice or
the command line's output.

Bidirectional controls (the right-to-left override above all) let a sender show text in an
order other than the one it is stored in: "faktur\u202efdp.exe" reads as "fakturexe.pdf". They
are removed, so what is shown is what is there. Control characters (CR and LF among them)
become spaces, so a value can never start a new header line.
"""
from __future__ import annotations

import re

# U+061C Arabic letter mark, U+200E/U+200F LRM/RLM, U+202A-U+202E embeddings and overrides,
# U+2066-U+2069 isolates.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")


def without_bidi(text: str) -> str:
    """`text` without bidirectional controls."""
    return BIDI_CONTROLS.sub("", text or "")


def shown(text: str) -> str:
    """`text` without bidi controls, its control characters as spaces: nothing else changes."""
    return CONTROLS.sub(" ", without_bidi(text))


def one_line(text: str) -> str:
    """`text` as one line: no bidi controls, controls as spaces, runs of spaces as one."""
    return _SPACES.sub(" ", shown(text)).strip()
