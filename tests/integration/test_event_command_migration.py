"""Migration 0010: events written before it get their structured `command` from the old detail
text, once, on both databases; the service-level history then reads only the field."""
from __future__ import annotations

import shutil
from datetime import datetime

import pytest

from gateway.store import database
from gateway.store.models import EventRow, TicketRow
from gateway.store.sla import history

pytestmark = pytest.mark.integration
AT = datetime(2026, 3, 9, 1, 0)


def test_old_command_events_are_named_by_the_migration(db_url, tmp_path):
    before = tmp_path / "before-0010"
    before.mkdir()
    for path in database.migration_files():
        if path.stem < "0010":
            shutil.copy(path, before / path.name)
    db = database.connect(db_url, tmp_path)
    database.migrate(db, before)
    with database.transaction(db):
        database.execute(
            TicketRow, "INSERT INTO ticket (ref, subject, reporter_email, reporter_name, level, "
            "team, status, priority, language, tags, created_at, updated_at) VALUES "
            "('LDP-000001', 's', 'rina@x', '', 'L0', 'l0-lkpp', 'open', 'normal', 'id', '', ?, ?)",
            (AT, AT))
        ticket_id = TicketRow.select(TicketRow.id).scalar()
        for kind, actor, detail in [("created", "rina@x", "new ticket at L0 for team l0-lkpp"),
                                    ("reply", "rina@x", "reporter replied"),
                                    ("reply", "budi@x", "(default: #reply)"),
                                    ("pending", "budi@x", "#pending: menunggu; status open -> "
                                     "pending")]:
            database.execute(EventRow, "INSERT INTO event (ticket_id, kind, actor, detail, at) "
                             "VALUES (?, ?, ?, ?, ?)", (ticket_id, kind, actor, detail, AT))
    assert database.migrate(db)[0] == "0010_event_command"
    with database.transaction(db):
        facts = history([ticket_id])[ticket_id]
    assert [(f.kind, f.actor, f.command) for f in facts] == [
        ("created", "rina@x", None), ("reply", "rina@x", None), ("reply", "budi@x", "reply"),
        ("pending", "budi@x", "pending")]
