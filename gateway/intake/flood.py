"""The cap on new tickets per sender: one address writing a thousand mails must not open a
thousand tickets and send two thousand agent notices. Past `[loops] new_tickets_per_hour`
tickets in the last hour, a sender's next new-ticket mail is held: kept in quarantine with the
reason, not answered, and releasable with `ldp quarantine retry ID` (a mail once held is never
held again). Agents are exempt; replies to an existing ticket are not new tickets and never
reach this check. The L0 leads hear of held mail from `flood_notice`."""
from __future__ import annotations

from datetime import timedelta

from gateway.config import Settings
from gateway.domain import InboundMail
from gateway.store import holds
from gateway.store.database import utcnow

WINDOW = timedelta(hours=1)


def over_cap(settings: Settings, mail: InboundMail) -> str | None:
    """Why this mail, which would open a ticket, must be held instead; None when it may not."""
    cap = settings.loops.new_tickets_per_hour
    sender = mail.sender.email if mail.sender else ""
    if cap <= 0 or not sender or settings.agent(sender) is not None:
        return None
    opened = holds.tickets_opened_since(sender, utcnow() - WINDOW)
    if opened < cap or holds.was_held(mail.digest):
        return None
    return (f"held: {sender} opened {opened} tickets in the last hour "
            f"(cap loops.new_tickets_per_hour = {cap}); release with ldp quarantine retry")


def hold(mail: InboundMail, reason: str, source: str = "", uid: int | None = None) -> int:
    """Keep the mail in quarantine as held; returns its quarantine id."""
    return holds.hold(mail.raw, mail.sender.email, reason, source, uid)
