"""The work log: the actions agents recorded with #tindakan, one row each. The caller holds
the transaction (`desk.apply` writes them with the block's events); `ldp tickets show` and
the report read them back."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain import Ticket
from gateway.store.database import utcnow
from gateway.store.models import WorkLogRow


@dataclass(frozen=True)
class WorkEntry:
    ticket_id: int
    agent: str
    team: str
    level: str
    code: str
    application: str | None
    note: str
    at: datetime


def add(ticket: Ticket, *, agent: str, team: str, level: str, code: str,
        application: str | None, note: str, now: datetime | None = None) -> None:
    WorkLogRow.create(ticket=ticket.id, agent=agent, team=team, level=level, code=code,
                      application=application, note=note, at=now or utcnow())


def of_ticket(ticket_id: int) -> list[WorkEntry]:
    """A ticket's actions in the order they were recorded."""
    rows = WorkLogRow.select().where(WorkLogRow.ticket == ticket_id).order_by(WorkLogRow.id)
    return [_entry(r) for r in rows]


def between(start: datetime, end: datetime) -> list[WorkEntry]:
    """Every action recorded in [start, end)."""
    rows = (WorkLogRow.select().where(WorkLogRow.at >= start, WorkLogRow.at < end)
            .order_by(WorkLogRow.id))
    return [_entry(r) for r in rows]


def _entry(row: WorkLogRow) -> WorkEntry:
    return WorkEntry(row.ticket_id, row.agent, row.team, row.level, row.code, row.application,
                     row.note, row.at)
