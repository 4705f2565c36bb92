"""Issue 14, item 8: a clock jump never stalls intake. A lease written while the clock was a
day ahead expires a day from now, far further ahead than a lease lasts: it is stale, and a
gateway takes the mailbox over at once; a lease within its duration is still respected."""
from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.domain import Disposition
from gateway.intake.rounds import mailbox_name
from gateway.service import Service, build_context
from gateway.store import database, guards
from gateway.store.models import LeaseRow, TicketRow
from tests import mails
from tests.conftest import deliver, make_settings

pytestmark = pytest.mark.integration


def write_lease(ctx, name: str, holder: str, expires_in: timedelta) -> None:
    """A lease row as another gateway wrote it (the columns every schema version has)."""
    with database.transaction(ctx.db):
        database.execute(LeaseRow, 'INSERT INTO "lease" ("name", "holder", "expires_at") '
                         "VALUES (?, ?, ?)", (name, holder, LeaseRow.expires_at.db_value(
                             database.utcnow() + expires_in)))


@pytest.mark.parametrize("ahead", [timedelta(days=1), timedelta(hours=1)])
def test_a_lease_written_by_a_clock_a_day_ahead_is_stale_and_a_gateway_takes_over(
        imap_server, smtp_sink, db_url, tmp_path, ahead):
    """The holder's clock was a day (an hour) ahead when it wrote the lease, then corrected:
    `run --once` takes the lease and stores the mail instead of only sending."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    ctx = build_context(settings, tmp_path)
    name = mailbox_name(settings.imap)
    write_lease(ctx, name, "other-host:4242:abcd", ahead)
    deliver(imap_server, settings.imap.folder, mails.report(message_id="<jam@x.id>"))

    service = Service(ctx)
    intake, _ = service.run_once()

    assert [o.disposition for o in intake.outcomes] == [Disposition.NEW_TICKET]
    assert TicketRow.select().count() == 1


def test_a_lease_within_its_duration_is_still_respected(db_url, tmp_path):
    """Another gateway's live lease (expiring within its own duration) is not taken; once
    it has expired it is; a lease a day ahead is taken at once."""
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    now = database.utcnow()
    with database.transaction(ctx.db):
        assert guards.acquire_lease("box", "a", 3.0, now=now)
        assert not guards.acquire_lease("box", "b", 3.0, now=now + timedelta(seconds=2))
        assert guards.acquire_lease("box", "b", 3.0, now=now + timedelta(seconds=4))
        LeaseRow.update(expires_at=now + timedelta(days=1)).execute()
        assert guards.acquire_lease("box", "c", 3.0, now=now + timedelta(seconds=5))
        assert guards.lease_holder("box", now=now + timedelta(seconds=5)) == "c"
