"""Promises 1 to 3: crash safety, idempotency and a UIDVALIDITY change, with the real `ldp`
process, Dovecot (or pymap), aiosmtpd and both databases."""
from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from gateway.service import build_context
from gateway.store.models import MessageRow, OutboxRow, QuarantineRow, TicketRow
from tests import mails
from tests.conftest import deliver, folder_uids, imap_client, make_settings, write_config

pytestmark = pytest.mark.integration
KILLS = 20


def corpus_300() -> list[bytes]:
    """200 new reports, 60 replies to them, 40 byte-for-byte duplicates, shuffled (seeded)."""
    rng = random.Random(300)
    reports = [mails.report(subject=f"Laporan {i}", sender=f"Pelapor {i} <p{i}@pemda.go.id>",
                            message_id=f"<r{i}@pemda.go.id>") for i in range(200)]
    replies = [mails.report(subject=f"Re: Laporan {i}", body=f"Tambahan {i}\n",
                            sender=f"Pelapor {i} <p{i}@pemda.go.id>",
                            message_id=f"<re{i}@pemda.go.id>", in_reply_to=f"<r{i}@pemda.go.id>")
               for i in range(60)]
    # Replies come after their reports so that each one threads; duplicates anywhere after.
    ordered = reports + replies
    duplicates = [rng.choice(ordered) for _ in range(40)]
    return ordered + duplicates


def start(config, tmp_path, *args):
    env = {**os.environ, "LDP_CONFIG": str(config)}
    return subprocess.Popen([sys.executable, "-m", "gateway", "run", *args], cwd=tmp_path,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_crash_safety_300_messages_20_sigkills_no_loss_no_duplicates_acks_at_most_once(
        imap_server, db_url, tmp_path):
    """Killed with SIGKILL at 20 random moments (fetch, parse, commit, move, send) and restarted
    each time, the gateway ends with every message stored once, 200 tickets, 60 follow-ups, and
    each acknowledgement delivered once, or twice with one Message-ID when DATA was cut."""
    from gateway.cli.devservers import SmtpSink

    class SlowSink(SmtpSink):
        async def handle_DATA(self, server, session, envelope):
            import asyncio
            await asyncio.sleep(0.01)  # widens the window in which a kill lands during DATA
            return await super().handle_DATA(server, session, envelope)

    sink = SlowSink().start()
    try:
        settings = make_settings(tmp_path, db_url, imap_server, sink,
                                 imap={"batch_size": 20, "poll_interval": 0.2},
                                 support={"data_dir": str(tmp_path)})
        config = write_config(tmp_path / "ldp.toml", settings)
        build_context(settings, tmp_path).db.close()
        raws = corpus_300()
        deliver(imap_server, settings.imap.folder, *raws)
        rng = random.Random(20)
        for _ in range(KILLS):
            process = start(config, tmp_path)
            time.sleep(rng.uniform(0.3, 2.0))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        final = start(config, tmp_path, "--once")
        assert final.wait(timeout=300) == 0
        # Mail claimed by a killed sender is sent again once its claim lapses (2 x 5 s + 5 s).
        time.sleep(2 * settings.smtp.timeout + 6)
        assert start(config, tmp_path, "--once").wait(timeout=300) == 0

        ctx = build_context(settings, tmp_path)
        assert folder_uids(imap_server, settings.imap.folder) == []
        assert TicketRow.select().count() == 200
        assert MessageRow.select().where(MessageRow.kind == "report").count() == 200
        assert MessageRow.select().where(MessageRow.kind == "reply").count() == 60
        assert QuarantineRow.select().count() == 0
        assert OutboxRow.select().where(OutboxRow.template == "reporter_ack").count() == 200
        outbox_ids = {r.message_id for r in OutboxRow.select(OutboxRow.message_id)}
        delivered = collections.Counter(mails.parse(raw)["Message-ID"]
                                        for _s, _r, raw in sink.messages)
        assert set(delivered) <= outbox_ids
        assert max(delivered.values()) <= 2
        acks = {r.message_id for r in OutboxRow.select().where(
            OutboxRow.template == "reporter_ack")}
        assert acks <= set(delivered), "every acknowledgement was delivered"
        twice = sum(1 for v in delivered.values() if v == 2)
        print(f"kills={KILLS} delivered={sum(delivered.values())} unique={len(delivered)} "
              f"twice={twice}")
        ctx.db.close()
    finally:
        sink.stop()


def test_idempotency_the_same_300_messages_delivered_three_more_times_add_nothing(
        imap_server, smtp_sink, db_url, tmp_path):
    """After the first pass, three re-deliveries of all 300 create no row and send no mail."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"batch_size": 100})
    raws = corpus_300()
    deliver(imap_server, settings.imap.folder, *raws)
    from gateway.service import Service
    Service(build_context(settings, tmp_path)).run_once()
    counts = lambda: (TicketRow.select().count(), MessageRow.select().count(),  # noqa: E731
                      OutboxRow.select().count(), len(smtp_sink.messages))
    before = counts()
    assert before[:2] == (200, 260)
    for _ in range(3):
        deliver(imap_server, settings.imap.folder, *raws)
        intake, sent = Service(build_context(settings, tmp_path)).run_once()
        assert len(intake.outcomes) == 300 and sent.sent == 0
        assert counts() == before


def test_uidvalidity_change_the_recreated_folder_opens_nothing_and_records_the_reset(
        imap_server, smtp_sink, db_url, tmp_path):
    """The folder deleted and recreated with the same 300 messages: no ticket, no mail, one
    cursor_reset event."""
    from gateway.service import Service
    from gateway.store.models import EventRow
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"processed_folder": "", "batch_size": 100})
    raws = corpus_300()
    deliver(imap_server, settings.imap.folder, *raws)
    Service(build_context(settings, tmp_path)).run_once()
    before = (TicketRow.select().count(), MessageRow.select().count(), len(smtp_sink.messages))
    client = imap_client(imap_server, settings.imap.folder)
    client.delete_folder(settings.imap.folder)
    client.logout()
    deliver(imap_server, settings.imap.folder, *raws)
    Service(build_context(settings, tmp_path)).run_once()
    assert (TicketRow.select().count(), MessageRow.select().count(),
            len(smtp_sink.messages)) == before
    assert EventRow.select().where(EventRow.kind == "cursor_reset").count() == 1
