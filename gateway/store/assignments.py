"""Which assignment letters' endings the leads were told of (`assignment_reminder`); the
caller holds the transaction."""
from __future__ import annotations

from gateway.store.database import utcnow
from gateway.store.models import AssignmentReminderRow as Row


def reminded(agent: str, assignment: str, until: str) -> bool:
    return Row.select().where((Row.agent == agent) & (Row.assignment == assignment)
                              & (Row.assigned_until == until)).exists()


def mark_reminded(agent: str, assignment: str, until: str) -> None:
    Row.create(agent=agent, assignment=assignment, assigned_until=until, sent_at=utcnow())
