"""Ticket, message, attachment and event queries; every function returns domain objects.

The caller holds the transaction (`database.transaction`); nothing here commits by itself.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import peewee as pw

from gateway.domain import (Address, Direction, InboundMail, Level, NoticeFile, Priority,
                            RoutingDecision, Status, Ticket, Visibility)
from gateway.errors import DuplicateMessage, NotFound
from gateway.text.messages import t
from gateway.parsers.threading import THREAD_LOOKUP_IDS
from gateway.store import database, files
from gateway.store.database import utcnow
from gateway.store.models import (AttachmentRow, EventRow, MessageRow, OutboxRow, TicketRow)

# A message larger than this keeps its original in a file beside the attachments, not in its
# row: binding a 25 MB value copies it twice more (the driver's copy, the row's record), and
# PostgreSQL's driver spells a bytea out as hex, twice its size again.
ORIGINAL_FILE_BYTES = 1 << 20


@dataclass(frozen=True)
class EventView:
    kind: str
    actor: str
    at: datetime
    detail: str
    old_value: str | None = None
    new_value: str | None = None
    command: str | None = None
    arguments: str | None = None


@dataclass(frozen=True)
class MessageView:
    direction: str
    visibility: str
    kind: str
    author: str
    subject: str
    text: str
    message_id: str | None
    created_at: datetime
    attachments: tuple[tuple[str, int, str], ...] = ()


def to_ticket(row: TicketRow) -> Ticket:
    linked = TicketRow.get_or_none(TicketRow.id == row.linked_ticket_id) \
        if row.linked_ticket_id else None
    return Ticket(id=row.id, ref=row.ref, subject=row.subject,
                  reporter=Address(row.reporter_email, row.reporter_name),
                  level=Level(row.level), team=row.team, status=Status(row.status),
                  priority=Priority(row.priority), category=row.category, assignee=row.assignee,
                  language=row.language, tags=tuple(t for t in row.tags.split(",") if t),
                  linked_ref=linked.ref if linked else None, application=row.application,
                  lpse=row.lpse)


def message_seen(key: str) -> bool:
    return database.execute(MessageRow, 'SELECT 1 FROM "message" WHERE "message_key" = ? '
                            "LIMIT 1", (key,)).fetchone() is not None


def ticket_for_message_ids(message_ids: tuple[str, ...]) -> Ticket | None:
    """The ticket of the first id that names one of its messages, ours or the reporter's.
    Reads at most THREAD_LOOKUP_IDS ids (threading.referenced_ids picks which), in one query
    of one fixed text: the unused places are NULL, which matches nothing."""
    ids = tuple(dict.fromkeys(message_ids))[:THREAD_LOOKUP_IDS]
    if not ids:
        return None
    padded = ids + (None,) * (THREAD_LOOKUP_IDS - len(ids))
    rows = database.execute(MessageRow, _THREAD_LOOKUP, padded + padded).fetchall()
    found: dict[str, int] = {}
    for message_id, ticket_id in rows:
        found.setdefault(message_id, ticket_id)
    for message_id in ids:
        if message_id in found:
            return ticket_by_id(found[message_id])
    return None


_MARKS = ", ".join("?" * THREAD_LOOKUP_IDS)
# Hand-written: peewee built two queries anew for every mail.
_THREAD_LOOKUP = (
    f'SELECT "message_id", "ticket_id" FROM "message" WHERE "message_id" IN ({_MARKS}) '
    'AND "ticket_id" IS NOT NULL UNION ALL '
    f'SELECT "message_id", "ticket_id" FROM "outbox" WHERE "message_id" IN ({_MARKS}) '
    'AND "ticket_id" IS NOT NULL')


def get_ticket(ref: str) -> Ticket:
    row = TicketRow.get_or_none(TicketRow.ref == ref.upper())
    if row is None:
        raise NotFound(t("no_ticket", ref=ref))
    return to_ticket(row)


def ticket_by_id(ticket_id: int) -> Ticket | None:
    return _one_ticket('"id" = ?', ticket_id)


def find_ticket(ref: str) -> Ticket | None:
    return _one_ticket('"ref" = ?', ref.upper())


def _one_ticket(condition: str, value: object) -> Ticket | None:
    # Hand-written: peewee built this query anew for every mail that threads to a ticket.
    rows = database.select(TicketRow, f'SELECT * FROM "{TicketRow._meta.table_name}" '
                                      f'WHERE {condition}', (value,))
    return to_ticket(rows[0]) if rows else None


def open_ticket(mail: InboundMail, decision: RoutingDecision, *, prefix: str, language: str,
                now: datetime | None = None, linked: Ticket | None = None) -> Ticket:
    """A new ticket at Level 0, status new; its reference comes from its row id."""
    now = now or utcnow()
    sender = mail.sender or Address("")
    values = dict(
        subject=mail.subject or "(tanpa subjek)", reporter_email=sender.email,
        reporter_name=sender.name, level=Level.L0.value, team=decision.team,
        status=Status.NEW.value, priority=decision.priority.value, category=decision.category,
        assignee=decision.assignee, language=language, tags=",".join(decision.tags),
        application=decision.application, lpse=decision.lpse,
        linked_ticket=linked.id if linked else None, created_at=now, updated_at=now)
    row_id = database.insert(TicketRow, **values)
    ref = f"{prefix}-{row_id:06d}"
    database.execute(TicketRow, 'UPDATE "ticket" SET "ref" = ? WHERE "id" = ?', (ref, row_id))
    return to_ticket(TicketRow(id=row_id, ref=ref, **values))


def update_ticket(ticket: Ticket, now: datetime | None = None, **changes: object) -> Ticket:
    """Apply field changes (level, team, status, priority, category, assignee, application,
    lpse...)."""
    now = now or utcnow()
    values = {k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()}
    if values.get("status") == Status.RESOLVED.value:
        values["resolved_at"] = now
    if values.get("status") == Status.CLOSED.value:
        values["closed_at"] = now
    TicketRow.update(updated_at=now, **values).where(TicketRow.id == ticket.id).execute()
    return to_ticket(TicketRow.get_by_id(ticket.id))


def add_message(ticket: Ticket | None, mail: InboundMail, *, kind: str,
                visibility: Visibility = Visibility.PUBLIC, attachments_dir: Path | None = None,
                text: str | None = None) -> int:
    """Store an inbound message with its raw bytes and attachments; returns the row id. A large
    message's original goes to a file in `attachments_dir`, in place once the transaction
    commits (files.stage), like its attachments."""
    sender = mail.sender or Address("")
    original = original_id(mail.dedup_key) \
        if attachments_dir is not None and len(mail.raw) > ORIGINAL_FILE_BYTES else None
    try:
        with MessageRow._meta.database.atomic():
            row_id = database.insert(
                MessageRow, ticket=ticket.id if ticket else None, direction=Direction.INBOUND.value,
                visibility=visibility.value, kind=kind, author_email=sender.email,
                author_name=sender.name, message_key=mail.dedup_key, message_id=mail.message_id,
                in_reply_to=" ".join(mail.in_reply_to), refs=" ".join(mail.references),
                subject=mail.subject, text=mail.text if text is None else text, html=mail.html,
                raw=None if original else mail.raw, raw_file=original,
                text_size=mail.text_size if mail.text_cut and text is None else 0,
                digest=mail.digest, created_at=utcnow())
    except pw.IntegrityError as exc:
        raise DuplicateMessage(f"message {mail.dedup_key} is already stored") from exc
    if original is not None:
        files.stage(attachments_dir, original, mail.raw)
    if attachments_dir is not None:
        for index, attachment in enumerate(mail.attachments):
            _store_attachment(row_id, attachment, attachments_dir,
                              attachment_id(mail.dedup_key, index))
    return row_id


def attachment_id(message_key: str, index: int) -> str:
    """The file name of a message's `index`th attachment: derived from the message, so a
    retry of the same message names (and reuses) the same file. Never the sender's name."""
    return hashlib.sha256(f"{message_key}\0{index}".encode("utf-8", "replace")).hexdigest()[:32]


