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
  evaluated, in order.
- Unset fields fall back: team to `default_team`, priority to normal, language to the one
  `detect_language` reads in the subject and body (None when unsure), category and assignee to None.

Each form of the mail that a condition reads (lower-cased subject and body, their word sets, the
language) is computed at most once per mail, and only when some condition asks for it. The body is
cut at BODY_LIMIT characters so that a huge mail cannot make routing slow.
"""
from __future__ import annotations

from functools import cached_property
from typing import Callable, Sequence

from gateway.domain import InboundMail, Priority, RoutingDecision
from gateway.routing.language import detect_language, words
from gateway.routing.rules import (
    Actions, All, AnyOf, Condition, Glob, HasAttachment, HeaderMatch, LanguageIs, Not, Rule,
    TextMatch,
)

BODY_LIMIT = 64 * 1024

# Fields that the first matching rule to set them owns; tags accumulate instead.
_FIRST_WINS = ("team", "category", "priority", "assignee", "language")


class MailView:
    """One mail as the conditions read it; every property is computed once, on first use."""

    def __init__(self, mail: InboundMail) -> None:
        self.mail = mail

    @cached_property
    def subject(self) -> str:
        return self.mail.subject[:BODY_LIMIT]

    @cached_property
    def body(self) -> str:
        return self.mail.text[:BODY_LIMIT]

    @cached_property
    def text(self) -> str:
        return f"{self.subject}\n{self.body}"

    @cached_property
    def subject_lower(self) -> str:
        return self.subject.lower()

    @cached_property
    def body_lower(self) -> str:
        return self.body.lower()

    @cached_property
    def text_lower(self) -> str:
        return f"{self.subject_lower}\n{self.body_lower}"

    @cached_property
    def subject_words(self) -> set[str]:
        return words(self.subject_lower)

    @cached_property
    def body_words(self) -> set[str]:
        return words(self.body_lower)

    @cached_property
    def text_words(self) -> set[str]:
        return self.subject_words | self.body_words

    @cached_property
    def addresses(self) -> dict[str, tuple[str, ...]]:
        """Lower-case values by glob field: the sender, To and Cc, attachment content types."""
        mail = self.mail
        return {
            "from": (mail.sender.email.lower(),) if mail.sender else (),
            "to": tuple(address.email.lower() for address in (*mail.to, *mail.cc)),
            "attachment_type": tuple(a.content_type.lower() for a in mail.attachments),
        }

    @cached_property
    def language(self) -> str | None:
        return detect_language(self.text)


def route(rules: Sequence[Rule], mail: InboundMail, *, default_team: str) -> RoutingDecision:
    """Try the rules in order and merge the actions of those that match (see the module doc)."""
    view = MailView(mail)
    chosen: dict[str, object] = {}
    tags: dict[str, None] = {}  # an ordered set
    matched: list[str] = []
    tried: list[str] = []
    drop = False
    evaluate = _EVALUATE  # looked up once: this loop runs for every rule of every new mail
    for rule in rules:
        tried.append(rule.name)
        when = rule.when
        if not evaluate[type(when)](when, view):
            continue
        matched.append(rule.name)
        _merge(rule.actions, chosen, tags)
        drop = rule.actions.drop
        if drop or not rule.continues:
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
        tried=tuple(tried),
    )


def _merge(actions: Actions, chosen: dict[str, object], tags: dict[str, None]) -> None:
    """Add one matching rule's actions: unset fields only, and every tag."""
    for field in _FIRST_WINS:
        value = getattr(actions, field)
        if value is not None and field not in chosen:
            chosen[field] = value
    tags.update(dict.fromkeys(actions.tags))


def matches(condition: Condition, view: MailView) -> bool:
    """Whether one compiled condition holds for the mail."""
    return _EVALUATE[type(condition)](condition, view)


def _all(condition: All, view: MailView) -> bool:
    for part in condition.parts:
        if not _EVALUATE[type(part)](part, view):
            return False
    return True


def _any(condition: AnyOf, view: MailView) -> bool:
    for part in condition.parts:
        if _EVALUATE[type(part)](part, view):
            return True
    return False


def _glob(condition: Glob, view: MailView) -> bool:
    match = condition.pattern.match  # the pattern ends in \Z: a match is a full match
    for value in view.addresses[condition.field]:
        if match(value):
            return True
    return False


def _text(condition: TextMatch, view: MailView) -> bool:
    test, field = condition.test, condition.field
    if test.keywords is not None:
        # Looking the keywords' words up in the mail's word set first replaces most scans of the
        # body with set operations: that is what keeps 200 rules under a millisecond.
        return test.keywords.search(getattr(view, _LOWERED[field]), getattr(view, _WORDS[field]))
    text = getattr(view, _LOWERED[field] if test.lowered else field)
    return test.pattern.search(text) is not None


def _header(condition: HeaderMatch, view: MailView) -> bool:
    test = condition.test
    for value in view.mail.headers.get(condition.name, ()):
        if test.pattern.search(value.lower() if test.lowered else value):
            return True
    return False


_LOWERED = {field: f"{field}_lower" for field in ("subject", "body", "text")}
_WORDS = {field: f"{field}_words" for field in ("subject", "body", "text")}

# Plans are data: which function evaluates which kind of compiled condition.
_EVALUATE: dict[type, Callable[[object, MailView], bool]] = {
    All: _all,
    AnyOf: _any,
    Not: lambda condition, view: not matches(condition.part, view),
    Glob: _glob,
    TextMatch: _text,
    HeaderMatch: _header,
    HasAttachment: lambda condition, view: bool(view.mail.attachments) == condition.present,
    LanguageIs: lambda condition, view: view.language == condition.code,
}
