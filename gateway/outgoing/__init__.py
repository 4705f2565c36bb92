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
from gateway.routing import lpse
from gateway.store import followers, outbox, tickets


def ticket_context(ticket: Ticket, ctx: Context) -> dict[str, Any]:
    team = ctx.settings.team(ticket.team)
    return {"ref": ticket.ref, "subject": ticket.subject, "level": ticket.level.value,
            "team": ticket.team, "team_name": team.name if team and team.name else ticket.team,
            "status": ticket.status.value, "priority": ticket.priority.value,
            "category": ticket.category, "assignee": ticket.assignee,
            "reporter": str(ticket.reporter), "reporter_name": ticket.reporter.name,
            "application": ticket.application, "lpse": ticket.lpse,
            "lpse_name": lpse_name(ticket, ctx)}


def lpse_name(ticket: Ticket, ctx: Context) -> str | None:
    """The LPSE list's name for the ticket's LPSE ("LPSE Kabupaten Sleman"); its code when the
    list no longer has it; None without one."""
    if not ticket.lpse:
        return None
    entry = lpse.directory(ctx.settings.lpse.file).get(ticket.lpse)
    return entry.name if entry else ticket.lpse


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
    notice = with_followers(ctx, ticket, notice, auto)
    composer = ctx.composer
    notice = composer.addressed(notice)
    row = dict(ticket=ticket, sender=composer.support_address,
               visibility=composer.visibility(notice).value)
    if ctx.defer_rendering is not None and outbox.priority(notice.template) > 0 \
            and ctx.defer_rendering() and outbox.enqueue(notice, **row) is not None:
        return notice.message_id  # a surge: the sender renders it when it claims it
    outbox.enqueue(notice, mail=composer.render(notice), **row)
    return notice.message_id


def _copied_automatically(ctx: Context, ticket: Ticket, email: str) -> bool:
    """Whether automatic mail to the reporter (the acknowledgement) is copied to this follower
    (`loops.acknowledgement_copies`): nobody a forged report named may be mailed unasked."""
    policy = ctx.settings.loops.acknowledgement_copies
    if policy != "same-domain":
        return policy == "all"
    reporter = addresses.transport_form(ticket.reporter.email) or ticket.reporter.email
    return email.rpartition("@")[2].lower() == reporter.rpartition("@")[2].lower()


def with_followers(ctx: Context, ticket: Ticket | None, notice: Notice, auto: bool) -> Notice:
    """A mail to the ticket's reporter (a `reporter_*` template) goes to its followers as Cc
    on the same mail. Each follower is left off when the loop guards refuse them (bounced
    for good; for automatic mail also over the per-address caps), never the whole mail."""
    if ticket is None or notice.cc or not notice.template.startswith("reporter_") or \
            notice.to.email.lower() != (addresses.transport_form(ticket.reporter.email)
                                        or "").lower():
        return notice
    if ", " in notice.to.email:
        # A quoted local part ("a, b"@x) the comma-separated list of recipients cannot carry
        # beside others: the reporter's mail goes alone.
        return notice
    copies = tuple(a for a in followers.addresses(ticket)
                   if loops.may_copy(ctx.settings, ticket, a.email, auto)
                   and (not auto or _copied_automatically(ctx, ticket, a.email)))
    if not copies:
        return notice
    # The mail says who else has it, and how a follower stops the copies (`_followers`).
    return dataclasses.replace(notice, cc=copies, context={
        **notice.context, "copied_to": [a.email for a in copies]})
