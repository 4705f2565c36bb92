"""SMTP in a child process, for the running gateway.

aiosmtplib spends about half a millisecond of interpreter time on every mail. In the gateway's
process that time is taken from intake (one interpreter lock for both threads), and a sender
that waited for the gateway to mark each mail sent before sending the next one idled while
intake held the database. Here the child speaks SMTP and sends a claimed batch straight
through; the gateway marks the mails sent as the answers stream back, many in one commit, and
every decision about a row (sent, retried, dead) stays with it and its database.

The sent log keeps that as safe as one mail at a time against a crash: the child appends a
row's id to it as soon as the server has accepted the mail, before it answers. A gateway that
dies (or whose sender stops on a database error) before it has marked what the child sent
leaves the log behind, and the next start reads it (`logged_as_sent`) instead of sending those
mails again. The log is not flushed to disk: after a power cut those mails go again, as after
any lost relaxed commit.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Sequence

from gateway import childproc
from gateway.config import Smtp
from gateway.errors import PermanentSendFailure, TemporaryFailure
from gateway.transport.smtp import SmtpConnection

OK, TEMPORARY, PERMANENT = "ok", "temporary", "permanent"

# (row id, envelope sender, envelope recipients, the message's bytes)
Request = tuple[int, str, Sequence[str], bytes]
# (row id, OK | TEMPORARY | PERMANENT, the server's answer on failure; on OK the recipients
# it refused while taking the mail for the others, one "address code message" a line)
Answer = tuple[int, str, str]


class SmtpWorker:
    """The child process, started on first use and again after it ended; `stop()` ends it.
    `in_process`: the same worker as a thread of this process (a one-off command, which has
    no intake to spare the interpreter lock for and need not start a child)."""

    def __init__(self, settings: Smtp, in_process: bool = False) -> None:
        self.settings = settings
        self.in_process = in_process
        self.process = None
        self.pipe: Connection | None = None
        self.unanswered = 0  # batches submitted whose end the worker has not reported yet

    def submit(self, sent_log: Path, requests: list[Request]) -> None:
        """Queue a batch: the worker sends it over one connection, in order, after the batches
        before it. Raises TemporaryFailure when the worker cannot take it; a worker that died
        with batches still unanswered is not replaced here (`receive` reads what it answered,
        then reports its end), so a new one's answers are never taken for the old one's."""
        if self.unanswered and not childproc.running(self.process, self.pipe):
            raise TemporaryFailure("SMTP worker process ended")
        self._start()
        try:
            self.pipe.send(("batch", str(sent_log), requests))
        except OSError as exc:
            raise TemporaryFailure(f"SMTP worker process ended: {type(exc).__name__}") from exc
        self.unanswered += 1

    def receive(self, wait: float | None = None) -> list[Answer]:
        """The answers that have arrived, waiting up to `wait` seconds (None: for ever) for at
        least one: (row id, outcome, detail) for a mail, (None, outcome, detail) for the end of
        a batch (not OK: the connection failed, and the batch's mails without an answer were
        not sent). Raises TemporaryFailure when the worker died: its sent log says what it
        sent."""
        if self.pipe is None:
            raise TemporaryFailure("SMTP worker process ended")
        try:
            if not self.pipe.poll(wait):
                return []
            answers = [self.pipe.recv()]
            while self.pipe.poll(0):
                answers.append(self.pipe.recv())
        except (EOFError, OSError) as exc:
            self.stop()
            raise TemporaryFailure(f"SMTP worker process ended: {type(exc).__name__}") from exc
        self.unanswered -= sum(1 for answer in answers if answer[0] is None)
        return answers

    def stop(self) -> None:
        childproc.stop(self.process, self.pipe, self.settings.timeout + 5)
        self.process = self.pipe = None
        self.unanswered = 0

    def start(self) -> None:
        """Start the child now, so its start-up overlaps the gateway's own."""
        try:
            self._start()
        except TemporaryFailure:  # tried again with the first batch
            pass

    def _start(self) -> None:
        if childproc.running(self.process, self.pipe):
            return
        self.stop()
        if self.in_process:
            self.process, self.pipe = _Thread.start()
        else:
            self.process, self.pipe = childproc.start("gateway.transport.smtp_worker")
        self.pipe.send(self.settings)


