"""Who else hears of a ticket beside its team and its reporter: the L0 keeper once the ticket
has left L0 (`keeper_notices`: each update from the higher level, first; `holder_notices`: the
holding level told what the keeper said), and the partner team of the ticket's level
(`partner_notices`, `block_partner_notices`: an [Info] copy without a reply token under
"inform", the acting notice under "act"). The mail itself is built by `desk.notices`."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from gateway.config import Agent
from gateway.context import Context
from gateway.desk import attached, notices, registry
from gateway.desk.plan import Plan
from gateway.desk.state import KEEPER_EVENT, Keeper
from gateway.domain import InboundMail, Level, Notice, Status, Ticket
from gateway.outgoing import agent_message_id, ticket_context
from gateway.store import tickets


def keeper_of(ticket: Ticket) -> Keeper | None:
    """The L0 keeper the ticket's last departure from L0 left (the last `l0_keeper` event,
    `desk.apply`), or None; whether it still counts (the ticket is above L0) is the caller's."""
    found = [e for e in tickets.events(ticket) if e.kind == KEEPER_EVENT]
    return Keeper(found[-1].old_value or "", found[-1].new_value) if found else None


def keeper_notices(ctx: Context, ticket: Ticket, plan: Plan, actor: str,
                   mover: str = "") -> list[Notice]:
    """The L0 keeper's copy of an update from the higher level: what the block told the
    reporter (#reply, #pending, #progress, #resolve) or a hand-over to another team. Each
    keeper agent gets their own token: they may still #reply and #note. Not for the keeper's
    own block (`mover`), nor for agents the hand-over reaches anyway."""
    if plan.before.level == Level.L0:
        return []
    told = [s for s in plan.steps if (row := registry.spec(s.command.name)) is not None
            and row.reporter_template]
    moved = plan.after.team != plan.before.team
    if not (told or plan.body_to_reporter or moved):
        return []
    agents = keeper_agents(ctx, ticket)
    if not agents:
        return []
    settings = ctx.settings
    handed = {a.email.lower() for a in notices.acting_agents(ctx, plan.after.team)} if moved else set()
    before_team = settings.team(plan.before.team)
    context = {**ticket_context(ticket, ctx), "actor": actor,
               "lines": [s.command.line for s in plan.steps if not s.implicit],
               "message": plan.body if plan.body_to_reporter else "",
               "resolved": plan.after.status == Status.RESOLVED != plan.before.status,
               "moved": moved, "from_level": plan.before.level.value,
               "from_team_name": before_team.name if before_team and before_team.name
               else plan.before.team}
    thread = notices.reporter_thread(ticket)
    return [notices.agent_notice(ctx, ticket, agent, "agent_keeper_update", context, thread)
            for agent in agents
            if agent.email.lower() not in handed and agent.email.lower() != mover.lower()]


def keeper_agents(ctx: Context, ticket: Ticket) -> tuple[Agent, ...]:
    """The agents who keep the reporter of a ticket above L0 (`keeper_of`), else none."""
    keeper = keeper_of(ticket) if ticket.level != Level.L0 else None
    if keeper is None:
        return ()
    settings = ctx.settings
    return tuple(a for a in ((settings.agent(keeper.agent),) if keeper.agent
                             else settings.agents_of(keeper.team)) if a is not None)


def follow_up_agents(ctx: Context, ticket: Ticket) -> list[Agent]:
    """Who hears of a reply from the reporter or a follower: the assignee, else the agents who
    may act on the ticket; and above L0 its keeper, who answers the reporter too."""
    assignee = ctx.settings.agent(ticket.assignee) if ticket.assignee else None
    agents = [assignee] if assignee else list(notices.acting_agents(ctx, ticket.team))
    seen = {a.email.lower() for a in agents}
    return agents + [k for k in keeper_agents(ctx, ticket) if k.email.lower() not in seen]


