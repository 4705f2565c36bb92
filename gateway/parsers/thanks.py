"""Whether a reply only thanks or confirms ("terima kasih, sudah bisa", "thanks, it works").

A reporter's "terima kasih" after a resolution should not reopen the ticket, while anything with
a question, a new problem or a request must. `judge` reads the fresh text of a reply (quotes and
marked signatures already removed by `quoting.fresh_text`) and says "thanks only" when, and only
when, every clause is made of the phrases of `thanks.toml` (at least one a thanks or a
confirmation), perhaps with a name after an honorific ("makasih pak Budi") and a signature under
it, no word is a blocker (a negation, a question word, a request), there is no question mark,
and it is short. Everything else is not thanks: an unknown word is enough. The caller, not this
module, decides about attachments (they always reopen).

The bias is deliberate: a missed problem is worse than a needless reopen (precision and recall
on a labelled set: tests/unit/test_thanks_replies.py). Pure functions, standard library only.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

__all__ = ["Verdict", "judge"]

_QUESTION_MARKS = ("?", "？", "¿", "؟")
# ":)", ";-)", ":D", "=))", "^_^", "<3", "(y)": dropped before reading words (":D" is no "D").
_EMOTICON = re.compile(r"(?<![\w/])(?:[:;=8][-'^]?[)(\]\[DPpOo3/\\|*]+|\^_*\^|<3+|\([yY]\))")
# Mail addresses, links, and "No. 12" in a street address (whose "no" is no negation).
_ADDRESS = re.compile(r"\S+@\S+|(?:https?://|www\.)\S+|\bno\.?\s?\d+", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[,.;!:]+|\s[-–—]+\s")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_REPEATS = re.compile(r"(.)\1{2,}")  # "makasiiih", "okeee", "mantaaap"
_EMOJI_JOINERS = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}


@dataclass(frozen=True)
class Verdict:
    thanks_only: bool
    reason: str  # why not (the first thing found), or what made it thanks


@dataclass(frozen=True)
class _Words:
    phrases: dict[tuple[str, ...], str]  # words -> "thanks", "confirm" or "neutral"
    longest: int
    honorifics: frozenset[str]
    blockers: frozenset[str]
    known: frozenset[str]  # every word of every list: never taken for a name
    not_signature: frozenset[str]  # the blockers and the words people go on with
    signature: frozenset[str]
    max_clauses: int
    max_words: int
    max_signature_lines: int
    max_chars: int


@lru_cache(maxsize=1)
def _words() -> _Words:
    data = tomllib.loads(files("gateway.parsers").joinpath("thanks.toml").read_text("utf-8"))
    phrases: dict[tuple[str, ...], str] = {(h,): "neutral" for h in data["honorifics"]}
    for kind in ("neutral", "confirm", "thanks"):  # a phrase in two lists counts as the latter
        for phrase in data[kind]:
            phrases[tuple(phrase.split())] = kind
    listed = {w for p in phrases for w in p} | set(data["honorifics"]) | set(data["blockers"])
    limits = data["limits"]
    return _Words(phrases=phrases, longest=max(len(p) for p in phrases),
                  honorifics=frozenset(data["honorifics"]),
                  blockers=frozenset(data["blockers"]),
                  known=frozenset(listed | set(data["not_names"])),
                  not_signature=frozenset(data["blockers"]) | frozenset(data["not_names"]),
                  signature=frozenset(data["signature_words"]),
                  max_clauses=limits["max_clauses"], max_words=limits["max_words"],
                  max_signature_lines=limits["max_signature_lines"],
                  max_chars=limits["max_chars"])


def judge(text: str) -> Verdict:
    """Whether `text`, the fresh text of a reply, only thanks or confirms."""
    words = _words()
    if not text.strip():
        return Verdict(False, "empty")
    if len(text) > words.max_chars:
        return Verdict(False, "too long")
    if any(mark in text for mark in _QUESTION_MARKS):
        return Verdict(False, "a question mark")
    text = _EMOTICON.sub(" ", _without_emoji(text))
    blocker = next((w for w in map(_fold, _WORD.findall(_ADDRESS.sub(" ", text)))
                    if w in words.blockers), None)
    if blocker:
        return Verdict(False, f"the word {blocker!r}")
    return _read_lines([line.strip() for line in text.split("\n") if line.strip()], words)


def _read_lines(lines: list[str], words: _Words) -> Verdict:
    """Lines of thanks, then perhaps a signature: once a line reads as a signature, the rest
    must too (a sign-off like "Salam" may sit among them)."""
    clauses = count = signature_lines = 0
    thanked = False
    for line in lines:
        read = None if signature_lines else _read_line(line, words, thanked)
        if read is not None:
            kinds, line_words = read
            thanked = thanked or bool(kinds & {"thanks", "confirm"})
            clauses += len(_clauses(line))
            count += line_words
        elif thanked and _signature_line(line, words):
            signature_lines += 1
        elif signature_lines and _read_line(line, words, thanked) is not None:
            continue  # "Salam," after the name
        else:
            return Verdict(False, f"more than thanks: {line[:60]!r}")
    if not thanked:
        return Verdict(False, "no thanks or confirmation")
    if clauses > words.max_clauses or count > words.max_words:
        return Verdict(False, "too many clauses")
    if signature_lines > words.max_signature_lines:
        return Verdict(False, "too many lines")
    return Verdict(True, "thanks only")


def _clauses(line: str) -> list[str]:
    return [c for c in _CLAUSE_BREAK.split(line) if _WORD.search(c)]


def _read_line(line: str, words: _Words, thanked: bool) -> tuple[set[str], int] | None:
    """The kinds of phrase a line holds and its number of words, or None when a word is not
    one of ours. Its last clause may be a name under a thanks ("Terima kasih, Budi")."""
    kinds: set[str] = set()
    count = 0
    clauses = _clauses(line)
    for i, clause in enumerate(clauses):
        tokens = _WORD.findall(clause)
        count += len(tokens)
        found = _read_clause(tokens, words)
        if found is None:
            last = i == len(clauses) - 1 and i > 0
            if last and (thanked or kinds & {"thanks", "confirm"}) and \
                    _capitalised_name(tokens, words, most=3):
                continue
            return None
        kinds |= found
    return kinds, count


def _read_clause(tokens: list[str], words: _Words) -> set[str] | None:
    folded = [_fold(t) for t in tokens]
    kinds: set[str] = set()
    i = 0
    while i < len(folded):
        matched = _phrase_at(folded, i, words)
        if matched:
            size, kind = matched
            kinds.add(kind)
            i += size
            continue
        if i and folded[i - 1] in words.honorifics:
            size = _name_after_honorific(tokens[i:], folded[i:], words)
            if size:
                i += size
                continue
        return None
    return kinds


def _phrase_at(folded: list[str], i: int, words: _Words) -> tuple[int, str] | None:
    for size in range(min(words.longest, len(folded) - i), 0, -1):
        kind = words.phrases.get(tuple(folded[i:i + size]))
        if kind:
            return size, kind
    return None


def _name_after_honorific(tokens: list[str], folded: list[str], words: _Words) -> int:
    """How many words after "pak"/"bu" are a name: up to three capitalised ones, or one
    lower-case word that ends the clause ("makasih pak budi"); 0 if none."""
    size = 0
    while size < min(3, len(tokens)) and _capitalised_name(tokens[size:size + 1], words, 1):
        size += 1
    if size:
        return size
    if len(tokens) == 1 and folded[0].isalpha() and folded[0] not in words.known:
        return 1
    return 0


def _capitalised_name(tokens: list[str], words: _Words, most: int) -> bool:
    return 0 < len(tokens) <= most and all(
        t[:1].isupper() and t.isalpha() and _fold(t) not in words.known for t in tokens)


def _signature_line(line: str, words: _Words) -> bool:
    """A line of a signature: names, a position, an office ("PT Maju Jaya": capitalised, so
    our own words may be in it), numbers, addresses and links."""
    rest = _ADDRESS.sub(" ", line)
    tokens = _WORD.findall(rest)
    if not tokens:
        return rest != line  # only addresses and links
    if all(t.isdigit() for t in tokens) and sum(map(len, tokens)) < 7:
        return False  # a bare short number is an answer (a survey's "4"), not a phone number
    return len(tokens) <= 10 and all(
        any(c.isdigit() for c in t) or _fold(t) in words.signature
        or (t[:1].isupper() and _fold(t) not in words.not_signature) for t in tokens)


def _fold(word: str) -> str:
    return _REPEATS.sub(r"\1", word.casefold().replace("’", "").replace("'", ""))


def _without_emoji(text: str) -> str:
    return "".join(" " if c in _EMOJI_JOINERS or unicodedata.category(c) in ("So", "Sk", "Cs",
                                                                            "Co", "Cn") else c
                   for c in text)
