"""Rule conditions: the `when` table of a rule checked and compiled into a tree of frozen objects.

`compile_when` turns a table such as `{ from = "*@lkpp.go.id", text = { keywords = [...] } }` into
leaves (`Glob`, `TextMatch`, `HeaderMatch`, `HasAttachment`, `LanguageIs`, `Concerns`) joined by `All`, `AnyOf`
and `Not`; every regex, glob and keyword list is compiled here, once. Each leaf keeps what the
file said (`globs`, `TextTest.spec`) so that `describe` can print the tree on one line. The
validation helpers at the top are shared with `routing.rules`: a problem raises `Invalid`, which
`compile_rules` prefixes with the rule's name.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import partial
from typing import Callable, Collection, Union

from gateway.routing.language import KeywordSet, compile_keywords, compile_regex
from gateway.routing.literals import required_literals

LANGUAGES = ("en", "id")


class Invalid(Exception):
    """One problem inside one rule; compile_rules prefixes the source and the rule."""


def show(value: object) -> str:
    """A value as TOML would spell it, or its kind, for error messages."""
    if value is None:
        return "nothing"  # the key is missing: TOML has no null
    if isinstance(value, (bool, str, int, float)):
        return json.dumps(value, ensure_ascii=False)
    return {list: "an array", dict: "a table"}.get(type(value), type(value).__name__)


def require(ok: bool, field: str, expected: str, value: object) -> None:
    if not ok:
        raise Invalid(f"{field} must be {expected}, got {show(value)}")


def check_keys(table: dict, known: Collection[str], what: str, prefix: str = "") -> None:
    for key in table:
        if key not in known:
            listed = ", ".join(sorted(known))
            raise Invalid(f'unknown {what} "{prefix}{key}" (known: {listed})')


def strings(value: object, field: str, *, single: bool = False) -> tuple[str, ...]:
    """A non-empty array of non-empty strings (or, with `single`, one string)."""
    if single and isinstance(value, str):
        value = [value]
    ok = isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)
    expected = "a non-empty array of non-empty strings"
    require(bool(ok), field, f"a string or {expected}" if single else expected, value)
    return tuple(v.strip() for v in value)


def language(value: object, field: str) -> str:
    require(value in LANGUAGES, field, f"one of {', '.join(LANGUAGES)}", value)
    return value


# ---- the compiled tree: each node says whether it holds for a mail (a routing.chain.MailView) --


def _meets(value: str, needles: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the value holds a string of each group of needles: a substring search is much
    cheaper than the call of a regex, let alone its scan."""
    for group in needles:
        for needle in group:
            if needle in value:
                break
        else:
            return False
    return True


@dataclass(frozen=True)
class TextTest:
    """A compiled keywords/regex/equals test. `lowered`: it reads the lower-cased copy of the text.

    `keywords`, for keyword tests: the compiled list, which can look a mail's words up before any
    regex runs; `pattern` is then its alternation, for short texts such as header values.
    `needles`: groups of strings, one of each group in every match (routing.literals), so a text
    without them is refused by substring searches instead of a regex scan.
    `kind` and `spec` are what the file said: "keywords" and the list, "regex" or "equals" and it.
    """

    pattern: re.Pattern[str]
    lowered: bool
    keywords: KeywordSet | None = None
    needles: tuple[tuple[str, ...], ...] = ()
    kind: str = "regex"
    spec: str | tuple[str, ...] = ""

    def found(self, value: str) -> bool:
        return (not self.needles or _meets(value, self.needles)) and \
            self.pattern.search(value) is not None


@dataclass(frozen=True)
class Glob:
    """Address or content-type globs: `pattern` matches the whole lower-case value, `needles`
    (as in TextTest) are what it contains, `globs` what the file said (a domain as "*@domain")."""

    field: str  # "from", "to" (lower-case addresses) or "attachment_type" (content types)
    pattern: re.Pattern[str]
    globs: tuple[str, ...] = ()
    needles: tuple[tuple[str, ...], ...] = ()

    def holds(self, view) -> bool:
        for value in getattr(view, _GLOB_VALUES[self.field]):
            if _meets(value, self.needles) and self.pattern.match(value):
                return True
        return False


@dataclass(frozen=True)
class TextMatch:
    field: str  # "subject", "body" or "text"
    test: TextTest

    def holds(self, view) -> bool:
        test = self.test
        if test.keywords is not None:  # the whole text's words serve the body too: a superset
            if view.lists_met is not None and test.keywords not in view.lists_met:
                return False
            words = view.subject_words if self.field == "subject" else view.text_words
            return test.keywords.search(getattr(view, _LOWER[self.field]), words)
        return test.found(getattr(view, _LOWER[self.field] if test.lowered else self.field))


