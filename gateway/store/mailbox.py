"""The mailbox cursor (UIDVALIDITY and the last UID stored) and the quarantine table."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from gateway.errors import NotFound
from gateway.text.messages import t
from gateway.store.database import utcnow
from gateway.store.models import MailboxCursorRow, QuarantineRow

HELD, RELEASED = "held", "released"


@dataclass(frozen=True)
class Cursor:
    mailbox: str
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class QuarantineItem:
    id: int
    mailbox: str
    uid: int | None
    raw: bytes
    digest: str
    error: str
    status: str
    created_at: datetime


def get_cursor(mailbox: str) -> Cursor | None:
    row = MailboxCursorRow.get_or_none(MailboxCursorRow.mailbox == mailbox)
    return Cursor(row.mailbox, row.uidvalidity, row.last_uid) if row else None


def set_cursor(mailbox: str, uidvalidity: int, last_uid: int) -> None:
    """Move the cursor forward (never back, unless UIDVALIDITY changed)."""
    now = utcnow()
    updated = MailboxCursorRow.update(uidvalidity=uidvalidity, last_uid=last_uid, updated_at=now
                                      ).where(MailboxCursorRow.mailbox == mailbox,
                                              (MailboxCursorRow.uidvalidity != uidvalidity)
                                              | (MailboxCursorRow.last_uid < last_uid)).execute()
    if not updated and get_cursor(mailbox) is None:
        MailboxCursorRow.create(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=last_uid,
                                updated_at=now)


def quarantine(raw: bytes, error: str, mailbox: str = "", uid: int | None = None) -> int:
    """Keep the bytes and the reason; the same bytes twice make one row."""
    digest = hashlib.sha256(raw).hexdigest()
    existing = QuarantineRow.get_or_none(QuarantineRow.digest == digest,
                                         QuarantineRow.status == HELD)
    if existing:
        return existing.id
    row = QuarantineRow.create(mailbox=mailbox, uid=uid, raw=raw, digest=digest,
                               error=error[:4000], status=HELD, created_at=utcnow())
    return row.id


def list_quarantine(status: str | None = HELD) -> list[QuarantineItem]:
    query = QuarantineRow.select().order_by(QuarantineRow.id)
    if status:
        query = query.where(QuarantineRow.status == status)
    return [_item(row) for row in query]


def get_quarantined(item_id: int) -> QuarantineItem:
    row = QuarantineRow.get_or_none(QuarantineRow.id == item_id)
    if row is None:
        raise NotFound(t("no_quarantined", id=item_id))
    return _item(row)


def release(item_id: int) -> None:
    QuarantineRow.update(status=RELEASED, released_at=utcnow()).where(
        QuarantineRow.id == item_id).execute()


def update_error(item_id: int, error: str) -> None:
    QuarantineRow.update(error=error[:4000]).where(QuarantineRow.id == item_id).execute()


def _item(row: QuarantineRow) -> QuarantineItem:
    return QuarantineItem(row.id, row.mailbox, row.uid, bytes(row.raw), row.digest, row.error,
                          row.status, row.created_at)
