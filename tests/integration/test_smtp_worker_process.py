"""The SMTP worker (gateway.transport.smtp_worker) itself, its real child process speaking to a
real aiosmtpd server: what it answers for each mail and batch, what it writes to the sent log,
how it recovers from being killed and from a server that is down, and that stop() ends it.
The outbox side (send_through_worker with the database) is in test_smtp_worker.py."""
from __future__ import annotations

import asyncio
import threading

import pytest

from gateway.cli.devservers import free_port
from gateway.errors import TemporaryFailure
from gateway.transport.smtp_worker import OK, PERMANENT, TEMPORARY, SmtpWorker, logged_as_sent
from tests import mails
from tests.conftest import RefusingSink, make_settings

pytestmark = pytest.mark.integration
SENDER = "helpdesk@lpse.example"
REFUSED = "tidak-ada@pemkab-bogor.go.id"


class Sink(RefusingSink):
    """The test SMTP sink, which also refuses REFUSED at RCPT and can hold a mail whose subject
    is "tahan" in DATA until `release` is set (`holding` says it has it)."""

    refused = REFUSED

    async def handle_DATA(self, server, session, envelope):
        if b"\r\nSubject: tahan\r\n" in envelope.content:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sink():
    sink = Sink()
    sink.holding, sink.release = threading.Event(), threading.Event()
    sink.start()
    try:
        yield sink
    finally:
        sink.release.set()
        sink.stop()


@pytest.fixture
def worker_for(tmp_path, started):
    workers = []

    def make(port: int) -> SmtpWorker:
        settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'unused.sqlite3'}",
                                 smtp={"port": port})
        workers.append(SmtpWorker(settings.smtp))
        return workers[-1]

    yield make
    for worker in workers:
        worker.stop()


def request(row_id: int, to: str, subject: str = "") -> tuple:
    raw = mails.report(subject=subject or f"Tiket {row_id}", sender=SENDER, to=to,
                       message_id=f"<ldp.{row_id}@lpse.example>",
                       body=f"Isi surat nomor {row_id}.\n")
    return row_id, SENDER, [to], raw


def answers_until_batch_end(worker: SmtpWorker, batches: int = 1) -> list:
    """Every answer up to the end marker of the `batches`-th batch, in arrival order."""
    answers = []
    while sum(1 for row_id, _, _ in answers if row_id is None) < batches:
        answers += worker.receive()
    return answers


def test_a_batch_arrives_byte_for_byte_and_each_mail_is_answered_and_logged(
        sink, worker_for, tmp_path):
    """Three mails in one batch: the server gets each with its envelope and exact bytes, the
    worker answers OK for each then ends the batch, and its sent log names all three."""
    log = tmp_path / "sending" / "test.log"
    requests = [request(1, "rina@pemkab-bogor.go.id"), request(2, "budi@lkpp.example"),
                request(3, "sari@lkpp.example")]
    worker = worker_for(sink.port)
    worker.submit(log, requests)

    assert answers_until_batch_end(worker) == \
        [(1, OK, ""), (2, OK, ""), (3, OK, ""), (None, OK, "")]
    assert sink.messages == [(sender, list(rcpts), raw) for _, sender, rcpts, raw in requests]
    assert logged_as_sent(log) == {1, 2, 3}


def test_a_refused_recipient_is_answered_permanent_and_the_batch_goes_on(
        sink, worker_for, tmp_path):
    """550 for the second mail's recipient: that mail is PERMANENT with the server's words, not
    logged as sent, and the same connection delivers the third."""
    log = tmp_path / "sending" / "test.log"
    requests = [request(1, "rina@pemkab-bogor.go.id"), request(2, REFUSED),
                request(3, "budi@lkpp.example")]
    worker = worker_for(sink.port)
    worker.submit(log, requests)

    answers = answers_until_batch_end(worker)
    assert [(row_id, outcome) for row_id, outcome, _ in answers] == \
        [(1, OK), (2, PERMANENT), (3, OK), (None, OK)]
    assert "550" in answers[1][2] and "no such user" in answers[1][2]
    assert [rcpts for _, rcpts, _ in sink.messages] == \
        [["rina@pemkab-bogor.go.id"], ["budi@lkpp.example"]]
    assert logged_as_sent(log) == {1, 3}


def test_batches_queued_back_to_back_are_answered_in_order(sink, worker_for, tmp_path):
    """Two batches submitted before any answer is read: each is sent and ended in turn."""
    log = tmp_path / "sending" / "test.log"
    worker = worker_for(sink.port)
    worker.submit(log, [request(1, "a@x.id"), request(2, "b@x.id")])
    worker.submit(log, [request(3, "c@x.id")])

    assert answers_until_batch_end(worker, batches=2) == \
        [(1, OK, ""), (2, OK, ""), (None, OK, ""), (3, OK, ""), (None, OK, "")]
    assert [rcpts for _, rcpts, _ in sink.messages] == [["a@x.id"], ["b@x.id"], ["c@x.id"]]


