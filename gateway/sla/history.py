"""A ticket's timeline, read from its events: when its status and level changed, when an agent
first told the reporter something, when it was resolved, which service-level notices it has.

Status is replayed from event kinds (`created` new; `pending`; `resolve`; `close`; `escalate`,
`return`, `reopen`, `reopened` open). The events of commands name their command (the structured
field `command`, see `desk.apply`); the reporter's own `reply` events do not, which is how a
public answer to the reporter is told from the reporter writing in. What counts as an answer
is the registry's (`answers`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Sequence

from gateway.desk import registry
from gateway.domain import Status
from gateway.store.sla import Fact

STATUS_OF = {"created": Status.NEW, "pending": Status.PENDING, "resolve": Status.RESOLVED,
             "close": Status.CLOSED, "escalate": Status.OPEN, "return": Status.OPEN,
             "reopen": Status.OPEN, "reopened": Status.OPEN}
# What answers the reporter: a public reply, a progress note, #pending (the reason goes out)
# and a resolution.
RESPONSES = tuple(row.name for row in registry.COMMANDS if row.answers)
COUNTING = (Status.NEW, Status.OPEN)  # the clock stops while pending, resolved or closed
DONE = (Status.RESOLVED, Status.CLOSED)


@dataclass
class Timeline:
    created: datetime
    statuses: list[tuple[datetime, Status]] = field(default_factory=list)
    levels: list[tuple[datetime, str, str]] = field(default_factory=list)  # at, old, new
    responses: list[datetime] = field(default_factory=list)
    returns: list[datetime] = field(default_factory=list)
    reopens: list[datetime] = field(default_factory=list)
    notices: set[tuple[str, str]] = field(default_factory=set)  # (stage, target)

    @property
    def first_response(self) -> datetime | None:
        return self.responses[0] if self.responses else None

    def status_at(self, moment: datetime) -> Status:
        current = Status.NEW
        for at, status in self.statuses:
            if at > moment:
                break
            current = status
        return current

    def resolved_at(self, moment: datetime | None = None) -> datetime | None:
        """When the ticket last became resolved or closed, if it still was at `moment`."""
        seen = [(at, s) for at, s in self.statuses if moment is None or at <= moment]
        if not seen or seen[-1][1] not in DONE:
            return None
        at = seen[-1][0]
        for earlier, status in reversed(seen):
            if status not in DONE:
                break
            at = earlier
        return at

    def counting(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The parts of [start, end) during which the clock ran (status new or open)."""
        result, current, since = [], Status.NEW, self.created
        for at, status in [*self.statuses, (end, None)]:
            at = min(at, end)
            if current in COUNTING and at > max(since, start):
                result.append((max(since, start), at))
            if status is None or at >= end:
                break
            current, since = status, at
        return result

    def level_since(self, level: str) -> datetime:
        """When the ticket last arrived at `level` (its creation when it never moved)."""
        return next((at for at, _, new in reversed(self.levels) if new == level), self.created)


def timeline(created: datetime, facts: Iterable[Fact]) -> Timeline:
    result = Timeline(created)
    for fact in facts:
        status = STATUS_OF.get(fact.kind)
        if status is not None and not (fact.kind == "created" and result.statuses):
            result.statuses.append((fact.at, status))
        if fact.kind in ("escalate", "return") and fact.old and fact.new:
            result.levels.append((fact.at, fact.old, fact.new))
        if fact.kind == "return":
            result.returns.append(fact.at)
        if fact.kind in ("reopen", "reopened"):
            result.reopens.append(fact.at)
        if fact.command in RESPONSES:
            result.responses.append(fact.at)
        if fact.kind in ("sla_reminder", "sla_breach") and fact.new:
            result.notices.add((fact.kind.removeprefix("sla_"), fact.new))
    return result


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(round(share * 1000)) * len(ordered) // 1000))
    return ordered[rank - 1]