_LOWER = {"subject": "subject_lower", "body": "body_lower", "text": "text_lower"}
_GLOB_VALUES = {"from": "sender", "to": "recipients", "attachment_type": "attachment_types"}


@dataclass(frozen=True)
class HeaderMatch:
    name: str  # lower-case, as in InboundMail.headers
    test: TextTest

    def holds(self, view) -> bool:
        values = view.header_lower(self.name) if self.test.lowered else \
            view.mail.headers.get(self.name, ())
        for value in values:
            if self.test.found(value):
                return True
        return False


@dataclass(frozen=True)
class HasAttachment:
    present: bool

    def holds(self, view) -> bool:
        return bool(view.mail.attachments) == self.present


@dataclass(frozen=True)
class LanguageIs:
    code: str

    def holds(self, view) -> bool:
        return view.language == self.code


@dataclass(frozen=True)
class Concerns:
    """`application = "SIKaP"`, `lpse = "kab-sleman"`: what `routing.lpse` found the mail
    concerns is one of `values` (as the file wrote them). `keys` are the values as the list
    spells them, lower case: `routing.rules.compile_rules` fills them from the operator's list
    (an LPSE may be named by its code or its name), and refuses a value the list lacks."""

    field: str  # "application" or "lpse"
    values: tuple[str, ...]
    keys: frozenset[str] = frozenset()

    def holds(self, view) -> bool:
        found = getattr(view.detected, self.field)
        return found is not None and found.lower() in self.keys


@dataclass(frozen=True)
class All:
    parts: tuple[Condition, ...]

    def holds(self, view) -> bool:
        for part in self.parts:
            if not part.holds(view):
                return False
        return True


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def holds(self, view) -> bool:
        for part in self.parts:
            if part.holds(view):
                return True
        return False


@dataclass(frozen=True)
class Not:
    part: Condition

    def holds(self, view) -> bool:
        return not self.part.holds(view)


Condition = Union[Glob, TextMatch, HeaderMatch, HasAttachment, LanguageIs, Concerns, All, AnyOf,
                  Not]
ALWAYS = All(())


def describe(condition: Condition, shown: int | None = None, nested: bool = False) -> str:
    """The condition on one line: `text~[tender hari ini|batas waktu] & not from=*@x.id`.

    `&` is all, `|` any, `~[...]` any of the keywords, `~/.../` a regex, `=` an equality or glob;
    a combination inside another is put in parentheses. With `shown`, a list of keywords or
    globs shows that many and counts the rest: `text~[tender hari ini|…+4]`.
    """
    match condition:
        case All(()) | AnyOf(()):
            return "always"
        case All(parts) | AnyOf(parts):
            joint = " & " if isinstance(condition, All) else " | "
            joined = joint.join(describe(part, shown, nested=True) for part in parts)
            return f"({joined})" if nested and len(parts) > 1 else joined
        case Not(part):
            return "not " + describe(part, shown, nested=True)
        case Glob(field, globs=globs):
            return f"{field}=" + (globs[0] if len(globs) == 1 else _listed(globs, shown))
        case TextMatch(field, test) | HeaderMatch(field, test):
            name = field if isinstance(condition, TextMatch) else f"header[{field}]"
            if test.kind == "keywords":
                return f"{name}~{_listed(test.spec, shown)}"
            spec = json.dumps(test.spec, ensure_ascii=False)
            return f"{name}={spec}" if test.kind == "equals" else f"{name}~/{test.spec}/"
        case HasAttachment(present):
            return f"has_attachment={str(present).lower()}"
        case Concerns(field, values):
            return f"{field}=" + (values[0] if len(values) == 1 else _listed(values, shown))
    return f"language={condition.code}"


def _listed(items: tuple[str, ...], shown: int | None) -> str:
    if shown is None or len(items) <= shown:
        return f"[{'|'.join(items)}]"
    return f"[{'|'.join(items[:shown])}|…+{len(items) - shown}]"


# ---- compiling a `when` table -----------------------------------------------------------------


def compile_when(table: object, path: str, *, allow_empty: bool = False) -> Condition:
    """A table of conditions, all of which must hold."""
    require(isinstance(table, dict), path, "a table of conditions", table)
    if not table and not allow_empty:
        raise Invalid(f"{path} must not be empty")
    check_keys(table, _CONDITIONS, "condition", f"{path}.")
    parts = tuple(_CONDITIONS[key](value, f"{path}.{key}") for key, value in table.items())
    return parts[0] if len(parts) == 1 else All(parts)


