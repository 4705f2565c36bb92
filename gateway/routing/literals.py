r"""The strings that every match of a regex contains, read from its source by a small grammar.

Routing runs a regex only on a text that holds these strings: `needle in text` is a fast
substring search, where a regex that does not start with a literal is tried at every position.
The grammar knows just enough of Python's regex syntax for that: literal characters, escapes,
classes, groups and their kinds, alternatives and quantifiers. Whatever it does not know it reads
as "something" that breaks a run of literals (an escape like `\d` or `\x41`, a class, a
look-around, a group with flags), and a construct it cannot follow (verbose mode, conditional
groups) gives no strings at all: missing a string only costs speed, a wrong one would lose
matches. tests/unit/test_language.py checks that on random regexes.
"""
from __future__ import annotations

import re

_QUANTIFIER = re.compile(r"(?:[*+?]|\{(\d*)(?:,\d*)?\})[?+]?")
_FLAGS = re.compile(r"\(\?[aiLmsux-]+[:)]")


class _Unknown(Exception):
    """A construct the grammar does not follow."""


def required_literals(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    """Groups of strings, at least one string of each group in every match of the pattern. A run
    of literals is a group of one ("kode" in `kode\\s*\\d+`); a choice gives one string of each
    alternative (`(?:kode|error)`). Groups of one come first, the longest first. A pattern that
    ignores case gives none: its letters are not single characters."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return ()
    try:
        alternatives, end = _alternatives(pattern.pattern, 0)
    except (_Unknown, IndexError, ValueError):
        return ()
    groups = set(_groups([(alternatives, 1)])) if end == len(pattern.pattern) else ()
    return tuple(sorted(groups, key=lambda group: (len(group), -len(group[0]), group)))


# An item of a sequence: a literal character (str), something unknown (None), or a choice
# between sequences that occurs at least `least` times ((alternatives, least)).

def _alternatives(source: str, i: int) -> tuple[list[list], int]:
    """The `|`-separated sequences from i up to an unmatched ")" or the end."""
    alternatives, items = [], []
    while i < len(source) and source[i] != ")":
        char = source[i]
        if char == "|":
            alternatives.append(items)
            items, i = [], i + 1
            continue
        if char == "(":
            choice, plain, i = _group(source, i)
        elif char == "[":
            choice, plain, i = None, False, _class_end(source, i)
        elif char == "\\":
            escaped = source[i + 1]
            choice, plain, i = (None if escaped.isalnum() else escaped), False, i + 2
        else:  # ".", "^", "$" and a "{" that repeats nothing match something else than themselves
            choice, plain, i = (None if char in ".^${" else char), False, i + 1
        quantifier = _QUANTIFIER.match(source, i)
        least = 1
        if quantifier:  # "{}" is read as a repeat too: it only drops the literal before it
            i = quantifier.end()
            least = {"*": 0, "?": 0, "+": 1}.get(quantifier[0][0]) or int(quantifier[1] or 0)
        if not plain:  # a repeated literal ends its run: more of it may follow
            items += [choice if least else None] + ([None] if quantifier else [])
        elif len(choice) == 1 and not quantifier:
            items += choice[0]  # a plain group in a sequence: its literals join the runs
        elif least:
            items.append((choice, least))
        else:
            items.append(None)
    alternatives.append(items)
    return alternatives, i


def _group(source: str, i: int) -> tuple[list[list] | None, bool, int]:
    """The group at i: its alternatives, whether a match holds them (a plain or named group,
    not a look-around or a group with flags), and the position after it."""
    if source.startswith("(?#", i):
        return None, False, source.index(")", i) + 1
    flags = _FLAGS.match(source, i)
    if flags and "x" in flags[0]:
        raise _Unknown("verbose")
    if flags and flags[0].endswith(")"):  # flags for the whole pattern: i and x are in its flags
        return None, False, flags.end()
    if source.startswith("(?P=", i):
        return None, False, source.index(")", i) + 1
    if source.startswith("(?(", i):
        raise _Unknown("conditional group")
    plain = not source.startswith("(?", i) or source.startswith(("(?:", "(?P<"), i)
    if source.startswith("(?P<", i):
        start = source.index(">", i) + 1
    elif flags:
        start = flags.end()
    elif source.startswith(("(?<=", "(?<!"), i):
        start = i + 4
    else:  # "(", "(?:", "(?=", "(?!", "(?>"
        start = i + 3 if source.startswith("(?", i) else i + 1
    alternatives, end = _alternatives(source, start)
    if source[end] != ")":
        raise _Unknown("unclosed group")
    return (alternatives if plain else None), plain, end + 1


def _class_end(source: str, i: int) -> int:
    """The position after the class `[...]` at i; a "]" right after "[" or "[^" is literal."""
    i += 2 if source.startswith("[^", i) else 1
    i += 1 if source[i] == "]" else 0
    while source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


def _groups(items: list) -> list[tuple[str, ...]]:
    groups, run = [], ""
    for item in items:
        if isinstance(item, str):
            run += item
            continue
        if run:
            groups.append((run,))
            run = ""
        if item is None:
            continue
        alternatives, _ = item
        if len(alternatives) == 1:
            groups += _groups(alternatives[0])
            continue
        chosen = [_most_selective(_groups(alternative)) for alternative in alternatives]
        if all(chosen):
            groups.append(tuple(sorted(set().union(*chosen), key=lambda s: (-len(s), s))))
    return groups + [(run,)] if run else groups


def _most_selective(groups: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The group that a text is least likely to meet: fewest strings, then the longest."""
    return min(groups, key=lambda group: (len(group), -min(map(len, group))), default=())
