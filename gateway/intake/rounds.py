"""Intake: the messages waiting in the IMAP folder, stored batch by batch and acknowledged
only after their commit. `handle_raw` holds the project's last guard, the `except Exception`
that turns an unexpected error into a quarantined message instead of a lost one.
"""
from __future__ import annotations

import collections
import logging
import threading
import traceback
from dataclasses import dataclass, field
from typing import Iterator

from gateway import config as config_module
from gateway import failures
from gateway.intake import flood_notice, pipeline, poison
from gateway.domain import Disposition, Outcome, Precomputed
from gateway.errors import DatabaseRefused
from gateway.failures import Action
from gateway.intake.parse_worker import Parse, ParserFailed, ParseWorker
from gateway.progress import QUIET, Counter, Progress
from gateway.intake.pipeline import Context, process
from gateway.store import database, mailbox, tickets
from gateway.timelimit import time_limit
from gateway.transport.imap import Mailbox

log = logging.getLogger("ldp")
FETCH_BYTES = 8 * 1024 * 1024  # raw mail held at once by one FETCH (one oversized mail aside)


def handle_raw(raw: bytes, ctx: Context, source: str = "", uid: int | None = None,
               parse: Parse | None = None, known: Precomputed | None = None) -> Outcome:
    """Process one message; what a failure leads to is `failures.for_message`'s: an unexpected
    error quarantines it, and so does a database that keeps refusing it (the poison limit);
    TemporaryFailure (an outage) passes up. Inside a caller's transaction (intake's batch) its
    work is a savepoint of that one."""
    if poison.STRIKES.exhausted(raw):
        poison.STRIKES.forget(raw)
        return poison.quarantine(ctx.db, raw, "the database connection broke each time it was "
                                 "stored", source, uid, failures.POISON_ATTEMPTS)
    attempt = 0
    while True:
        attempt += 1
        try:
            with time_limit(ctx.settings.imap.message_time_limit):
                outcome = process(raw, ctx, source=source, uid=uid, parse=parse, known=known)
            poison.STRIKES.forget(raw)
            return outcome
        except Exception as exc:
            action = failures.for_message(exc, attempt)
            if action is Action.TRY_LATER:
                poison.STRIKES.add(raw)  # an outage, or this message broke the connection
                raise
            if isinstance(exc, DatabaseRefused):
                log.warning("intake: %s UID %s, attempt %d of %d: %s", source, uid, attempt,
                            failures.POISON_ATTEMPTS, exc)
                if action is Action.TRY_AGAIN_NOW:
                    continue
                return poison.quarantine(ctx.db, raw, str(exc), source, uid, attempt)
            if action is not Action.QUARANTINE:
                raise
            # The last guard: never lose the message, never stop the batch. The parse
            # worker's report already names the error and carries its traceback.
            error = str(exc) if isinstance(exc, ParserFailed) else \
                f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
            log.error("ALERT: message quarantined after an unexpected error: %s", exc)
            with database.transaction(ctx.db):
                item = mailbox.quarantine(raw, error, source, uid)
            return Outcome(Disposition.QUARANTINED, detail=f"quarantine #{item}: {exc}")


@dataclass
class IntakeReport:
    """What a round of intake did: every message counted, the first KEEP outcomes kept (a
    backlog of ten thousand must not hold ten thousand outcomes in memory)."""

    KEEP = 1000
    outcomes: list[Outcome] = field(default_factory=list)
    counts: collections.Counter = field(default_factory=collections.Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.disposition] += 1
        if len(self.outcomes) < self.KEEP:
            self.outcomes.append(outcome)

    def count(self, disposition: Disposition) -> int:
        return self.counts[disposition]


def mailbox_name(imap: config_module.Imap) -> str:
    """The mailbox's name for its cursor and lease: account, server and folder."""
    return f"{imap.username}@{imap.host}/{imap.folder}"


def intake_once(ctx: Context, box: Mailbox, stop: threading.Event | None = None,
                kick: threading.Event | None = None, parser: ParseWorker | None = None,
                busy: threading.Event | None = None,
                progress: Progress = QUIET) -> IntakeReport:
    """Store everything waiting above the cursor, a fetched batch in one durable transaction
    (each message in a savepoint of its own); only after its commit is the batch acknowledged
    to the server and `kick` wakes the sender: one fsync a batch instead of one a message, and
    nothing leaves the IMAP folder before it is on disk. `busy` is set while a backlog is
    being stored: the sender then sends only mail to reporters, and the rest once the backlog
    is in."""
    imap = ctx.settings.imap
    name = mailbox_name(imap)
    report = IntakeReport()
    cursor = _current_cursor(ctx, name, box.uidvalidity)
    waiting = box.waiting(cursor)
    if waiting:
        log.info("intake: %d message(s) waiting above UID %d in %s", len(waiting), cursor, name)
    if busy is not None and len(waiting) > imap.batch_size:
        busy.set()
    counter = progress.counter("progress_intake", len(waiting))
    try:
        _store_batches(ctx, box, name, waiting, report, stop, kick, parser, counter)
        with database.transaction(ctx.db):  # after the round, so the count is the round's
            flood_notice.notify_leads(ctx)
    finally:
        counter.finish()
        if busy is not None and busy.is_set():
            busy.clear()
            if kick is not None:
                kick.set()  # the agents' notices held back during the backlog
    return report


