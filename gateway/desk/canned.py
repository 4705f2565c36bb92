"""Canned answers: each `#templat NAMA` line of an agent's block puts the operator's answer
NAMA (`desk.answers`), rendered with the ticket's fields in `compose`'s sandbox, into the
message the block's #balas sends the reporter. It runs when the reply is read, before the plan:
the plan, the receipt and the stored message all see the message the reporter will get (the
answers in the order of their lines, then what the agent wrote below the block).

A line that cannot be filled in carries its problem (an unknown name, listing the answers
there are; a block whose message would not reach the reporter; a template that fails), and the
plan refuses the whole block as it refuses any wrong line.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from gateway import sandbox
from gateway.config import Agent, Settings
from gateway.context import Context
from gateway.desk import answers
from gateway.domain import Command, Ticket
from gateway.outgoing import handler_context, ticket_context
from gateway.text.problems import problem

NAME = "template"


def expand(commands: Sequence[Command], body: str, ticket: Ticket, agent: Agent,
           ctx: Context) -> tuple[tuple[Command, ...], str]:
    """The block with each #templat line checked, and the body with the answers on top."""
    if not any(c.name == NAME and c.error is None for c in commands):
        return tuple(commands), body
    settings = ctx.settings
    to_reporter = _reaches_reporter(commands, settings)
    folder = settings.answers.dir
    fields = answer_fields(ctx, ticket, agent)
    texts: list[str] = []
    checked: list[Command] = []
    for command in commands:
        if command.name != NAME or command.error is not None:
            checked.append(command)
            continue
        name = command.args[0] if command.args else ""
        text, error = _fill(folder, name.lower(), ticket.language, fields)
        if error is None and not to_reporter:
            error = problem("template_needs_reply", command=NAME, reply="reply")
        if error is None:
            texts.append(text)
        checked.append(replace(command, error=error) if error else command)
    return tuple(checked), "\n\n".join(t for t in (*texts, body) if t.strip())


def message_for(commands: Sequence[Command], body: str, ticket: Ticket, agent: Agent,
                ctx: Context) -> str:
    """The block's message as `ticket`'s reporter gets it: the answers filled in with that
    ticket's own fields (an incident's child: its reporter's name, address, number and
    subject, never the incident reporter's), or the agent's own words alone when an answer
    cannot be filled in for it (nothing of another ticket goes out in its place)."""
    checked, message = expand(commands, body, ticket, agent, ctx)
    return body if any(c.error for c in checked if c.name == NAME) else message


def answer_fields(ctx: Context, ticket: Ticket, agent: Agent) -> dict[str, Any]:
    """What an answer may read: the ticket's fields as the reporter may know them, who
    answers, and the desk's name. Never the notes, the events or a token."""
    settings = ctx.settings
    return {**ticket_context(ticket, ctx), **handler_context(ctx, ticket),
            "reporter_email": ticket.reporter.email, "language": ticket.language,
            "agent_name": agent.name or agent.email, "agent_email": agent.email,
            "support_name": settings.support.name, "support_address": settings.support.address}


def _fill(folder: str, name: str, language: str, fields: dict[str, Any]):
    found = answers.find(folder, name, language)
    if found is None:
        return "", problem("unknown_template", name=name[:64], known=answers.names(folder))
    try:
        return sandbox.render_sandboxed(found.source(), fields), None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # TemplateProblem is a ValueError
        return "", problem("template_failed", name=name, reason=str(exc)[:200])


def _reaches_reporter(commands: Sequence[Command], settings: Settings) -> bool:
    """Whether the block's message goes to the reporter: its #reply, or no #note and the
    configured default is public (the plan's own rule, `plan._with_default`)."""
    names = {c.name for c in commands}
    if "reply" in names:
        return True
    return "note" not in names and settings.security.default_visibility == "public"