def holder_notices(ctx: Context, ticket: Ticket, plan: Plan, actor: str,
                   mover: Agent) -> list[Notice]:
    """When the L0 keeper answers the reporter or adds a note on a ticket above L0, the level
    that holds it hears what was said: its assignee, else its acting agents."""
    settings = ctx.settings
    own = settings.team(mover.team)
    # Only the keeper's own block: an agent of the level that held the ticket needs no copy,
    # nor does one that moves it (the hand-over says it all).
    if own is None or own.level == plan.before.level or not plan.body.strip():
        return []
    assignee = settings.agent(ticket.assignee) if ticket.assignee else None
    agents = [assignee] if assignee else list(notices.acting_agents(ctx, ticket.team))
    context = {**ticket_context(ticket, ctx), "actor": actor, "actor_level": own.level.value,
               "lines": [s.command.line for s in plan.steps if not s.implicit],
               "to_reporter": plan.body_to_reporter, "message": plan.body}
    thread = notices.reporter_thread(ticket)
    return [notices.agent_notice(ctx, ticket, agent, "agent_keeper_wrote", context, thread)
            for agent in agents if agent.email.lower() != mover.email.lower()]


def partner_notices(ctx: Context, ticket: Ticket, event: str, actor: str = "", text: str = "",
                    mover: str = "", mail: InboundMail | None = None,
                    message: str = "",
                    files: Sequence[tickets.StoredFile] = ()) -> list[Notice]:
    """The partner team's copy of `event` on `ticket` ("new", "reply", "arrived", "resolved"):
    nothing under partner = "none"; under "inform" an [Info] copy without a reply token; under
    "act" the same notice without the marker, with each agent's own token (they may act on
    it), for what the holding team has no notice of its own (an answer to the reporter, a
    resolution): the new ticket, the reporter's replies and the arrival reach an acting
    partner team as the holding team's own notices (`team_notices`, `handover_notices`)."""
    settings = ctx.settings
    partner = settings.partner_of(ticket.team)
    mode = settings.partner.mode(ticket.level)
    if partner is None or mode == "none":
        return []
    acting = mode == "act"
    if acting and mail is not None:
        return []  # an acting partner team had the new-ticket notice itself (`team_notices`)
    holder = settings.team(ticket.team)
    mover_agent = settings.agent(mover) if mover else None
    told, other = partner, holder
    if acting and mover_agent is not None and mover_agent.team == partner.id:
        told, other = holder, partner  # the partner acted: the holding team hears of it
    agents = [a for a in settings.agents_of(told.id) if a.email.lower() != mover.lower()]
    if not agents:
        return []
    extra = {"event": event, "acting": acting, "actor": actor, "message": message,
             "partner_team_name": told.name or told.id,
             "other_team_name": other.name or other.id}
    if mail is not None:  # a new ticket: the report itself, as the holding team sees it
        return notices.team_notices(ticket, mail, ctx, "agent_info", extra, only=agents, token=acting)
    # The files the reporter was sent with an answer: the partner team sees what was sent.
    limit = settings.support.max_attached_bytes
    carried = attached.carried(files, limit, inline=False)
    context = {**ticket_context(ticket, ctx), **extra, "text": text, "text_cut": False,
               "attachments": [],
               **(attached.fields(ticket.ref, files, bool(carried), limit, inline=False)
                  if files else {})}
    thread = notices.reporter_thread(ticket)
    return [replace(notices.agent_notice(ctx, ticket, agent, "agent_info", context, thread),
                    auto_submitted="auto-generated", files=carried,
                    message_id=agent_message_id(ctx, ticket, agent.email) if acting else None)
            for agent in agents]


def block_partner_notices(ctx: Context, ticket: Ticket, plan: Plan, actor: str,
                          mover: str = "", reasons: list[str] | None = None,
                          files: Sequence[tickets.StoredFile] = ()) -> list[Notice]:
    """What the partner team of the level the block left the ticket at hears of it, in one
    copy: its arrival there (#escalate, #return), else its resolution, else an answer to the
    reporter; the answer rides along with either of the others, with the `files` it carried."""
    message = plan.body if plan.body_to_reporter else ""
    arrived = plan.after.level != plan.before.level
    if arrived and ctx.settings.partner.mode(plan.after.level) == "act":
        arrived = False  # an acting partner team had the hand-over itself
    if arrived:
        if reasons is None:
            reasons = [s.command.text for s in plan.steps if s.command.name in notices.LEVEL_MOVES]
        event, text = "arrived", "\n".join(reasons)
    elif plan.after.status == Status.RESOLVED != plan.before.status:
        event = "resolved"
        text = next((s.command.text for s in plan.steps if s.command.name == "resolve"), "")
    elif message:
        event, text, message = "reply", message, ""
    else:
        return []
    return partner_notices(ctx, ticket, event, actor, text, mover, message=message,
                           files=files)