def original_id(message_key: str) -> str:
    """The file name of a message's original: derived from the message, like attachment_id."""
    return hashlib.sha256(f"{message_key}\0original".encode("utf-8", "replace")
                          ).hexdigest()[:32]


def attachment_stored(storage_id: str) -> bool:
    """Whether a committed row names this file: an attachment, or a message's original."""
    return database.execute(AttachmentRow, 'SELECT 1 FROM "attachment" WHERE "storage_id" = ? '
                            "LIMIT 1", (storage_id,)).fetchone() is not None or \
        database.execute(MessageRow, 'SELECT 1 FROM "message" WHERE "raw_file" = ? LIMIT 1',
                         (storage_id,)).fetchone() is not None


def original(ticket: Ticket, number: int, attachments_dir: Path | None) -> bytes:
    """The original bytes of the ticket's `number`th inbound message (1 is the report), as it
    was received. Raises NotFound."""
    rows = database.execute(MessageRow, 'SELECT "raw", "raw_file" FROM "message" WHERE '
                            '"ticket_id" = ? AND "direction" = ? ORDER BY "id" LIMIT 1 OFFSET ?',
                            (ticket.id, Direction.INBOUND.value, max(number, 1) - 1)).fetchall()
    if number < 1 or not rows:
        raise NotFound(t("no_message", ref=ticket.ref, number=number))
    raw, raw_file = rows[0]
    if raw_file is None:
        return bytes(raw or b"")
    if attachments_dir is None or not (attachments_dir / raw_file).is_file():
        raise NotFound(t("original_missing", ref=ticket.ref, number=number,
                         path=str((attachments_dir or Path(".")) / raw_file)))
    return (attachments_dir / raw_file).read_bytes()


