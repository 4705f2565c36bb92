"""Never loop: which automatic mail may go out. An address that bounced for good gets no more
automatic mail, and no address gets more than the configured number per hour and per day;
each refusal is an event, so agents can see why a reporter heard nothing.

A bounce is believed only for mail we sent: its failed address must be the recipient of an
outbox row whose Message-ID the bounce names, so nobody can silence a reporter by forging one.
The suppression expires after `loops.suppress_days`, and ends when the address writes again."""
from __future__ import annotations

from datetime import datetime, timedelta

from gateway.config import Settings
from gateway.domain import InboundMail, MachineVerdict, Ticket
from gateway.parsers import bounce
from gateway.store import guards, tickets
from gateway.store.database import utcnow

AUTOMATIC_TEMPLATES = ("reporter_ack", "reporter_too_large", "follow_stopped")


def may_send_automatic(settings: Settings, ticket: Ticket | None, address: str) -> bool:
    """True when one more automatic mail to `address` is allowed now."""
    if guards.is_suppressed(address, suppressed_since(settings)):
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


def may_copy(settings: Settings, ticket: Ticket | None, address: str, automatic: bool) -> bool:
    """Whether a follower gets a copy of this mail: never once their address bounced for good
    (they only watch; any mail to them is ours to stop), and automatic mail only within the
    same caps as everyone's."""
    if automatic:
        return may_send_automatic(settings, ticket, address)
    if guards.is_suppressed(address, suppressed_since(settings)):
        tickets.add_event(ticket, "copy_suppressed", "gateway",
                          f"no copy to follower {address}: it bounced for good", new=address)
        return False
    return True


def suppressed_since(settings: Settings) -> datetime:
    """Suppressions made before this moment have expired."""
    return utcnow() - timedelta(days=settings.loops.suppress_days)


def record_bounce(settings: Settings, mail: InboundMail, verdict: MachineVerdict,
                  ticket: Ticket | None) -> list[str]:
    """A permanent failure of mail we sent stops automatic mail to that address; a temporary
    one, or one naming mail we never sent to that address, changes nothing. Returns the
    addresses newly suppressed."""
    if verdict.kind != "bounce" or verdict.permanent is not True or not verdict.recipients:
        return []
    proven = guards.sent_to(bounce.reported_ids(mail), verdict.recipients)
    since = suppressed_since(settings)
    newly = [address for address in verdict.recipients if address in proven and guards.suppress(
        address, f"permanent bounce of {proven[address]}: {verdict.reason}", since)]
    for address in newly:
        tickets.add_event(ticket, "address_bounced", "mailer-daemon",
                          f"delivery to {address} failed for good ({verdict.reason}); "
                          f"automatic mail to it is stopped for {settings.loops.suppress_days} "
                          "days", new=address)
    for address in verdict.recipients if ticket is not None else ():
        if address not in proven:
            tickets.add_event(ticket, "bounce_unproven", "gateway",
                              f"a bounce names {address}, but no mail of ours to it: "
                              "nothing is suppressed", new=address)
    return newly


def lift_on_contact(address: str) -> bool:
    """An address that writes to us again is reachable: its suppression ends (an event)."""
    if not guards.unsuppress(address):
        return False
    tickets.add_event(None, "suppression_lifted", address,
                      f"{address} wrote to us again: automatic mail to it resumes", new=address)
    return True
