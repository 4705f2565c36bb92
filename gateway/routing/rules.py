"""Routing rules: plain data (the parsed TOML) checked and compiled once into frozen objects.

`compile_rules` turns the array of rule tables into `Rule`s: a name, a condition tree (`when`),
the actions, and `continue`. Every regex, glob and keyword list is compiled here, so routing a mail
(`routing.chain.route`) only runs precompiled patterns. The rule-file format, with an example of
every condition and action, is documented at the top of `default_rules.toml`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import partial
from typing import Callable, Collection, Mapping, Union

from gateway.domain import Level, Priority
from gateway.errors import ConfigError
from gateway.routing.language import KeywordSet, compile_keywords, compile_regex

LANGUAGES = ("en", "id")


@dataclass(frozen=True)
class TextTest:
    """A compiled keywords/regex/equals test. `lowered`: it reads the lower-cased copy of the text.

    `keywords`, for keyword tests: the compiled list, which can look a mail's words up before any
    regex runs; `pattern` is then its alternation, for short texts such as header values.
    """

    pattern: re.Pattern[str]
    lowered: bool
    keywords: KeywordSet | None = None


@dataclass(frozen=True)
class Glob:
    field: str  # "from", "to" (lower-case addresses) or "attachment_type" (content types)
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class TextMatch:
    field: str  # "subject", "body" or "text"
    test: TextTest


@dataclass(frozen=True)
class HeaderMatch:
    name: str  # lower-case, as in InboundMail.headers
    test: TextTest


@dataclass(frozen=True)
class HasAttachment:
    present: bool


@dataclass(frozen=True)
class LanguageIs:
    code: str


@dataclass(frozen=True)
class All:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Union[Glob, TextMatch, HeaderMatch, HasAttachment, LanguageIs, All, AnyOf, Not]
ALWAYS = All(())


@dataclass(frozen=True)
class Actions:
    """What a matching rule sets; None (or empty) leaves the field to other rules or defaults."""

    team: str | None = None
    category: str | None = None
    priority: Priority | None = None
    tags: tuple[str, ...] = ()
    assignee: str | None = None
    language: str | None = None
    drop: bool = False


@dataclass(frozen=True)
class Rule:
    """One compiled rule; `continues` is the file's `continue` (a Python keyword)."""

    name: str
    when: Condition
    actions: Actions
    continues: bool = False


class _Invalid(Exception):
    """One problem inside one rule; compile_rules prefixes the source and the rule."""


@dataclass(frozen=True)
class _Known:
    teams: Mapping[str, Level]
    categories: Collection[str]
    agents: Mapping[str, str]  # lower-case address -> address as configured


def compile_rules(raw: list[dict], *, teams: Mapping[str, Level], categories: Collection[str],
                  agents: Collection[str] = (), source: str = "rules") -> tuple[Rule, ...]:
    """Check every rule and compile it; the first problem raises ConfigError in one line."""
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: rules must be an array of tables, got {_show(raw)}")
    known = _Known(teams, categories, {agent.lower(): agent for agent in agents})
    first_use: dict[str, int] = {}
    compiled = []
    for index, item in enumerate(raw, start=1):
        try:
            rule = _rule(item, known)
            if rule.name in first_use:
                raise _Invalid(f"duplicate name (first used by rule #{first_use[rule.name]})")
        except _Invalid as problem:
            raise ConfigError(f"{source}: {_label(item, index)}: {problem}") from None
        first_use[rule.name] = index
        compiled.append(rule)
    return tuple(compiled)


