"""Routing rules: plain data (the parsed TOML) checked and compiled once into frozen objects.

`compile_rules` turns the array of rule tables into a `RuleSet` of `Rule`s: a name, a condition
tree (`when`, compiled by `routing.conditions`), the actions, and `continue`. Every regex, glob and
keyword list is compiled here, and the `RuleSet` indexes the rules by the words they need, so
routing a mail (`routing.chain.route`) runs only precompiled patterns, and only for the rules that
can match. The rule-file format, with an example of every condition and action, is documented at
the top of `default_rules.toml`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Collection, Iterable, Iterator, Mapping

from gateway.domain import Level, Priority
from gateway.errors import ConfigError
from gateway.routing.conditions import (  # noqa: F401 - re-exported: the compiled tree's types
    ALWAYS, LANGUAGES, All, AnyOf, Concerns, Condition, Glob, HasAttachment, HeaderMatch, Invalid,
    LanguageIs, Not, TextMatch, TextTest, check_keys, compile_when, describe, language, require,
    show, strings,
)
from gateway.routing import lpse
from gateway.routing.language import KeywordSet


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

    def describe(self) -> str:
        """The rule on one line: `text~[deadline] -> priority=urgent, tags=[tenggat], continue`."""
        return f"{self.describe_when()} -> {self.describe_actions()}"

    def describe_when(self, shown: int | None = None) -> str:
        """The conditions on one line (see conditions.describe); "always" without any."""
        return describe(self.when, shown)

    def describe_actions(self) -> str:
        """The actions it takes, in a fixed order; "stop" for a rule that only ends evaluation."""
        actions = self.actions
        shown = [f"{field}={value.value if isinstance(value, Priority) else value}"
                 for field in ("team", "category", "priority", "assignee", "language")
                 if (value := getattr(actions, field)) is not None]
        shown += [f"tags=[{', '.join(actions.tags)}]"] if actions.tags else []
        shown += ["drop"] if actions.drop else []
        shown += ["continue"] if self.continues else []
        return ", ".join(shown) or "stop"


class RuleSet(tuple):
    """Compiled rules in file order (a tuple of `Rule`), with their names, and their keywords
    indexed once by the rarest-looking word each needs (`Keyword.rarest`): `lists_met` finds,
    for all the keyword lists of all the rules at once, those a mail's words allow, and a rule
    none of whose `needs` is among them cannot match the mail. `directory`: the operator's
    list of applications and LPSE the rules were checked against, which `route` reads each
    mail with (None: nothing is detected)."""

    names: tuple[str, ...]
    needs: tuple[frozenset[KeywordSet] | None, ...]

    def __new__(cls, rules: Iterable[Rule] = (),
                directory: lpse.Directory | None = None) -> RuleSet:
        self = super().__new__(cls, rules)
        self.directory = directory
        self.names = tuple(rule.name for rule in self)
        self.needs = tuple(needed_lists(rule.when) for rule in self)
        self.by_word: dict[str, list[tuple[frozenset, frozenset, KeywordSet]]] = {}
        self.open_lists = set()  # lists with a keyword that needs no word: always allowed
        for keywords in {k: None for rule in self for k in keyword_lists(rule.when)}:
            for keyword in keywords.keywords:
                rarest = keyword.rarest()
                for word in rarest:
                    self.by_word.setdefault(word, []).append(
                        (keyword.required, keyword.one_of, keywords))
                if not rarest:
                    self.open_lists.add(keywords)
        return self

    def lists_met(self, words: set[str]) -> set[KeywordSet]:
        """The keyword lists that hold a keyword all of whose words are among these `words()`
        (Keyword.possible, spelled out: this is the hot loop): others cannot match the mail."""
        met = set(self.open_lists)
        for word in self.by_word.keys() & words:
            for required, one_of, keywords in self.by_word[word]:
                if required <= words and (not one_of or not one_of.isdisjoint(words)):
                    met.add(keywords)
        return met


def keyword_lists(condition: Condition) -> Iterator[KeywordSet]:
    """Every keyword list of the subject, body and text tests in the tree, under a `not` too:
    a keyword test anywhere asks `lists_met` first, so every list must be indexed."""
    if isinstance(condition, TextMatch) and condition.test.keywords is not None:
        yield condition.test.keywords
    for part in getattr(condition, "parts", ()):
        yield from keyword_lists(part)
    if isinstance(condition, Not):
        yield from keyword_lists(condition.part)


def needed_lists(condition: Condition) -> frozenset[KeywordSet] | None:
    """Keyword lists one of which a mail must allow for the condition to hold, or None when
    that is not known (under a `not`, for other tests): a keyword test's own list, those of the
    first part of an `all` that has some, those of every part of an `any` together."""
    if isinstance(condition, TextMatch) and condition.test.keywords is not None:
        return frozenset([condition.test.keywords])
    parts = [needed_lists(part) for part in getattr(condition, "parts", ())]
    if isinstance(condition, All):
        return next(filter(None, parts), None)
    return frozenset().union(*parts) if isinstance(condition, AnyOf) and all(parts) else None


@dataclass(frozen=True)
class _Known:
    teams: Mapping[str, Level]
    categories: Collection[str]
    agents: Mapping[str, str]  # lower-case address -> address as configured


def compile_rules(raw: list[dict], *, teams: Mapping[str, Level], categories: Collection[str],
                  agents: Collection[str] = (), source: str = "rules",
                  directory: lpse.Directory | None = None) -> RuleSet:
    """Check every rule and compile it; the first problem raises ConfigError in one line.
    `directory`: the applications and LPSE the `application` and `lpse` conditions name
    (None: the shipped list)."""
    directory = directory or lpse.directory()
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: rules must be an array of tables, got {show(raw)}")
    known = _Known(teams, categories, {agent.lower(): agent for agent in agents})
    first_use: dict[str, int] = {}
    compiled = []
    for index, item in enumerate(raw, start=1):
        try:
            rule = _rule(item, known)
            rule = replace(rule, when=_concerning(rule.when, directory))
            if rule.name in first_use:
                raise Invalid(f"duplicate name (first used by rule #{first_use[rule.name]})")
        except Invalid as problem:
            raise ConfigError(f"{source}: {_label(item, index)}: {problem}") from None
        first_use[rule.name] = index
        compiled.append(rule)
    return RuleSet(compiled, directory)


def _concerning(condition: Condition, directory: lpse.Directory) -> Condition:
    """The tree with each `application` and `lpse` value looked up in the operator's list:
    the keys the detected value is compared to; an unknown value is refused, naming the
    close ones."""
    if isinstance(condition, (All, AnyOf)):
        return type(condition)(tuple(_concerning(p, directory) for p in condition.parts))
    if isinstance(condition, Not):
        return Not(_concerning(condition.part, directory))
    if not isinstance(condition, Concerns):
        return condition
    keys = []
    for value in condition.values:
        if condition.field == "application":
            found = directory.find_application(value)
            listed = "known: " + ", ".join(directory.application_names())
        else:
            entry = directory.find_lpse(value)
            found = entry.code if entry else None
            close = directory.close_to(value)
            listed = ("close: " + ", ".join(close)) if close else \
                f"see {directory.source or 'the LPSE list'}"
        if found is None:
            raise Invalid(f'{condition.field} "{value}" is not in the list ({listed})')
        keys.append(found.lower())
    return replace(condition, keys=frozenset(keys))


def _label(item: object, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f'rule "{name}"' if isinstance(name, str) and name.strip() else f"rule #{index}"


# ---- rules and actions ------------------------------------------------------------------------

_ACTION_KEYS = ("team", "category", "priority", "tags", "assignee", "language", "drop")
_RULE_KEYS = ("name", "when", "continue", *_ACTION_KEYS)


def _rule(item: object, known: _Known) -> Rule:
    require(isinstance(item, dict), "a rule", "a table", item)
    check_keys(item, _RULE_KEYS, "key")
    name = item.get("name")
    require(isinstance(name, str) and bool(name.strip()), "name", "a non-empty string", name)
    when = compile_when(item["when"], "when", allow_empty=True) if "when" in item else ALWAYS
    continues = item.get("continue", False)
    require(isinstance(continues, bool), "continue", "true or false", continues)
    actions = _actions(item, known)
    if continues and actions.drop:
        raise Invalid("drop = true cannot go with continue = true: a dropped mail is final")
    if continues and actions == Actions():
        raise Invalid("continue = true but no action: the rule would do nothing")
    return Rule(name.strip(), when, actions, continues)


def _actions(item: dict, known: _Known) -> Actions:
    drop = item.get("drop", False)
    require(isinstance(drop, bool), "drop", "true or false", drop)
    return Actions(
        team=_team(item["team"], known.teams) if "team" in item else None,
        category=_category(item["category"], known.categories) if "category" in item else None,
        priority=_priority(item["priority"]) if "priority" in item else None,
        tags=strings(item["tags"], "tags") if "tags" in item else (),
        assignee=_assignee(item["assignee"], known.agents) if "assignee" in item else None,
        language=language(item["language"], "language") if "language" in item else None,
        drop=drop,
    )


def _team(value: object, teams: Mapping[str, Level]) -> str:
    require(isinstance(value, str), "team", "a string", value)
    level_zero = ", ".join(sorted(t for t, level in teams.items() if level == Level.L0)) or "none"
    if value not in teams:
        raise Invalid(f'unknown team "{value}" (known: {level_zero})')
    if teams[value] != Level.L0:
        raise Invalid(
            f'team "{value}" is at Level {Level(teams[value]).value}: a new ticket starts at '
            f"Level 0, so a rule may only name a Level 0 team ({level_zero})"
        )
    return value


def _category(value: object, categories: Collection[str]) -> str:
    require(isinstance(value, str), "category", "a string", value)
    if value not in categories:
        raise Invalid(f'unknown category "{value}" (known: {", ".join(sorted(categories))})')
    return value


def _priority(value: object) -> Priority:
    names = [p.value for p in Priority]
    require(value in names, "priority", f"one of {', '.join(names)}", value)
    return Priority(value)


def _assignee(value: object, agents: Mapping[str, str]) -> str:
    require(isinstance(value, str), "assignee", "an agent's address", value)
    if value.lower() not in agents:
        listed = ", ".join(sorted(agents.values())) or "none"
        raise Invalid(f'unknown assignee "{value}" (known agents: {listed})')
    return agents[value.lower()]