def test_a_worker_killed_between_batches_is_started_again_for_the_next(
        sink, worker_for, tmp_path, started):
    """A child that died while idle is replaced when the next batch is submitted: the batch
    goes out through a new process."""
    log = tmp_path / "sending" / "test.log"
    worker = worker_for(sink.port)
    worker.submit(log, [request(1, "a@x.id")])
    assert answers_until_batch_end(worker) == [(1, OK, ""), (None, OK, "")]
    worker.process.kill()
    worker.process.wait()

    worker.submit(log, [request(2, "b@x.id")])
    assert answers_until_batch_end(worker) == [(2, OK, ""), (None, OK, "")]
    assert len(started) == 2 and started[0].returncode is not None
    assert [rcpts for _, rcpts, _ in sink.messages] == [["a@x.id"], ["b@x.id"]]


def test_a_worker_killed_mid_batch_raises_temporary_failure_and_its_log_names_what_went(
        sink, worker_for, tmp_path, started):
    """Killed while the server holds the second mail: receive() raises TemporaryFailure, the
    sent log names only the first mail (the one the server accepted), and a new worker sends
    the next batch."""
    log = tmp_path / "sending" / "test.log"
    worker = worker_for(sink.port)
    worker.submit(log, [request(1, "a@x.id"), request(2, "b@x.id", subject="tahan"),
                        request(3, "c@x.id")])
    assert sink.holding.wait(10), "the server never got the second mail"
    assert worker.receive() == [(1, OK, "")]
    worker.process.kill()

    with pytest.raises(TemporaryFailure, match="SMTP worker process ended"):
        worker.receive()
    assert worker.process is None and started[0].returncode is not None
    assert logged_as_sent(log) == {1}
    with pytest.raises(TemporaryFailure):  # nothing left to read from a worker that is gone
        worker.receive()

    sink.release.set()
    worker.submit(log, [request(4, "d@x.id")])
    assert answers_until_batch_end(worker) == [(4, OK, ""), (None, OK, "")]
    assert len(started) == 2
    assert ["d@x.id"] in [rcpts for _, rcpts, _ in sink.messages]


def test_with_the_server_down_the_batch_ends_temporary_and_the_worker_stays_usable(
        worker_for, tmp_path, started):
    """Nothing listens on the port: the batch ends TEMPORARY naming the server, nothing is
    logged as sent; once a server listens there, the same worker process delivers."""
    log = tmp_path / "sending" / "test.log"
    port = free_port()
    worker = worker_for(port)
    worker.submit(log, [request(1, "a@x.id"), request(2, "b@x.id")])

    [(row_id, outcome, detail)] = answers_until_batch_end(worker)
    assert (row_id, outcome) == (None, TEMPORARY)
    assert detail.startswith(f"SMTP 127.0.0.1:{port}: ")
    assert logged_as_sent(log) == set()

    server = Sink(port=port).start()
    try:
        worker.submit(log, [request(3, "c@x.id")])
        assert answers_until_batch_end(worker) == [(3, OK, ""), (None, OK, "")]
        assert [rcpts for _, rcpts, _ in server.messages] == [["c@x.id"]]
    finally:
        server.stop()
    assert len(started) == 1


def test_stop_ends_the_child_and_is_harmless_when_there_is_none(sink, worker_for, started):
    """stop() before any start, after use, and twice: the child exits (end-of-file on its pipe),
    nothing is left running, and a stopped worker reports no answers, only TemporaryFailure."""
    worker = worker_for(sink.port)
    worker.stop()
    worker.start()  # as the service does at start-up
    assert len(started) == 1 and started[0].poll() is None

    worker.stop()
    worker.stop()
    assert worker.process is None and started[0].returncode == 0
    with pytest.raises(TemporaryFailure):
        worker.receive()


def test_a_sent_log_that_cannot_be_opened_ends_the_batch_with_the_reason_and_sends_nothing(
        sink, worker_for, tmp_path, started):
    """The log's folder is a file (a full disk or a wrong permission fail the same way): no
    mail goes out without its log, the batch ends TEMPORARY naming the log and the error, and
    the same worker process sends the next batch once the log can be written."""
    blocked = tmp_path / "sending"
    blocked.write_text("not a folder")
    worker = worker_for(sink.port)
    worker.submit(blocked / "test.log", [request(1, "a@x.id")])

    [(row_id, outcome, detail)] = answers_until_batch_end(worker)
    assert (row_id, outcome) == (None, TEMPORARY)
    assert f"sent log {blocked / 'test.log'}" in detail and "Errno" in detail
    assert sink.messages == []

    log = tmp_path / "elsewhere" / "test.log"
    worker.submit(log, [request(2, "b@x.id")])
    assert answers_until_batch_end(worker) == [(2, OK, ""), (None, OK, "")]
    assert logged_as_sent(log) == {2} and len(started) == 1
