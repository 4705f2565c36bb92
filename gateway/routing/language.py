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
from re import _constants as sre, _parser as sre_parse  # the stdlib's own regex parser
from typing import Iterable, Iterator

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


def required_literals(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    """What every match of a case-sensitive regex contains: groups of strings, at least one
    string of each group. A run of plain characters is a group of one ("kode" in `kode\\s*\\d+`),
    a branch gives one string of each alternative (`(?:kode|error)`); groups of one come first,
    the longest first.

    A text without any string of some group cannot match, and `string in text` is a fast
    substring search where a regex that does not start with a literal is tried at every
    position. A regex with IGNORECASE anywhere gives none: its letters are not single characters.
    Look-arounds, optional parts, classes and groups with flags are passed over.
    """
    if pattern.flags & re.IGNORECASE:
        return ()
    groups = set(_groups(sre_parse.parse(pattern.pattern, pattern.flags)))
    return tuple(sorted(groups, key=lambda group: (len(group), -len(group[0]), group)))


def _groups(items: Iterable[tuple]) -> list[tuple[str, ...]]:
    groups, run = [], ""
    for op, argument in _flat(items):
        if op is sre.LITERAL:
            run += chr(argument)
            continue
        if run:
            groups.append((run,))
            run = ""
        if op is sre.BRANCH:
            chosen = [_most_selective(_groups(alternative)) for alternative in argument[1]]
            if all(chosen):
                groups.append(tuple(sorted(set().union(*chosen), key=lambda s: (-len(s), s))))
        elif op in _REPEATS and argument[0] >= 1:  # (min, max, items): the items occur
            groups += _groups(argument[2])
    return groups + [(run,)] if run else groups


def _flat(items: Iterable[tuple]) -> Iterator[tuple]:
    """The items, with the items of plain groups (no flags) in place of the groups."""
    for op, argument in items:
        if op is sre.SUBPATTERN and not argument[1] and not argument[2]:
            yield from _flat(argument[3])  # (group, added flags, removed flags, items)
        else:
            yield op, argument


def _most_selective(groups: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The group that a text is least likely to meet: fewest strings, then the longest."""
    return min(groups, key=lambda group: (len(group), -min(map(len, group))), default=())


_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
