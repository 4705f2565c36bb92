"""Route a new mail: try the compiled rules in order and say where its ticket goes, and why.

How a rule file reads, top to bottom (what `route` implements):

- Rules are tried in order. The first matching rule decides and evaluation stops there, unless
  that rule says `continue = true`: then its actions are taken and the rules below are tried too.
- The first matching rule that sets a field owns it. A later match fills only what is still
  unset (team, category, priority, assignee, language), so a broad rule further down never
  overrides a specific rule above it, whether the specific rule continued or stopped. Tags are
  the exception: they accumulate from every matching rule, in order, without repeats.
- `drop = true` ends evaluation at once: the mail is recorded, gets no ticket and no reply.
- `matched` names every rule whose conditions held, in order, even a continuing rule whose fields
  were already set, so "why is this ticket here?" has the whole answer; `tried` names every rule
  tried, in order: each one down to the rule that ended evaluation.
- Unset fields fall back: team to `default_team`, priority to normal, language to the one
  `detect_language` reads in the subject and body (None when unsure), category and assignee to None.

How `route` keeps 200 rules well under a millisecond (bench/routing_bench.py measures it):

- Rules are compiled once, into a `RuleSet` that indexes them by the words their keywords need:
  a rule that cannot match the mail's words is skipped unevaluated, as if found false (it still
  counts as tried). Each condition is compiled once into a function of the mail (`compile_test`).
- Each form of the mail that a condition reads (lower-cased subject and body, the word set, the
  language) is computed at most once per mail, and only when some condition asks for it.
- A regex or glob runs only when the text holds the strings it spells (`TextTest.needles`).

The body is cut at BODY_LIMIT characters so that a huge mail cannot make routing slow.
"""
from __future__ import annotations

from operator import attrgetter
from types import MappingProxyType
from typing import Callable, Iterator, Mapping, Sequence

from gateway.domain import InboundMail, Priority, RoutingDecision
from gateway.routing.conditions import (
    All, AnyOf, Condition, Glob, HasAttachment, HeaderMatch, LanguageIs, Not, TextMatch, TextTest,
)
from gateway.routing.language import (
    SAMPLE_CHARS, KeywordSet, detect_language, language_of, words, words_and_sample,
)
from gateway.routing.rules import Actions, Rule, RuleSet

BODY_LIMIT = 64 * 1024

# Fields that the first matching rule to set them owns; tags accumulate instead.
_FIRST_WINS = ("team", "category", "priority", "assignee", "language")


class _once:  # noqa: N801 - used as a decorator, like functools.cached_property
    """A property computed on first use and then kept in the instance: functools.cached_property
    without its lock (Python 3.11), which costs more than most of what MailView computes."""

    def __init__(self, compute: Callable[[MailView], object]) -> None:
        self.compute, self.name = compute, compute.__name__

    def __get__(self, view: MailView | None, owner: type) -> object:
        if view is None:
            return self
        value = view.__dict__[self.name] = self.compute(view)
        return value


