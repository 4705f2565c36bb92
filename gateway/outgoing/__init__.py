"""Putting a notice in the outbox (`enqueue`), and what every notice about a ticket says of it
and of the agent it goes to. Used by the pipeline, the desk, the timers and the flood notice
alike: one way into the outbox."""
from __future__ import annotations

import dataclasses
from typing import Any

from gateway.outgoing import loops
from gateway.context import Context
from gateway.domain import Address, Notice, Ticket
from gateway.parsers import addresses, auth
from gateway.store import outbox, tickets


def ticket_context(ticket: Ticket, ctx: Context) -> dict[str, Any]:
    team = ctx.settings.team(ticket.team)
    return {"ref": ticket.ref, "subject": ticket.subject, "level": ticket.level.value,
            "team": ticket.team, "team_name": team.name if team and team.name else ticket.team,
            "status": ticket.status.value, "priority": ticket.priority.value,
            "category": ticket.category, "assignee": ticket.assignee,
            "reporter": str(ticket.reporter), "reporter_name": ticket.reporter.name}


def handler_context(ctx: Context, ticket: Ticket) -> dict[str, Any]:
    """Who holds the ticket, as the reporter's mail names it: the team's configured name (""
    when it has none: the template then says "our Level 1 team") and the level's number. Never
    the team's id, which means nothing to a reporter."""
    team = ctx.settings.team(ticket.team)
    return {"handler_team": team.name if team and team.name else "",
            "handler_level": ticket.level.value[1:]}


def agent_message_id(ctx: Context, ticket: Ticket, email: str) -> str:
    """A Message-ID carrying this agent's reply token for this ticket: each agent gets their own,
    so a reply proves which notification (and so which agent and ticket) it answers."""
    settings = ctx.settings
    return auth.token_message_id(settings.security.secret, settings.support.domain, ticket.ref,
                                 email)


def enqueue(ctx: Context, ticket: Ticket | None, notice: Notice,
            auto: bool = False) -> str | None:
    """Put a notice in the outbox, rendered now, or by the sender during a surge (agents'
    notices then wait for the backlog anyway); returns its Message-ID. Automatic mail (`auto`)
    goes only where the loop guards allow it, else None. An address plain SMTP cannot
    carry gets no mail (the ticket says so); an internationalised domain is spelled in ASCII."""
    to = addresses.transport_form(notice.to.email)
    if to is None:
        tickets.add_event(ticket, "not_sent", "gateway", f"{notice.template} not sent to "
                          f"{notice.to.email}: the address is not ASCII (it needs SMTPUTF8)")
        return None
    if to != notice.to.email:
        notice = dataclasses.replace(notice, to=Address(to, notice.to.name))
    if auto and not loops.may_send_automatic(ctx.settings, ticket, notice.to.email):
        return None
    composer = ctx.composer
    notice = composer.addressed(notice)
    row = dict(ticket=ticket, sender=composer.support_address,
               visibility=composer.visibility(notice).value)
    if ctx.defer_rendering is not None and outbox.priority(notice.template) > 0 \
            and ctx.defer_rendering() and outbox.enqueue(notice, **row) is not None:
        return notice.message_id  # a surge: the sender renders it when it claims it
    outbox.enqueue(notice, mail=composer.render(notice), **row)
    return notice.message_id
