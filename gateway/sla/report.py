"""The service-level report: per level and team, what happened in a period and how fast.

Every figure comes from the events (`history.timeline`), and the actions from the work log
(`store.worklog`): counted by code and application under the level and team of the agent who
recorded them, in the period; the tickets opened per application and per LPSE (the ticket's
columns, as intake or #aplikasi/#lpse left them), and over every level and team the tickets of
each application and each LPSE opened, resolved and still open; the hours spent in each #progres stage from the `stage` events
(wall-clock, not business hours: a stage is the work's own clock). The period runs from `start` 00:00 to
the end of `end`, both in WIB. A ticket counts for the level and team it is at now. Times are
business hours of the ticket's team; the 90th percentile is the nearest rank. Compliance is the
share of the first responses and resolutions of the period that met their target. An incident
counts once: its children (#parent) and the duplicates merged into a ticket (#merge) are no
tickets of their own in any figure, only "affected" reports of the ticket that stands for them,
in the period they were opened.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from statistics import median
from zoneinfo import ZoneInfo

from gateway.config import Settings, Team
from gateway.desk.stages import EVENT as STAGE_EVENT, STAGES
from gateway.domain import Level
from gateway.routing import lpse
from gateway.sla import calendar as calendar_module
from gateway.sla import satisfaction as survey_answers
from gateway.sla.history import DONE, Timeline, percentile, timeline
from gateway.sla.targets import first_response_hours, resolution_hours
from gateway.store import sla as store
from gateway.store import links, worklog

WIB = ZoneInfo("Asia/Jakarta")
AGE_BUCKETS = (("<1d", 1), ("1-3d", 3), ("3-7d", 7), ("7-30d", 30), (">30d", None))
TOP_CATEGORIES = 5
STAGE_ORDER = tuple(value for value, _ in STAGES)


@dataclass
class Group:
    level: str
    team: str
    opened: int = 0
    # Reports folded into the group's tickets in the period: an incident's children and the
    # duplicates merged away, counted here rather than as tickets of their own.
    affected: int = 0
    resolved: int = 0
    escalated_l0_l1: int = 0
    escalated_l1_l2: int = 0
    returned: int = 0
    reopened: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    met: int = 0
    measured: int = 0
    backlog: dict[str, int] = field(default_factory=lambda: {b: 0 for b, _ in AGE_BUCKETS})
    categories: Counter = field(default_factory=Counter)
    # (code, application or "-") -> the #tindakan recorded at this level by this team.
    actions: Counter = field(default_factory=Counter)
    # #progres stage -> hours (wall-clock) its tickets spent in it within the period.
    stage_hours: Counter = field(default_factory=Counter)
    # The tickets opened in the period per application and per LPSE code ("-": none named).
    applications: Counter = field(default_factory=Counter)
    lpse: Counter = field(default_factory=Counter)

    def figures(self) -> dict[str, object]:
        """The row as the formats print it: hours to one decimal, compliance in percent."""
        def stat(values: list[float], share: float | None) -> float | None:
            if not values:
                return None
            return round(median(values) if share is None else percentile(values, share), 1)
        return {"level": self.level, "team": self.team, "opened": self.opened,
                "affected": self.affected, "resolved": self.resolved, "escalated_l0_l1": self.escalated_l0_l1,
                "escalated_l1_l2": self.escalated_l1_l2, "returned": self.returned,
                "reopened": self.reopened,
                "first_response_median": stat(self.first_response, None),
                "first_response_p90": stat(self.first_response, 0.9),
                "resolution_median": stat(self.resolution, None),
                "resolution_p90": stat(self.resolution, 0.9),
                "sla_compliance": round(100 * self.met / self.measured, 1)
                if self.measured else None,
                "backlog": dict(self.backlog),
                "top_categories": [[name, count] for name, count in sorted(
                    self.categories.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CATEGORIES]],
                "actions": [[code, application, count] for (code, application), count
                            in sorted(self.actions.items())],
                "stage_hours": {stage: round(self.stage_hours[stage], 1) for stage in STAGE_ORDER
                                if stage in self.stage_hours},
                "applications": _most_first(self.applications),
                "lpse": _most_first(self.lpse)}


def _most_first(counts: Counter) -> list[list[object]]:
    return [[name, count] for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


@dataclass
class Concern:
    """The tickets of one application or one LPSE, whatever their level and team."""

    name: str  # the application's name, the LPSE's code, or "-" for none named
    label: str = ""  # the LPSE list's name of an LPSE ("LPSE Kabupaten Sleman")
    opened: int = 0  # in the period
    resolved: int = 0  # in the period
    open: int = 0  # still open at the end of the period

    def figures(self) -> dict[str, object]:
        return {"name": self.name, "label": self.label, "opened": self.opened,
                "resolved": self.resolved, "open": self.open}


@dataclass
class Report:
    start: date
    end: date
    language: str
    groups: list[Group]
    weekly: dict[tuple[date, str], int]  # (Monday of the week, level) -> tickets opened
    resolution_hours: dict[str, list[float]]  # level -> hours of the resolutions
    # The reporters' answers to the closing mail's question, per level and team (IKM).
    satisfaction: list[survey_answers.Satisfaction] = field(default_factory=list)
    # The tickets per application and per LPSE over every level and team, most opened first.
    applications: list[Concern] = field(default_factory=list)
    lpse: list[Concern] = field(default_factory=list)

    def rows(self) -> list[dict[str, object]]:
        return [g.figures() for g in self.groups]


def boundaries(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 WIB, end + 1 day 00:00 WIB) as naive UTC."""
    def utc(day: date) -> datetime:
        return datetime.combine(day, time(), WIB).astimezone(timezone.utc).replace(tzinfo=None)
    return utc(start), utc(end + timedelta(days=1))


