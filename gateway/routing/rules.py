"""Routing rules: plain data (the parsed TOML) checked and compiled once into frozen objects.

`compile_rules` turns the array of rule tables into a `RuleSet` of `Rule`s: a name, a condition
tree (`when`, compiled by `routing.conditions`), the actions, and `continue`. Every regex, glob and
keyword list is compiled here, and the `RuleSet` indexes the rules by the words they need, so
routing a mail (`routing.chain.route`) runs only precompiled patterns, and only for the rules that
can match. The rule-file format, with an example of every condition and action, is documented at
the top of `default_rules.toml`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Collection, Iterable, Iterator, Mapping

from gateway.domain import Level, Priority
from gateway.errors import ConfigError
from gateway.routing.conditions import (  # noqa: F401 - re-exported: the compiled tree's types
    ALWAYS, LANGUAGES, All, AnyOf, Condition, Glob, HasAttachment, HeaderMatch, Invalid,
    LanguageIs, Not, TextMatch, TextTest, check_keys, compile_when, describe, language, require,
    show, strings,
)
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
    """Compiled rules in file order (a tuple of `Rule`), indexed once by the words they need.

    Every keyword list in the rules is a clause, numbered by `clause_of`. A mail meets a clause
    when its words hold all the words of one of the list's keywords, each word (a gate) given as
    the set of forms that count: `clauses_met` answers for all clauses at once, with set and
    integer operations instead of one test per keyword. A rule with `required_keywords` cannot
    match a mail that meets no clause of one of its items: `candidates` leaves it out, so routing
    skips it unevaluated. Up to `first_gated`, the position of the first such rule (the length
    when there is none), every rule is evaluated and no word set is needed; `always` holds the
    positions of the other rules after it. `tests` are the rules' conditions as functions of a
    mail, compiled by `routing.chain` when it first routes a mail with the set, then kept.
    """

    names: tuple[str, ...]
    clause_of: dict[KeywordSet, int]
    first_gated: int
    always: tuple[int, ...]
    tests: tuple | None

    def __new__(cls, rules: Iterable[Rule] = ()) -> RuleSet:
        self = super().__new__(cls, rules)
        self.names, self.tests = tuple(rule.name for rule in self), None
        self.clause_of = {}
        for rule in self:
            for keywords in keyword_lists(rule.when):
                self.clause_of.setdefault(keywords, len(self.clause_of))
        self._index_words()
        self._index_rules([required_keywords(rule.when) for rule in self])
        return self

    def _index_words(self) -> None:
        """With T keywords (terms), bit j*T + t of a mask stands for gate j of term t: `_words`
        maps a word to the gates that hold it, `_padding` sets the gates that terms lack."""
        terms = [(number, keyword.word_choices()) for keywords, number in self.clause_of.items()
                 for keyword in keywords.keywords]
        self._terms, self._slots = len(terms), max((len(g) for _, g in terms), default=0)
        self._term_clause = tuple(number for number, _ in terms)
        self._words: dict[str, int] = {}
        self._padding = 0
        for t, (_, gates) in enumerate(terms):
            for j in range(self._slots):
                bit = 1 << (j * self._terms + t)
                if j >= len(gates):
                    self._padding |= bit
                for word in gates[j] if j < len(gates) else ():
                    self._words[word] = self._words.get(word, 0) | bit

    def _index_rules(self, needs: list[tuple[tuple[KeywordSet, ...], ...]]) -> None:
        """`_single[c]` masks the rules whose one item holds clause c (bit i for rule i);
        `_multi` lists the rules with more items, each item as a mask of clauses."""
        self.first_gated = next((p for p, items in enumerate(needs) if items), len(self))
        self.always = tuple(p for p, items in enumerate(needs)
                            if p >= self.first_gated and not items)
        single, multi = [0] * len(self.clause_of), []
        for position, items in enumerate(needs):
            if len(items) == 1:
                for keywords in items[0]:
                    single[self.clause_of[keywords]] |= 1 << position
            elif items:
                multi.append((position, tuple(
                    reduce(or_, (1 << self.clause_of[keywords] for keywords in item))
                    for item in items)))
        self._single, self._multi = tuple(single), tuple(multi)

    def clauses_met(self, words: set[str]) -> int:
        """The clauses (bit c for clause c) that a mail with these `words()` meets."""
        index, width = self._words, self._terms
        met = reduce(or_, map(index.__getitem__, index.keys() & words), self._padding)
        alive = (1 << width) - 1  # the terms whose every gate is met
        for j in range(self._slots):
            alive &= met >> (j * width)
        clauses = 0
        while alive:
            lowest = alive & -alive
            clauses |= 1 << self._term_clause[lowest.bit_length() - 1]
            alive ^= lowest
        return clauses

    def candidates(self, clauses: int) -> tuple[int, ...]:
        """The positions from `first_gated` on of the rules that can match a mail meeting these
        clauses, in order."""
        rules, remaining = 0, clauses
        while remaining:
            lowest = remaining & -remaining
            rules |= self._single[lowest.bit_length() - 1]
            remaining ^= lowest
        found = [position for position, items in self._multi
                 if all(item & clauses for item in items)]
        while rules:
            lowest = rules & -rules
            found.append(lowest.bit_length() - 1)
            rules ^= lowest
        return tuple(sorted(self.always + tuple(found))) if found else self.always


def required_keywords(condition: Condition) -> tuple[tuple[KeywordSet, ...], ...]:
    """Keyword lists that must occur for the condition to hold: one list of each item at least.
    None are known where a keyword ends in `*` (it needs no word), or under a `not`.

    A keyword test is an item of its own list; `all` adds up its parts' items; `any` unites the
    first item of each part, when every part has one. A keyword list can occur only where the
    mail has all the words of one of its keywords, which is what makes this worth knowing.
    """
    if isinstance(condition, TextMatch):
        keywords = condition.test.keywords
        return ((keywords,),) if keywords is not None and keywords.gates is not None else ()
    if isinstance(condition, All):
        return tuple(dict.fromkeys(item for part in condition.parts
                                   for item in required_keywords(part)))
    if isinstance(condition, AnyOf):
        needed = [required_keywords(part) for part in condition.parts]
        if not all(needed):
            return ()
        return (tuple(dict.fromkeys(keywords for items in needed for keywords in items[0])),)
    return ()


def keyword_lists(condition: Condition) -> Iterator[KeywordSet]:
    """Every keyword list of subject, body and text tests in the tree whose words can be looked
    up (no keyword ending in `*`), even under a `not`."""
    if isinstance(condition, TextMatch):
        keywords = condition.test.keywords
        if keywords is not None and keywords.gates is not None:
            yield keywords
    elif isinstance(condition, (All, AnyOf)):
        for part in condition.parts:
            yield from keyword_lists(part)
    elif isinstance(condition, Not):
        yield from keyword_lists(condition.part)


@dataclass(frozen=True)
class _Known:
    teams: Mapping[str, Level]
    categories: Collection[str]
    agents: Mapping[str, str]  # lower-case address -> address as configured


def compile_rules(raw: list[dict], *, teams: Mapping[str, Level], categories: Collection[str],
                  agents: Collection[str] = (), source: str = "rules") -> RuleSet:
    """Check every rule and compile it; the first problem raises ConfigError in one line."""
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: rules must be an array of tables, got {show(raw)}")
    known = _Known(teams, categories, {agent.lower(): agent for agent in agents})
    first_use: dict[str, int] = {}
    compiled = []
    for index, item in enumerate(raw, start=1):
        try:
            rule = _rule(item, known)
            if rule.name in first_use:
                raise Invalid(f"duplicate name (first used by rule #{first_use[rule.name]})")
        except Invalid as problem:
            raise ConfigError(f"{source}: {_label(item, index)}: {problem}") from None
        first_use[rule.name] = index
        compiled.append(rule)
    return RuleSet(compiled)


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
