"""What a ticket has used of each service-level target, in business hours.

Targets come from `[sla.targets]` per level, measure and priority. They are judged at the level
the ticket is at now. `first_response` runs from creation to the first answer to the reporter,
`resolution` from creation to the resolution, `update` (L1 and L2) from the later of the last
answer and the arrival at the level; none of them runs while the ticket is pending.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.config import Sla
from gateway.sla.calendar import Calendar
from gateway.sla.history import Timeline

UPDATE_LEVELS = ("L1", "L2")


@dataclass(frozen=True)
class Measure:
    target: str  # the name recorded with a notice: first_response, resolution, update@...
    kind: str  # first_response, resolution or update
    elapsed: float  # business hours used so far
    hours: float  # the target

    @property
    def share(self) -> float:
        return self.elapsed / self.hours


def hours(timeline: Timeline, calendar: Calendar, start: datetime, end: datetime) -> float:
    return calendar.hours_over(timeline.counting(start, end))


def first_response_hours(timeline: Timeline, calendar: Calendar) -> float | None:
    first = timeline.first_response
    return None if first is None else hours(timeline, calendar, timeline.created, first)


def resolution_hours(timeline: Timeline, calendar: Calendar,
                     until: datetime | None = None) -> float | None:
    done = timeline.resolved_at(until)
    return None if done is None else hours(timeline, calendar, timeline.created, done)


def running(timeline: Timeline, calendar: Calendar, sla: Sla, level: str, priority: str,
            now: datetime) -> list[Measure]:
    """The measures of an active ticket that still run at `now`, with their targets."""
    result = []
    goal = sla.target(level, "first_response", priority)
    if goal and timeline.first_response is None:
        result.append(Measure("first_response", "first_response",
                              hours(timeline, calendar, timeline.created, now), goal))
    goal = sla.target(level, "resolution", priority)
    if goal:
        result.append(Measure("resolution", "resolution",
                              hours(timeline, calendar, timeline.created, now), goal))
    goal = sla.target(level, "update", priority)
    if goal and level in UPDATE_LEVELS:
        anchor = max([timeline.level_since(level), *timeline.responses[-1:]])
        result.append(Measure(f"update@{anchor:%Y-%m-%dT%H:%M:%S}", "update",
                              hours(timeline, calendar, anchor, now), goal))
    return result