def message_number(ticket: Ticket, message_key: str) -> int:
    """The place of a stored inbound message among the ticket's inbound messages (1 first)."""
    row = database.execute(MessageRow, 'SELECT COUNT(*) FROM "message" WHERE "ticket_id" = ? '
                           'AND "direction" = ? AND "id" <= (SELECT "id" FROM "message" WHERE '
                           '"message_key" = ?)', (ticket.id, Direction.INBOUND.value,
                                                  message_key)).fetchone()
    return int(row[0]) if row else 0


def _store_attachment(message_id: int, attachment, folder: Path, storage_id: str) -> None:
    # Read once: a large attachment is decoded from the raw message on every read of `payload`.
    payload = attachment.payload
    # Written under a pending name, in place only once the transaction commits (files).
    files.stage(folder, storage_id, payload)
    database.insert(AttachmentRow, message=message_id, storage_id=storage_id, name=attachment.name,
                    content_type=attachment.content_type, size=len(payload),
                    sha256=hashlib.sha256(payload).hexdigest(),
                    content_id=getattr(attachment, "content_id", "") or None)


@dataclass(frozen=True)
class StoredFile:
    """One stored attachment of a ticket: its row id (what `ldp attachments get` takes), the
    file it is stored as, and the inbound message it came with."""

    id: int
    storage_id: str
    name: str
    content_type: str
    size: int
    sha256: str
    content_id: str
    message_key: str
    author: str
    kind: str

    def notice_file(self, content_id: str = "") -> NoticeFile:
        """As a notice names it, inline under `content_id` when one is given."""
        return NoticeFile(self.storage_id, self.name, self.content_type, self.size, content_id)


_FILES = ('SELECT a."id", a."storage_id", a."name", a."content_type", a."size", a."sha256", '
          'a."content_id", m."message_key", m."author_name", m."author_email", m."kind" '
          'FROM "attachment" a JOIN "message" m ON m."id" = a."message_id" ')


def _stored_files(condition: str, values: tuple) -> list[StoredFile]:
    rows = database.execute(AttachmentRow, _FILES + condition + ' ORDER BY a."id"',
                            values).fetchall()
    return [StoredFile(row[0], row[1], row[2], row[3], int(row[4]), row[5], row[6] or "",
                       row[7], str(Address(row[9] or "", row[8] or "")), row[10])
            for row in rows]


