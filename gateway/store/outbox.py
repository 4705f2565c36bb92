"""The outbox: mail waiting for SMTP, claimed, sent, retried with backoff, or dead.

A row is a notice and, once rendered, its bytes (`enqueue`), written in the same transaction
as the ticket change that caused it. The sender claims due rows, mail to reporters first, by
moving them to `sending` with a lease; a sender that dies mid-send leaves the lease to expire,
and the row is sent again with the same bytes and the same Message-ID.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from gateway.domain import Address, Notice, NoticeFile, OutgoingMail, Ticket
from gateway.store import database
from gateway.store.database import utcnow
from gateway.store.models import OutboxCopyRow, OutboxRow

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
    notice: Notice | None = None  # set while the row's bytes are still to be rendered


def _item(row: OutboxRow, raw: bytes | None = None) -> OutboxItem:
    if raw is not None:  # the bytes were not read
        return OutboxItem(row.id, row.ticket_id, row.message_id, row.template, row.sender,
                          row.recipient, row.subject, raw, row.status, row.attempts,
                          row.next_attempt_at, row.last_error, row.created_at, row.sent_at)
    raw = bytes(row.raw)
    # The notice is read back only where it is still to be rendered: the sender claims
    # rendered rows by the hundred and needs only their bytes.
    return OutboxItem(row.id, row.ticket_id, row.message_id, row.template, row.sender,
                      row.recipient, row.subject, raw, row.status, row.attempts,
                      row.next_attempt_at, row.last_error, row.created_at, row.sent_at,
                      _notice_from_json(bytes(row.notice))
                      if not raw and row.notice is not None else None)


def enqueue(notice: Notice, ticket: Ticket | None, sender: str, visibility: str,
            mail: OutgoingMail | None = None, now: datetime | None = None) -> int | None:
    """Queue one mail, in the caller's transaction (the ticket change that caused it). Every
    row is the same: the notice that says what to send (template, recipient, context), kept
    as JSON (never pickle: the database must not be able to run code), and its bytes once
    rendered. `mail` is its rendering now; without it the sender renders the notice when it
    claims the row and stores the bytes, which every later attempt sends (during a surge,
    intake then spends no time on mail that waits for the backlog anyway). The Message-ID is
    fixed now (`notice.message_id`), so replies and threading find it at once.

    Without `mail`, a notice whose context JSON cannot carry as it is (a date: a tuple comes
    back a list, which templates read alike) is not queued: None, and the caller renders it
    at once. With `mail` such values are kept as text, a record only."""
    data = _notice_json(notice)
    if data is None:
        if mail is None:
            return None
        data = _notice_json(notice, exact=False)
    now = now or utcnow()
    # Every envelope recipient, comma-separated (the sender splits them); a row sent to several
    # names each in outbox_copy too, where the per-address count of automatic mail finds it.
    everyone = list(dict.fromkeys(a.email.lower() for a in (notice.to, *notice.cc)))
    row_id = database.insert(OutboxRow, ticket=ticket.id if ticket else None,
                             message_id=notice.message_id, template=notice.template,
                             sender=sender, recipient=", ".join(everyone),
                             subject=mail.subject if mail else "", visibility=visibility,
                             text=mail.text if mail else "", raw=mail.raw if mail else b"",
                             status=PENDING, next_attempt_at=now, created_at=now,
                             priority=priority(notice.template), notice=data)
    if len(everyone) > 1:
        for email in everyone:
            database.insert(OutboxCopyRow, outbox=row_id, email=email,
                            template=notice.template, created_at=now)
    return row_id


def _notice_json(notice: Notice, exact: bool = True) -> bytes | None:
    fields = {"template": notice.template, "to": [notice.to.email, notice.to.name],
              "language": notice.language, "context": dict(notice.context),
              "ticket_ref": notice.ticket_ref, "in_reply_to": notice.in_reply_to,
              "references": list(notice.references), "auto_submitted": notice.auto_submitted,
              "reply_to": notice.reply_to, "message_id": notice.message_id,
              "attachments": [list(a) for a in notice.attachments],
              "cc": [[a.email, a.name] for a in notice.cc],
              "files": [[f.storage_id, f.name, f.content_type, f.size, f.content_id]
                        for f in notice.files]}
    try:
        return json.dumps(fields, ensure_ascii=False,
                          default=None if exact else str).encode("utf-8")
    except (TypeError, ValueError):
        return None


def _notice_from_json(data: bytes) -> Notice:
    fields = json.loads(data.decode("utf-8"))
    email, name = fields.pop("to")
    # Rows queued before notices could carry files (or copies) have no "attachments" ("cc").
    return Notice(to=Address(email, name), references=tuple(fields.pop("references")),
                  attachments=tuple(tuple(a) for a in fields.pop("attachments", ())),
                  cc=tuple(Address(e, n) for e, n in fields.pop("cc", ())),
                  files=tuple(NoticeFile(*f) for f in fields.pop("files", ())),
                  **fields)


def store_rendered(item_id: int, mail: OutgoingMail) -> None:
    """A claimed notice, rendered: its bytes from now on, for every attempt."""
    OutboxRow.update(raw=mail.raw, subject=mail.subject, text=mail.text).where(
        OutboxRow.id == item_id).execute()


# Agents' notices that travel in the reporters' lane: the L0 keeper's copy of an update from a
# higher level is queued before the reporter's mail of it, and must not wait behind it.
FIRST_TEMPLATES = ("agent_keeper_update",)


def priority(template: str) -> int:
    """0 for mail to a reporter, sent first, and for FIRST_TEMPLATES; 1 for the rest. In a
    surge of reports every reporter gets the ticket number before the agents' notices of it
    go out. Rows of one priority go out in the order they were queued (`claim_due`)."""
    return 0 if template.startswith("reporter_") or template in FIRST_TEMPLATES else 1


# The bytes one claim may hold (a row larger than this is claimed alone): twenty agents'
# copies of a notice with 10 MB of files are some 280 MB, and the sender holds every claimed
# row's bytes, then hands them to the SMTP worker.
CLAIM_BYTES = 64 << 20


def claim_due(limit: int, lease: float, now: datetime | None = None,
              claimer: str = "", urgent_only: bool = False) -> list[OutboxItem]:
    """Claim up to `limit` due rows for `claimer`, only mail to reporters when `urgent_only`;
    a row claimed by another sender is skipped.

    Hand-written SQL: the sender claims a few rows after every batch intake stores, and peewee
    built these three statements anew each time, slower than running them."""
    now = now or utcnow()
    at = OutboxRow.next_attempt_at.db_value(now)
    urgent = ' AND "priority" = 0' if urgent_only else ""
    rows = database.execute(
        OutboxRow, 'SELECT "id", length("raw"), CASE WHEN length("raw") = 0 THEN "notice" END '
        'FROM "outbox" WHERE "status" IN (?, ?) AND '
        f'"next_attempt_at" <= ?{urgent} ORDER BY "priority", "next_attempt_at", "id" LIMIT ?',
        (PENDING, SENDING, at, limit)).fetchall()
    # Only as many rows as CLAIM_BYTES holds (one at least), in order.
    candidates, held = [], 0
    for row_id, size, notice in rows:
        held += (size or 0) or _files_bytes(notice)
        if candidates and held > CLAIM_BYTES:
            break
        candidates.append(row_id)
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


def _files_bytes(notice: object) -> int:
    """About the size an unrendered notice will have once its files are rendered (base64)."""
    if notice is None:
        return 0
    try:
        files = json.loads(bytes(notice).decode("utf-8")).get("files", ())
        return sum(int(f[3]) for f in files) * 4 // 3
    except (ValueError, TypeError, IndexError, AttributeError):
        return 0


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


def readdress(item_id: int, recipients: list[str]) -> None:
    """Send a row from now on only to `recipients` (the others took it already). Who it was
    first sent to stays in outbox_copy, where a later bounce of their copy is proven."""
    OutboxRow.update(recipient=", ".join(recipients)).where(OutboxRow.id == item_id).execute()
    if len(recipients) == 1:
        # The row's recipient now names that address itself: its copy row would count the
        # mail twice toward the address's cap of automatic mail.
        OutboxCopyRow.delete().where(OutboxCopyRow.outbox == item_id,
                                     OutboxCopyRow.email == recipients[0]).execute()


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


def list_items(status: str | None = None, with_raw: bool = True) -> list[OutboxItem]:
    """Every row, oldest first; without `with_raw` their bytes are not read (b"", no notice):
    a row with a notice's files holds megabytes, once per agent."""
    fields = [f for f in OutboxRow._meta.sorted_fields
              if with_raw or f.name not in ("raw", "notice")]
    query = OutboxRow.select(*fields).order_by(OutboxRow.id)
    if status:
        query = query.where(OutboxRow.status == status)
    if not with_raw:
        return [_item(row, raw=b"") for row in query]
    return [_item(row) for row in query]


def find_by_message_id(message_id: str) -> OutboxItem | None:
    row = OutboxRow.get_or_none(OutboxRow.message_id == message_id)
    return _item(row) if row else None
