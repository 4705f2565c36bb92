"""Never loop: which automatic mail may go out. An address that bounced for good gets no more
automatic mail, and no address gets more than the configured number per hour and per day;
each refusal is an event, so agents can see why a reporter heard nothing."""
from __future__ import annotations

from datetime import timedelta

from gateway.config import Settings
from gateway.domain import MachineVerdict, Ticket
from gateway.store import guards, tickets
from gateway.store.database import utcnow

AUTOMATIC_TEMPLATES = ("reporter_ack", "reporter_too_large")


def may_send_automatic(settings: Settings, ticket: Ticket | None, address: str) -> bool:
    """True when one more automatic mail to `address` is allowed now."""
    if guards.is_suppressed(address):
        tickets.add_event(ticket, "auto_mail_suppressed", "gateway",
                          f"no automatic mail to {address}: it bounced for good")
        return False
    now = utcnow()
    limits = ((settings.loops.auto_per_hour, timedelta(hours=1), "hour"),
              (settings.loops.auto_per_day, timedelta(days=1), "day"))
    for limit, window, label in limits:
        sent = guards.automatic_mail_count(address, AUTOMATIC_TEMPLATES, now - window)
        if sent >= limit:
            tickets.add_event(ticket, "auto_mail_capped", "gateway",
                              f"no automatic mail to {address}: {sent} already this {label} "
                              f"(cap {limit}); a possible mail loop", new=address)
            return False
    return True


def record_bounce(verdict: MachineVerdict, ticket: Ticket | None) -> list[str]:
    """A permanent failure stops automatic mail to each failed address; a temporary one
    changes nothing. Returns the addresses newly suppressed."""
    if verdict.kind != "bounce" or verdict.permanent is not True:
        return []
    newly = [address for address in verdict.recipients
             if guards.suppress(address, f"permanent bounce: {verdict.reason}")]
    for address in newly:
        tickets.add_event(ticket, "address_bounced", "mailer-daemon",
                          f"delivery to {address} failed for good ({verdict.reason}); "
                          "automatic mail to it is stopped", new=address)
    return newly
