"""The welcome mail: an agent new to the roster gets their cheat-sheet once (`agent_welcome`,
with what they may use: `cheatsheet`), under the desk's reply token, so answering it with
#bantuan brings the sheet again.

Run with the timers, each round of `ldp run` and at the end of `ldp run --once`: the roster is
the configuration's, read at start-up, so an agent added with `ldp agents add` is welcomed by
the next start. Which agents: `support.welcome_agents`. "new" (the default) welcomes those
added after the gateway first ran with welcomes: on that first run the roster it finds is
recorded as welcomed but not mailed, because an existing desk's agents know it already and
twenty mails at an upgrade are noise. "all" mails every agent not welcomed yet (a new desk
whose agents should all get the sheet), "none" nobody. Each address is welcomed once, in the
transaction that queues the mail, so a restart neither loses nor repeats one.
"""
from __future__ import annotations

import logging

from gateway.context import Context
from gateway.desk import notices
from gateway.outgoing import enqueue
from gateway.store import welcome as store

log = logging.getLogger("ldp.agents")
TEMPLATE = "agent_welcome"


def welcome_new_agents(ctx: Context) -> int:
    """Queue the welcome of every agent not welcomed yet; how many were mailed. Call inside a
    transaction."""
    settings = ctx.settings
    mode = settings.support.welcome_agents
    if mode == "none":
        return 0
    done = store.welcomed()
    fresh = [a for a in settings.agents if a.email.lower() not in done]
    if store.FIRST_RUN not in done:
        store.record(store.FIRST_RUN, mailed=False)
        if mode == "new":
            for agent in fresh:
                store.record(agent.email, mailed=False)
            return 0
    for agent in fresh:
        context = {"agent_name": agent.name or agent.email, "allowed": notices.allowed(ctx, agent),
                   "default_public": settings.security.default_visibility == "public"}
        enqueue(ctx, None, notices.desk_notice(ctx, agent, TEMPLATE, context,
                                               auto_submitted="auto-generated"))
        store.record(agent.email, mailed=True)
        log.info("welcome mail queued for the new agent %s", agent.email)
    return len(fresh)
