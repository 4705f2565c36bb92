"""Resolved tickets close by themselves (issue 18, item 1), with the one satisfaction question.

A resolved ticket closes `closing.after_working_days` working days after its (last) resolution:
that many working days' worth of business hours of its team's calendar (the SLA calendar: work
days and hours, public holidays, collective leave), so a ticket resolved on Thursday at 10:00
closes on Tuesday at 10:00. A reporter's reply in between reopens it (a new resolution starts
the count again); a reply that only thanks (`intake.thanks`) neither reopens nor delays it. The close is the desk's
own #close (`desk.plan`, `desk.apply`, as the timers' #escalate in `desk.automatic`), written
in one transaction with the reporter's closing mail (`reporter_closed`) and, when it asks the
question (`closing.survey`, at most once per reporter in `closing.survey_period_days`), the
`survey` row its answer will fill (`intake.closed`). Run by `sla.timers.run_timers`, so by every
round of `ldp run` and by `ldp run --once`; the time comes from the context's clock.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from gateway.context import Context
from gateway.desk import automatic, notices
from gateway.desk.apply import apply_plan
from gateway.desk.plan import make_plan
from gateway.desk.state import Actor, organisation
from gateway.domain import Command, Level, Notice, Status, Ticket
from gateway.outgoing import enqueue, handler_context
from gateway.sla import calendar as calendar_module
from gateway.sla.calendar import Calendar
from gateway.store import closing as store, database, surveys, tickets
from gateway.config import Team

log = logging.getLogger("ldp.sla")
TEMPLATE = "reporter_closed"
SURVEY_EVENT = "survey_asked"
PAGE = 500  # resolved tickets read per query
_DEFAULT_TEAM = Team(id="", level=Level.L0, organisation="")


def due_at(cal: Calendar, since: datetime, days: int) -> datetime | None:
    """When `days` working days of `cal` have passed since `since` (None past its horizon)."""
    day = datetime.combine(date.min, cal.end) - datetime.combine(date.min, cal.start)
    return cal.add(since, days * day.total_seconds())


def close_resolved(ctx: Context, clock=None) -> list[str]:
    """Close every resolved ticket that is due; the references closed. Each in its own
    transaction."""
    days = ctx.settings.closing.after_working_days
    if days <= 0:
        return []
    now = clock.now() if clock else ctx.now()
    calendars = calendar_module.calendars(ctx.settings)
    fallback = calendar_module.for_team(_DEFAULT_TEAM, ctx.settings)
    closed: list[str] = []
    last = 0
    while True:
        with database.transaction(ctx.db):
            page = store.resolved(after=last, limit=PAGE)
        if not page:
            return closed
        last = page[-1].id
        for row in page:
            if not _due(row, calendars.get(row.team, fallback), days, now):
                continue
            with database.transaction(ctx.db):
                # Read again inside the transaction: the reporter may have reopened it.
                again = store.resolved_one(row.id)
                ticket = tickets.ticket_by_id(row.id)
                if again is None or ticket is None or \
                        not _due(again, calendars.get(again.team, fallback), days, now):
                    continue
                if close(ctx, ticket, now) is not None:
                    closed.append(ticket.ref)


def _due(row: store.Resolved, cal: Calendar, days: int, now: datetime) -> bool:
    due = due_at(cal, row.resolved_at, days)
    return due is not None and now >= due


def close(ctx: Context, ticket: Ticket, now: datetime) -> Ticket | None:
    """Close a resolved ticket as the desk's #close and mail the reporter; the ticket as it is
    now, or None when the rules refused (logged: nothing is written)."""
    actor = Actor(automatic.ACTOR, ticket.level, ticket.team,
                  organisation(ctx.settings, ticket.team))
    plan = make_plan(ticket, [Command(line="#close", name="close")], "", actor, ctx.settings)
    if not plan.ok or ticket.status != Status.RESOLVED:
        log.warning("%s: not closed by itself: %s", ticket.ref,
                    "; ".join(str(s.error) for s in plan.steps if s.error) or ticket.status)
        return None
    if not store.claim(ticket.id, now):
        return None  # closed meanwhile, by another gateway's timers
    closed = apply_plan(ticket, plan, automatic.ACTOR, now=now)
    ask = _asks(ctx, closed, now)
    if enqueue(ctx, closed, closing_notice(ctx, closed, ask), auto=True) and ask:
        surveys.ask(closed, now)
        tickets.add_event(closed, SURVEY_EVENT, automatic.ACTOR,
                          f"satisfaction question sent to {closed.reporter.email} for "
                          f"{closed.team} at {closed.level}", new=closed.team, at=now)
    log.info("%s: closed %d working days after its resolution%s", closed.ref,
             ctx.settings.closing.after_working_days, " (survey sent)" if ask else "")
    return closed


def _asks(ctx: Context, ticket: Ticket, now: datetime) -> bool:
    """Whether this closing mail asks the question: at most once per reporter per period."""
    closing = ctx.settings.closing
    since = now - timedelta(days=closing.survey_period_days)
    return closing.survey and not surveys.asked_since(ticket.reporter.email, since)


def closing_notice(ctx: Context, ticket: Ticket, ask: bool) -> Notice:
    closing = ctx.settings.closing
    in_reply_to, references = notices.reporter_thread(ticket)
    context = {"ref": ticket.ref, "subject": ticket.subject, "status": ticket.status.value,
               "reporter_name": ticket.reporter.name, **handler_context(ctx, ticket),
               "days": closing.after_working_days, "grace_days": closing.reopen_grace_days,
               "survey": ask, "survey_link": survey_link(ctx, ticket) if ask else ""}
    return Notice(template=TEMPLATE, to=ticket.reporter, language=ticket.language,
                  context=context, ticket_ref=ticket.ref, in_reply_to=in_reply_to,
                  references=references, auto_submitted="auto-generated")


def survey_link(ctx: Context, ticket: Ticket) -> str:
    """The web form's address for this ticket (`closing.survey_url`), "" when there is none.
    Its code is an HMAC of the reference under the gateway's secret, so a form can tell a
    ticket's own link from a guessed one."""
    base, secret = ctx.settings.closing.survey_url, ctx.settings.security.secret
    if not base or not secret:
        return ""
    code = hmac.new(secret.encode(), f"survey:{ticket.ref}".encode(), hashlib.sha256)
    return f"{base}?{urlencode({'tiket': ticket.ref, 'kode': code.hexdigest()[:24]})}"
