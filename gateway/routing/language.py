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
    return language_of(_tokens(text[:SAMPLE_CHARS].lower()))


def language_of(tokens: Iterable[str]) -> str | None:
    """What detect_language says of a text with these words: for a text of at most SAMPLE_CHARS
    characters, its `words()` give the same answer as the text itself."""
    # Distinct stopwords: a signature repeating "the" or "yang" does not tip the balance. Only
    # stopwords are kept: a set of every word of the sample would cost twice as much.
    found = _STOPWORDS.intersection(tokens)
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


def words_and_sample(lowered: str) -> tuple[set[str], list[str]] | None:
    """For a lower-cased ASCII text, from one pass over it: its `words()`, and the words of its
    first SAMPLE_CHARS characters in order, which `language_of` turns into what detect_language
    says of the text. None for other text, where lower-casing may change lengths."""
    if not lowered.isascii():
        return None
    spaced = lowered.translate(_ASCII_SPACES)
    head, tail = spaced[:SAMPLE_CHARS].split(), spaced[SAMPLE_CHARS:].split()
    if head and tail and spaced[SAMPLE_CHARS - 1] != " " and spaced[SAMPLE_CHARS] != " ":
        # A word straddles the cut: the sample holds its start, the text the whole word.
        found = set(head[:-1])
        found.add(head[-1] + tail[0])
        found.update(tail[1:])
        return found, head
    found = set(head)
    found.update(tail)
    return found, head


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

    def possible(self, text_words: set[str]) -> bool:
        """Whether a text with these `words()` holds every word the keyword needs."""
        return self.required <= text_words and (
            not self.one_of or not self.one_of.isdisjoint(text_words))

    def rarest(self) -> frozenset[str]:
        """The needed word (or the last word's forms) that looks rarest: not a stopword, then the
        longest. Empty when the keyword needs no word (one word ending in `*`)."""
        choices = [frozenset([word]) for word in self.required]
        choices += [self.one_of] if self.one_of else []
        return min(choices, default=frozenset(), key=lambda forms: (
            not _STOPWORDS.isdisjoint(forms), -min(map(len, forms)), sorted(forms)))


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: routing.rules indexes them
class KeywordSet:
    """A compiled keyword list: one alternation regex (for short texts such as header values),
    and each keyword with the words it needs, which `search` looks up in the text's word set
    before the keyword's regex runs: set operations instead of a scan of the body."""

    pattern: re.Pattern[str]
    keywords: tuple[Keyword, ...]

    def search(self, lowered: str, text_words: set[str]) -> bool:
        """Whether any keyword occurs in the lower-cased text whose `words()` are given."""
        for keyword in self.keywords:
            if keyword.possible(text_words) and keyword.pattern.search(lowered):
                return True
        return False


def compile_keywords(keywords: Iterable[str]) -> KeywordSet:
    """Compile keywords for lower-cased text.

    Keywords match whole words, whitespace inside one matches any run of whitespace, an enclitic
    may follow the last word, and a trailing `*` accepts any ending.
    """
    compiled = tuple(map(_keyword, keywords))
    return KeywordSet(re.compile("|".join(k.pattern.pattern for k in compiled)), compiled)


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
