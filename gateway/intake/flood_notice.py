"""The L0 leads' notice of held mail (see `flood`): once a round of intake is stored, each lead
of an L0 team (`lead = true`) gets one notice per sender whose mail was held, naming the sender
and how many of their mails wait in quarantine; at most one an hour per sender, so a flood of a
thousand mails makes one notice, not a thousand."""
from __future__ import annotations

import logging

from gateway.intake import flood
from gateway import outgoing
from gateway.context import Context
from gateway.domain import Address, Level, Notice
from gateway.store import holds
from gateway.store.database import utcnow

log = logging.getLogger("ldp")
TEMPLATE = "agent_sender_held"


def notify_leads(ctx: Context) -> int:
    """Enqueue what is due; returns the number of senders the leads were told of. Call inside
    a transaction, after the round's mail is stored (so the count is the round's)."""
    waiting = holds.waiting_by_sender()
    if not waiting:
        return 0
    settings = ctx.settings
    leads = [lead for team in settings.teams_at(Level.L0) for lead in settings.leads_of(team.id)]
    now, told = utcnow(), 0
    for sender, count in sorted(waiting.items()):
        last = holds.last_notified(sender)
        if last is not None and (last > now - flood.WINDOW or not holds.held_since(sender, last)):
            continue
        if not leads:
            log.warning("%d mail(s) from %s held over the new-ticket cap; no L0 lead to tell "
                        "(lead = true on an L0 team's agent)", count, sender)
        for lead in leads:
            outgoing.enqueue(ctx, None, Notice(
                template=TEMPLATE, to=Address(lead.email, lead.name), language=lead.language,
                context={"sender": sender, "count": count,
                         "cap": settings.loops.new_tickets_per_hour},
                auto_submitted="auto-generated"))
        holds.mark_notified(sender, now)
        told += 1
    return told
