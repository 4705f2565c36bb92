"""The store's side of the reliability promises: the mailbox lease (one poller per mailbox),
the count of automatic mail recently sent to an address (the loop cap), and addresses that
bounced for good (no more automatic mail to them)."""
from __future__ import annotations

from datetime import datetime, timedelta

import peewee as pw

from gateway.store import database
from gateway.store.database import utcnow
from gateway.store.models import LeaseRow, OutboxRow, SuppressedAddressRow


def acquire_lease(name: str, holder: str, ttl: float, now: datetime | None = None) -> bool:
    """Take or renew the lease; True while `holder` has it. Call inside a transaction."""
    now = now or utcnow()
    expires = now + timedelta(seconds=ttl)
    # A conditional update is the claim: only the holder, or anyone after expiry, wins it.
    won = LeaseRow.update(holder=holder, expires_at=expires).where(
        LeaseRow.name == name, (LeaseRow.holder == holder) | (LeaseRow.expires_at < now)
    ).execute()
    if won:
        return True
    if LeaseRow.select().where(LeaseRow.name == name).exists():
        return False
    try:
        with LeaseRow._meta.database.atomic():
            LeaseRow.create(name=name, holder=holder, expires_at=expires)
    except pw.IntegrityError:
        return False
    return True


def release_lease(name: str, holder: str) -> None:
    LeaseRow.delete().where(LeaseRow.name == name, LeaseRow.holder == holder).execute()


def lease_holder(name: str, now: datetime | None = None) -> str | None:
    row = LeaseRow.get_or_none(LeaseRow.name == name)
    return row.holder if row and row.expires_at >= (now or utcnow()) else None


def lease_row(name: str) -> tuple[str, datetime] | None:
    """The lease's holder and expiry as stored, expired or not (to tell who is waited for)."""
    row = LeaseRow.get_or_none(LeaseRow.name == name)
    return (row.holder, row.expires_at) if row else None


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
