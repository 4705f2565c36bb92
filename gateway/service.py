"""The running gateway: the intake loop (IMAP to pipeline to acknowledgement), the outbox sender,
a graceful stop, and `--once` mode. The only `except Exception` of the project lives here, as the
last guard that turns an unexpected error into a quarantined message instead of a lost one.
"""
from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import os
import re
import secrets
import socket
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from gateway import agents, pipeline
from gateway import config as config_module
from gateway.compose import Composer
from gateway.domain import Disposition, Outcome, Precomputed
from gateway.errors import PermanentSendFailure, TemporaryFailure
from gateway.parse_worker import Parse, ParserFailed, ParseWorker
from gateway.pipeline import Context, process
from gateway.routing import rules as rules_module
from gateway.sla import timers as sla_timers
from gateway.store import database, guards, mailbox, outbox, tickets
from gateway.timelimit import time_limit
from gateway.transport.imap import Mailbox
from gateway.transport.smtp import SmtpConnection
from gateway.transport import smtp_worker
from gateway.transport.smtp_worker import SmtpWorker

log = logging.getLogger("ldp")
SEND_BATCH = 100
FETCH_BYTES = 8 * 1024 * 1024  # raw mail held at once by one FETCH (one oversized mail aside)


def build_context(settings: config_module.Settings, base_dir: Path | None = None,
                  migrate: bool = True) -> Context:
    """Connect the database, compile templates and rules: everything done once at start-up."""
    base = base_dir or Path.cwd()
    db = database.connect(settings.database.url, base)
    if migrate:
        database.migrate(db)
    support = settings.support
    composer = Composer(support_address=support.address, support_name=support.name,
                        domain=support.domain, loop_marker=support.address,
                        templates_dir=Path(support.templates_dir) if support.templates_dir
                        else None)
    data_dir = Path(support.data_dir)
    data_dir = data_dir if data_dir.is_absolute() else base / data_dir
    return Context(settings=settings, composer=composer, db=db,
                   rules=load_rules(settings, base), attachments_dir=data_dir / "attachments",
                   data_dir=data_dir,
                   agent_reply=agents.handle_reply)


def load_rules(settings: config_module.Settings, base: Path) -> tuple:
    raw = list(settings.rules)
    source = settings.source
    if settings.routing.rules_file:
        import tomllib
        path = Path(settings.routing.rules_file)
        if settings.routing.rules_file == "default":
            path = Path(rules_module.__file__).with_name("default_rules.toml")
        path = path if path.is_absolute() else base / path
        try:
            raw += tomllib.loads(path.read_text(encoding="utf-8")).get("rules", [])
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise config_module.ConfigError(f"{path}: cannot read rules: {exc}") from None
        source = str(path)
    teams = {t.id: t.level for t in settings.teams}
    categories = {c for names in settings.categories.values() for c in names}
    return rules_module.compile_rules(raw, teams=teams, categories=categories,
                                      agents=[a.email for a in settings.agents], source=source)


def handle_raw(raw: bytes, ctx: Context, source: str = "", uid: int | None = None,
               durable: bool = True, parse: Parse | None = None,
               known: Precomputed | None = None) -> Outcome:
    """Process one message; an unexpected error quarantines it. TemporaryFailure passes up.
    `durable=False` only where the caller seals the batch before acknowledging it."""
    try:
        with time_limit(ctx.settings.imap.message_time_limit):
            return process(raw, ctx, source=source, uid=uid, durable=durable, parse=parse,
                           known=known)
    except TemporaryFailure:
        raise
    except Exception as exc:  # the last guard: never lose the message, never stop the batch
        # The parse worker's report already names the error and carries its traceback.
        error = str(exc) if isinstance(exc, ParserFailed) else \
            f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
        log.error("ALERT: message quarantined after an unexpected error: %s", exc)
        with database.transaction(ctx.db, durable=durable):
            item = mailbox.quarantine(raw, error, source, uid)
        return Outcome(Disposition.QUARANTINED, detail=f"quarantine #{item}: {exc}")


