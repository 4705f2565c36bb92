"""The leads' reminder that an agent's assignment letter (surat penugasan) ends soon: within
`NOTICE_DAYS` days of its last day (judged in the agent's team's time zone), each lead of the
agent's team gets `agent_assignment_ending` once per agent, letter and last day (recorded in
`assignment_reminder` in the same transaction as the outbox rows). A letter already ended is
not announced: the assignment rule refuses the agent from then on."""
from __future__ import annotations

import logging
from datetime import date
from typing import Callable

from gateway import outgoing
from gateway.config import Agent
from gateway.context import Context
from gateway.desk.cheatsheet import agent_today
from gateway.domain import Address, Notice
from gateway.store import assignments

log = logging.getLogger("ldp.sla")
TEMPLATE = "agent_assignment_ending"
NOTICE_DAYS = 14


def remind_leads(ctx: Context, today: Callable[[Agent], date] | None = None) -> int:
    """Enqueue the reminders that are due; the number of agents the leads were told of. Call
    inside a transaction. `today(agent)`: the day to judge on (default: the agent's today)."""
    settings, told = ctx.settings, 0
    for agent in settings.agents:
        _begins, ends = agent.assignment_dates()
        day = today(agent) if today else agent_today(agent, settings)
        if ends is None or not 0 <= (ends - day).days <= NOTICE_DAYS:
            continue
        key = (agent.email.lower(), agent.assignment, ends.isoformat())
        if assignments.reminded(*key):
            continue
        leads = [lead for lead in settings.leads_of(agent.team)
                 if lead.email.lower() != agent.email.lower()]
        if not leads:
            log.warning("the assignment letter of %s ends on %s; no lead of %s to tell",
                        agent.email, ends, agent.team)
        for lead in leads:
            outgoing.enqueue(ctx, None, Notice(
                template=TEMPLATE, to=Address(lead.email, lead.name), language=lead.language,
                context={"agent_email": agent.email, "agent_name": agent.name or agent.email,
                         "agent_team": agent.team, "assignment": agent.assignment or "-",
                         "until": ends.isoformat(), "days_left": (ends - day).days},
                auto_submitted="auto-generated"))
        assignments.mark_reminded(*key)
        told += 1
    return told