def _label(item: object, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f'rule "{name}"' if isinstance(name, str) and name.strip() else f"rule #{index}"


def _show(value: object) -> str:
    """A value as TOML would spell it, or its kind, for error messages."""
    if value is None:
        return "nothing"  # the key is missing: TOML has no null
    if isinstance(value, (bool, str, int, float)):
        return json.dumps(value, ensure_ascii=False)
    return {list: "an array", dict: "a table"}.get(type(value), type(value).__name__)


def _require(ok: bool, field: str, expected: str, value: object) -> None:
    if not ok:
        raise _Invalid(f"{field} must be {expected}, got {_show(value)}")


def _check_keys(table: dict, known: Collection[str], what: str, prefix: str = "") -> None:
    for key in table:
        if key not in known:
            listed = ", ".join(sorted(known))
            raise _Invalid(f'unknown {what} "{prefix}{key}" (known: {listed})')


def _strings(value: object, field: str, *, single: bool = False) -> tuple[str, ...]:
    """A non-empty array of non-empty strings (or, with `single`, one string)."""
    if single and isinstance(value, str):
        value = [value]
    ok = isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)
    expected = "a non-empty array of non-empty strings"
    _require(bool(ok), field, f"a string or {expected}" if single else expected, value)
    return tuple(v.strip() for v in value)


# ---- rules and actions ------------------------------------------------------------------------

_ACTION_KEYS = ("team", "category", "priority", "tags", "assignee", "language", "drop")
_RULE_KEYS = ("name", "when", "continue", *_ACTION_KEYS)


def _rule(item: object, known: _Known) -> Rule:
    _require(isinstance(item, dict), "a rule", "a table", item)
    _check_keys(item, _RULE_KEYS, "key")
    name = item.get("name")
    _require(isinstance(name, str) and bool(name.strip()), "name", "a non-empty string", name)
    when = _when(item["when"], "when", allow_empty=True) if "when" in item else ALWAYS
    continues = item.get("continue", False)
    _require(isinstance(continues, bool), "continue", "true or false", continues)
    actions = _actions(item, known)
    if continues and actions.drop:
        raise _Invalid("drop = true cannot go with continue = true: a dropped mail is final")
    if continues and actions == Actions():
        raise _Invalid("continue = true but no action: the rule would do nothing")
    return Rule(name.strip(), when, actions, continues)


def _actions(item: dict, known: _Known) -> Actions:
    drop = item.get("drop", False)
    _require(isinstance(drop, bool), "drop", "true or false", drop)
    return Actions(
        team=_team(item["team"], known.teams) if "team" in item else None,
        category=_category(item["category"], known.categories) if "category" in item else None,
        priority=_priority(item["priority"]) if "priority" in item else None,
        tags=_strings(item["tags"], "tags") if "tags" in item else (),
        assignee=_assignee(item["assignee"], known.agents) if "assignee" in item else None,
        language=_language(item["language"], "language") if "language" in item else None,
        drop=drop,
    )


def _team(value: object, teams: Mapping[str, Level]) -> str:
    _require(isinstance(value, str), "team", "a string", value)
    level_zero = ", ".join(sorted(t for t, level in teams.items() if level == Level.L0)) or "none"
    if value not in teams:
        raise _Invalid(f'unknown team "{value}" (known: {level_zero})')
    if teams[value] != Level.L0:
        raise _Invalid(
            f'team "{value}" is at Level {Level(teams[value]).value}: a new ticket starts at '
            f"Level 0, so a rule may only name a Level 0 team ({level_zero})"
        )
    return value


def _category(value: object, categories: Collection[str]) -> str:
    _require(isinstance(value, str), "category", "a string", value)
    if value not in categories:
        raise _Invalid(f'unknown category "{value}" (known: {", ".join(sorted(categories))})')
    return value


def _priority(value: object) -> Priority:
    names = [p.value for p in Priority]
    _require(value in names, "priority", f"one of {', '.join(names)}", value)
    return Priority(value)


def _assignee(value: object, agents: Mapping[str, str]) -> str:
    _require(isinstance(value, str), "assignee", "an agent's address", value)
    if value.lower() not in agents:
        listed = ", ".join(sorted(agents.values())) or "none"
        raise _Invalid(f'unknown assignee "{value}" (known agents: {listed})')
    return agents[value.lower()]


def _language(value: object, field: str) -> str:
    _require(value in LANGUAGES, field, f"one of {', '.join(LANGUAGES)}", value)
    return value


# ---- conditions -------------------------------------------------------------------------------