@dataclass
class IntakeReport:
    """What a round of intake did: every message counted, the first KEEP outcomes kept (a
    backlog of ten thousand must not hold ten thousand outcomes in memory)."""

    KEEP = 1000
    outcomes: list[Outcome] = field(default_factory=list)
    counts: collections.Counter = field(default_factory=collections.Counter)
    total: int = 0

    def add(self, outcome: Outcome) -> None:
        self.total += 1
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
                busy: threading.Event | None = None) -> IntakeReport:
    """Store everything waiting above the cursor. Each message is committed on its own, without
    waiting for the disk; once per fetched batch one durable commit seals those commits, then
    the batch is acknowledged to the server and `kick` wakes the sender (group commit: one
    fsync a batch instead of one a message, and the same promise: nothing leaves the IMAP
    folder before it is on disk). `busy` is set while a backlog is being stored: the sender
    then sends only mail to reporters, and the rest once the backlog is in."""
    imap = ctx.settings.imap
    name = mailbox_name(imap)
    report = IntakeReport()
    cursor = _current_cursor(ctx, name, box.uidvalidity)
    waiting = box.waiting(cursor)
    if waiting:
        log.info("intake: %d message(s) waiting above UID %d in %s", len(waiting), cursor, name)
    if busy is not None and len(waiting) > imap.batch_size:
        busy.set()
    try:
        _store_batches(ctx, box, name, waiting, report, stop, kick, parser)
    finally:
        if busy is not None and busy.is_set():
            busy.clear()
            if kick is not None:
                kick.set()  # the agents' notices held back during the backlog
    return report


def _store_batches(ctx: Context, box: Mailbox, name: str, waiting: list, report: IntakeReport,
                   stop: threading.Event | None, kick: threading.Event | None,
                   parser: ParseWorker | None) -> None:
    imap = ctx.settings.imap
    for batch in _batches(waiting, imap.batch_size, imap.max_message_bytes):
        if stop is not None and stop.is_set():
            break
        stored: dict[str, list[int]] = {}  # folder -> UIDs committed, not yet acknowledged
        sealed = False  # committed durably already
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
                    outcome = handle_raw(raw, ctx, name, uid, durable=False, parse=parse,
                                         known=known)
                    folder = imap.quarantine_folder \
                        if outcome.disposition == Disposition.QUARANTINED \
                        else imap.processed_folder
                    done.setdefault(folder, []).append(uid)
                    outcomes.append(outcome)
            stored, sealed = done, True
            for outcome in outcomes:
                report.add(outcome)
        finally:
            # A crash before this line replays the batch and the duplicate check absorbs it,
            # as it absorbs a crash between a commit and a one-message MOVE.
            _acknowledge(ctx, box, name, stored, sealed)
        if kick is not None and stored:
            kick.set()


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


def _acknowledge(ctx: Context, box: Mailbox, name: str, stored: dict[str, list[int]],
                 sealed: bool = False) -> None:
    """Seal what was committed relaxed with one durable commit (unless the batch's own commit
    was durable), then one MOVE per destination folder, then the cursor. The cursor's own
    commit may be relaxed: lost in a power cut, it only makes the next poll search from lower
    down, where the moved mail no longer is."""
    if not stored:
        return
    if not sealed:
        with database.transaction(ctx.db):
            mailbox.seal(name, box.uidvalidity)
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
    with database.transaction(ctx.db, durable=False):  # sealed by _acknowledge
        row = mailbox.quarantine(header or b"(no header)", error, name, item.uid)
        pipeline.refuse_too_large(ctx, header, item.size, ctx.settings.imap.max_message_bytes)
    return Outcome(Disposition.QUARANTINED, detail=f"quarantine #{row}: {error}")


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0

    def add(self, other: "SendReport") -> None:
        self.sent, self.retried, self.dead = (self.sent + other.sent, self.retried + other.retried,
                                              self.dead + other.dead)


async def send_due(ctx: Context, claimer: str = "", connect=SmtpConnection) -> SendReport:
    """Send every due outbox row over one SMTP connection per claimed batch. `connect` makes
    that connection from the SMTP settings: in this process by default, or in the SMTP worker
    process for the running gateway."""
    report = SendReport()
    smtp = ctx.settings.smtp
    while True:
        items = _claim(ctx, claimer, report)
        if not items:
            return report
        # One connection, one mail at a time: a crash leaves at most one mail in doubt (sent
        # but not marked), which goes again. Parallel connections sent about a fifth faster to
        # aiosmtpd but multiplied the mails in doubt at every crash.
        try:
            async with connect(smtp) as connection:
                for item in items:
                    await _send_one(ctx, connection, item, report)
        except TemporaryFailure as exc:
            for item in items:
                if outbox.find_by_message_id(item.message_id).status == outbox.SENDING:
                    _retry(ctx, item, str(exc), report)
            return report


