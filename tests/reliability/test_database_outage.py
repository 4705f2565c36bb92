"""Issue 14, item 4: a lost database connection never ends the gateway. The running service
(intake and sender threads, their worker processes) works through 200 mails while its
PostgreSQL backends are terminated mid-batch, twice (SQLite: the database stays locked by
another process past the busy timeout). It reconnects with a logged, capped backoff, and
every mail is stored once and acknowledged once (a mail cut in DATA may go twice)."""
from __future__ import annotations

import collections
import sqlite3
import threading
import time
from urllib.parse import urlparse

import pytest

from gateway.intake import rounds as intake
from gateway.errors import TemporaryFailure
from gateway.service import Service, build_context
from gateway.store import database
from gateway.store.models import MessageRow, OutboxRow, QuarantineRow, TicketRow
from tests import mails
from tests.conftest import deliver, folder_uids, make_settings

pytestmark = pytest.mark.integration
MAILS = 200
BREAK_AT = (25, 130)  # the calls of process() at which the database goes away: mid-batch


def terminate_backends(db_url: str) -> None:
    import psycopg2
    admin = psycopg2.connect(db_url)
    admin.autocommit = True
    admin.cursor().execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    admin.close()


def lock_sqlite(db_url: str, seconds: float) -> threading.Thread:
    """Another process's writer holds the lock past the gateway's busy timeout (15 s)."""
    path = urlparse(db_url).path

    def hold():
        locker = sqlite3.connect(path, timeout=120, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        time.sleep(seconds)
        locker.execute("ROLLBACK")
        locker.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except TemporaryFailure:  # this thread's own connection was terminated too
            pass
        time.sleep(0.2)
    return False


def test_the_database_going_away_mid_batch_ends_nothing_and_loses_or_doubles_nothing(
        imap_server, smtp_sink, db_url, tmp_path, monkeypatch, caplog):
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"batch_size": 50, "poll_interval": 0.5})
    ctx = build_context(settings, tmp_path)
    postgres = database.dialect(ctx.db) == "postgresql"
    calls = [0]
    lockers = []
    real_process = intake.process

    def process(raw, ctx, **kwargs):
        calls[0] += 1
        if calls[0] in BREAK_AT:
            if postgres:
                terminate_backends(db_url)
            elif not lockers:
                lockers.append(lock_sqlite(db_url, 17.0))
        return real_process(raw, ctx, **kwargs)

    monkeypatch.setattr(intake, "process", process)
    deliver(imap_server, settings.imap.folder, *[
        mails.report(subject=f"Laporan {i}", message_id=f"<db-{i}@pemda.go.id>",
                     sender=f"pelapor{i}@pemda.go.id") for i in range(MAILS)])
    service = Service(ctx)
    running = threading.Thread(target=service.run, name="ldp-service", daemon=True)
    running.start()
    try:
        def all_sent():
            with database.transaction(ctx.db):
                return (TicketRow.select().count() == MAILS and OutboxRow.select().where(
                    OutboxRow.status != "sent").count() == 0)

        def state():
            with database.transaction(ctx.db):
                keys = {m.message_key for m in MessageRow.select()}
                missing = sorted({f"<db-{i}@pemda.go.id>" for i in range(MAILS)} - keys)
                return (calls[0], TicketRow.select().count(), collections.Counter(
                    r.status for r in OutboxRow.select(OutboxRow.status)), missing,
                    len(folder_uids(imap_server, settings.imap.folder)),
                    len(folder_uids(imap_server, settings.imap.processed_folder)),
                    QuarantineRow.select().count())

        assert wait_until(all_sent, 180), \
            f"not done: (calls, tickets, outbox, missing, waiting, processed, quarantined) " \
            f"{state()}"
        assert running.is_alive(), "the gateway ended"
    finally:
        service.stop.set()
        running.join(timeout=60)
    for locker in lockers:
        locker.join(timeout=30)

    retried = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    if postgres:  # the connection went away mid-batch, and the batch was replayed
        assert calls[0] > MAILS and retried
    # On SQLite the held lock outlasts the busy timeout only when it meets a batch's commit,
    # which a fast machine may miss; what counts is below: nothing lost or doubled.
    with database.transaction(ctx.db):
        keys = [m.message_key for m in MessageRow.select()]
        assert sorted(keys) == sorted(f"<db-{i}@pemda.go.id>" for i in range(MAILS))
        assert QuarantineRow.select().count() == 0
        acks = {r.message_id for r in OutboxRow.select().where(
            OutboxRow.template == "reporter_ack")}
        outbox_ids = {r.message_id for r in OutboxRow.select()}
    assert len(acks) == MAILS
    assert folder_uids(imap_server, settings.imap.folder) == []
    delivered = collections.Counter(mails.parse(raw)["Message-ID"]
                                    for _s, _r, raw in smtp_sink.messages)
    assert set(delivered) == outbox_ids, "every mail of the outbox arrived, nothing else"
    twice = [m for m, n in delivered.items() if n > 1]
    # At most the one mail in DATA when a connection went away goes twice.
    assert len(twice) <= len(BREAK_AT) and max(delivered.values()) <= 2