class MailView:
    """One mail as the conditions read it; every property is computed once, on first use."""

    def __init__(self, mail: InboundMail, rules: RuleSet | None = None) -> None:
        self.mail, self.rules = mail, rules

    @_once
    def subject(self) -> str:
        return self.mail.subject[:BODY_LIMIT]

    @_once
    def body(self) -> str:
        return self.mail.text[:BODY_LIMIT]

    @_once
    def text(self) -> str:
        return f"{self.subject}\n{self.body}"

    @_once
    def subject_lower(self) -> str:
        return self.subject.lower()

    @_once
    def body_lower(self) -> str:
        return self.body.lower()

    @_once
    def text_lower(self) -> str:
        return f"{self.subject_lower}\n{self.body_lower}"

    @_once
    def subject_words(self) -> set[str]:
        return words(self.subject_lower)

    @_once
    def text_words(self) -> set[str]:
        """The words of the subject and the body (the line break between them is no word)."""
        split = self._split
        return split[0] if split else words(self.text_lower)

    @_once
    def _split(self) -> tuple[set[str], list[str]] | None:
        """`text_words` and the words detect_language reads, from one pass (ASCII text only)."""
        return words_and_sample(self.text_lower)

    @_once
    def clauses(self) -> int:
        """The keyword lists of the rule set (see RuleSet) that the words of this mail meet; all
        of them (-1) for a view without rules, whose tests then never ask."""
        return self.rules.clauses_met(self.text_words) if self.rules is not None else -1

    @_once
    def sender(self) -> tuple[str, ...]:
        """The sender's address in lower case; none when the mail has no parseable sender."""
        return (self.mail.sender.email.lower(),) if self.mail.sender else ()

    @_once
    def recipients(self) -> tuple[str, ...]:
        """Every To and Cc address, in lower case."""
        return tuple(address.email.lower() for address in (*self.mail.to, *self.mail.cc))

    @_once
    def attachment_types(self) -> tuple[str, ...]:
        return tuple(attachment.content_type.lower() for attachment in self.mail.attachments)

    @_once
    def language(self) -> str | None:
        # With the words at hand, their first part says it; else detect_language reads the head
        # of the text only, so the whole body need not be copied or split.
        if "text_words" in self.__dict__ and self._split:
            return language_of(self._split[1])
        return detect_language(f"{self.subject}\n{self.body[:SAMPLE_CHARS]}")

    def header_lower(self, name: str) -> tuple[str, ...]:
        """The values of one header (lower-case name) in lower case, computed once per name."""
        cache = self.__dict__.setdefault("_headers_lower", {})
        if name not in cache:
            cache[name] = tuple(value.lower() for value in self.mail.headers.get(name, ()))
        return cache[name]


def route(rules: Sequence[Rule], mail: InboundMail, *, default_team: str) -> RoutingDecision:
    """Try the rules in order and merge the actions of those that match (see the module doc).

    `rules` come from `compile_rules`, indexed once; other sequences of rules are indexed anew
    for every mail, which costs more than routing it.
    """
    ruleset = rules if isinstance(rules, RuleSet) else RuleSet(rules)
    tests = ruleset.tests or _compile_tests(ruleset)
    view = MailView(mail, ruleset)
    chosen: dict[str, object] = {}
    tags: dict[str, None] = {}  # an ordered set
    matched: list[str] = []
    last = len(ruleset) - 1  # the position of the last rule tried
    drop = False
    for position in _candidates(ruleset, view):
        if not tests[position](view):
            continue
        rule = ruleset[position]
        matched.append(rule.name)
        _merge(rule.actions, chosen, tags)
        drop = rule.actions.drop
        if drop or not rule.continues:
            last = position
            break
    return RoutingDecision(
        team=chosen.get("team", default_team),
        category=chosen.get("category"),
        priority=chosen.get("priority", Priority.NORMAL),
        tags=tuple(tags),
        assignee=chosen.get("assignee"),
        # A dropped mail is never answered, so its language is not worth detecting.
        language=chosen.get("language") or (None if drop else view.language),
        drop=drop,
        matched=tuple(matched),
        tried=ruleset.names[:last + 1],
    )


def _compile_tests(rules: RuleSet) -> tuple[Test, ...]:
    """Compile each rule's condition on the first mail routed with the set, and keep them."""
    rules.tests = tuple(compile_test(rule.when, rules.clause_of) for rule in rules)
    return rules.tests


def _candidates(rules: RuleSet, view: MailView) -> Iterator[int]:
    """The positions of the rules that can match the mail, in order: every rule up to the first
    gated one, then those that the keyword lists met by the mail's words leave (see RuleSet)."""
    yield from range(rules.first_gated)
    if rules.first_gated < len(rules):
        yield from rules.candidates(view.clauses)


def _merge(actions: Actions, chosen: dict[str, object], tags: dict[str, None]) -> None:
    """Add one matching rule's actions: unset fields only, and every tag."""
    for field in _FIRST_WINS:
        value = getattr(actions, field)
        if value is not None and field not in chosen:
            chosen[field] = value
    tags.update(dict.fromkeys(actions.tags))


Test = Callable[[MailView], bool]
_NONE: Mapping[KeywordSet, int] = MappingProxyType({})


