"""The store's side of the reliability promises: the mailbox lease (one poller per mailbox),
the count of automatic mail recently sent to an address (the loop cap), and addresses that
bounced for good (no more automatic mail to them, until the suppression expires or is lifted)."""
from __future__ import annotations

from datetime import datetime, timedelta

import peewee as pw

from gateway.store import database
from gateway.store.database import utcnow
from gateway.store.models import LeaseRow, OutboxCopyRow, OutboxRow, SuppressedAddressRow


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


def lease_row(name: str) -> tuple[str, datetime] | None:
    """The lease's holder and expiry as stored, expired or not (to tell who is waited for)."""
    row = LeaseRow.get_or_none(LeaseRow.name == name)
    return (row.holder, row.expires_at) if row else None


def automatic_mail_count(address: str, templates: tuple[str, ...], since: datetime) -> int:
    """How many automatic mails of these templates went (or wait to go) to an address."""
    # Hand-written SQL, its text cached: asked before every automatic mail, peewee's building
    # of the query cost more than running it.
    # A mail to several (the reporter and followers in Cc) lists them all in `recipient`, so
    # it is counted from outbox_copy, which names each of them.
    marks = ", ".join("?" * len(templates))
    params = (address.lower(), *templates, OutboxRow.created_at.db_value(since))
    return sum(database.execute(
        OutboxRow, f'SELECT count(*) FROM "{table}" WHERE "{column}" = ? AND "template" IN '
        f'({marks}) AND "created_at" >= ?', params).fetchone()[0]
        for table, column in (("outbox", "recipient"), ("outbox_copy", "email")))


def suppress(address: str, reason: str, since: datetime | None = None) -> bool:
    """Stop automatic mail to an address; False when it is suppressed already (a row from
    `since` on; an older one has expired and is renewed)."""
    if is_suppressed(address, since):
        return False
    email, now = address.lower(), utcnow()
    renewed = SuppressedAddressRow.update(reason=reason[:2000], created_at=now).where(
        SuppressedAddressRow.email == email).execute()
    if not renewed:
        SuppressedAddressRow.create(email=email, reason=reason[:2000], created_at=now)
    return True


def is_suppressed(address: str, since: datetime | None = None) -> bool:
    """Whether automatic mail to the address is stopped by a suppression made after `since`."""
    sql = 'SELECT 1 FROM "suppressed_address" WHERE "email" = ?'
    params: tuple = (address.lower(),)
    if since is not None:
        sql += ' AND "created_at" >= ?'
        params += (SuppressedAddressRow.created_at.db_value(since),)
    return database.execute(SuppressedAddressRow, sql + " LIMIT 1", params).fetchone() is not None


def suppressions(since: datetime | None = None) -> list[SuppressedAddressRow]:
    """The suppressions in force (made after `since`), oldest first."""
    query = SuppressedAddressRow.select().order_by(SuppressedAddressRow.created_at,
                                                   SuppressedAddressRow.id)
    if since is not None:
        query = query.where(SuppressedAddressRow.created_at >= since)
    return list(query)


def unsuppress(address: str) -> bool:
    """Lift the suppression of an address; False when there was none."""
    # Hand-written, its text cached: asked for the sender of every mail a person writes.
    return database.execute(SuppressedAddressRow, 'DELETE FROM "suppressed_address" WHERE '
                            '"email" = ?', (address.lower(),)).rowcount > 0


def sent_to(message_ids: tuple[str, ...], addresses: tuple[str, ...]) -> dict[str, str]:
    """Which of `addresses` we mailed under one of `message_ids`: address -> Message-ID."""
    if not message_ids or not addresses:
        return {}
    wanted = {a.lower() for a in addresses}
    rows = OutboxRow.select(OutboxRow.recipient, OutboxRow.message_id).where(
        OutboxRow.message_id.in_(list(message_ids)))
    # A row mailed to several people lists them all, comma-separated; one sent again to
    # some of them only (the others took it) still names everyone in outbox_copy.
    found = {to: row.message_id for row in rows
             for to in row.recipient.split(", ") if to in wanted}
    copies = (OutboxCopyRow.select(OutboxCopyRow.email, OutboxRow.message_id)
              .join(OutboxRow, on=(OutboxCopyRow.outbox == OutboxRow.id))
              .where(OutboxRow.message_id.in_(list(message_ids)),
                     OutboxCopyRow.email.in_(sorted(wanted - set(found)))).tuples())
    for email, message_id in copies if wanted - set(found) else ():
        found.setdefault(email, message_id)
    return found
