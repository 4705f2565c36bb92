r"""How routing reads Indonesian and English text: keywords, regexes, word sets, the language.

Keywords and the words of a mail are cut by the same rule (`\w+` on lower-cased text), so the
words a keyword needs can be looked up in a mail's word set before any regex scans the body.
Regexes run on the lower-cased text when that means the same as ignoring case, which is faster.
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

# At least this many distinct stopwords, and the winner at least twice the loser, or None.
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
    # Distinct stopwords: a signature repeating "the" or "yang" does not tip the balance.
    found = set(_tokens(text[:SAMPLE_CHARS].lower()))
    indonesian = len(found & _INDONESIAN)
    english = len(found & _ENGLISH)
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
    """One keyword: its own regex, and the words a text needs for it: all of `required`, and one
    of `one_of` (the last word with its enclitic forms) unless that is empty."""

    pattern: re.Pattern[str]
    required: frozenset[str]
    one_of: frozenset[str]

    def word_choices(self) -> list[frozenset[str]]:
        """Each needed word (or set of word forms), the rarest-looking first: not a stopword,
        then the longest. Empty when the keyword needs no word (one word ending in `*`)."""
        choices = [frozenset([word]) for word in sorted(self.required)]
        choices += [self.one_of] if self.one_of else []
        return sorted(choices, key=lambda forms: (
            not _STOPWORDS.isdisjoint(forms), -min(map(len, forms))))


@dataclass(frozen=True)
class KeywordSet:
    """A compiled keyword list: one alternation regex, and each keyword with the words it needs.

    `search` looks words up in the text's word set before any regex runs: set operations instead
    of a scan of the body. Gate i unites every keyword's i-th rarest word (its last one when it
    has fewer), so a text that lacks all words of some gate cannot match any keyword: a phrase
    like "dokumen penawaran" is rejected unless both words occur. `gates` is None when some
    keyword needs no word at all, and then the alternation is searched.
    """

    pattern: re.Pattern[str]
    gates: tuple[frozenset[str], ...] | None
    keywords: tuple[Keyword, ...]

    def search(self, lowered: str, text_words: set[str]) -> bool:
        """Whether any keyword occurs in the lower-cased text whose `words()` are given."""
        if self.gates is None:
            return self.pattern.search(lowered) is not None
        for gate in self.gates:
            if gate.isdisjoint(text_words):
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
    choices = [keyword.word_choices() for keyword in compiled]
    if not all(choices):
        return KeywordSet(pattern, None, compiled)
    depth = max(map(len, choices))
    gates = tuple(frozenset().union(*(forms[min(i, len(forms) - 1)] for forms in choices))
                  for i in range(depth))
    return KeywordSet(pattern, gates, compiled)


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
    return Keyword(re.compile(regex), frozenset(tokens), last)


def _head(first: str) -> str:
    """The first word as a literal, then the check that no word character precedes it.

    The literal comes first so that the regex engine can skip ahead to where it occurs; a
    look-behind in front would be tried at every position, some thirty times slower.
    """
    if not _WORD.match(first[0]):
        return re.escape(first)
    return re.escape(first) + rf"(?<!\w.{{{len(first)}}})"


def compile_regex(source: str) -> tuple[re.Pattern[str], bool]:
    """A case-insensitive regex, and whether it is to be run on the lower-cased text.

    A plain match on lower-cased text is several times faster than IGNORECASE, with which the
    regex engine cannot skip ahead on a literal prefix. It means the same unless the regex spells
    an upper-case letter (also as \\x41, \\u0041, \\N{...} or octal) or turns case-sensitivity back
    on with (?-i:...); such a regex runs with IGNORECASE on the text as written.
    """
    if _lower_case_safe(source):
        return re.compile(source), True
    return re.compile(source, re.IGNORECASE), False


def _lower_case_safe(regex: str) -> bool:
    if "-i" in regex:
        return False
    chars = iter(regex)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped and escaped in "xuUN01234567":
                return False
        elif char != char.lower():
            return False
    return True
