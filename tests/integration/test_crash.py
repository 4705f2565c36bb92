"""Crash safety of the real `ldp` process: killed with SIGKILL in the middle of a batch and
restarted, it loses no message and opens no ticket twice; a message that crashes the parser
is quarantined while the rest of the batch is stored."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from gateway.domain import Disposition
from gateway.parsers import mime
from gateway.service import Service, build_context
from gateway.store import mailbox, tickets
from gateway.store.models import MessageRow, OutboxRow, QuarantineRow, TicketRow
from tests import mails
from tests.conftest import deliver, folder_uids, make_settings, write_config

pytestmark = pytest.mark.integration


def ldp(config, *args, **kwargs):
    env = {**os.environ, "LDP_CONFIG": str(config)}
    return subprocess.Popen([sys.executable, "-m", "gateway", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)


def count_tickets(settings, tmp_path):
    ctx = build_context(settings, tmp_path)
    count = TicketRow.select().count()
    ctx.db.close()
    return count


def test_a_process_killed_mid_batch_and_restarted_loses_nothing_and_duplicates_nothing(
        imap_server, smtp_sink, db_url, tmp_path):
    """SIGKILL after some of 60 reports are stored; a restart finishes: 60 tickets, no twins."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"batch_size": 5}, support={"data_dir": str(tmp_path)})
    config = write_config(tmp_path / "ldp.toml", settings)
    build_context(settings, tmp_path).db.close()  # schema first, so counting never races it
    # Sixty reporters: one reporter's sixty reports would meet the hourly acknowledgement cap.
    raws = [mails.report(subject=f"Laporan {i}", message_id=f"<crash-{i}@mail.gmail.com>",
                         sender=f"Pelapor {i} <p{i}@pemda.go.id>") for i in range(60)]
    deliver(imap_server, settings.imap.folder, *raws)

    process = ldp(config, "run", cwd=tmp_path)
    deadline = time.monotonic() + 60
    while count_tickets(settings, tmp_path) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    stored_at_kill = count_tickets(settings, tmp_path)
    assert 8 <= stored_at_kill < 60, "the kill must land in the middle of the batch"

    finish = ldp(config, "run", "--once", cwd=tmp_path)
    output = finish.communicate(timeout=120)[0].decode()
    assert finish.returncode == 0, output

    ctx = build_context(settings, tmp_path)
    subjects = sorted(t.subject for t in tickets.list_tickets())
    assert subjects == sorted(f"Laporan {i}" for i in range(60))
    assert MessageRow.select().count() == 60
    assert folder_uids(imap_server, settings.imap.folder) == []
    assert len(folder_uids(imap_server, settings.imap.processed_folder)) == 60
    # One acknowledgement per ticket in the outbox, each sent once (Message-IDs are unique).
    acks = OutboxRow.select().where(OutboxRow.template == "reporter_ack")
    assert acks.count() == 60
    sent_ids = [mails.parse(raw)["Message-ID"] for _s, rcpts, raw in smtp_sink.messages
                if rcpts[0].endswith("@pemda.go.id")]
    assert len(sent_ids) == len(set(sent_ids)) == 60
    ctx.db.close()


def test_a_mail_that_crashes_the_parser_is_quarantined_and_the_batch_goes_on(
        imap_server, smtp_sink, db_url, tmp_path, monkeypatch):
    """Of five mails, the one whose parsing blows up is quarantined; the other four are stored,
    and `quarantine retry` stores it once the parser is fixed. (The crash is patched into this
    process's parser, so the parse worker stays off; test_parse_worker covers the worker.)"""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"parse_worker": False})
    raws = [mails.report(subject=f"Laporan {i}", message_id=f"<poison-{i}@mail.gmail.com>")
            for i in range(5)]
    real_parse = mime.parse

    def crashing_parse(raw):
        if b"Laporan 0" in raw:
            raise RecursionError("maximum recursion depth exceeded")
        return real_parse(raw)

    monkeypatch.setattr(mime, "parse", crashing_parse)
    garbage = b"\x01\x02 not a mail at all\r\n"
    deliver(imap_server, settings.imap.folder, *raws, garbage)
    intake, _ = Service(build_context(settings, tmp_path)).run_once()

    assert [o.disposition for o in intake.outcomes] == \
        [Disposition.QUARANTINED] + [Disposition.NEW_TICKET] * 4 + [Disposition.QUARANTINED]
    assert TicketRow.select().count() == 4
    held = mailbox.list_quarantine()
    assert [q.raw for q in held] == [raws[0], garbage]
    assert held[0].error.startswith("RecursionError: maximum recursion depth exceeded")
    assert held[1].error == "no header found in the first 4096 bytes"
    assert len(folder_uids(imap_server, settings.imap.quarantine_folder)) == 2
    assert len(folder_uids(imap_server, settings.imap.processed_folder)) == 4

    monkeypatch.setattr(mime, "parse", real_parse)
    from gateway.service import retry_quarantined
    outcome = retry_quarantined(build_context(settings, tmp_path), held[0].id)
    assert (outcome.disposition, outcome.ticket_ref) == (Disposition.NEW_TICKET, "LDP-000005")
    assert [q.id for q in mailbox.list_quarantine()] == [held[1].id]
    assert QuarantineRow.select().count() == 2