async def _send_one(ctx: Context, connection: SmtpConnection, item, report: SendReport) -> None:
    try:
        await connection.send(item.sender, item.recipient.split(", "), item.raw)
    except PermanentSendFailure as exc:
        _dead(ctx, item, str(exc), report)
        return
    except TemporaryFailure as exc:
        _retry(ctx, item, str(exc), report)
        if not connection.connected:
            raise
        return
    # Not durable: lost in a power cut, the row's claim lapses and the same bytes with the same
    # Message-ID go again, as after a crash between the send and this commit.
    with database.transaction(ctx.db, durable=False):
        outbox.mark_sent(item.id)
    report.sent += 1


def _claim(ctx: Context, claimer: str, report: SendReport, urgent_only: bool = False) -> list:
    # Durable, and it must stay so: the rows it claims may have been committed relaxed by
    # intake, and this commit makes them durable before any of them is sent, so a power cut
    # can never undo a ticket whose acknowledgement already left.
    with database.transaction(ctx.db):
        # A claim outlives the longest legitimate send; after a crash it lapses and the row is
        # sent again with the same bytes and Message-ID.
        items = outbox.claim_due(SEND_BATCH, _lease(ctx), claimer=claimer,
                                 urgent_only=urgent_only)
        return _rendered(ctx, items, report)


def _rendered(ctx: Context, items: list, report: SendReport) -> list:
    """The claimed rows ready to send: a notice queued unrendered during a surge is rendered
    now and its bytes stored with the claim, so every later attempt sends the same bytes."""
    ready = []
    for item in items:
        if item.notice is None:
            ready.append(item)
            continue
        try:
            mail = ctx.composer.render(item.notice)
        except Exception as exc:  # a broken template must not stop the sender
            _dead(ctx, item, f"cannot render {item.template}: {type(exc).__name__}: {exc}",
                  report)
            continue
        outbox.store_rendered(item.id, mail)
        ready.append(dataclasses.replace(item, raw=mail.raw, subject=mail.subject, notice=None))
    return ready


def send_through_worker(ctx: Context, claimer: str, worker: SmtpWorker,
                        urgent_only: bool = False) -> SendReport:
    """What send_due does, with SMTP spoken by the worker process. Claimed batches queue up at
    the worker, which sends them back to back; the answers are recorded in the transaction
    that claims the next batch, while the worker goes on sending.

    During a surge intake holds the database for a whole batch of its own at a time: a sender
    that waited for it to claim, then again to record each answer, fell further behind with
    every batch. Here it waits once for both, and the worker never waits for the database.
    The mails sent but not yet recorded are named by the sent log: read at the start of the
    next call should this one end abnormally (a database error), and by release_dead_claims
    should the process die. The log is not flushed to disk: after a power cut the mails it
    named go again, as after any lost relaxed commit."""
    report = SendReport()
    sent_log = sent_log_path(ctx, claimer)
    _recover_from_log(ctx, claimer, sent_log)
    lease = _lease(ctx)
    queued: deque[dict] = deque()  # per batch handed to the worker: row id -> unanswered item
    answered: list = []
    more, broken = True, ""  # more: the last claim found rows; broken: why sending stopped
    renewed = time.monotonic()
    try:
        while True:
            stale = time.monotonic() - renewed > lease / 3
            if not queued or stale or (more and not broken
                                       and sum(map(len, queued)) <= SEND_BATCH):
                with database.transaction(ctx.db):
                    _record(ctx, answered, report)
                    if queued:  # still ours while they wait at the worker
                        outbox.renew_claims(claimer, lease)
                    items = _claim(ctx, claimer, report, urgent_only) if not broken else []
                answered, more, renewed = [], bool(items), time.monotonic()
                if not queued:
                    smtp_worker.clear_log(sent_log)  # all it names is recorded now
                if items:
                    queued.append({item.id: item for item in items})
                    try:
                        worker.submit(sent_log, [(item.id, item.sender,
                                                  item.recipient.split(", "), item.raw)
                                                 for item in items])
                    except TemporaryFailure as exc:
                        broken = str(exc)  # nothing of this batch was sent
                        answered += [(i, smtp_worker.TEMPORARY, broken)
                                     for i in queued.pop().values()]
                if not queued:
                    if answered:
                        with database.transaction(ctx.db):
                            _record(ctx, answered, report)
                    return report
                continue
            try:
                # Not longer than a third of the lease, which the next round renews.
                for row_id, outcome, detail in worker.receive(lease / 3):
                    if row_id is not None:
                        answered.append((queued[0].pop(row_id), outcome, detail))
                        continue
                    # The end of the oldest batch: what has no answer was not sent.
                    answered += [(item, smtp_worker.TEMPORARY, detail)
                                 for item in queued.popleft().values()]
                    if outcome != smtp_worker.OK:
                        broken = detail
            except TemporaryFailure as exc:
                # The worker is gone: a mail it logged as accepted was sent, even unanswered.
                logged = smtp_worker.logged_as_sent(sent_log)
                broken = str(exc)
                answered += [(item, smtp_worker.OK if item.id in logged
                              else smtp_worker.TEMPORARY, broken)
                             for batch in queued for item in batch.values()]
                queued.clear()
    except BaseException:
        if queued:
            # Leaving with batches at the worker (a database error): its answers must not be
            # read as the next call's. What it sent is in the log, which the next call (or a
            # new gateway) reads; the rest stays claimed until the claim lapses.
            worker.stop()
        raise