def build(settings: Settings, start: date, end: date, level: str | None = None,
          team: str | None = None) -> Report:
    """The report over [start, end]; the caller holds a transaction."""
    begin, finish = boundaries(start, end)
    rows = [r for r in store.tickets_between(None, finish)
            if (not level or r.level == level.upper()) and (not team or r.team == team)]
    facts = store.history([r.id for r in rows])
    calendars = calendar_module.calendars(settings)
    fallback = calendar_module.for_team(Team("", Level.L0, ""), settings)
    groups: dict[tuple[str, str], Group] = {}
    weekly: Counter = Counter()
    hours_by_level: dict[str, list[float]] = {}
    absorbed = links.absorbed()
    by_id = {row.id: row for row in rows}
    concerns: dict[str, dict[str, Concern]] = {"application": {}, "lpse": {}}
    for row in rows:
        if row.id in absorbed:
            standing = by_id.get(_stands_for(row.id, absorbed))
            if standing is not None and begin <= row.created_at < finish:
                groups.setdefault((standing.level, standing.team),
                                  Group(standing.level, standing.team)).affected += 1
            continue
        line = timeline(row.created_at, facts.get(row.id, ()))
        for field_name, kept in concerns.items():
            name = getattr(row, field_name) or "-"
            _concern(kept.setdefault(name, Concern(name)), line, row, begin, finish)
        group = groups.setdefault((row.level, row.team), Group(row.level, row.team))
        cal = calendars.get(row.team, fallback)
        _count(group, line, row, begin, finish)
        _stages(group, facts.get(row.id, ()), line.resolved_at(finish), begin, finish)
        if begin <= row.created_at < finish:
            week = _local_day(row.created_at)
            weekly[(week - timedelta(days=week.weekday()), row.level)] += 1
        first = line.first_response
        if first is not None and begin <= first < finish:
            value = first_response_hours(line, cal)
            group.first_response.append(value)
            _judge(group, value, settings.sla.target(row.level, "first_response", row.priority))
        done = line.resolved_at(finish)
        if done is not None and begin <= done < finish:
            value = resolution_hours(line, cal, finish)
            group.resolution.append(value)
            hours_by_level.setdefault(row.level, []).append(value)
            _judge(group, value, settings.sla.target(row.level, "resolution", row.priority))
    for work in worklog.between(begin, finish):
        if (not level or work.level == level.upper()) and (not team or work.team == team):
            group = groups.setdefault((work.level, work.team), Group(work.level, work.team))
            group.actions[(work.code, work.application or "-")] += 1
    ordered = [groups[key] for key in sorted(groups)]
    listed = lpse.directory(settings.lpse.file)
    for code, concern in concerns["lpse"].items():
        entry = listed.get(code)
        concern.label = entry.name if entry else ""
    return Report(start, end, settings.support.language, ordered, dict(weekly), hours_by_level,
                  survey_answers.build(begin, finish, level, team),
                  _busiest(concerns["application"]), _busiest(concerns["lpse"]))


