"""The outbox: rendered mail waiting for SMTP, claimed, sent, retried with backoff, or dead.

A row is written in the same transaction as the ticket change that caused it. The sender claims
due rows, mail to reporters first, by moving them to `sending` with a lease; a sender that dies
mid-send leaves the lease to expire, and the row is sent again with the same bytes and the same
Message-ID.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from gateway.domain import Address, Notice, OutgoingMail, Ticket
from gateway.store import database
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
    notice: Notice | None = None  # still to be rendered (see enqueue_notice)


def _item(row: OutboxRow) -> OutboxItem:
    return OutboxItem(row.id, row.ticket_id, row.message_id, row.template, row.sender,
                      row.recipient, row.subject, bytes(row.raw), row.status, row.attempts,
                      row.next_attempt_at, row.last_error, row.created_at, row.sent_at,
                      _notice_from_json(bytes(row.notice)) if row.notice is not None else None)


def enqueue(mail: OutgoingMail, ticket: Ticket | None, now: datetime | None = None) -> int:
    now = now or utcnow()
    return database.insert(OutboxRow, ticket=ticket.id if ticket else None,
                           message_id=mail.message_id, template=mail.template,
                           sender=mail.sender,
                           recipient=", ".join(r.lower() for r in mail.recipients),
                           subject=mail.subject,
                           visibility=mail.visibility.value, text=mail.text, raw=mail.raw,
                           status=PENDING, next_attempt_at=now, created_at=now,
                           priority=priority(mail.template))


def enqueue_notice(notice: Notice, sender: str, visibility: str, ticket: Ticket | None,
                   now: datetime | None = None) -> int | None:
    """Queue a notice to be rendered when the sender claims it: during a surge, intake then
    spends no time rendering mail that waits for the backlog anyway. Its Message-ID is fixed
    now (`notice.message_id`), so replies and threading find it at once. The notice is kept as
    JSON (never pickle: the database must not be able to run code; a tuple in its context
    comes back a list, which templates read alike); None, and nothing queued, when its context
    holds what JSON cannot carry, such as a date (the caller then renders it at once)."""
    data = _notice_json(notice)
    if data is None:
        return None
    now = now or utcnow()
    return database.insert(OutboxRow, ticket=ticket.id if ticket else None,
                           message_id=notice.message_id, template=notice.template,
                           sender=sender, recipient=notice.to.email.lower(), subject="",
                           visibility=visibility, text="", raw=b"", status=PENDING,
                           next_attempt_at=now, created_at=now,
                           priority=priority(notice.template), notice=data)


def _notice_json(notice: Notice) -> bytes | None:
    fields = {"template": notice.template, "to": [notice.to.email, notice.to.name],
              "language": notice.language, "context": dict(notice.context),
              "ticket_ref": notice.ticket_ref, "in_reply_to": notice.in_reply_to,
              "references": list(notice.references), "auto_submitted": notice.auto_submitted,
              "reply_to": notice.reply_to, "message_id": notice.message_id}
    try:
        return json.dumps(fields, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):
        return None


def _notice_from_json(data: bytes) -> Notice:
    fields = json.loads(data.decode("utf-8"))
    email, name = fields.pop("to")
    return Notice(to=Address(email, name), references=tuple(fields.pop("references")),
                  **fields)


def store_rendered(item_id: int, mail: OutgoingMail) -> None:
    """A claimed notice, rendered: its bytes from now on, for every attempt."""
    OutboxRow.update(raw=mail.raw, subject=mail.subject, text=mail.text, notice=None).where(
        OutboxRow.id == item_id).execute()


def priority(template: str) -> int:
    """0 for mail to a reporter, sent first; 1 for the rest. In a surge of reports every
    reporter gets the ticket number before the agents' notices of it go out."""
    return 0 if template.startswith("reporter_") else 1


