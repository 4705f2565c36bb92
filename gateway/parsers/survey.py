"""The reporter's answer to the one satisfaction question of a closing mail, read strictly.

The scale is the one of Indonesia's public-service satisfaction survey (IKM): 1 tidak baik,
2 kurang baik, 3 baik, 4 sangat baik. An answer is the fresh text of a reply that starts with
one of those four digits standing alone ("4", "4.", "4)", "4 -"), then at most `MAX_COMMENT`
characters of the reporter's own words. Anything else is not an answer and goes the way of
any reply to a closed ticket (reopen, or a new ticket): "45", "4.5", "4/4", "4 5", "nilai 4", a
question mark, or words that ask something or say the problem is back ("masih", "gagal",
"tidak bisa", "how", "still"...), or any negation or word of something down, gone or back
once the scale's own words ("tidak baik") are set aside ("1 ngga bisa login", "1 not fixed").
A missed problem is worse than a missed score, so the words are many and the comment short.

The words are attacker text: they are only ever kept as text (one line, without control or
bidi characters), never formatted or run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.parsers import safetext

SCALE = {1: ("tidak baik", "not good"), 2: ("kurang baik", "not quite good"),
         3: ("baik", "good"), 4: ("sangat baik", "very good")}
MAX_COMMENT = 500  # characters of the reporter's words; a longer text is a message
READ_CHARS = 4000  # a longer fresh text is never an answer: nothing past this is scanned

# The digit alone, with at most one closing mark (a dot, a bracket, a dash), then space or end.
_SCORE = re.compile(r"([1-4])(?:[ \t]*[.):\-\u2013\u2014])?(?=\s|\Z)")
# Words that ask or that say the problem is not gone (Indonesian, English), as whole words.
_NOT_AN_ANSWER = re.compile(
    r"\b(?:apa|apakah|bagaimana|bagaimanakah|gimana|kenapa|mengapa|kapan|dimana|di\s+mana|"
    r"siapa|berapa|bisakah|dapatkah|tolong|mohon\s+bantu\w*|mohon\s+dibantu|bantu|bantuan|"
    r"masih|belum|blm|gagal|error|eror|galat|kendala|masalah|tidak\s+bisa|tidak\s+dapat|"
    r"tdk\s+bisa|gak\s+bisa|ga\s+bisa|nggak\s+bisa|enggak\s+bisa|tak\s+bisa|muncul\s+lagi|"
    r"how|what|why|when|where|who|which|can\s+you|could\s+you|help|still|again|errors?|"
    r"fail\w*|not\s+working|doesn'?t\s+work|does\s+not\s+work|cannot|can'?t|unable|problem\w*|"
    r"issues?|broken)\b", re.IGNORECASE)


# The scale's own words ("1 tidak baik", "3 not quite good"): taken out before the negations
# below are looked for.
_SCALE_WORDS = re.compile(r"\b(?:(?:tidak|kurang|sangat)\s+baik|not(?:\s+quite)?\s+good|"
                          r"very\s+good)\b", re.IGNORECASE)
# A negation, or a word that says something is down, gone or back ("sudah bisa lagi" and
# "normal kembali" are thanks, "muncul kembali" is not): "1 ngga bisa login",
# "1 tidak berfungsi", "1 server down lagi", "1 not fixed yet" report the problem again, in
# words the list above cannot foresee one by one.
_NEGATION = re.compile(
    r"\b(?:tidak|tdk|tak|gak|ga|gk|nggak|ngga|ngak|enggak|engga|kagak|nda|ndak|bukan|"
    r"belum|belom|blum|blom|gabisa|gbs|not|no|never|cannot|can't|cant|don'?t|didn'?t|"
    r"doesn'?t|isn'?t|won'?t|wasn'?t|aren'?t|hasn'?t|haven'?t|yet|down|hilang|blokir|"
    r"terblokir|diblokir|crash\w*|rusak|macet|hang|terulang|kambuh|muncul\s+kembali|"
    r"terjadi\s+(?:lagi|kembali))\b", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    score: int  # 1 to 4
    comment: str  # the reporter's words, one line, "" when none


def read(text: str) -> Answer | None:
    """The answer `text` (a reply's fresh text) gives, or None when it is not one."""
    text = (text or "").strip()
    if not text or len(text) > READ_CHARS:
        return None
    found = _SCORE.match(text)
    if found is None:
        return None
    comment = safetext.one_line(text[found.end():])
    if len(comment) > MAX_COMMENT or comment[:1].isdigit() or "?" in comment \
            or "\uff1f" in comment or _NOT_AN_ANSWER.search(comment) \
            or _NEGATION.search(_SCALE_WORDS.sub(" ", comment)):
        return None
    return Answer(int(found.group(1)), comment)


def ikm(scores: list[int]) -> float | None:
    """The IKM conversion of a group's answers: their mean times 25 (25 to 100), one decimal."""
    return round(25 * sum(scores) / len(scores), 1) if scores else None