def _lease(ctx: Context) -> float:
    """How long a claim holds: a crashed sender's rows go again once it lapses. The running
    sender renews the claims of rows waiting at its worker, so a slow server cannot make it
    lapse under them."""
    return 2 * ctx.settings.smtp.timeout + 5


def _recover_from_log(ctx: Context, claimer: str, sent_log: Path) -> None:
    """Rows this sender's worker logged as sent but that were never recorded (the last call
    ended abnormally): sent, not to be sent again."""
    logged = smtp_worker.logged_as_sent(sent_log)
    if logged:
        with database.transaction(ctx.db):
            for row_id in logged:
                outbox.mark_sent_if_claimed(row_id, claimer)
    smtp_worker.clear_log(sent_log)


def _record(ctx: Context, answers: list, report: SendReport) -> None:
    """Inside a transaction: each answered mail sent, retried later, or dead."""
    sent = [item.id for item, outcome, _ in answers if outcome == smtp_worker.OK]
    if sent:
        outbox.mark_all_sent(sent)
        report.sent += len(sent)
    for item, outcome, detail in answers:
        if outcome == smtp_worker.PERMANENT:
            _dead(ctx, item, detail, report)
        elif outcome == smtp_worker.TEMPORARY:
            _retry(ctx, item, detail, report)


def sent_log_path(ctx: Context, claimer: str) -> Path:
    """Where the SMTP worker of the gateway process `claimer` logs what it sent."""
    data_dir = ctx.data_dir or Path(ctx.settings.support.data_dir)
    return data_dir / "sending" / (re.sub(r"[^A-Za-z0-9._-]", "_", claimer) + ".log")


def _retry(ctx: Context, item, error: str, report: SendReport) -> None:
    smtp = ctx.settings.smtp
    if item.attempts >= smtp.max_attempts:
        _dead(ctx, item, f"gave up after {item.attempts} attempts: {error}", report)
        return
    delay = min(smtp.retry_max, smtp.retry_base * 2 ** (item.attempts - 1))
    with database.transaction(ctx.db):
        outbox.mark_retry(item.id, error, delay)
    report.retried += 1
    log.warning("mail %s to %s deferred %.0f s: %s", item.message_id, item.recipient, delay,
                error)


def _dead(ctx: Context, item, error: str, report: SendReport) -> None:
    with database.transaction(ctx.db):
        outbox.mark_dead(item.id, error)
        ticket = tickets.ticket_by_id(item.ticket_id) if item.ticket_id else None
        tickets.add_event(ticket, "mail_dead", "smtp",
                          f"mail {item.message_id} to {item.recipient} failed for good: {error}")
    report.dead += 1
    log.error("ALERT: mail %s to %s is dead: %s", item.message_id, item.recipient, error)


