"""MIME parsing for intake in a child process, a few messages ahead of the pipeline.

Parsing (mail-parser) is the largest single cost of storing a message, and it needs nothing
from the database. In a child process it runs on the other core while the gateway stores the
message before: intake then stores about a third faster during a surge. The child only ever
parses; every decision stays in the gateway's process.

It is an accelerator, never a new way to fail:
- a worker that cannot start means parsing in the gateway's own process, as before;
- mail larger than INLINE_BYTES is parsed in the gateway's process (not worth the copy);
- a message the worker takes longer than the time limit on, or that kills the worker, is
  quarantined with that reason (it could do the same to the gateway), and a new worker parses
  the rest.
"""
from __future__ import annotations

import dataclasses
import logging
import queue
import pickle
import signal
import threading
import traceback
from collections import deque
from typing import Callable, Iterable, Iterator, Sequence

from gateway import childproc
from gateway.domain import InboundMail, Precomputed
from gateway.errors import MalformedMail, TemporaryFailure
from gateway.parsers import autoreply, mime
from gateway.routing import chain

log = logging.getLogger("ldp")
INLINE_BYTES = 512 * 1024
WINDOW = 8  # messages handed to the worker ahead of the one the pipeline is storing
MAX_STARTS = 5  # started again and again without one answer: the gateway parses by itself

Parse = Callable[[bytes], InboundMail]


class ParserFailed(Exception):
    """The parse worker failed on this message in a way that could also fail the gateway."""


class ParseWorker:
    """Beside parsing, the worker asks autoreply.classify (with `classify_arguments`, the
    desk's own as pipeline.classify_arguments gives them) and, for mail a person wrote, routes
    it with `rules` (compiled, pickled with their keyword index). Both need nothing but the
    mail, and took a sixth of the gateway's time storing a message."""

    def __init__(self, time_limit: float, classify_arguments: dict | None = None,
                 rules: Sequence | None = None, default_team: str = "") -> None:
        self.time_limit = time_limit if time_limit > 0 else None
        arguments = classify_arguments or {"own_domains": (), "loop_marker": ""}  # no desk
        try:
            self.setup = pickle.dumps((arguments, rules, default_team))
        except (pickle.PicklingError, TypeError, AttributeError):
            log.warning("parse worker: the routing rules cannot be handed over; routing in "
                        "the gateway's own process")
            self.setup = pickle.dumps((arguments, None, default_team))
        self.process = None
        self.pipe = None
        self.unavailable = False
        self.starts = 0

    def parse_all(self, items: Iterable[tuple[int, bytes]]
                  ) -> Iterator[tuple[int, bytes, Parse, Precomputed | None]]:
        """(uid, raw, parse, known) for each message in order; parse(raw) returns what
        mime.parse would, or raises what it would (or ParserFailed); known is what the worker
        worked out beside it, None when it was parsed in the gateway's process."""
        queue = list(items)
        todo = deque(k for k, (_, raw) in enumerate(queue) if len(raw) <= INLINE_BYTES)
        sent: deque[int] = deque()  # handed to the worker, answers pending, in order
        try:
            for index, (uid, raw) in enumerate(queue):
                self._fill(queue, todo, sent)
                known = None
                if sent and sent[0] == index:
                    sent.popleft()
                    parse, known = self._result(raw)
                    if self.process is None:  # the worker was stopped: resend what it had
                        todo.extendleft(reversed(sent))
                        sent.clear()
                else:
                    if todo and todo[0] == index:
                        todo.popleft()  # no worker to be had
                    parse = mime.parse
                yield uid, raw, parse, known
        finally:
            if sent:  # left early (a database failure): unread answers must not linger
                self._kill()

    def _fill(self, queue: list, todo: deque, sent: deque) -> None:
        while todo and len(sent) < WINDOW:
            if not childproc.running(self.process, self.pipe):
                # A worker that ended with messages in hand: what it answered is read first
                # (_result), it is blamed for the one it died on, and only then does a new
                # worker take the rest. Started earlier, the new one's answers would have been
                # taken for the old one's messages.
                if sent or not self._ready():
                    return
            if not self._send(queue[todo[0]][1]):
                return  # it died: the same, once its answers are read
            sent.append(todo.popleft())

    def start(self) -> None:
        """Start the child now, so its start-up overlaps the gateway's own."""
        self._ready()

    def stop(self) -> None:
        childproc.stop(self.process, self.pipe, 5)
        self.process = self.pipe = None

    def _ready(self) -> bool:
        if childproc.running(self.process, self.pipe):
            return True
        self._kill()  # what is left of an earlier worker
        if self.starts >= MAX_STARTS:
            if not self.unavailable:
                log.warning("parse worker started %d times; parsing in the gateway's own "
                            "process from now on", self.starts)
            self.unavailable = True
        if self.unavailable:
            return False
        self.starts += 1
        try:
            self.process, self.pipe = childproc.start("gateway.intake.parse_worker")
        except TemporaryFailure as exc:
            log.warning("parsing in the gateway's own process: %s", exc)
            self.unavailable = True
            return False
        return self._send(self.setup)

    def _send(self, raw: bytes) -> bool:
        """False when the worker has gone; its pipe is kept for the answers it gave."""
        try:
            self.pipe.send_bytes(raw)
            return True
        except OSError:
            return False

    def _result(self, raw: bytes) -> tuple[Parse, Precomputed | None]:
        unknown = None
        try:
            if not self.pipe.poll(self.time_limit):
                self._kill()
                return _raising(ParserFailed(
                    f"parsing took longer than {self.time_limit:g} s (parse worker stopped)")), \
                    unknown
            outcome, value, known = self.pipe.recv()
        except (EOFError, OSError) as exc:
            self._kill()
            return _raising(ParserFailed(f"the parse worker died on this message "
                                         f"({type(exc).__name__})")), unknown
        self.starts = 0  # it answers: start it again as often as it needs
        if outcome == "ok":
            mail = dataclasses.replace(value, raw=raw)
            return (lambda _raw: mail), known
        if outcome == "malformed":
            return _raising(MalformedMail(value)), unknown
        return _raising(ParserFailed(value)), unknown

    def _kill(self) -> None:
        childproc.kill(self.process, self.pipe)
        self.process = self.pipe = None