def _stands_for(ticket_id: int, absorbed: dict[int, int]) -> int:
    """The ticket that stands for `ticket_id` in the report: up its chain of incidents and
    merges to one that is neither a child nor merged (bounded, should the data loop)."""
    for _ in range(links.MAX_CHAIN):
        if ticket_id not in absorbed:
            break
        ticket_id = absorbed[ticket_id]
    return ticket_id


def _concern(concern: Concern, line: Timeline, row, begin: datetime, finish: datetime) -> None:
    concern.opened += int(begin <= row.created_at < finish)
    done = line.resolved_at(finish)
    concern.resolved += int(done is not None and begin <= done < finish)
    concern.open += int(line.status_at(finish) not in DONE)


def _busiest(concerns: dict[str, Concern]) -> list[Concern]:
    """Those with a ticket in the period, most opened first, "-" (none named) last; nothing
    when no ticket of the period names one (a desk that does not use them)."""
    busy = [c for c in concerns.values() if c.opened or c.resolved or c.open]
    if all(c.name == "-" for c in busy):
        return []
    return sorted(busy, key=lambda c: (c.name == "-", -c.opened, -c.resolved, c.name))


def _count(group: Group, line: Timeline, row, begin: datetime, finish: datetime) -> None:
    def within(moments) -> int:
        return sum(1 for at in moments if begin <= at < finish)
    if begin <= row.created_at < finish:
        group.opened += 1
        group.categories[row.category or "-"] += 1
        group.applications[row.application or "-"] += 1
        group.lpse[row.lpse or "-"] += 1
    done = line.resolved_at(finish)
    group.resolved += int(done is not None and begin <= done < finish)
    moves = [(old, new) for at, old, new in line.levels if begin <= at < finish]
    group.escalated_l0_l1 += moves.count(("L0", "L1"))
    group.escalated_l1_l2 += moves.count(("L1", "L2"))
    group.returned += within(line.returns)
    group.reopened += within(line.reopens)
    if row.created_at < finish and line.status_at(finish) not in DONE:
        age = (finish - row.created_at).total_seconds() / 86400
        bucket = next(b for b, limit in AGE_BUCKETS if limit is None or age < limit)
        group.backlog[bucket] += 1


def _stages(group: Group, facts, done: datetime | None, begin: datetime,
            finish: datetime) -> None:
    """Each #progres stage lasts from its `stage` event to the next one, or to the ticket's
    resolution, or to the end of the period; only the part within the period counts."""
    changes = [(f.at, f.new) for f in facts if f.kind == STAGE_EVENT and f.new]
    for k, (at, stage) in enumerate(changes):
        until = changes[k + 1][0] if k + 1 < len(changes) else (done or finish)
        start, stop = max(at, begin), min(until, finish)
        if stop > start:
            group.stage_hours[stage] += (stop - start).total_seconds() / 3600


def _judge(group: Group, value: float, target: float | None) -> None:
    if target:
        group.measured += 1
        group.met += int(value <= target)


def _local_day(moment: datetime) -> date:
    return moment.replace(tzinfo=timezone.utc).astimezone(WIB).date()