def _combine(kind: type, value: object, path: str) -> Condition:
    ok = isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
    require(bool(ok), path, "a non-empty array of tables", value)
    return kind(tuple(compile_when(table, f"{path}[{i}]") for i, table in enumerate(value)))


def _glob(field: str, value: object, path: str) -> Glob:
    """Address globs (`from`, `to`): a glob without "@" names the domain, so "lkpp.go.id" and
    "*.go.id" match any mailbox there. Content-type globs (`attachment_type`): "image/*"."""
    globs = strings(value, path, single=True)
    separator = "/" if field == "attachment_type" else "@"
    for glob in globs:
        if separator == "@" and glob.count("@") > 1:
            raise Invalid(f'{path} "{glob}" is not an address or domain glob')
        if separator == "/" and glob.count("/") != 1:
            raise Invalid(f'{path} "{glob}" is not a content type glob like "image/*"')
    full = tuple((glob if separator in glob else "*@" + glob).lower() for glob in globs)
    pattern = _glob_pattern(full, separator=separator)
    return Glob(field, pattern, full, required_literals(pattern))


def _glob_pattern(globs: Collection[str], *, separator: str) -> re.Pattern[str]:
    """One anchored, lower-case regex for all globs; `*` and `?` never cross the separator."""
    wild = {"*": f"[^{separator}]*", "?": f"[^{separator}]"}
    alternatives = ("".join(wild.get(c) or re.escape(c) for c in glob) for glob in globs)
    return re.compile("(?:" + "|".join(alternatives) + r")\Z")


def _text(field: str, value: object, path: str) -> TextMatch:
    return TextMatch(field, _text_test(value, path, ("keywords", "regex")))


def _header(value: object, path: str) -> HeaderMatch:
    require(isinstance(value, dict), path, "a table", value)
    name = value.get("name")
    require(isinstance(name, str) and bool(name.strip()), f"{path}.name", "a header name", name)
    rest = {key: v for key, v in value.items() if key != "name"}
    test = _text_test(rest, path, ("equals", "keywords", "regex"), "name")
    return HeaderMatch(name.strip().lower(), test)


def _text_test(value: object, path: str, kinds: tuple[str, ...], *extra: str) -> TextTest:
    require(isinstance(value, dict), path, "a table", value)
    check_keys(value, (*kinds, *extra), "key", f"{path}.")
    if len(value) != 1:
        raise Invalid(f"{path} needs exactly one of {', '.join(kinds)}")
    (kind, spec), = value.items()
    if kind == "keywords":
        listed = strings(spec, f"{path}.keywords")
        keywords = compile_keywords(listed)
        needles = required_literals(keywords.pattern)
        return TextTest(keywords.pattern, True, keywords, needles, kind, listed)
    require(isinstance(spec, str) and spec != "", f"{path}.{kind}", "a non-empty string", spec)
    if kind == "equals":
        equals = re.compile(r"\A\s*" + re.escape(spec.strip().lower()) + r"\s*\Z")
        return TextTest(equals, True, needles=required_literals(equals), kind=kind,
                        spec=spec.strip())
    try:
        pattern, lowered = compile_regex(spec)
    except re.error as error:
        raise Invalid(f"{path}.regex {show(spec)} does not compile: {error}") from None
    return TextTest(pattern, lowered, needles=required_literals(pattern), kind=kind, spec=spec)


def _boolean(value: object, path: str) -> bool:
    require(isinstance(value, bool), path, "true or false", value)
    return value


_CONDITIONS: dict[str, Callable[[object, str], Condition]] = {
    "all": partial(_combine, All),
    "any": partial(_combine, AnyOf),
    "not": lambda value, path: Not(compile_when(value, path)),
    "from": partial(_glob, "from"),
    "to": partial(_glob, "to"),
    "subject": partial(_text, "subject"),
    "body": partial(_text, "body"),
    "text": partial(_text, "text"),
    "header": _header,
    "has_attachment": lambda value, path: HasAttachment(_boolean(value, path)),
    "attachment_type": partial(_glob, "attachment_type"),
    "language": lambda value, path: LanguageIs(language(value, path)),
    "application": lambda value, path: Concerns("application", strings(value, path, single=True)),
    "lpse": lambda value, path: Concerns("lpse", strings(value, path, single=True)),
}
