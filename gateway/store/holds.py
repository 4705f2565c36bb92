"""The store's side of the cap on new tickets per sender: how many tickets an address opened
lately, the mails held past the cap (kept in quarantine, named here by sender), and when the
L0 leads last heard of a sender."""
from __future__ import annotations

from datetime import datetime

import peewee as pw

from gateway.store import mailbox
from gateway.store.database import utcnow
from gateway.store.models import FloodNoticeRow, HeldMailRow, QuarantineRow, TicketRow

MAX_SENDER = 320  # an address longer than RFC 5321 allows is cut, the same on both databases


def tickets_opened_since(sender: str, since: datetime) -> int:
    """Tickets whose reporter is `sender`, opened at or after `since`."""
    return TicketRow.select().where(TicketRow.reporter_email == sender.lower(),
                                    TicketRow.created_at >= since).count()


def hold(raw: bytes, sender: str, reason: str, mailbox_name: str = "",
         uid: int | None = None) -> int:
    """Keep a mail in quarantine as held for `sender`; returns the quarantine row's id."""
    item = mailbox.quarantine(raw, reason, mailbox_name, uid)
    digest = QuarantineRow.get_by_id(item).digest
    if not HeldMailRow.select().where(HeldMailRow.quarantine_id == item).exists():
        HeldMailRow.create(quarantine_id=item, sender=sender.lower()[:MAX_SENDER],
                           digest=digest, held_at=utcnow())
    return item


def was_held(digest: str) -> bool:
    """True when a mail with these bytes was held once: released, it is not held again."""
    return HeldMailRow.select().where(HeldMailRow.digest == digest).exists()


def waiting_by_sender() -> dict[str, int]:
    """Sender -> mails of theirs still held (not yet released), for senders with held mail."""
    query = (HeldMailRow.select(HeldMailRow.sender, pw.fn.COUNT(HeldMailRow.id))
             .join(QuarantineRow, on=(QuarantineRow.id == HeldMailRow.quarantine_id))
             .where(QuarantineRow.status == mailbox.HELD)
             .group_by(HeldMailRow.sender).tuples())
    return dict(query)


def held_since(sender: str, since: datetime) -> bool:
    """True when a mail of `sender` was held after `since`."""
    return HeldMailRow.select().where(HeldMailRow.sender == sender,
                                      HeldMailRow.held_at > since).exists()


def last_notified(sender: str) -> datetime | None:
    row = FloodNoticeRow.get_or_none(FloodNoticeRow.sender == sender)
    return row.notified_at if row else None


def mark_notified(sender: str, at: datetime | None = None) -> None:
    at = at or utcnow()
    if not FloodNoticeRow.update(notified_at=at).where(FloodNoticeRow.sender == sender).execute():
        FloodNoticeRow.create(sender=sender, notified_at=at)