def release_dead_claims(ctx: Context) -> int:
    """Rows claimed by a gateway process of this host that no longer runs go back to the queue
    at once (one of them may have been sent just before the crash: it goes again with the same
    Message-ID, as after any crash during DATA). Claims of other hosts wait out their lease."""
    released = 0
    for claimer in outbox.claimers():
        if not _dead_here(claimer):
            continue
        sent_log = sent_log_path(ctx, claimer)
        with database.transaction(ctx.db):
            # What its SMTP worker logged as accepted was sent: marked, not sent again.
            for row_id in smtp_worker.logged_as_sent(sent_log):
                outbox.mark_sent_if_claimed(row_id, claimer)
            released += outbox.release_claims(claimer)
        smtp_worker.clear_log(sent_log)
    if released:
        log.info("sender: %d mail(s) claimed by a gateway that died are due again", released)
    return released


def _dead_here(claimer: str) -> bool:
    """Whether `claimer` (host:pid:token, as Service.holder) names a process of this host that
    has gone."""
    parts = claimer.split(":")
    if len(parts) < 3 or not parts[-2].isdigit():
        return False
    host, pid = ":".join(parts[:-2]), int(parts[-2])
    if host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False


class Service:
    """`ldp run`: the intake thread and the sender thread, until `stop` is set."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.stop = threading.Event()
        self.outbox_kick = threading.Event()
        self.intake_busy = threading.Event()  # set while a backlog is being stored
        ctx.defer_rendering = self.intake_busy.is_set
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # SMTP is spoken by a child process, so it does not take interpreter time from intake.
        self.smtp_worker = SmtpWorker(ctx.settings.smtp)
        # Intake parses in a child process too, a few messages ahead of the one it stores.
        support = ctx.settings.support
        self.parse_worker = ParseWorker(
            ctx.settings.imap.message_time_limit, support.domain, support.address, ctx.rules,
            pipeline.default_team(ctx.settings)) if ctx.settings.imap.parse_worker else None

    def _start_workers(self) -> None:
        if self.parse_worker is not None:
            self.parse_worker.start()
        self.smtp_worker.start()

    def _stop_parse_worker(self) -> None:
        if self.parse_worker is not None:
            self.parse_worker.stop()

    def _send(self) -> SendReport:
        """Send what is due; while intake stores a backlog, only mail to reporters: every
        reporter of a surge hears first, and the agents' notices (one or more a ticket) do not
        take the processor from intake meanwhile."""
        return send_through_worker(self.ctx, self.holder, self.smtp_worker,
                                   urgent_only=self.intake_busy.is_set())

    def run_once(self) -> tuple[IntakeReport, SendReport]:
        """Store the backlog and send what it caused. Sending starts with the first stored
        batch, in a thread beside intake, and ends with a last pass once intake is done."""
        self._start_workers()
        release_dead_claims(self.ctx)
        intake, sent = IntakeReport(), SendReport()
        intake_done = threading.Event()
        sender = threading.Thread(target=self._send_until, args=(intake_done, sent),
                                  name="ldp-sender", daemon=True)
        sender.start()
        try:
            if self._await_lease():
                try:
                    with Mailbox(self.ctx.settings.imap) as box:
                        intake = intake_once(self.ctx, box, kick=self.outbox_kick,
                                             parser=self.parse_worker, busy=self.intake_busy)
                finally:
                    self._stop_parse_worker()
                    self._release_lease()
            else:
                log.info("intake: another gateway holds the mailbox; only sending")
        finally:
            intake_done.set()
            self.outbox_kick.set()
            sender.join()
        try:
            # After the sender's pass, so reading every active ticket does not hold back the
            # last acknowledgements of a surge; reminders and breaches go in the last pass.
            sla_timers.run_timers(self.ctx)
            sent.add(self._send())
        finally:
            self.smtp_worker.stop()
        return intake, sent

    def _send_until(self, done: threading.Event, total: "SendReport") -> None:
        """--once: send whatever intake has stored, each time it kicks, until `done`."""
        while not done.is_set():
            self.outbox_kick.wait(1.0)
            self.outbox_kick.clear()
            try:
                total.add(self._send())
            except TemporaryFailure as exc:  # the last pass in run_once tries again
                log.warning("sender: %s", exc)
                return
            except Exception:  # the same: run_once's last pass reports it if it persists
                log.exception("ALERT: sender: unexpected error")
                return

    def run(self) -> None:
        self._start_workers()
        release_dead_claims(self.ctx)
        sender = threading.Thread(target=self._sender_loop, name="ldp-sender", daemon=True)
        sender.start()
        try:
            self._intake_loop()
        finally:
            self.stop.set()
            self.outbox_kick.set()
            sender.join(timeout=self.ctx.settings.smtp.timeout + 5)
            self.smtp_worker.stop()
            self._stop_parse_worker()
            self._release_lease()

    def _hold_lease(self) -> bool:
        """Take or renew this gateway's lease on the mailbox: one poller per mailbox. It lasts
        1.5 poll intervals and is renewed every half interval, so a standby takes over within
        two poll intervals of the holder's death."""
        imap = self.ctx.settings.imap
        with database.transaction(self.ctx.db):
            return guards.acquire_lease(mailbox_name(imap), self.holder,
                                        1.5 * imap.poll_interval)

    def _await_lease(self) -> bool:
        """For --once: wait out a lease left by a gateway that died (1.5 poll intervals at
        most); a live holder keeps renewing it, and then this run only sends."""
        imap = self.ctx.settings.imap
        deadline = time.monotonic() + 1.5 * imap.poll_interval + 0.5
        while not self._hold_lease():
            if time.monotonic() > deadline or self.stop.wait(imap.poll_interval / 4):
                return False
        return True

    def _release_lease(self) -> None:
        with database.transaction(self.ctx.db):
            guards.release_lease(mailbox_name(self.ctx.settings.imap), self.holder)

    def _intake_loop(self) -> None:
        imap = self.ctx.settings.imap
        backoff = 1.0
        while not self.stop.is_set():
            if not self._hold_lease():
                self.stop.wait(imap.poll_interval / 2)
                continue
            try:
                with Mailbox(imap) as box:
                    backoff = 1.0
                    while not self.stop.is_set() and self._hold_lease():
                        report = intake_once(self.ctx, box, self.stop, self.outbox_kick,
                                             self.parse_worker, self.intake_busy)
                        fired = sla_timers.run_timers(self.ctx).fired
                        if report.total or fired:
                            self.outbox_kick.set()
                        if report.total:
                            # Look again before waiting: mail that came in meanwhile may have
                            # been announced during a FETCH or MOVE, and IDLE would not announce
                            # it again (it waited up to 30 s on Dovecot, longer elsewhere).
                            continue
                        self._wait_for_mail(box)
            except TemporaryFailure as exc:
                log.warning("intake: %s; retrying in %.0f s", exc, backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 300.0)

    def _wait_for_mail(self, box: Mailbox) -> None:
        imap = self.ctx.settings.imap
        if box.idle_available():
            # IDLE is re-issued at least every half poll interval, to renew the lease.
            box.wait(min(imap.idle_renew, imap.poll_interval / 2), self.stop)
        else:
            self.stop.wait(imap.poll_interval)

    def _sender_loop(self) -> None:
        while not self.stop.is_set():
            self.outbox_kick.clear()
            try:
                self._send()
            except TemporaryFailure as exc:
                log.warning("sender: %s", exc)
            except Exception:  # the sender thread must outlive any one failure
                log.exception("ALERT: sender: unexpected error; trying again in 5 s")
                self.stop.wait(5.0)
                continue
            if self.intake_busy.is_set():  # the rest is due but held back: wait for intake
                self.outbox_kick.wait(1.0)
                continue
            try:
                with database.transaction(self.ctx.db):
                    due = outbox.next_due()
            except TemporaryFailure as exc:
                log.warning("sender: %s", exc)
                self.stop.wait(5.0)
                continue
            wait = 30.0 if due is None else max(0.0, (due - database.utcnow()).total_seconds())
            self.outbox_kick.wait(min(wait, 30.0))


def retry_quarantined(ctx: Context, item_id: int) -> Outcome:
    """Process a quarantined message again (after a fix); release it when it is stored."""
    with database.transaction(ctx.db):
        item = mailbox.get_quarantined(item_id)
    if item.status != mailbox.HELD:
        return Outcome(Disposition.DUPLICATE, detail="already released")
    outcome = handle_raw(item.raw, ctx, item.mailbox, item.uid)
    with database.transaction(ctx.db):
        if outcome.disposition == Disposition.QUARANTINED:
            mailbox.update_error(item_id, outcome.detail)
        else:
            mailbox.release(item_id)
    return outcome
