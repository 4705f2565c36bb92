"""The outbox: rendered mail waiting for SMTP, claimed, sent, retried with backoff, or dead.

A row is written in the same transaction as the ticket change that caused it. The sender claims
a row by moving it to `sending` with a lease; a sender that dies mid-send leaves the lease to
expire, and the row is sent again with the same bytes and the same Message-ID.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.domain import OutgoingMail, Ticket
from gateway.store.database import utcnow
from gateway.store.models import OutboxRow

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    ticket_id: int | None
    message_id: str
    template: str
    sender: str
    recipient: str
    subject: str
    raw: bytes
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None


def _item(row: OutboxRow) -> OutboxItem:
    return OutboxItem(row.id, row.ticket_id, row.message_id, row.template, row.sender,
                      row.recipient, row.subject, bytes(row.raw), row.status, row.attempts,
                      row.next_attempt_at, row.last_error, row.created_at, row.sent_at)


def enqueue(mail: OutgoingMail, ticket: Ticket | None, now: datetime | None = None) -> int:
    now = now or utcnow()
    row = OutboxRow.create(ticket=ticket.id if ticket else None, message_id=mail.message_id,
                           template=mail.template, sender=mail.sender,
                           recipient=", ".join(r.lower() for r in mail.recipients),
                           subject=mail.subject,
                           visibility=mail.visibility.value, text=mail.text, raw=mail.raw,
                           status=PENDING, next_attempt_at=now, created_at=now)
    return row.id


def claim_due(limit: int, lease: float, now: datetime | None = None) -> list[OutboxItem]:
    """Claim up to `limit` due rows; a row claimed by another sender is skipped."""
    now = now or utcnow()
    candidates = list(OutboxRow.select(OutboxRow.id).where(
        OutboxRow.status.in_((PENDING, SENDING)), OutboxRow.next_attempt_at <= now)
        .order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit))
    claimed = []
    for candidate in candidates:
        # A conditional update is the claim: only one sender can move the row from due.
        won = OutboxRow.update(status=SENDING, next_attempt_at=now + timedelta(seconds=lease),
                               attempts=OutboxRow.attempts + 1).where(
            OutboxRow.id == candidate.id, OutboxRow.status.in_((PENDING, SENDING)),
            OutboxRow.next_attempt_at <= now).execute()
        if won:
            claimed.append(_item(OutboxRow.get_by_id(candidate.id)))
    return claimed


def mark_sent(item_id: int, now: datetime | None = None) -> None:
    OutboxRow.update(status=SENT, sent_at=now or utcnow(), last_error="").where(
        OutboxRow.id == item_id).execute()


def mark_retry(item_id: int, error: str, delay: float, now: datetime | None = None) -> None:
    OutboxRow.update(status=PENDING, last_error=error[:2000],
                     next_attempt_at=(now or utcnow()) + timedelta(seconds=delay)).where(
        OutboxRow.id == item_id).execute()


def mark_dead(item_id: int, error: str) -> None:
    OutboxRow.update(status=DEAD, last_error=error[:2000]).where(OutboxRow.id == item_id).execute()


def next_due() -> datetime | None:
    row = (OutboxRow.select(OutboxRow.next_attempt_at)
           .where(OutboxRow.status.in_((PENDING, SENDING)))
           .order_by(OutboxRow.next_attempt_at).first())
    return row.next_attempt_at if row else None


def list_items(status: str | None = None) -> list[OutboxItem]:
    query = OutboxRow.select().order_by(OutboxRow.id)
    if status:
        query = query.where(OutboxRow.status == status)
    return [_item(row) for row in query]


def find_by_message_id(message_id: str) -> OutboxItem | None:
    row = OutboxRow.get_or_none(OutboxRow.message_id == message_id)
    return _item(row) if row else None
