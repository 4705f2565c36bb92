"""Service-level rows and queries: the notices sent (one per ticket, target and stage) and the
event history the timers and the report read. The caller holds the transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from gateway.domain import Status
from gateway.store import database
from gateway.store.models import BaseModel, EventRow, TicketRow

ACTIVE = (Status.NEW.value, Status.OPEN.value, Status.PENDING.value)


class SlaNoticeRow(BaseModel):
    ticket = pw.ForeignKeyField(TicketRow, column_name="ticket_id")
    target = pw.CharField(max_length=64)
    stage = pw.CharField(max_length=16)
    elapsed_hours = pw.DoubleField()
    target_hours = pw.DoubleField()
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "sla_notice"
        indexes = ((("ticket", "target", "stage"), True),)


@dataclass(frozen=True)
class Fact:
    """One event as the service-level code reads it."""

    kind: str
    actor: str
    at: datetime
    detail: str
    old: str | None
    new: str | None
    command: str | None = None  # the command the event records (an agent's or the timers')


def _facts(rows) -> dict[int, list[Fact]]:
    result: dict[int, list[Fact]] = {}
    for r in rows:
        result.setdefault(r.ticket_id, []).append(
            Fact(r.kind, r.actor, r.at, r.detail, r.old_value, r.new_value, r.command))
    return result


def active_tickets(after: int = 0, limit: int | None = None) -> list[TicketRow]:
    """Tickets whose timers run (new, open or pending), oldest first: those with an id above
    `after`, at most `limit` of them (a page; None for all)."""
    query = TicketRow.select().where(TicketRow.status.in_(ACTIVE), TicketRow.id > after) \
        .order_by(TicketRow.id)
    return list(query.limit(limit) if limit else query)


def tickets_between(start: datetime | None, end: datetime) -> list[TicketRow]:
    """Tickets created before `end` that were still active at `start` or created after it."""
    query = TicketRow.select().where(TicketRow.created_at < end)
    if start is not None:
        query = query.where((TicketRow.resolved_at.is_null()) | (TicketRow.resolved_at >= start)
                            | (TicketRow.status.in_(ACTIVE)) | (TicketRow.created_at >= start))
    return list(query.order_by(TicketRow.id))


def history(ticket_ids: list[int]) -> dict[int, list[Fact]]:
    """Every event of these tickets, in order."""
    result: dict[int, list[Fact]] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[start:start + 500]
        rows = (EventRow.select().where(EventRow.ticket.in_(chunk))
                .order_by(EventRow.at, EventRow.id))
        result.update(_facts(rows))
    return result


def notice_sent(ticket_id: int, target: str, stage: str) -> bool:
    return SlaNoticeRow.select().where(
        SlaNoticeRow.ticket == ticket_id, SlaNoticeRow.target == target,
        SlaNoticeRow.stage == stage).exists()


def record_notice(ticket_id: int, target: str, stage: str, elapsed: float, goal: float,
                  now: datetime, detail: str) -> bool:
    """Claim the notice and write its event; False when it was claimed before (or just now by
    another gateway), in which case nothing is written."""
    try:
        with SlaNoticeRow._meta.database.atomic():
            database.insert(SlaNoticeRow, ticket=ticket_id, target=target, stage=stage,
                            elapsed_hours=elapsed, target_hours=goal, created_at=now)
    except pw.IntegrityError:
        return False
    database.insert(EventRow, ticket=ticket_id, message=None, kind=f"sla_{stage}", actor="sla",
                    detail=detail, old_value=None, new_value=target, at=now)
    return True