class _Thread:
    """The worker on a thread, looking to `childproc` like a child process."""

    def __init__(self, thread: threading.Thread) -> None:
        self.thread = thread

    @classmethod
    def start(cls) -> tuple["_Thread", Connection]:
        ours, theirs = multiprocessing.Pipe()
        thread = threading.Thread(target=_serve, args=(theirs,), name="smtp-worker", daemon=True)
        thread.start()
        return cls(thread), ours

    def poll(self) -> int | None:
        return None if self.thread.is_alive() else 0

    def wait(self, timeout: float | None = None) -> int | None:
        # Its pipe is closed: the thread ends at its next read or answer.
        self.thread.join(timeout)
        return self.poll()

    def kill(self) -> None:
        """A thread cannot be killed; a daemon thread does not keep the process alive."""


def logged_as_sent(sent_log: Path) -> set[int]:
    """The row ids the child recorded as accepted by the server."""
    try:
        text = sent_log.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return set()
    # A line cut short by a crash has no newline and is not trusted.
    return {int(line) for line in text.split("\n")[:-1] if line.isdigit()}


def clear_log(sent_log: Path) -> None:
    sent_log.unlink(missing_ok=True)


def serve(pipe: Connection) -> None:
    """The child: read the settings, then send each batch it is given until the gateway closes
    the pipe (or dies)."""
    # A stop signal to the process group is the gateway's to handle: it lets the batch finish
    # or breaks it off, then closes the pipe, and only then does this process end.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _serve(pipe)


def _serve(pipe: Connection) -> None:
    try:
        settings: Smtp = pipe.recv()
    except (EOFError, OSError):
        return
    loop = asyncio.new_event_loop()
    try:
        while True:
            try:
                operation, sent_log, requests = pipe.recv()
            except (EOFError, OSError):
                return
            if operation == "batch":
                loop.run_until_complete(_send_batch(pipe, settings, Path(sent_log), requests))
    except (EOFError, OSError):  # the gateway went away mid-batch: stop sending
        return
    finally:
        loop.close()


async def _send_batch(pipe: Connection, settings: Smtp, sent_log: Path,
                      requests: list[Request]) -> None:
    try:
        sent_log.parent.mkdir(parents=True, exist_ok=True)
        log = os.open(sent_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:  # nothing is sent without the log; the gateway hears why
        pipe.send((None, TEMPORARY, f"SMTP worker: sent log {sent_log}: {exc}"))
        return
    end: Answer = (None, OK, "")  # type: ignore[assignment]
    try:
        async with SmtpConnection(settings) as connection:
            for row_id, sender, recipients, raw in requests:
                try:
                    refused = await connection.send(sender, list(recipients), raw)
                except TemporaryFailure as exc:
                    pipe.send((row_id, TEMPORARY, str(exc)))
                    if not connection.connected:
                        end = (None, TEMPORARY, str(exc))
                        break
                    continue
                except PermanentSendFailure as exc:
                    pipe.send((row_id, PERMANENT, str(exc)))
                    continue
                partly = "\n".join(f"{address} {answer}" for address, answer in refused.items())
                # Before the answer: a gateway that dies now finds the mail in the log.
                try:
                    os.write(log, b"%d\n" % row_id)
                except OSError as exc:  # a full disk: the gateway, alive, records it
                    pipe.send((row_id, OK, partly))
                    end = (None, TEMPORARY, f"SMTP worker: sent log: {exc}")
                    break
                pipe.send((row_id, OK, partly))
    except (TemporaryFailure, PermanentSendFailure) as exc:  # no connection for this batch
        end = (None, TEMPORARY, str(exc))
    except (EOFError, OSError):
        raise
    except Exception as exc:  # the worker ends every batch with an answer, whatever went wrong
        end = (None, TEMPORARY, f"SMTP worker: {type(exc).__name__}: {exc}")
    finally:
        os.close(log)
    pipe.send(end)


if __name__ == "__main__":
    serve(childproc.parent_pipe())
