"""The service-level timers, run by `ldp run` once per intake loop and by `ldp run --once`.

For every active ticket and every running measure (`targets.running`): at `reminder_share` of
the target the assignee (or the team when nobody is assigned) gets `agent_sla_reminder`; at the
target the team, its leads and the assignee get `agent_sla_breach`, which suggests #escalate,
and with `auto_escalate` the ticket moves up a level by itself: the desk's own #escalate
(`desk.automatic`), under the same rules as an agent's. Each notice is claimed in
`sla_notice`, recorded as an event (`sla_reminder` / `sla_breach`, new_value the target) and put
in the outbox in one transaction, so it goes out once, and a restart neither loses nor repeats
it. A breach found before its reminder was sent replaces the reminder. Resolved and closed
tickets are never looked at; the closing of resolved tickets (`sla.closing`) runs first. The
time is the clock passed in, else the context's (`Context.now`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from gateway.config import Agent, Settings, Team
from gateway.context import Context
from gateway.desk import automatic, welcome
from gateway.desk.notices import team_notices
from gateway.domain import Level, Notice, Status, Ticket
from gateway.outgoing import enqueue
from gateway.sla import assignments as assignment_reminders
from gateway.sla import calendar as calendar_module
from gateway.sla import closing
from gateway.sla.history import timeline
from gateway.sla.targets import Measure, running
from gateway.store import database, links, sla as store, tickets

log = logging.getLogger("ldp.sla")
_DEFAULT_TEAM = Team(id="", level=Level.L0, organisation="")


@dataclass
class TimerReport:
    fired: list[tuple[str, str, str]] = field(default_factory=list)  # (ref, stage, target)
    escalated: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)  # resolved tickets closed by themselves


PAGE = 500  # active tickets checked per read


def run_timers(ctx: Context, clock=None) -> TimerReport:
    """Check every active ticket once; each notice in its own transaction."""
    report = TimerReport()
    settings = ctx.settings
    with database.transaction(ctx.db):  # the roster: letters ending, new agents welcomed
        assignment_reminders.remind_leads(ctx)
        welcome.welcome_new_agents(ctx)
    report.closed = closing.close_resolved(ctx, clock)  # own module: [closing], not [sla]
    if not settings.sla.enabled:
        return report
    now = clock.now() if clock else ctx.now()
    calendars = calendar_module.calendars(settings)
    last_id = 0
    while True:
        # A page at a time: after a surge there are thousands of active tickets, and holding
        # them all with their histories made the gateway's memory grow with the backlog.
        with database.transaction(ctx.db):
            rows = store.active_tickets(after=last_id, limit=PAGE)
            facts = store.history([row.id for row in rows])
            # An incident's children and merged duplicates run no clocks of their own: the
            # ticket that stands for them does (`store.links`).
            absorbed = links.absorbed()
        if not rows:
            return report
        last_id = rows[-1].id
        for row in rows:
            if row.id in absorbed:
                continue
            line = timeline(row.created_at, facts.get(row.id, ()))
            cal = calendars.get(row.team) or calendar_module.for_team(_DEFAULT_TEAM, settings)
            for measure in running(line, cal, settings.sla, row.level, row.priority, now):
                stage = _due_stage(measure, line.notices, settings.sla.reminder_share)
                if stage and _fire(ctx, row.id, measure, stage, now, report):
                    line.notices.add((stage, measure.target))
                if row.ref in report.escalated:
                    break  # its next round judges it against the new level's targets


def _due_stage(measure: Measure, sent: set[tuple[str, str]], share: float) -> str | None:
    if ("breach", measure.target) in sent:
        return None
    if measure.share >= 1:
        return "breach"
    if measure.share >= share and ("reminder", measure.target) not in sent:
        return "reminder"
    return None


def _fire(ctx: Context, ticket_id: int, measure: Measure, stage: str, now: datetime,
          report: TimerReport) -> bool:
    with database.transaction(ctx.db):
        ticket = tickets.ticket_by_id(ticket_id)
        if ticket is None or ticket.status not in (Status.NEW, Status.OPEN, Status.PENDING):
            return False
        detail = (f"{measure.kind}: {measure.elapsed:.2f} of {measure.hours:g} business hours "
                  f"({measure.share:.0%}) at {ticket.level} priority {ticket.priority}")
        if not store.record_notice(ticket.id, measure.target, stage, measure.elapsed,
                                   measure.hours, now, detail):
            return False
        for notice in notices(ctx, ticket, measure, stage):
            enqueue(ctx, ticket, notice)
        report.fired.append((ticket.ref, stage, measure.target))
        if stage == "breach" and ctx.settings.sla.auto_escalate:
            _escalate(ctx, ticket, measure, now, report)
    log.info("%s: SLA %s for %s (%s)", ticket.ref, stage, measure.target, detail)
    return True


def recipients(settings: Settings, ticket: Ticket, stage: str) -> list[Agent]:
    """Reminder: the assignee, else the team. Breach: the team, its leads and the assignee."""
    assignee = settings.agent(ticket.assignee) if ticket.assignee else None
    if stage == "reminder":
        return [assignee] if assignee else list(settings.agents_of(ticket.team))
    found = [*settings.agents_of(ticket.team), *settings.leads_of(ticket.team),
             *([assignee] if assignee else [])]
    return list({a.email.lower(): a for a in found}.values())


def notices(ctx: Context, ticket: Ticket, measure: Measure,
            stage: str) -> list[Notice]:
    agents = recipients(ctx.settings, ticket, stage)
    if not agents:
        return []
    extra = {"measure": measure.kind, "elapsed": f"{measure.elapsed:.1f}",
             "target": f"{measure.hours:g}", "share": round(measure.share * 100),
             "leads": [a.email for a in ctx.settings.leads_of(ticket.team)],
             "can_escalate": ticket.level != Level.L2}
    return team_notices(ticket, None, ctx, f"agent_sla_{stage}", extra, only=agents)


def _escalate(ctx: Context, ticket: Ticket, measure: Measure, now: datetime,
              report: TimerReport) -> None:
    """The automatic #escalate after a breach (see `desk.automatic`)."""
    reason = f"{measure.kind} target of {measure.hours:g} business hours breached"
    if automatic.escalate(ctx, ticket, reason, now) is not None:
        report.escalated.append(ticket.ref)
