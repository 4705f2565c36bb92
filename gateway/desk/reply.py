"""Replies from registered agents: whether they count, what their command block says, and what
it does. The pipeline hands every mail from an agent's address on a known ticket to
`handle_reply`, inside its transaction, so a block is applied whole or not at all.

1. The reply must prove its sender: a reply token of this agent for this ticket in
   In-Reply-To/References, or a DKIM/DMARC pass for the agent's domain in the topmost
   Authentication-Results of our own server (both, in strict mode). A reply that proves
   nothing is stored as an ordinary message, applies nothing, and leaves an event.
2. Commands are read only from the top of the fresh text of the plain-text part of the
   agent's own body: never from quoted history, attached or forwarded messages, inline logs or
   HTML alone (where hidden elements and comments are not text). The rest, without the
   agent's signature, is the body, and the only text of the mail that can reach the reporter.
   Likewise only the files the agent attached themselves can reach the reporter, with a
   #reply (`agent_files`, `parsers.own_files`): never a forwarded message or its parts, a file
   the ticket held before, or a signature's inline logo. Every file is stored on the ticket.
3. `desk.plan` checks every line; one bad line refuses the whole block, with a receipt naming
   each line's problem. #check only reports what would happen.
4. An applied block updates the ticket once and writes an event per line (`desk.apply`), and
   sends the mail `desk.notices` builds, all through `outgoing.enqueue`.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from gateway.config import Agent
from gateway.context import Context
from gateway.desk import canned, copies, links, notices, parse, registry
from gateway.desk.apply import apply_plan
from gateway.desk.cheatsheet import agent_today
from gateway.desk.plan import Plan, actor_for, make_plan
from gateway.domain import (Address, Command, Disposition, InboundMail, Level, Links, Outcome,
                            Ticket, Visibility)
from gateway.outgoing import enqueue
from gateway.parsers import auth, own_files, own_text, quoting, threading
from gateway.text.problems import problem
from gateway.store import followers, tickets
from gateway.store import links as ticket_links

log = logging.getLogger("ldp.agents")
HTML_ONLY = problem("html_only")
# A closing line above a signature ("Salam,", "Best regards"); one that ends a sentence
# ("Terima kasih atas kesabaran Ibu.") is part of the message and stays.
_CLOSING = re.compile(r"(salam|wassalam|hormat (saya|kami)|terima ?kasih|regards|best regards|"
                      r"kind regards|best|thanks|thank you|cheers)\b[^.!?,]{0,20},?",
                      re.IGNORECASE)
# Ends with a full stop, so it never joins a "Pada ... menulis:" attribution below it.
_TOP_MARKER = "ldp-agent-reply-top."
_SIGNATURE_WINDOW = 8  # a signature sits within the last lines of the body
# The commands that name another ticket, whose links the plan is given.
LINK_COMMANDS = frozenset(row.name for row in registry.COMMANDS
                          if row.kind == registry.ArgKind.TICKET)


@dataclass(frozen=True)
class Reply:
    """What an agent wrote: the command block and the body below it."""

    commands: tuple[Command, ...]
    body: str


def handle_reply(mail: InboundMail, ticket: Ticket, ctx: Context) -> Outcome:
    """Authenticate, read, plan, then apply, refuse or (for #check) only report."""
    agent = ctx.settings.agent(mail.sender.email)
    verdict = verify(mail, ticket.ref, ctx, ticket_links.merged_refs(ticket))
    if not verdict.verified:
        return _unverified(mail, ticket, ctx, verdict)
    reply = read_reply(mail, agent)
    # Canned answers (#templat) go into the message before the plan sees it.
    commands, body = canned.expand(reply.commands, reply.body, ticket, agent, ctx)
    # Above L0 the agent who held the ticket at L0 keeps the reporter (`permissions`).
    keeper = copies.keeper_of(ticket) if ticket.level != Level.L0 else None
    plan = make_plan(ticket, commands, body, actor_for(agent, ctx.settings),
                     ctx.settings, keeper, [f.email for f in followers.current(ticket)],
                     today=agent_today(agent, ctx.settings), links=ticket_links.of(ticket),
                     named=named_tickets(commands))
    if plan.dry_run:
        return _dry_run(mail, ticket, ctx, agent, plan)
    if not plan.ok:
        return _refuse(mail, ticket, ctx, agent, plan)
    return _apply(mail, ticket, ctx, agent, plan, verdict, reply)


def verify(mail: InboundMail, ref: str, ctx: Context, also: tuple[str, ...] = ()) -> auth.Verdict:
    """Whether the reply proves it is this agent's on the ticket `ref` (see `parsers.auth`);
    `ref` is `notices.DESK_REF` for mail about no ticket. A token for one of `also` counts
    too: the tickets merged into this one, whose notices the agent may answer (the mail lands
    on the survivor)."""
    security, support = ctx.settings.security, ctx.settings.support
    verdict = None
    for each in (ref, *also):
        verdict = auth.authenticate(
            email=mail.sender.email, ref=each, referenced_ids=threading.referenced_ids(mail),
            auth_headers=mail.headers.get("authentication-results", ()),
            secret=security.secret, domain=support.domain, authserv_id=security.authserv_id,
            strict=security.strict)
        if verdict.verified:
            break
    return verdict


def named_tickets(commands: tuple[Command, ...]) -> list[Links]:
    """The links of the tickets a block's #merge, #parent and #related lines name (those that
    exist), for the plan, which reads no database."""
    refs = dict.fromkeys(c.args[0] for c in commands
                         if c.error is None and c.args and c.name in LINK_COMMANDS)
    return [found for ref in refs if (found := ticket_links.of_ref(ref)) is not None]


def read_reply(mail: InboundMail, agent: Agent) -> Reply:
    """The command block and the body of an agent's reply (see the module docstring)."""
    fresh, plain = own_fresh_text(mail)
    found, body = parse.parse_block(fresh)
    if not plain:
        # What an HTML-only reply seems to command is shown back as refused, never run.
        found = tuple(replace(c, error=HTML_ONLY) for c in found)
    return Reply(found, strip_agent_signature(body, agent.name, agent.email))


def own_fresh_text(mail: InboundMail) -> tuple[str, bool]:
    """What the agent wrote above the quote in the mail itself, and whether it is from a
    plain-text part. Attached and forwarded messages, inline logs and any part after the
    first are not the agent's words (`own_text`): neither read for commands nor sent on."""
    own = own_text.own_body(mail.raw)
    plain = bool(own.plain.strip()) or not own.html.strip()
    return agent_fresh_text(own.plain if plain else "", own.html, plain), plain


def agent_fresh_text(text: str, html: str, plain: bool) -> str:
    """What the agent wrote above the quote. The quoting rule that a mail with nothing above a
    quoted header block is a forward (so the quoted mail is the message) suits a reporter, but
    for an agent it would turn our own notification, internal notes and all, into the agent's
    words. A marker line on top means there is always something above the block."""
    if plain:
        text = quoting.fresh_text(f"{_TOP_MARKER}\n\n{text}")
    else:
        text = quoting.fresh_text("", f"<div>{_TOP_MARKER}</div>{html}")
    lines = text.split("\n")
    return "\n".join(lines[1:] if lines[0].strip() == _TOP_MARKER else lines).strip("\n")


def strip_agent_signature(body: str, name: str, email: str) -> str:
    """`body` without the agent's signature: from the agent's name or address near the end, and
    a closing line ("Salam,") above it. "-- " signatures and "Sent from my phone" are gone
    already (quoting); the closing line they leave behind goes too."""
    lines = body.split("\n")
    for index in range(max(0, len(lines) - _SIGNATURE_WINDOW), len(lines)):
        if _names_agent(lines[index].strip(), name, email):
            lines = lines[:index]
            break
    lines = "\n".join(lines).strip().split("\n")
    if _is_closing(lines[-1]):
        lines = lines[:-1]
    return "\n".join(lines).strip()


def _names_agent(line: str, name: str, email: str) -> bool:
    if not line or len(line) > 80:
        return False
    if email.lower() in line.lower():
        return True
    words, name_words = line.split(), name.split()
    if not name_words or line[-1] in ".?!:" or \
            [w.lower() for w in words[:len(name_words)]] != [w.lower() for w in name_words]:
        return False
    # "Budi Santoso" or "Budi S., S.Kom" is a signature; "Budi sudah cek log" is a sentence.
    return all(w[:1].isupper() or not w[:1].isalpha() for w in words[len(name_words):])


def _is_closing(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 40 and _CLOSING.fullmatch(line) is not None


def agent_files(mail: InboundMail, ticket: Ticket) -> list[tickets.StoredFile]:
    """The stored attachments of an agent's reply that the agent attached themselves, for the
    reporter (`parsers.own_files.choose`): never a forwarded message or its parts, a file the
    ticket held before (the reporter's own coming back), or a signature's inline logo."""
    stored = tickets.message_files(mail.dedup_key)
    if not stored:
        return []
    known = [f.sha256 for f in tickets.ticket_files(ticket) if f.message_key != mail.dedup_key]
    chosen = own_files.choose(own_files.parts(mail.raw), own_text.own_body(mail.raw).html,
                              known)
    by_hash: dict[str, tickets.StoredFile] = {}
    for item in stored:
        by_hash.setdefault(item.sha256, item)
    return [by_hash[digest] for digest in chosen if digest in by_hash]


def _stored_as(plan: Plan) -> tuple[str, Visibility]:
    if plan.body_to_reporter:
        return "feedback", Visibility.PUBLIC
    return ("note" if plan.body else "command"), Visibility.INTERNAL


def _apply(mail: InboundMail, ticket: Ticket, ctx: Context, agent: Agent, plan: Plan,
           verdict: auth.Verdict, reply: Reply) -> Outcome:
    kind, visibility = _stored_as(plan)
    row = _store(ticket, mail, ctx, kind, visibility, plan.body)
    if not plan.steps:
        # Nothing above the quote but a signature: kept, and nothing to say about it.
        return Outcome(Disposition.FOLLOW_UP, ticket.ref, "empty reply: nothing to do",
                       mail.dedup_key)
    if all(step.command.name == "help" for step in plan.steps):
        # A request for the reference changes nothing: no events, no receipt, only the answer.
        enqueue(ctx, ticket, notices.help_notice(ctx, ticket, mail, agent))
        return Outcome(Disposition.FOLLOW_UP, ticket.ref, "command reference sent",
                       mail.dedup_key)
    actor = agent.email.lower()
    tickets.add_event(ticket, "agent_reply", actor, f"verified: {verdict.reason}",
                      message_row=row)
    changed = apply_plan(ticket, plan, actor, message_row=row)
    links.write(changed, plan, actor)  # #merge, #parent, #related: the links and their effects
    label = str(Address(agent.email, agent.name))
    files = agent_files(mail, ticket) if plan.body_to_reporter else []
    # The L0 keeper's copy first: L0 hears of an update before the reporter does.
    mails = [*copies.keeper_notices(ctx, changed, plan, label, mover=agent.email),
             *notices.reporter_notices(ctx, changed, plan, agent.email, files),
             *notices.handover_notices(ctx, changed, plan, label, mover=agent.email),
             *copies.block_partner_notices(ctx, changed, plan, label, mover=agent.email,
                                            files=files),
             *copies.holder_notices(ctx, changed, plan, label, agent)]
    # The duplicate's reporter told of the merge; an incident's answer to each child's reporter.
    # Each child's reporter gets the canned answers filled in with their own ticket's fields.
    linked = links.mail(ctx, changed, plan, agent.email, files, message_for=lambda child: (
        canned.message_for(reply.commands, reply.body, child, agent, ctx)))
    if ctx.settings.security.receipts:
        receipt = notices.receipt_notice(ctx, changed, mail, agent, plan, "applied")
        # The receipt names the children whose reporters the answer reached (never addresses).
        reached = list(dict.fromkeys(o.ref for o, _ in linked if o.id != changed.id))
        mails.append(replace(receipt, context={**receipt.context, "incident_reached": reached}))
    if plan.wants_help:
        mails.append(notices.help_notice(ctx, changed, mail, agent))
    for notice in mails:
        enqueue(ctx, changed, notice)
    for owner, notice in linked:
        enqueue(ctx, owner, notice)
    lines = ", ".join(s.command.line for s in plan.steps)
    return Outcome(Disposition.FOLLOW_UP, ticket.ref, f"applied for {actor}: {lines}",
                   mail.dedup_key)


def _refuse(mail: InboundMail, ticket: Ticket, ctx: Context, agent: Agent,
            plan: Plan) -> Outcome:
    row = _store(ticket, mail, ctx, "refused", Visibility.INTERNAL, plan.body)
    wrong = [s for s in plan.steps if s.error]
    detail = (f"nothing applied: {len(wrong)} of {len(plan.steps)} lines refused: "
              + "; ".join(f"{s.command.line} ({s.error})" for s in wrong))
    tickets.add_event(ticket, "commands_refused", agent.email.lower(), detail, message_row=row)
    enqueue(ctx, ticket, notices.receipt_notice(ctx, ticket, mail, agent, plan, "refused"))
    if plan.wants_help:
        enqueue(ctx, ticket, notices.help_notice(ctx, ticket, mail, agent))
    return Outcome(Disposition.REFUSED, ticket.ref, detail, mail.dedup_key)


def _dry_run(mail: InboundMail, ticket: Ticket, ctx: Context, agent: Agent,
             plan: Plan) -> Outcome:
    """#check: the message is kept (so a replay is a duplicate) and nothing else changes."""
    _store(ticket, mail, ctx, "check", Visibility.INTERNAL, plan.body)
    enqueue(ctx, ticket, notices.receipt_notice(ctx, ticket, mail, agent, plan, "check"))
    if plan.wants_help:
        enqueue(ctx, ticket, notices.help_notice(ctx, ticket, mail, agent))
    verdict = "would apply" if plan.ok else "would be refused"
    return Outcome(Disposition.FOLLOW_UP, ticket.ref, f"dry run (#check): {verdict}",
                   mail.dedup_key)


def _unverified(mail: InboundMail, ticket: Ticket, ctx: Context,
                verdict: auth.Verdict) -> Outcome:
    """Stored as an ordinary message from that address, raw bytes and all, but nothing read
    from it and nobody told. Its own kind keeps it out of the history colleagues are shown,
    where it would pass for the agent's words."""
    sender = mail.sender.email
    row = _store(ticket, mail, ctx, "unverified", Visibility.INTERNAL, None)
    detail = f"reply from agent address {sender} not verified, nothing applied: {verdict.reason}"
    tickets.add_event(ticket, "unverified", sender, detail, message_row=row)
    log.warning("%s: %s", ticket.ref, detail)
    return Outcome(Disposition.FOLLOW_UP, ticket.ref, detail, mail.dedup_key)


def _store(ticket: Ticket, mail: InboundMail, ctx: Context, kind: str,
           visibility: Visibility, text: str | None) -> int:
    """Store the agent's mail (raw bytes kept) with its fresh body as the text."""
    return tickets.add_message(ticket, mail, kind=kind, visibility=visibility, text=text,
                               attachments_dir=ctx.attachments_dir)