def compile_test(condition: Condition, clauses: Mapping[KeywordSet, int] = _NONE) -> Test:
    """The condition as a function of a mail view, with its patterns and fields bound once, so
    evaluating a rule is one call without look-ups (what `_COMPILE` does for each kind).

    `clauses` numbers keyword lists as `RuleSet.clause_of` does: a keyword test among them first
    asks whether the mail's words meet its clause, which `MailView.clauses` knows for all at once.
    """
    return _COMPILE[type(condition)](condition, clauses)


def _all(condition: All, clauses: Mapping[KeywordSet, int]) -> Test:
    parts = tuple(compile_test(part, clauses) for part in condition.parts)
    if len(parts) == 2:  # the usual case, spelled out: a generator costs more than the tests
        first, second = parts
        return lambda view: first(view) and second(view)
    return parts[0] if len(parts) == 1 else lambda view: all(part(view) for part in parts)


def _any(condition: AnyOf, clauses: Mapping[KeywordSet, int]) -> Test:
    parts = tuple(compile_test(part, clauses) for part in condition.parts)
    if len(parts) == 2:
        first, second = parts
        return lambda view: first(view) or second(view)
    return parts[0] if len(parts) == 1 else lambda view: any(part(view) for part in parts)


def _not(condition: Not, clauses: Mapping[KeywordSet, int]) -> Test:
    part = compile_test(condition.part, clauses)
    return lambda view: not part(view)


def _glob(condition: Glob, _: object) -> Test:
    values = attrgetter(_GLOB_VALUES[condition.field])
    return _some_value(values, condition.needles, condition.pattern.match)  # it ends in \Z


def _header(condition: HeaderMatch, _: object) -> Test:
    name, test = condition.name, condition.test
    if test.lowered:
        values = lambda view: view.header_lower(name)  # noqa: E731
    else:
        values = lambda view: view.mail.headers.get(name, ())  # noqa: E731
    return _some_value(values, test.needles, test.pattern.search)


def _some_value(values: Callable[[MailView], tuple[str, ...]],
                needles: tuple[tuple[str, ...], ...], found: Callable[[str], object]) -> Test:
    """True when one of the values holds the needles and the pattern finds it."""
    def holds(view: MailView) -> bool:
        for value in values(view):
            if _meets(value, needles) and found(value):
                return True
        return False
    return holds


def _text(condition: TextMatch, clauses: Mapping[KeywordSet, int]) -> Test:
    test, field = condition.test, condition.field
    if test.keywords is None or test.keywords.gates is None:  # the pattern is all there is
        return _regex(test, attrgetter(f"{field}_lower" if test.lowered else field))
    # Looking the keywords' words up in the mail's word set first replaces most scans of the body
    # with set operations. The words of the whole text serve the body too: a superset only lets
    # more keywords through to their regex, which reads the body alone.
    search, text = test.keywords.search, attrgetter(f"{field}_lower")
    known = attrgetter("subject_words" if field == "subject" else "text_words")
    if test.keywords not in clauses:
        return lambda view: search(text(view), known(view))
    bit = 1 << clauses[test.keywords]
    return lambda view: bool(view.clauses & bit) and search(text(view), known(view))


def _regex(test: TextTest, text: Callable[[MailView], str]) -> Test:
    search, needles = test.pattern.search, test.needles
    if not needles:
        return lambda view: search(text(view)) is not None

    def holds(view: MailView) -> bool:
        value = text(view)
        return _meets(value, needles) and search(value) is not None
    return holds


def _meets(value: str, needles: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the value holds a string of each group (TextTest.needles): a substring search is
    much cheaper than the call of a regex, let alone its scan."""
    for group in needles:
        for needle in group:
            if needle in value:
                break
        else:
            return False
    return True


def _has_attachment(condition: HasAttachment, _: object) -> Test:
    present = condition.present
    return lambda view: bool(view.mail.attachments) == present


def _language(condition: LanguageIs, _: object) -> Test:
    code = condition.code
    return lambda view: view.language == code


_GLOB_VALUES = {"from": "sender", "to": "recipients", "attachment_type": "attachment_types"}

# Plans are data: which function compiles which kind of condition.
_COMPILE: dict[type, Callable[[Condition, Mapping[KeywordSet, int]], Test]] = {
    All: _all, AnyOf: _any, Not: _not, Glob: _glob, TextMatch: _text, HeaderMatch: _header,
    HasAttachment: _has_attachment, LanguageIs: _language,
}