def _when(table: object, path: str, *, allow_empty: bool = False) -> Condition:
    """A table of conditions, all of which must hold."""
    _require(isinstance(table, dict), path, "a table of conditions", table)
    if not table and not allow_empty:
        raise _Invalid(f"{path} must not be empty")
    _check_keys(table, _CONDITIONS, "condition", f"{path}.")
    parts = tuple(_CONDITIONS[key](value, f"{path}.{key}") for key, value in table.items())
    return parts[0] if len(parts) == 1 else All(parts)


def _combine(kind: type, value: object, path: str) -> Condition:
    ok = isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
    _require(bool(ok), path, "a non-empty array of tables", value)
    return kind(tuple(_when(table, f"{path}[{i}]") for i, table in enumerate(value)))


def _address(field: str, value: object, path: str) -> Glob:
    globs = _strings(value, path, single=True)
    for glob in globs:
        if glob.count("@") > 1:
            raise _Invalid(f'{path} "{glob}" is not an address or domain glob')
    # A glob without "@" names the domain: "lkpp.go.id" and "*.go.id" match any mailbox there.
    full = [glob if "@" in glob else "*@" + glob for glob in globs]
    return Glob(field, _glob_pattern(full, separator="@"))


def _content_type(value: object, path: str) -> Glob:
    globs = _strings(value, path, single=True)
    for glob in globs:
        if glob.count("/") != 1:
            raise _Invalid(f'{path} "{glob}" is not a content type glob like "image/*"')
    return Glob("attachment_type", _glob_pattern(globs, separator="/"))


def _glob_pattern(globs: Collection[str], *, separator: str) -> re.Pattern[str]:
    """One anchored, lower-case regex for all globs; `*` and `?` never cross the separator."""
    wild = {"*": f"[^{separator}]*", "?": f"[^{separator}]"}
    alternatives = ("".join(wild.get(c) or re.escape(c) for c in g.lower()) for g in globs)
    return re.compile("(?:" + "|".join(alternatives) + r")\Z")


def _text(field: str, value: object, path: str) -> TextMatch:
    return TextMatch(field, _text_test(value, path, ("keywords", "regex")))


def _header(value: object, path: str) -> HeaderMatch:
    _require(isinstance(value, dict), path, "a table", value)
    name = value.get("name")
    _require(isinstance(name, str) and bool(name.strip()), f"{path}.name", "a header name", name)
    rest = {key: v for key, v in value.items() if key != "name"}
    test = _text_test(rest, path, ("equals", "keywords", "regex"), "name")
    return HeaderMatch(name.strip().lower(), test)


def _text_test(value: object, path: str, kinds: tuple[str, ...], *extra: str) -> TextTest:
    _require(isinstance(value, dict), path, "a table", value)
    _check_keys(value, (*kinds, *extra), "key", f"{path}.")
    if len(value) != 1:
        raise _Invalid(f"{path} needs exactly one of {', '.join(kinds)}")
    (kind, spec), = value.items()
    if kind == "keywords":
        keywords = compile_keywords(_strings(spec, f"{path}.keywords"))
        return TextTest(keywords.pattern, lowered=True, keywords=keywords)
    _require(isinstance(spec, str) and spec != "", f"{path}.{kind}", "a non-empty string", spec)
    if kind == "equals":
        equals = r"\A\s*" + re.escape(spec.strip().lower()) + r"\s*\Z"
        return TextTest(re.compile(equals), lowered=True)
    try:
        return TextTest(*compile_regex(spec))
    except re.error as error:
        raise _Invalid(f"{path}.regex {_show(spec)} does not compile: {error}") from None


_CONDITIONS: dict[str, Callable[[object, str], Condition]] = {
    "all": partial(_combine, All),
    "any": partial(_combine, AnyOf),
    "not": lambda value, path: Not(_when(value, path)),
    "from": partial(_address, "from"),
    "to": partial(_address, "to"),
    "subject": partial(_text, "subject"),
    "body": partial(_text, "body"),
    "text": partial(_text, "text"),
    "header": _header,
    "has_attachment": lambda value, path: HasAttachment(_boolean(value, path)),
    "attachment_type": _content_type,
    "language": lambda value, path: LanguageIs(_language(value, path)),
}


def _boolean(value: object, path: str) -> bool:
    _require(isinstance(value, bool), path, "true or false", value)
    return value