def message_files(message_key: str) -> list[StoredFile]:
    """The attachments stored with one inbound message, in the order the mail has them."""
    return _stored_files('WHERE m."message_key" = ?', (message_key,))


def ticket_files(ticket: Ticket) -> list[StoredFile]:
    """Every attachment stored on a ticket, oldest first."""
    return _stored_files('WHERE m."ticket_id" = ?', (ticket.id,))


def add_event(ticket: Ticket | None, kind: str, actor: str, detail: str = "", *,
              old: object = None, new: object = None, message_row: int | None = None,
              command: str | None = None, arguments: str | None = None,
              at: datetime | None = None) -> None:
    """`command` and `arguments`: the command an event records, for the code that reads events
    back (the detail is for people)."""
    database.insert(EventRow, ticket=ticket.id if ticket else None, message=message_row,
                    kind=kind, actor=actor, detail=detail,
                    old_value=None if old is None else str(old),
                    new_value=None if new is None else str(new), at=at or utcnow(),
                    command=command, arguments=arguments)


def list_tickets(level: str | None = None, status: str | None = None,
                 limit: int | None = None, *, application: str | None = None,
                 lpse: str | None = None) -> list[Ticket]:
    """Tickets in id order; `application` (its name as stored) and `lpse` (a code) filter."""
    query = TicketRow.select().order_by(TicketRow.id)
    if application:
        query = query.where(TicketRow.application == application)
    if lpse:
        query = query.where(TicketRow.lpse == lpse)
    if level:
        query = query.where(TicketRow.level == level.upper())
    if status:
        query = query.where(TicketRow.status == status.lower())
    if limit:
        query = query.limit(limit)
    return [to_ticket(row) for row in query]


def events(ticket: Ticket) -> list[EventView]:
    rows = EventRow.select().where(EventRow.ticket == ticket.id).order_by(EventRow.at, EventRow.id)
    return [EventView(r.kind, r.actor, r.at, r.detail, r.old_value, r.new_value, r.command,
                      r.arguments) for r in rows]


def latest_notes(ticket: Ticket, limit: int) -> list[tuple[str, str, str]]:
    """(author name, author email, text) of the ticket's latest internal notes, oldest first.
    One narrow query: the notices of every follow-up need them, not the whole thread's raw
    mail."""
    rows = database.execute(MessageRow, 'SELECT "author_name", "author_email", "text" '
                            'FROM "message" WHERE "ticket_id" = ? AND "kind" = ? '
                            'ORDER BY "created_at" DESC, "id" DESC LIMIT ?',
                            (ticket.id, "note", limit)).fetchall()
    return [tuple(row) for row in reversed(rows)]


def messages(ticket: Ticket) -> list[MessageView]:
    rows = (MessageRow.select().where(MessageRow.ticket == ticket.id)
            .order_by(MessageRow.created_at, MessageRow.id))
    result = []
    for r in rows:
        files = tuple((a.name, a.size, a.content_type) for a in r.attachments)
        result.append(MessageView(r.direction, r.visibility, r.kind,
                                  str(Address(r.author_email, r.author_name)), r.subject,
                                  r.text, r.message_id,
                                  r.created_at, files))
    return result


def outgoing_messages(ticket: Ticket) -> list[MessageView]:
    # Never the bytes: an agent's copy of a notice with the reporter's files is megabytes.
    rows = OutboxRow.select(OutboxRow.visibility, OutboxRow.template, OutboxRow.recipient,
                            OutboxRow.subject, OutboxRow.text, OutboxRow.message_id,
                            OutboxRow.created_at).where(
        OutboxRow.ticket == ticket.id).order_by(OutboxRow.id)
    return [MessageView(Direction.OUTBOUND.value, r.visibility, r.template, r.recipient,
                        r.subject, r.text, r.message_id, r.created_at) for r in rows]


def counts() -> dict[str, int]:
    return {"tickets": TicketRow.select().count(), "messages": MessageRow.select().count(),
            "events": EventRow.select().count()}
