"""A month of tickets (March 2026, WIB) written straight as ticket and event rows, with the
figures worked out by hand in test_sla_report.py."""
from __future__ import annotations

from datetime import datetime

from gateway.store import database
from gateway.store.models import EventRow, TicketRow


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A WIB (UTC+7) wall-clock time in 2026 as naive UTC; hours are 8..16 here."""
    return datetime(2026, month, day, hour - 7, minute)


# ref: (level, team, priority, category, status, created, [(kind, at, detail, old, new)])
TICKETS = {
    "LDP-000001": ("L0", "l0-lkpp", "normal", "akun", "resolved", wib(3, 2, 8), [
        ("reply", wib(3, 2, 9), "#reply", None, None),
        ("resolve", wib(3, 2, 12), "#resolve: reset", "open", "resolved")]),
    "LDP-000002": ("L0", "l0-lkpp", "normal", "akun", "resolved", wib(3, 3, 14), [
        ("reply", wib(3, 3, 15, 30), "#reply", None, None),
        ("pending", wib(3, 4, 9), "#pending: screenshot", "open", "pending"),
        ("reply", wib(3, 5, 10), "reporter replied", None, None),
        ("reopened", wib(3, 5, 10), "the reporter replied", "pending", "open"),
        ("resolve", wib(3, 5, 12), "#resolve: fixed", "open", "resolved")]),
    "LDP-000003": ("L0", "l0-lkpp", "high", "spse", "resolved", wib(3, 18, 15), [
        ("reply", wib(3, 20, 9), "(default: #reply)", None, None),
        ("resolve", wib(3, 24, 10), "#resolve: done", "open", "resolved")]),
    "LDP-000004": ("L1", "l1-telkom", "normal", "akun", "resolved", wib(3, 9, 8), [
        ("reply", wib(3, 9, 12), "#reply", None, None),
        ("escalate", wib(3, 9, 13), "#escalate server", "L0", "L1"),
        ("escalate", wib(3, 10, 10), "#escalate bug", "L1", "L2"),
        ("return", wib(3, 11, 9), "#return data fix", "L2", "L1"),
        ("resolve", wib(3, 12, 16), "#resolve: restored", "open", "resolved")]),
    "LDP-000005": ("L0", "l0-telkom", "low", "email", "open", wib(3, 30, 10), []),
    "LDP-000006": ("L0", "l0-telkom", "normal", "tender", "open", wib(2, 20, 10), []),
    "LDP-000007": ("L0", "l0-lkpp", "normal", "akun", "resolved", wib(2, 27, 9), [
        ("reply", wib(2, 27, 10), "#reply", None, None),
        ("resolve", wib(3, 2, 9), "#resolve: ok", "open", "resolved")]),
}


def seed(db) -> None:
    with database.transaction(db):
        for ref, (level, team, priority, category, status, created, events) in TICKETS.items():
            ticket = database.insert(
                TicketRow, ref=ref, subject=f"Ticket {ref}", reporter_email="rina@x.go.id",
                level=level, team=team, status=status, priority=priority, category=category,
                language="id", created_at=created, updated_at=created)
            rows = [("created", created, "new ticket", None, None), *events]
            for kind, at, detail, old, new in rows:
                actor = "rina@x.go.id" if kind in ("created", "reopened") or \
                    detail == "reporter replied" else "budi@lkpp.example"
                # An agent's command names itself in the event (desk.apply).
                command = kind if actor == "budi@lkpp.example" else None
                database.insert(EventRow, ticket=ticket, kind=kind, actor=actor, detail=detail,
                                old_value=old, new_value=new, at=at, command=command)
