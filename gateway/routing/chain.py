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

- Rules are compiled once (`compile_rules`), and their keywords indexed by the words they need:
  one look-up per mail says which keyword lists its words allow (`RuleSet.lists_met`); a rule
  that needs another list is skipped unevaluated, as if found false (it still counts as tried).
- Each form of the mail that a condition reads (lower-cased subject and body, the word set, the
  language) is computed at most once per mail, and only when some condition asks for it.
- A regex or glob runs only when the text holds the strings it spells (`TextTest.needles`).

The body is cut at BODY_LIMIT characters so that a huge mail cannot make routing slow.

The decision also says which application and LPSE the mail concerns (`routing.lpse`, from the
operator's list the compiled rules carry), found once per mail whether or not a rule asks: the
new ticket keeps them. It reads the subject and the first `lpse.TEXT_CHARS` of the body a word
at a time, one look-up per word: about 0.3 ms of CPU per mail of bench/routing_bench.py.
"""
from __future__ import annotations

from typing import Callable, Sequence

from gateway.domain import InboundMail, Priority, RoutingDecision
from gateway.routing.language import (
    SAMPLE_CHARS, detect_language, language_of, words, words_and_sample,
)
from gateway.routing.lpse import Detected
from gateway.routing.rules import Rule, RuleSet

BODY_LIMIT = 64 * 1024

# Fields that the first matching rule to set them owns; tags accumulate instead.
_FIRST_WINS = ("team", "category", "priority", "assignee", "language")


class _Form:
    """A form of the mail that some condition reads, computed on first use and then kept in the
    view's __dict__, which shadows this descriptor: later reads are plain attribute reads (a
    `__getattr__` hook, or functools.cached_property's lock in Python 3.11, slows every read)."""

    def __init__(self, compute: Callable[[MailView], object]) -> None:
        self.compute = compute

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, view: MailView | None, owner: type) -> object:
        if view is None:
            return self
        value = view.__dict__[self.name] = self.compute(view)
        return value


def _language(view: MailView) -> str | None:
    """What detect_language says of the text: from the words at hand when they are, else from
    the head of the text only, so that the whole body need not be copied or split."""
    if "text_words" in view.__dict__ and view.split:
        return language_of(view.split[1])
    return detect_language(f"{view.subject}\n{view.body[:SAMPLE_CHARS]}")


class MailView:
    """One mail as the conditions read it: each form is computed once, on first use."""

    subject = _Form(lambda view: view.mail.subject[:BODY_LIMIT])
    body = _Form(lambda view: view.mail.text[:BODY_LIMIT])
    text = _Form(lambda view: f"{view.subject}\n{view.body}")
    subject_lower = _Form(lambda view: view.subject.lower())
    body_lower = _Form(lambda view: view.body.lower())
    text_lower = _Form(lambda view: f"{view.subject_lower}\n{view.body_lower}")
    subject_words = _Form(lambda view: words(view.subject_lower))
    # The words of the subject and the body (the line break between is no word), and for ASCII
    # text the words that detect_language reads, from one pass (language.words_and_sample).
    split = _Form(lambda view: words_and_sample(view.text_lower))
    text_words = _Form(lambda view: view.split[0] if view.split else words(view.text_lower))
    # The keyword lists of the rules that the mail's words allow (None: no rules to ask).
    lists_met = _Form(lambda view: view.rules.lists_met(view.text_words) if view.rules else None)
    language = _Form(_language)
    # Glob fields: lower-case addresses (none for a mail without a parseable sender) and types.
    sender = _Form(lambda view: (view.mail.sender.email.lower(),) if view.mail.sender else ())
    recipients = _Form(lambda view: tuple(a.email.lower() for a in (*view.mail.to, *view.mail.cc)))
    attachment_types = _Form(lambda view: tuple(a.content_type.lower()
                                                for a in view.mail.attachments))
    # The application and the LPSE the mail concerns (routing.lpse), when the rules carry the
    # operator's list: the `application` and `lpse` conditions and the decision read them.
    detected = _Form(lambda view: view.rules.directory.detect(
        view.sender[0] if view.sender else "", view.subject, view.body)
        if view.rules is not None and view.rules.directory is not None else Detected())

    def __init__(self, mail: InboundMail, rules: RuleSet | None = None) -> None:
        self.mail, self.rules = mail, rules

    def header_lower(self, name: str) -> tuple[str, ...]:
        """The values of one header (lower-case name) in lower case, computed once per name."""
        cache = self.__dict__.setdefault("headers_lower", {})
        if name not in cache:
            cache[name] = tuple(value.lower() for value in self.mail.headers.get(name, ()))
        return cache[name]


def route(rules: Sequence[Rule], mail: InboundMail, *, default_team: str) -> RoutingDecision:
    """Try the rules in order and merge the actions of those that match (see the module doc).
    `rules` come from `compile_rules`; other sequences of rules are indexed anew."""
    ruleset = rules if isinstance(rules, RuleSet) else RuleSet(rules)
    view = MailView(mail, ruleset)
    chosen: dict[str, object] = {}
    tags: dict[str, None] = {}  # an ordered set
    matched: list[str] = []
    last = len(ruleset) - 1  # the position of the last rule tried
    drop = False
    for position, (rule, needs) in enumerate(zip(ruleset, ruleset.needs)):
        if needs is not None and needs.isdisjoint(view.lists_met) or not rule.when.holds(view):
            continue
        matched.append(rule.name)
        for field in _FIRST_WINS:
            value = getattr(rule.actions, field)
            if value is not None and field not in chosen:
                chosen[field] = value
        tags.update(dict.fromkeys(rule.actions.tags))
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
        application=None if drop else view.detected.application,
        lpse=None if drop else view.detected.lpse,
    )
