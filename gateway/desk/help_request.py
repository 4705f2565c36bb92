"""An agent's #help (#bantuan) written to the support address, in no ticket's thread: the
agent's cheat-sheet comes back (`notices.help_notice`) and no ticket is opened.

Only for a mail that proves its sender as an agent's reply must (`parsers.auth`): the desk's
reply token of this agent (from an earlier cheat-sheet or the welcome mail, `notices.DESK_REF`)
or a DKIM/DMARC pass for the agent's domain by our own server; both in strict mode. And only
when its command block is #help alone, with nothing written below it but a signature. Anything
else goes on as any new mail does, into a new
ticket: a reporter writing #bantuan, an agent's address whose mail proves nothing (a forged
From never gets the agents' sheet), an agent reporting a problem of their own.
"""
from __future__ import annotations

import logging

from gateway.context import Context
from gateway.desk import notices, parse
from gateway.desk.reply import own_fresh_text, strip_agent_signature, verify
from gateway.domain import Disposition, InboundMail, Outcome, Visibility
from gateway.outgoing import enqueue
from gateway.store import tickets

log = logging.getLogger("ldp.agents")


def answer(mail: InboundMail, ctx: Context) -> Outcome | None:
    """The cheat-sheet queued and the mail kept (so a replay is a duplicate), or None when
    this mail is no agent's proven #help."""
    agent = ctx.settings.agent(mail.sender.email) if mail.sender else None
    if agent is None:
        return None
    fresh, plain = own_fresh_text(mail)
    commands, body = parse.parse_block(fresh)
    if not plain or not commands or any(c.name != "help" or c.error for c in commands):
        return None
    if strip_agent_signature(body, agent.name, agent.email).strip():
        return None  # "#bantuan" over a problem of the agent's own: that is a report
    verdict = verify(mail, notices.DESK_REF, ctx)
    if not verdict.verified:
        log.warning("#help from agent address %s not verified, taken as a new report: %s",
                    agent.email, verdict.reason)
        return None
    tickets.add_message(None, mail, kind="agent_help", visibility=Visibility.INTERNAL)
    enqueue(ctx, None, notices.help_notice(ctx, None, mail, agent))
    return Outcome(Disposition.FOLLOW_UP, None,
                   f"command reference sent to {agent.email}, no ticket: {verdict.reason}",
                   mail.dedup_key)
