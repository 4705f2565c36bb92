"""What the desk does by itself: the service-level timers' #escalate after a breach.

It is an agent's #escalate, planned and applied by the same code (`desk.plan`, `desk.apply`),
so it follows the same rules: the team of the ticket's own organisation one level up, never a
team nobody reads. The timers act as the ticket's own level ("sla"); a plan the rules refuse
changes nothing and leaves an `escalation_refused` event saying why. Unlike an agent's block it
sends the reporter nothing: the new team is told (`agent_handover`), and so are the ticket's L0
keeper and the partner team of the new level; the reporter hears from people.
"""
from __future__ import annotations

import logging
from datetime import datetime

from gateway.config import Settings
from gateway.context import Context
from gateway.desk import copies, notices, registry
from gateway.desk.apply import apply_plan
from gateway.desk.plan import Plan, make_plan
from gateway.desk.state import Actor, organisation
from gateway.domain import Command, Level, Ticket
from gateway.outgoing import enqueue
from gateway.store import tickets

log = logging.getLogger("ldp.sla")
ACTOR = "sla"  # the events' actor
LABEL = "SLA"  # who moved the ticket, as the hand-over notice names it


def escalate(ctx: Context, ticket: Ticket, reason: str, now: datetime) -> Ticket | None:
    """Escalate `ticket` one level for `reason`; the ticket as it is now, or None when the rules
    refused it (or it is at the top level already, where there is nothing to escalate to)."""
    if ticket.level == tuple(Level)[-1]:
        return None
    plan = plan_escalation(ticket, reason, ctx.settings)
    if not plan.ok:
        why = "; ".join(str(s.error) for s in plan.steps if s.error)
        tickets.add_event(ticket, "escalation_refused", ACTOR, f"#escalate {reason}: {why}",
                          command="escalate", arguments=reason, at=now)
        log.warning("%s: no automatic escalation: %s", ticket.ref, why)
        return None
    moved = apply_plan(ticket, plan, ACTOR, now=now)
    for notice in (*copies.keeper_notices(ctx, moved, plan, LABEL),
                   *notices.handover_notices(ctx, moved, plan, LABEL, reasons=[reason]),
                   *copies.block_partner_notices(ctx, moved, plan, LABEL, reasons=[reason])):
        enqueue(ctx, moved, notice)
    return moved


def plan_escalation(ticket: Ticket, reason: str, settings: Settings) -> Plan:
    """The plan of the timers' #escalate: an agent's, written by the ticket's own level."""
    actor = Actor(ACTOR, ticket.level, ticket.team, organisation(settings, ticket.team))
    line = f"#{registry.command_word('escalate', 'en')} {reason}"
    return make_plan(ticket, [Command(line=line, name="escalate", text=reason)], "", actor,
                     settings)
