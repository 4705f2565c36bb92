"""What the closing rules read and claim (`sla.closing`, `intake.closed`): the resolved tickets
and when each was last resolved, the closing itself, when a ticket was closed. The caller holds
the transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain import Status
from gateway.store.models import TicketRow


@dataclass(frozen=True)
class Resolved:
    id: int
    team: str
    resolved_at: datetime


def resolved(after: int = 0, limit: int = 500) -> list[Resolved]:
    """Resolved tickets with an id above `after`, oldest first, at most `limit` of them."""
    return _resolved(TicketRow.id > after, limit)


def resolved_one(ticket_id: int) -> Resolved | None:
    """The ticket, if it is resolved."""
    return next(iter(_resolved(TicketRow.id == ticket_id, 1)), None)


def _resolved(condition, limit: int) -> list[Resolved]:
    rows = (TicketRow.select(TicketRow.id, TicketRow.team, TicketRow.resolved_at,
                             TicketRow.created_at)
            .where(TicketRow.status == Status.RESOLVED.value, condition)
            .order_by(TicketRow.id).limit(limit))
    return [Resolved(row.id, row.team, row.resolved_at or row.created_at) for row in rows]


def claim(ticket_id: int, now: datetime) -> bool:
    """Close the ticket if it is still resolved; False when it is not (another gateway's timers
    closed it first, or someone wrote): PostgreSQL re-reads the row after a concurrent update,
    so only one of two closings gets it."""
    return TicketRow.update(status=Status.CLOSED.value, closed_at=now, updated_at=now).where(
        TicketRow.id == ticket_id, TicketRow.status == Status.RESOLVED.value).execute() == 1


def closed_at(ticket_id: int) -> datetime | None:
    row = TicketRow.select(TicketRow.closed_at).where(TicketRow.id == ticket_id).first()
    return row.closed_at if row else None