def _store_batches(ctx: Context, box: Mailbox, name: str, waiting: list, report: IntakeReport,
                   stop: threading.Event | None, kick: threading.Event | None,
                   parser: ParseWorker | None, counter: Counter | None = None) -> None:
    imap = ctx.settings.imap
    for batch in _batches(waiting, imap.batch_size, imap.max_message_bytes):
        if stop is not None and stop.is_set():
            break
        stored: dict[str, list[int]] = {}  # folder -> UIDs committed, not yet acknowledged
        parsed = None
        try:
            if batch[0].size > imap.max_message_bytes:
                report.add(_too_large(ctx, box, name, batch[0]))
                stored[imap.quarantine_folder] = [batch[0].uid]
                continue
            fetched = box.fetch([w.uid for w in batch])
            parsed = parser.parse_all(fetched) if parser is not None else \
                ((uid, raw, None, None) for uid, raw in fetched)
            done: dict[str, list[int]] = {}
            outcomes: list[Outcome] = []
            # One durable transaction a batch, each message in a savepoint of its own (a
            # message that fails rolls back alone and is quarantined): one commit and one
            # fsync a batch. Should the batch's commit fail, nothing of it is acknowledged and
            # the whole batch is fetched again.
            with database.transaction(ctx.db):
                for uid, raw, parse, known in parsed:
                    outcome = handle_raw(raw, ctx, name, uid, parse=parse, known=known)
                    folder = imap.quarantine_folder \
                        if outcome.disposition == Disposition.QUARANTINED \
                        else imap.processed_folder
                    done.setdefault(folder, []).append(uid)
                    outcomes.append(outcome)
            stored = done
            for outcome in outcomes:
                report.add(outcome)
        finally:
            if parsed is not None:
                # Now, not whenever the generator is collected: left early (a database error),
                # it stops a worker that still holds answers, which the next batch's messages
                # would otherwise be given (another mail's content, taken for a duplicate).
                parsed.close()
            # A crash before this line replays the batch and the duplicate check absorbs it,
            # as it absorbs a crash between a commit and a one-message MOVE.
            _acknowledge(ctx, box, name, stored)
        if kick is not None and stored:
            kick.set()
        if counter is not None:
            counter.advance(len(batch))


def _batches(waiting: list, count: int, too_large: int) -> Iterator[list]:
    """Runs of waiting messages in UID order for one FETCH each: at most `count` messages and
    FETCH_BYTES, so a run of large mails cannot fill the memory. A message over the size limit
    (only its header is fetched) is a run of its own."""
    batch, size = [], 0
    for item in waiting:
        if batch and (item.size > too_large or len(batch) >= count
                      or size + item.size > FETCH_BYTES):
            yield batch
            batch, size = [], 0
        if item.size > too_large:
            yield [item]
            continue
        batch.append(item)
        size += item.size
    if batch:
        yield batch


def _acknowledge(ctx: Context, box: Mailbox, name: str,
                 stored: dict[str, list[int]]) -> None:
    """What was committed durably: one MOVE per destination folder, then the cursor. The
    cursor's own commit may be relaxed: lost in a power cut, it only makes the next poll search
    from lower down, where the moved mail no longer is."""
    if not stored:
        return
    for folder, uids in stored.items():
        box.acknowledge(uids, folder)
    with database.transaction(ctx.db, durable=False):
        mailbox.set_cursor(name, box.uidvalidity, max(max(uids) for uids in stored.values()))


def _current_cursor(ctx: Context, name: str, uidvalidity: int) -> int:
    with database.transaction(ctx.db):
        cursor = mailbox.get_cursor(name)
        if cursor is None or cursor.uidvalidity == uidvalidity:
            return cursor.last_uid if cursor else 0
        # The folder was recreated: start over; the duplicate check absorbs what we had.
        tickets.add_event(None, "cursor_reset", "imap",
                          f"{name}: UIDVALIDITY {cursor.uidvalidity} -> {uidvalidity}",
                          old=cursor.uidvalidity, new=uidvalidity)
        mailbox.set_cursor(name, uidvalidity, 0)
        return 0


def _too_large(ctx: Context, box: Mailbox, name: str, item) -> Outcome:
    """Quarantine the header of an oversized message; the caller acknowledges it."""
    header = box.fetch_header(item.uid)
    error = (f"message of {item.size} bytes is over imap.max_message_bytes "
             f"({ctx.settings.imap.max_message_bytes}); only its header was kept")
    with database.transaction(ctx.db):  # durable: acknowledged next
        row = mailbox.quarantine(header or b"(no header)", error, name, item.uid)
        pipeline.refuse_too_large(ctx, header, item.size, ctx.settings.imap.max_message_bytes)
    return Outcome(Disposition.QUARANTINED, detail=f"quarantine #{row}: {error}")
