"""The mail the desk sends, as `Notice`s: the team's notices of a new ticket or a follow-up,
feedback to the reporter from an agent's command block, hand-over notices to the agents of the
ticket's new team (or to a new assignee), and the receipt and the command reference for the
agent who wrote the block. The callers put them in the outbox (`outgoing.enqueue`). Files
ride along by reference (`desk.attached`): the reporter's on the team's notices, an agent's
own on the reporter's mail with their #reply.

The L0 keeper's and the partner team's copies are `desk.copies`; they build on this module.

Mail to the reporter comes from the support address, threaded under the reporter's own messages
(In-Reply-To the first, References all of them) and never names an agent's token Message-ID,
so a reporter can never learn one. Each agent gets their own copy with their own token.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from gateway import excerpt
from gateway.config import Agent
from gateway.context import Context
from gateway.desk import attached, cheatsheet, registry, stages
from gateway.desk.plan import Plan, State, Step, is_emergency
from gateway.desk.state import FIELDS, acting_teams
from gateway.domain import Address, InboundMail, Level, Notice, Ticket
from gateway.outgoing import agent_message_id, handler_context, ticket_context
from gateway.parsers import auth, quoting
from gateway.text.problems import problem
from gateway.store import followers, tickets

# Inbound message kinds worth showing colleagues; commands, checks, unverified mail from an
# agent's address and machine mail are not.
HISTORY_KINDS = ("report", "reply", "note", "feedback")
# The commands that move a ticket to another team, those that change its level first: a
# hand-over names the first of them the block used.
MOVES = tuple(row.name for row in registry.COMMANDS if row.primary in ("level", "team"))
LEVEL_MOVES = tuple(row.name for row in registry.COMMANDS if row.primary == "level")


def team_notices(ticket: Ticket, mail: InboundMail | None, ctx: Context, template: str,
                 extra: dict[str, Any] | None = None, only: list | None = None,
                 token: bool = True) -> list[Notice]:
    """One notice per agent of the ticket's team (and of its partner team when that acts too),
    or of `only`, each in the agent's language; without `token`, under a plain Message-ID that
    proves nothing when answered."""
    agents = only if only else acting_agents(ctx, ticket.team)
    # The mail's files as stored, attached by reference when they fit the limit (`attached`).
    stored = tickets.message_files(mail.dedup_key) if mail else []
    limit = ctx.settings.support.max_attached_bytes
    files = attached.carried(stored, limit)
    context = {**ticket_context(ticket, ctx), "text": mail.text if mail else "",
               # Who gets the reporter's mail in Cc: the agents should know before answering.
               "followers": [str(a) for a in followers.addresses(ticket)],
               "attachments": [a.name for a in mail.attachments] if mail else [],
               **attached.fields(ticket.ref, stored, bool(files), limit),
               "author": str(mail.sender) if mail and mail.sender else "", "notes": [],
               **(extra or {})}
    # A notice carries a bounded excerpt of the mail and says where the whole mail is.
    text = excerpt.fields(context["text"], whole=mail.text_size if mail else 0)
    context.update(text=text["text"], text_cut=text["cut"], text_size=text["size"],
                   text_shown=text["shown"])
    if text["cut"] and mail is not None:
        number = tickets.message_number(ticket, mail.dedup_key)
        context["original_command"] = f"ldp tickets original {ticket.ref}" + \
            (f" {number}" if number > 1 else "")
    return [Notice(template=template, to=Address(agent.email, agent.name),
                   language=agent.language, ticket_ref=ticket.ref,
                   context={**context, "command_words": registry.command_words(agent.language)},
                   in_reply_to=mail.message_id if mail else None,
                   references=(mail.message_id,) if mail and mail.message_id else (),
                   auto_submitted="auto-generated", files=files,
                   message_id=agent_message_id(ctx, ticket, agent.email) if token else None)
            for agent in agents]


def reporter_notices(ctx: Context, ticket: Ticket, plan: Plan, actor: str = "",
                     files: Sequence[tickets.StoredFile] = ()) -> list[Notice]:
    """One mail per feedback line; the agent's #reply message rides on the first of them, and
    so do the files the agent attached (`files`, chosen by `reply.agent_files`), attached as
    plain files when they fit the limit, else named. `actor`: the address of the agent who
    wrote the block (who solved it, for #resolve)."""
    items: list[tuple[str, dict[str, Any]]] = []
    for step in plan.steps:
        row = registry.spec(step.command.name)
        template = row.reporter_template if row else ""
        if template and row.primary == "level":
            # Only a ticket that ends the block higher than it started went anywhere.
            if _rank(plan.after.level) > _rank(plan.before.level) and \
                    template not in (t for t, _ in items):
                items.append((template, {"to_level": plan.after.level.value}))
        elif template and row.name == "progress":
            # #progres TAHAP teks: the stage in plain words, then the agent's text.
            stage, text = stages.read(step.command.text or "")
            items.append((template, {row.reporter_field: text, "stage": stage}))
        elif template:
            items.append((template, {row.reporter_field: step.command.text}))
    message = plan.body if plan.body_to_reporter else ""
    if message and not items:
        items.append(("reporter_reply", {}))
    in_reply_to, references = reporter_thread(ticket)
    base = {"ref": ticket.ref, "subject": ticket.subject, "status": ticket.status.value,
            "reporter_name": ticket.reporter.name, **handler_context(ctx, ticket),
            **solver_context(ctx, ticket, actor)}
    files = files if message else ()
    limit = ctx.settings.support.max_attached_bytes
    carried = attached.carried(files, limit, inline=False)
    shown = attached.fields(ticket.ref, files, bool(carried), limit) if files else {}
    return [Notice(template=template, to=ticket.reporter, language=ticket.language,
                   context={**base, **extra, "message": message if i == 0 else "",
                            **(shown if i == 0 else {})},
                   files=carried if i == 0 else (),
                   ticket_ref=ticket.ref, in_reply_to=in_reply_to, references=references,
                   # Written by a person (RFC 3834 "no"), except the escalation news.
                   auto_submitted="auto-generated" if template == "reporter_escalated" else "no")
            for i, (template, extra) in enumerate(items)]


def solver_context(ctx: Context, ticket: Ticket, actor_email: str) -> dict[str, Any]:
    """Who solved the ticket, for the reporter's resolution mail: the team of the agent who
    resolved it when that agent works at the ticket's level (the partner team under "act"),
    else the team holding it; by name and level, never by id."""
    team = ctx.settings.team(ticket.team)
    actor = ctx.settings.agent(actor_email) if actor_email else None
    own = ctx.settings.team(actor.team) if actor else None
    if own is not None and own.level == ticket.level:
        team = own
    return {"solver_team": team.name if team else "", "solver_level": ticket.level.value[1:]}


def reporter_thread(ticket: Ticket) -> tuple[str | None, tuple[str, ...]]:
    """(the reporter's first Message-ID, all of the reporter's Message-IDs) on this ticket."""
    ids = [m.message_id for m in tickets.messages(ticket)
           if m.direction == "inbound" and m.kind in ("report", "reply") and m.message_id
           and _email_of(m.author) == ticket.reporter.email.lower()
           and auth.parse_token_id(m.message_id) is None]
    return (ids[0] if ids else None), tuple(dict.fromkeys(ids))


def handover_notices(ctx: Context, ticket: Ticket, plan: Plan, actor: str, mover: str = "",
                     reasons: list[str] | None = None) -> list[Notice]:
    """The new team's agents when the block moved the ticket, else a new assignee. `actor` is
    who moved it as the notice names them ("Budi <budi@...>", "SLA"); the agent `mover` (an
    address) is not told. `reasons`: why, when not those of the #escalate and #return lines."""
    settings = ctx.settings
    if plan.after.team != plan.before.team:
        # An escalation or a return says more than the team change that came with it.
        names = {s.command.name for s in plan.steps if s.change("team")}
        move = next(m for m in MOVES if m in names)
        recipients = acting_agents(ctx, plan.after.team)
    elif plan.after.assignee and plan.after.assignee != plan.before.assignee:
        move, recipients = "assign", tuple(a for a in (settings.agent(plan.after.assignee),) if a)
    else:
        return []
    before_team = settings.team(plan.before.team)
    if reasons is None:
        reasons = [s.command.text for s in plan.steps if s.command.name in LEVEL_MOVES]
    context = {**ticket_context(ticket, ctx), "move": move, "actor": actor,
               "from_level": plan.before.level.value,
               "from_team_name": before_team.name if before_team and before_team.name
               else plan.before.team,
               "reasons": reasons, "history": history(ticket),
               "emergency": any(is_emergency(s.command) for s in plan.steps)}
    # The files of the conversation so far come along (or are listed), as on a new ticket:
    # the new team never saw the report's screenshot.
    stored = [f for f in tickets.ticket_files(ticket) if f.kind in HISTORY_KINDS]
    limit = settings.support.max_attached_bytes
    files = attached.carried(stored, limit, inline=False)
    context.update(attached.fields(ticket.ref, stored, bool(files), limit, inline=False))
    # Threaded like the new-ticket notices, under the reporter's mail: the new team never saw
    # the reply that moved the ticket.
    thread = reporter_thread(ticket)
    return [replace(agent_notice(ctx, ticket, other, "agent_handover", context, thread),
                    files=files)
            for other in recipients if other.email.lower() != mover.lower()]


def receipt_notice(ctx: Context, ticket: Ticket, mail: InboundMail, agent: Agent,
                   plan: Plan, mode: str) -> Notice:
    """What the block did ("applied"), would do ("check") or why it did nothing ("refused")."""
    state = plan.before if mode == "refused" else plan.after
    context = {**state_context(ctx, ticket, state), "mode": mode, "valid": plan.ok,
               "steps": [_step_context(step, mode, agent.language) for step in plan.steps],
               # Who the answer reaches beside the reporter (the followers, in Cc).
               "answer_cc": list(state.followers) if plan.body_to_reporter else [],
               # A refusal lists what this agent may use instead.
               "allowed": allowed(ctx, agent) if mode == "refused" else None}
    return agent_notice(ctx, ticket, agent, "agent_receipt", context, _under(mail))


def help_notice(ctx: Context, ticket: Ticket | None, mail: InboundMail,
                agent: Agent) -> Notice:
    """The command reference (#help) in the agent's language: what this agent may use now
    (`cheatsheet`). Without a ticket (#help written to the support address), under a token of
    the desk's own (`desk_notice`), so answering it is an authenticated #help again."""
    context = {"ref": ticket.ref if ticket else None,
               "subject": ticket.subject if ticket else "",
               "help": registry.help_text(agent.language), "allowed": allowed(ctx, agent),
               "default_public": ctx.settings.security.default_visibility == "public"}
    if ticket is not None:
        return agent_notice(ctx, ticket, agent, "agent_help", context, _under(mail))
    return desk_notice(ctx, agent, "agent_help", context, _under(mail))


# The reply tokens of mail about no ticket (#help to the support address, the welcome mail)
# name this instead of a ticket's reference; a ticket's reference always holds its number.
DESK_REF = "desk"


def desk_notice(ctx: Context, agent: Agent, template: str, context: dict[str, Any],
                thread: tuple[str | None, tuple[str, ...]] = (None, ()),
                auto_submitted: str = "auto-replied") -> Notice:
    """A notice to one agent about no ticket, with the desk's reply token for that agent."""
    settings = ctx.settings
    return Notice(template=template, to=Address(agent.email, agent.name),
                  language=agent.language,
                  context={**context, "command_words": registry.command_words(agent.language)},
                  in_reply_to=thread[0], references=thread[1], auto_submitted=auto_submitted,
                  message_id=auth.token_message_id(settings.security.secret,
                                                   settings.support.domain, DESK_REF,
                                                   agent.email))


def allowed(ctx: Context, agent: Agent) -> dict[str, Any]:
    """What `agent` may use today: the cheat-sheet's fields (`cheatsheet.fields`)."""
    return cheatsheet.fields(ctx.settings, agent, cheatsheet.agent_today(agent, ctx.settings))


def history(ticket: Ticket) -> list[dict[str, str]]:
    """The ticket's conversation so far: the report, replies, notes and answers, oldest first,
    each a bounded excerpt (all of them together within excerpt.NOTICE_TEXT_CHARS)."""
    entries = []
    for message in tickets.messages(ticket):
        if message.direction != "inbound" or message.kind not in HISTORY_KINDS:
            continue
        # A reporter's reply is stored whole; colleagues need only what is new in it.
        text = quoting.fresh_text(message.text) if message.kind == "reply" else message.text
        entries.append({"kind": message.kind, "author": message.author,
                        "text": text.strip() or "-"})
    return excerpt.shared(entries)


def state_context(ctx: Context, ticket: Ticket, state: State) -> dict[str, Any]:
    """The template fields of `ticket` as it is (or would be) in `state`."""
    fields = {name: getattr(state, name) for name in FIELDS}
    return ticket_context(replace(ticket, **fields), ctx)


def acting_agents(ctx: Context, team_id: str) -> tuple[Agent, ...]:
    """The agents who may act on a ticket `team_id` holds (`state.acting_teams`)."""
    return tuple(a for team in acting_teams(ctx.settings, team_id)
                 for a in ctx.settings.agents_of(team))


def agent_notice(ctx: Context, ticket: Ticket, agent: Agent, template: str,
                  context: dict[str, Any], thread: tuple[str | None, tuple[str, ...]]) -> Notice:
    # Each agent's copy carries a token of their own, so answering it is an authenticated reply.
    return Notice(template=template, to=Address(agent.email, agent.name),
                  language=agent.language,
                  context={**context, "command_words": registry.command_words(agent.language)},
                  ticket_ref=ticket.ref, in_reply_to=thread[0], references=thread[1],
                  auto_submitted="auto-generated" if template == "agent_handover"
                  else "auto-replied",
                  message_id=agent_message_id(ctx, ticket, agent.email))


def _under(mail: InboundMail) -> tuple[str | None, tuple[str, ...]]:
    """Threading under the agent's own reply: receipts answer it."""
    return mail.message_id, tuple(dict.fromkeys(
        r for r in (*mail.references, mail.message_id) if r))


def _step_context(step: Step, mode: str, language: str) -> dict[str, Any]:
    # A refused block changed nothing, so its good lines show no changes, only that they passed.
    changes = [] if mode == "refused" else [
        {"field": c.field, "old": c.old or "-", "new": c.new or "-"} for c in step.changes]
    # Problems and the default line are worded here, in the agent's language: the parser and
    # the plan only name them.
    line = (problem("default_line", command=step.command.name).text(language,
                                                                    registry.command_word)
            if step.implicit else step.command.line)
    error = step.error.text(language, registry.command_word) if step.error else None
    return {"line": line, "name": step.command.name, "error": error,
            "implicit": step.implicit, "changes": changes, "effect": mode != "refused",
            "emergency": is_emergency(step.command) and not error}


def _email_of(author: str) -> str:
    """The address in a "Name <address>" author label."""
    return (author.rpartition("<")[2].rstrip(">") if author.endswith(">") else author).lower()


def _rank(level: Level) -> int:
    return tuple(Level).index(level)
