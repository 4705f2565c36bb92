"""Promise 7, network faults: the IMAP connection cut mid-IDLE and mid-fetch, the SMTP server
answering 421 and then 550. No hang past the timeouts, recovery with backoff, temporary
failures retried, permanent ones dead with an event on the ticket, nothing lost."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest

from gateway.cli.devservers import SmtpSink
from gateway.outgoing.sender import send_due
from gateway.service import Service, build_context
from gateway.store import outbox, tickets
from gateway.store.models import TicketRow
from tests import mails
from tests.conftest import deliver, make_settings
from tests.reliability.netproxy import CuttableProxy

pytestmark = pytest.mark.integration


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_imap_cut_mid_idle_and_mid_fetch_recovers_and_loses_nothing(
        imap_server, smtp_sink, db_url, tmp_path):
    """`ldp run` behind a proxy: connections cut while idling and while fetching 40 mails; the
    service reconnects with backoff and every mail becomes a ticket exactly once."""
    proxy = CuttableProxy(imap_server.port)

    class Server:  # the proxy's address, the real server's credentials
        host, port = "127.0.0.1", proxy.port
        username, password = imap_server.username, imap_server.password

    settings = make_settings(tmp_path, db_url, Server, smtp_sink,
                             imap={"timeout": 5, "batch_size": 5},
                             loops={"new_tickets_per_hour": 0})  # all from one reporter
    deliver(imap_server, settings.imap.folder)  # the folder exists before the service starts
    service = Service(build_context(settings, tmp_path))
    runner = threading.Thread(target=service.run, daemon=True)
    runner.start()
    try:
        assert wait_until(lambda: proxy.accepted >= 1)
        time.sleep(1.0)  # now idling
        assert proxy.cut() >= 1
        deliver(imap_server, settings.imap.folder,
                mails.report(subject="setelah putus", message_id="<cut-0@x.id>"))
        assert wait_until(lambda: TicketRow.select().count() == 1, 30)
        deliver(imap_server, settings.imap.folder,
                *[mails.report(subject=f"L{i}", message_id=f"<cut-{i}@x.id>",
                               body="isi " * 2000) for i in range(1, 41)])
        for _ in range(3):  # cut repeatedly while batches are being fetched
            time.sleep(0.3)
            proxy.cut()
        assert wait_until(lambda: TicketRow.select().count() == 41, 60)
        assert wait_until(lambda: proxy.accepted >= 3, 15), "the service reconnected"
    finally:
        service.stop.set()
        runner.join(timeout=15)
        proxy.stop()
    assert not runner.is_alive(), "a clean stop within the timeouts"
    assert sorted(t.subject for t in tickets.list_tickets()) == \
        sorted(["setelah putus"] + [f"L{i}" for i in range(1, 41)])


def test_smtp_421_is_retried_and_550_is_dead_with_an_event(imap_server, db_url, tmp_path):
    """421 defers every mail (retried with backoff); then 550 marks each dead with an event."""
    sink = SmtpSink(refuse=(421, "4.3.2 try again later")).start()
    try:
        settings = make_settings(tmp_path, db_url, imap_server, sink)
        deliver(imap_server, settings.imap.folder, mails.report(message_id="<421@x.id>"))
        _intake, first = Service(build_context(settings, tmp_path)).run_once()
        assert (first.sent, first.retried, first.dead) == (0, 3, 0)
        assert {i.status for i in outbox.list_items()} == {"pending"}
        assert all("421 4.3.2 try again later" in i.last_error for i in outbox.list_items())
        sink.refuse = (550, "5.7.1 rejected")
        time.sleep(0.3)
        report = asyncio.run(send_due(build_context(settings, tmp_path)))
        assert (report.sent, report.dead) == (0, 3)
        assert {i.status for i in outbox.list_items()} == {"dead"}
        events = [e for e in tickets.events(tickets.get_ticket("LDP-000001"))
                  if e.kind == "mail_dead"]
        assert len(events) == 3 and all("550 5.7.1 rejected" in e.detail for e in events)
    finally:
        sink.stop()
