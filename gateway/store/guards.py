"""The store's side of the reliability promises: the mailbox lease (one poller per mailbox),
the count of automatic mail recently sent to an address (the loop cap), and addresses that
bounced for good (no more automatic mail to them)."""
from __future__ import annotations

from datetime import datetime, timedelta

import peewee as pw

from gateway.store import database
from gateway.store.database import utcnow
from gateway.store.models import LeaseRow, OutboxRow, SuppressedAddressRow


# How far two hosts' clocks may disagree before one takes the other's live lease for stale.
CLOCK_TOLERANCE = 30.0


def acquire_lease(name: str, holder: str, ttl: float, now: datetime | None = None) -> bool:
    """Take or renew the lease; True while `holder` has it. Call inside a transaction.
    A lease that expires further ahead than its own duration (and CLOCK_TOLERANCE) was written
    while a clock was ahead, a day say: it is stale, or intake would wait for that day."""
    now = now or utcnow()
    expires = now + timedelta(seconds=ttl)
    # A conditional update is the claim: only the holder, or anyone after expiry, wins it.
    won = LeaseRow.update(holder=holder, expires_at=expires, duration=ttl).where(
        LeaseRow.name == name, (LeaseRow.holder == holder) | (LeaseRow.expires_at < now)
    ).execute()
    if won:
        return True
    row = LeaseRow.get_or_none(LeaseRow.name == name)
    if row is not None:
        ahead = (row.expires_at - now).total_seconds()
        if ahead <= (row.duration or ttl) + CLOCK_TOLERANCE:
            return False
        # Stale: taken only if nobody renewed or took it since it was read.
        return bool(LeaseRow.update(holder=holder, expires_at=expires, duration=ttl).where(
            LeaseRow.name == name, LeaseRow.holder == row.holder,
            LeaseRow.expires_at == row.expires_at).execute())
    try:
        with LeaseRow._meta.database.atomic():
            LeaseRow.create(name=name, holder=holder, expires_at=expires, duration=ttl)
    except pw.IntegrityError:
        return False
    return True


def release_lease(name: str, holder: str) -> None:
    LeaseRow.delete().where(LeaseRow.name == name, LeaseRow.holder == holder).execute()


def lease_holder(name: str, now: datetime | None = None) -> str | None:
    row = LeaseRow.get_or_none(LeaseRow.name == name)
    return row.holder if row and row.expires_at >= (now or utcnow()) else None


def automatic_mail_count(address: str, templates: tuple[str, ...], since: datetime) -> int:
    """How many automatic mails of these templates went (or wait to go) to an address."""
    # Hand-written SQL, its text cached: asked before every automatic mail, peewee's building
    # of the query cost more than running it.
    marks = ", ".join("?" * len(templates))
    return database.execute(
        OutboxRow, f'SELECT count(*) FROM "outbox" WHERE "recipient" = ? AND "template" IN '
        f'({marks}) AND "created_at" >= ?',
        (address.lower(), *templates, OutboxRow.created_at.db_value(since))).fetchone()[0]


def suppress(address: str, reason: str) -> bool:
    """Stop automatic mail to an address; False when it was suppressed already."""
    if is_suppressed(address):
        return False
    SuppressedAddressRow.create(email=address.lower(), reason=reason[:2000], created_at=utcnow())
    return True


def is_suppressed(address: str) -> bool:
    return database.execute(SuppressedAddressRow, 'SELECT 1 FROM "suppressed_address" WHERE '
                            '"email" = ? LIMIT 1', (address.lower(),)).fetchone() is not None


def unsuppress(address: str) -> None:
    SuppressedAddressRow.delete().where(SuppressedAddressRow.email == address.lower()).execute()
