"""The running gateway: the intake loop (IMAP to pipeline to acknowledgement), the outbox sender,
a graceful stop, and `--once` mode. The only `except Exception` of the project lives here, as the
last guard that turns an unexpected error into a quarantined message instead of a lost one.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from gateway import agents, pipeline
from gateway import config as config_module
from gateway.compose import Composer
from gateway.domain import Disposition, Outcome
from gateway.errors import PermanentSendFailure, TemporaryFailure
from gateway.pipeline import Context, process
from gateway.routing import rules as rules_module
from gateway.sla import timers as sla_timers
from gateway.store import database, guards, mailbox, outbox, tickets
from gateway.timelimit import time_limit
from gateway.transport.imap import Mailbox
from gateway.transport.smtp import SmtpConnection

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
               durable: bool = True) -> Outcome:
    """Process one message; an unexpected error quarantines it. TemporaryFailure passes up.
    `durable=False` only where the caller seals the batch before acknowledging it."""
    try:
        with time_limit(ctx.settings.imap.message_time_limit):
            return process(raw, ctx, source=source, uid=uid, durable=durable)
    except TemporaryFailure:
        raise
    except Exception as exc:  # the last guard: never lose the message, never stop the batch
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
        log.error("ALERT: message quarantined after an unexpected error: %s", exc)
        with database.transaction(ctx.db, durable=durable):
            item = mailbox.quarantine(raw, error, source, uid)
        return Outcome(Disposition.QUARANTINED, detail=f"quarantine #{item}: {exc}")


@dataclass
class IntakeReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, disposition: Disposition) -> int:
        return sum(1 for o in self.outcomes if o.disposition == disposition)


def mailbox_name(imap: config_module.Imap) -> str:
    """The mailbox's name for its cursor and lease: account, server and folder."""
    return f"{imap.username}@{imap.host}/{imap.folder}"


def intake_once(ctx: Context, box: Mailbox, stop: threading.Event | None = None,
                kick: threading.Event | None = None) -> IntakeReport:
    """Store everything waiting above the cursor. Each message is committed on its own, without
    waiting for the disk; once per fetched batch one durable commit seals those commits, then
    the batch is acknowledged to the server and `kick` wakes the sender (group commit: one
    fsync a batch instead of one a message, and the same promise: nothing leaves the IMAP
    folder before it is on disk)."""
    imap = ctx.settings.imap
    name = mailbox_name(imap)
    report = IntakeReport()
    cursor = _current_cursor(ctx, name, box.uidvalidity)
    waiting = box.waiting(cursor)
    if waiting:
        log.info("intake: %d message(s) waiting above UID %d in %s", len(waiting), cursor, name)
    for batch in _batches(waiting, imap.batch_size, imap.max_message_bytes):
        if stop is not None and stop.is_set():
            break
        stored: dict[str, list[int]] = {}  # folder -> UIDs committed, not yet acknowledged
        try:
            if batch[0].size > imap.max_message_bytes:
                report.outcomes.append(_too_large(ctx, box, name, batch[0]))
                stored[imap.quarantine_folder] = [batch[0].uid]
                continue
            for uid, raw in box.fetch([w.uid for w in batch]):
                outcome = handle_raw(raw, ctx, name, uid, durable=False)
                folder = imap.quarantine_folder if outcome.disposition == Disposition.QUARANTINED \
                    else imap.processed_folder
                stored.setdefault(folder, []).append(uid)
                report.outcomes.append(outcome)
        finally:
            # Also when a later message of the batch failed: what was committed is acknowledged.
            # A crash before this line replays those messages and the duplicate check absorbs
            # them, as it absorbs a crash between a commit and a one-message MOVE.
            _acknowledge(ctx, box, name, stored)
        if kick is not None and stored:
            kick.set()
    return report


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


def _acknowledge(ctx: Context, box: Mailbox, name: str, stored: dict[str, list[int]]) -> None:
    """Seal the batch's relaxed commits with one durable commit, then one MOVE per destination
    folder, then the cursor. The cursor's own commit may be relaxed: lost in a power cut, it
    only makes the next poll search from lower down, where the moved mail no longer is."""
    if not stored:
        return
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


async def send_due(ctx: Context, claimer: str = "") -> SendReport:
    """Send every due outbox row over one SMTP connection per claimed batch."""
    report = SendReport()
    smtp = ctx.settings.smtp
    while True:
        # Durable, and it must stay so: the rows it claims may have been committed relaxed by
        # intake, and this commit makes them durable before any of them is sent, so a power
        # cut can never undo a ticket whose acknowledgement already left.
        with database.transaction(ctx.db):
            # A claim outlives the longest legitimate send; after a crash it lapses and the row
            # is sent again with the same bytes and Message-ID.
            items = outbox.claim_due(SEND_BATCH, 2 * smtp.timeout + 5, claimer=claimer)
        if not items:
            return report
        # One connection, one mail at a time: a crash leaves at most one mail in doubt (sent
        # but not marked), which goes again. Parallel connections sent about a fifth faster to
        # aiosmtpd but multiplied the mails in doubt at every crash.
        try:
            async with SmtpConnection(smtp) as connection:
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
        if not connection.client or not connection.client.is_connected:
            raise
        return
    # Not durable: lost in a power cut, the row's claim lapses and the same bytes with the same
    # Message-ID go again, as after a crash between the send and this commit.
    with database.transaction(ctx.db, durable=False):
        outbox.mark_sent(item.id)
    report.sent += 1


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
    with database.transaction(ctx.db):
        for claimer in outbox.claimers():
            if _dead_here(claimer):
                released += outbox.release_claims(claimer)
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
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    def run_once(self) -> tuple[IntakeReport, SendReport]:
        """Store the backlog and send what it caused. Sending starts with the first stored
        batch, in a thread beside intake, and ends with a last pass once intake is done."""
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
                        intake = intake_once(self.ctx, box, kick=self.outbox_kick)
                finally:
                    self._release_lease()
            else:
                log.info("intake: another gateway holds the mailbox; only sending")
            sla_timers.run_timers(self.ctx)  # reminders and breaches join this round's outbox
        finally:
            intake_done.set()
            self.outbox_kick.set()
            sender.join()
        sent.add(asyncio.run(send_due(self.ctx, self.holder)))
        return intake, sent

    def _send_until(self, done: threading.Event, total: "SendReport") -> None:
        """--once: send whatever intake has stored, each time it kicks, until `done`."""
        while not done.is_set():
            self.outbox_kick.wait(1.0)
            self.outbox_kick.clear()
            try:
                total.add(asyncio.run(send_due(self.ctx, self.holder)))
            except TemporaryFailure as exc:  # the last pass in run_once tries again
                log.warning("sender: %s", exc)
                return

    def run(self) -> None:
        release_dead_claims(self.ctx)
        sender = threading.Thread(target=self._sender_loop, name="ldp-sender", daemon=True)
        sender.start()
        try:
            self._intake_loop()
        finally:
            self.stop.set()
            self.outbox_kick.set()
            sender.join(timeout=self.ctx.settings.smtp.timeout + 5)
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
                        report = intake_once(self.ctx, box, self.stop, self.outbox_kick)
                        fired = sla_timers.run_timers(self.ctx).fired
                        if report.outcomes or fired:
                            self.outbox_kick.set()
                        if report.outcomes:
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
                asyncio.run(send_due(self.ctx, self.holder))
            except TemporaryFailure as exc:
                log.warning("sender: %s", exc)
            with database.transaction(self.ctx.db):
                due = outbox.next_due()
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