def _raising(exc: Exception) -> Parse:
    def parse(_raw: bytes) -> InboundMail:
        raise exc
    return parse


def serve() -> None:
    """The child: parse each raw message it is sent, answer with the mail (without its raw
    bytes, which the gateway has) or the error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the gateway stops it by closing the pipe
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.getLogger("mailparser").setLevel(logging.CRITICAL)
    pipe = childproc.parent_pipe()
    try:
        classify_arguments, rules, default_team = pickle.loads(pipe.recv_bytes())
    except (EOFError, OSError):
        return
    # The gateway sends up to WINDOW messages ahead and reads answers only between its sends.
    # Reading on a thread of its own, the child never leaves the gateway blocked in a send
    # while its own answer waits for room in the socket: both would wait for ever (two mails
    # of a few hundred kB with attachments did it).
    received: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(pipe, received), daemon=True).start()
    while True:
        raw = received.get()
        if raw is None:
            return
        try:
            mail = mime.parse(raw)
            verdict = autoreply.classify(mail, **classify_arguments)
            decision = None
            if rules is not None and verdict is None and mail.sender is not None:
                try:
                    decision = chain.route(rules, mail, default_team=default_team)
                except Exception:  # routed again in the gateway, whose guard handles it
                    decision = None
            answer = ("ok", dataclasses.replace(mail, raw=b""), Precomputed(verdict, decision))
        except MalformedMail as exc:
            answer = ("malformed", str(exc), None)
        except Exception as exc:  # reported to the gateway, whose last guard quarantines it
            answer = ("error", f"{type(exc).__name__}: {exc}\n"
                               f"{traceback.format_exc(limit=8)}", None)
        try:
            pipe.send(answer)
        except (EOFError, OSError):
            return


def _receive(pipe, received: queue.SimpleQueue) -> None:
    """The child's reader: every message into `received`, then None at end-of-file."""
    try:
        while True:
            received.put(pipe.recv_bytes())
    except (EOFError, OSError):
        received.put(None)


if __name__ == "__main__":
    serve()
