r"""How routing reads Indonesian and English words: keyword patterns, word sets, the language.

Keywords and the words of a mail are cut by the same rule (`\w+` on lower-cased text), so the
anchor words of a keyword pattern can be looked up in a mail's word set before any regex runs.
`detect_language` is a tiny stopword count, not a classifier: support mail is short, informal and
full of product names (SPSE, SIKaP, e-Katalog), so only function words that are frequent in one
language and rare in the other are counted; ambiguous text gives None.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

# Only the head of the text is read: the language is settled within a few sentences, and quoted
# history or forwarded attachments further down are often in the other language.
SAMPLE_CHARS = 2000

# At least this many stopwords, and the winner at least twice the loser, or the answer is None.
MIN_HITS = 2
MIN_RATIO = 2.0

_INDONESIAN = frozenset("""
    yang dan di ke dari untuk dengan tidak ini itu saya kami kita ada akan pada dalam bisa sudah
    belum mohon terima kasih bapak ibu apa bagaimana karena atau juga tersebut adalah agar kepada
    tolong sebagai oleh jika namun telah masih silakan mengapa kenapa sedang tetapi tapi gagal
    bantuan selamat pagi siang sore malam hormat berikut hal lagi sama harus
""".split())

_ENGLISH = frozenset("""
    the and to of is are for with not this that we you my our your have has please can cannot be
    was were it on from thank thanks hello dear could would will what how why there when which
    been do does did an as at but if or unable help regards morning afternoon after before
""".split())

_STOPWORDS = _INDONESIAN | _ENGLISH
_WORD = re.compile(r"\w+")
# Indonesian enclitics written onto a word: "passwordnya", "akunku", "bisakah".
CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")
_CLITIC_SUFFIX = "(?:" + "|".join(CLITICS) + ")?"
# Outside \w, for ASCII text: str.translate plus split is several times faster than findall.
_ASCII_SPACES = str.maketrans({chr(c): " " for c in range(128) if not _WORD.match(chr(c))})


def detect_language(text: str) -> str | None:
    """Return "id" or "en" when the text clearly leans one way, else None."""
    found = _tokens(text[:SAMPLE_CHARS].lower())
    indonesian = sum(map(_INDONESIAN.__contains__, found))
    english = sum(map(_ENGLISH.__contains__, found))
    if indonesian + english < MIN_HITS:
        return None
    if indonesian >= MIN_RATIO * english:
        return "id"
    if english >= MIN_RATIO * indonesian:
        return "en"
    return None


def words(lowered: str) -> set[str]:
    """The distinct `\\w+` words of a lower-cased text."""
    return set(_tokens(lowered))


def _tokens(lowered: str) -> list[str]:
    if lowered.isascii():
        return lowered.translate(_ASCII_SPACES).split()
    return _WORD.findall(lowered)


@dataclass(frozen=True)
class Keyword:
    """One keyword: its own regex, the words a text needs for it (all of `required`, and one of
    `one_of` unless that is empty), and `gate`, its rarest-looking word (or word forms)."""

    pattern: re.Pattern[str]
    required: frozenset[str]
    one_of: frozenset[str]
    gate: frozenset[str]


@dataclass(frozen=True)
class KeywordSet:
    """A compiled keyword list: one alternation regex, and each keyword with the words it needs.

    `search` looks words up in the text's word set before any regex runs: set operations instead
    of a scan of the body. `gate` unites the keywords' gate words; None when some keyword needs
    no word at all (a one-word keyword ending in `*`), and then the alternation is searched.
    """

    pattern: re.Pattern[str]
    gate: frozenset[str] | None
    keywords: tuple[Keyword, ...]

    def search(self, lowered: str, text_words: set[str]) -> bool:
        """Whether any keyword occurs in the lower-cased text whose `words()` are given."""
        if self.gate is None:
            return self.pattern.search(lowered) is not None
        if self.gate.isdisjoint(text_words):
            return False
        for keyword in self.keywords:
            if (keyword.required <= text_words
                    and (not keyword.one_of or not keyword.one_of.isdisjoint(text_words))
                    and keyword.pattern.search(lowered)):
                return True
        return False


def compile_keywords(keywords: Iterable[str]) -> KeywordSet:
    """Compile keywords for lower-cased text.

    Keywords match whole words, whitespace inside one matches any run of whitespace, an enclitic
    may follow the last word, and a trailing `*` accepts any ending.
    """
    compiled = tuple(map(_keyword, keywords))
    pattern = re.compile("|".join(keyword.pattern.pattern for keyword in compiled))
    if any(keyword.gate is None for keyword in compiled):
        return KeywordSet(pattern, None, compiled)
    return KeywordSet(pattern, frozenset().union(*(k.gate for k in compiled)), compiled)


def _keyword(keyword: str) -> Keyword:
    parts = keyword.lower().split()
    open_end = len(parts[-1]) > 1 and parts[-1].endswith("*")
    if open_end:
        parts[-1] = parts[-1][:-1]
    phrase = " ".join(parts)
    ends_in_word = bool(_WORD.match(phrase[-1]))
    tail = r"\w*" if open_end else _CLITIC_SUFFIX if ends_in_word else ""
    regex = _head(parts[0]) + "".join(r"\s+" + re.escape(part) for part in parts[1:])
    regex += tail + (r"(?!\w)" if ends_in_word else "")
    tokens = _WORD.findall(phrase)
    # Every word of the keyword is a whole word of the matching text, except a last word that
    # ends the keyword: the text may add an enclitic to it ("akunnya") or, after `*`, anything.
    last: frozenset[str] = frozenset()
    if ends_in_word:
        final = tokens.pop()
        if not open_end:
            last = frozenset(final + suffix for suffix in ("", *CLITICS))
    required = frozenset(tokens)
    return Keyword(re.compile(regex), required, last, _rarest(required, last))


def _head(first: str) -> str:
    """The first word as a literal, then the check that no word character precedes it.

    The literal comes first so that the regex engine can skip ahead to where it occurs; a
    look-behind in front would be tried at every position, some thirty times slower.
    """
    if not _WORD.match(first[0]):
        return re.escape(first)
    return re.escape(first) + rf"(?<!\w.{{{len(first)}}})"


def _rarest(required: frozenset[str], one_of: frozenset[str]) -> frozenset[str] | None:
    """The word (or word forms) least likely to be in any mail: not a stopword, the longest."""
    choices = [frozenset([word]) for word in sorted(required)] + ([one_of] if one_of else [])
    if not choices:
        return None
    return min(choices, key=lambda forms: (not _STOPWORDS.isdisjoint(forms), -min(map(len, forms))))