def claim_due(limit: int, lease: float, now: datetime | None = None,
              claimer: str = "", urgent_only: bool = False) -> list[OutboxItem]:
    """Claim up to `limit` due rows for `claimer`, only mail to reporters when `urgent_only`;
    a row claimed by another sender is skipped.

    Hand-written SQL: the sender claims a few rows after every batch intake stores, and peewee
    built these three statements anew each time, slower than running them."""
    now = now or utcnow()
    at = OutboxRow.next_attempt_at.db_value(now)
    urgent = ' AND "priority" = 0' if urgent_only else ""
    candidates = [row[0] for row in database.execute(
        OutboxRow, 'SELECT "id" FROM "outbox" WHERE "status" IN (?, ?) AND '
        f'"next_attempt_at" <= ?{urgent} ORDER BY "priority", "next_attempt_at", "id" LIMIT ?',
        (PENDING, SENDING, at, limit)).fetchall()]
    if not candidates:
        return []
    # A conditional update is the claim: only one sender can move a row from due. RETURNING
    # names the rows this sender won, in one statement instead of one per row.
    claim = ('UPDATE "outbox" SET "status" = ?, "next_attempt_at" = ?, '
             '"attempts" = "attempts" + 1, "claimed_by" = ? WHERE "id" IN ({}) AND '
             '"status" IN (?, ?) AND "next_attempt_at" <= ?')
    lapse = OutboxRow.next_attempt_at.db_value(now + timedelta(seconds=lease))
    if not _has_returning():
        won = [c for c in candidates if database.execute(
            OutboxRow, claim.format("?"), (SENDING, lapse, claimer, c, PENDING, SENDING,
                                           at)).rowcount]
    else:
        won = [row[0] for row in database.execute(
            OutboxRow, claim.format(_marks(candidates)) + ' RETURNING "id"',
            (SENDING, lapse, claimer, *candidates, PENDING, SENDING, at)).fetchall()]
    if not won:
        return []
    rows = {row.id: row for row in database.select(
        OutboxRow, f'SELECT * FROM "outbox" WHERE "id" IN ({_marks(won)})', tuple(won))}
    return [_item(rows[c]) for c in candidates if c in rows]


def _marks(values: list) -> str:
    return ", ".join("?" * len(values))


def renew_claims(claimer: str, lease: float, now: datetime | None = None) -> int:
    """Extend the claims `claimer` holds on rows it is still sending."""
    return database.execute(OutboxRow, 'UPDATE "outbox" SET "next_attempt_at" = ? WHERE '
                            '"status" = ? AND "claimed_by" = ?',
                            (OutboxRow.next_attempt_at.db_value(
                                (now or utcnow()) + timedelta(seconds=lease)),
                             SENDING, claimer)).rowcount


def claimers() -> list[str]:
    """Who holds claims on rows still being sent."""
    return [row.claimed_by for row in OutboxRow.select(OutboxRow.claimed_by).distinct().where(
        OutboxRow.status == SENDING, OutboxRow.claimed_by != "")]


def release_claims(claimer: str, now: datetime | None = None) -> int:
    """Hand the rows `claimer` was sending back to the queue, due now (it is known dead)."""
    return OutboxRow.update(status=PENDING, next_attempt_at=now or utcnow()).where(
        OutboxRow.status == SENDING, OutboxRow.claimed_by == claimer).execute()


def _has_returning() -> bool:
    """UPDATE ... RETURNING: PostgreSQL, and SQLite from 3.35 (2021)."""
    bound = database._bound(OutboxRow._meta.database)
    return not isinstance(bound, pw.SqliteDatabase) or sqlite3.sqlite_version_info >= (3, 35)


def mark_all_sent(item_ids: list[int], now: datetime | None = None) -> None:
    database.execute(OutboxRow, 'UPDATE "outbox" SET "status" = ?, "sent_at" = ?, '
                     f'"last_error" = ? WHERE "id" IN ({_marks(item_ids)})',
                     (SENT, OutboxRow.sent_at.db_value(now or utcnow()), "", *item_ids))


def mark_sent_if_claimed(item_id: int, claimer: str, now: datetime | None = None) -> int:
    """Mark a row sent if `claimer` still holds it (recovery from a dead sender's log)."""
    return OutboxRow.update(status=SENT, sent_at=now or utcnow(), last_error="").where(
        OutboxRow.id == item_id, OutboxRow.status == SENDING,
        OutboxRow.claimed_by == claimer).execute()


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
