"""The running gateway: start-up (the context), the intake and sender threads with their worker
processes, the mailbox lease, a graceful stop, and `--once` mode. What one round of intake does
is in `intake`, what the sender does in `sender`.
"""
from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from gateway.intake import pipeline
from gateway import resources
from gateway import config as config_module
from gateway.compose import Composer
from gateway.domain import Disposition, Outcome
from gateway.errors import TemporaryFailure
from gateway.intake.rounds import IntakeReport, handle_raw, intake_once, mailbox_name
from gateway.text.messages import t
from gateway.intake.parse_worker import ParseWorker
from gateway.context import Context
from gateway.progress import QUIET, Progress
from gateway.routing import lpse, rules as rules_module
from gateway.outgoing.sender import SendReport, release_dead_claims, send_through_worker
from gateway.sla import timers as sla_timers
from gateway.store import database, files, guards, mailbox, outbox, tickets
from gateway.transport.imap import Mailbox
from gateway.transport.smtp_worker import SmtpWorker

log = logging.getLogger("ldp")
MAX_BACKOFF = 60.0  # seconds between attempts while the mailbox or the database is away


def build_context(settings: config_module.Settings, base_dir: Path | None = None,
                  migrate: bool = True) -> Context:
    """Connect the database, compile templates and rules: everything done once at start-up."""
    base = base_dir or Path.cwd()
    db = database.connect(settings.database.url, base, create=migrate)
    if migrate:
        database.migrate(db)
    else:  # a read command: never create or change the schema, say `ldp init` instead
        database.require_schema(db, settings.database.url)
    support = settings.support
    data_dir = Path(support.data_dir)
    data_dir = data_dir if data_dir.is_absolute() else base / data_dir
    composer = Composer(support_address=support.address, support_name=support.name,
                        domain=support.domain, loop_marker=support.address,
                        templates_dir=Path(support.templates_dir) if support.templates_dir
                        else None,
                        file_path=functools.partial(files.locate, data_dir / "attachments"))
    return Context(settings=settings, composer=composer, db=db,
                   rules=load_rules(settings, base), attachments_dir=data_dir / "attachments",
                   data_dir=data_dir)


def load_rules(settings: config_module.Settings, base: Path) -> tuple:
    raw = list(settings.rules)
    source = settings.source
    if settings.routing.rules_file:
        import tomllib
        path = Path(settings.routing.rules_file)
        if settings.routing.rules_file == "default":
            path = resources.default_rules()
        path = path if path.is_absolute() else base / path
        try:
            raw += tomllib.loads(path.read_text(encoding="utf-8")).get("rules", [])
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise config_module.ConfigError(f"{path}: cannot read rules: {exc}") from None
        source = str(path)
    teams = {t.id: t.level for t in settings.teams}
    categories = {c for names in settings.categories.values() for c in names}
    return rules_module.compile_rules(raw, teams=teams, categories=categories,
                                      agents=[a.email for a in settings.agents], source=source,
                                      directory=lpse.directory(settings.lpse.file))


class Service:
    """`ldp run`: the intake thread and the sender thread, until `stop` is set."""

    def __init__(self, ctx: Context, progress: Progress = QUIET) -> None:
        self.ctx = ctx
        self.progress = progress  # lines for a person: a backlog's progress, a lease waited for
        self._lease_other: tuple[str, datetime] | None = None  # (holder, expiry) as last read
        self._lease_seen: tuple[str, float] | None = None  # (holder, when first seen)
        self.stop = threading.Event()
        self.outbox_kick = threading.Event()
        self.intake_busy = threading.Event()  # set while a backlog is being stored
        ctx.defer_rendering = self.intake_busy.is_set
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # SMTP is spoken by a child process, so it does not take interpreter time from intake.
        self.smtp_worker = SmtpWorker(ctx.settings.smtp)
        # Intake parses in a child process too, a few messages ahead of the one it stores.
        settings = ctx.settings
        self.parse_worker = ParseWorker(
            settings.imap.message_time_limit, pipeline.classify_arguments(settings), ctx.rules,
            pipeline.default_team(settings)) if settings.imap.parse_worker else None

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
        recover_attachments(self.ctx)
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
                                             parser=self.parse_worker, busy=self.intake_busy,
                                             progress=self.progress)
                finally:
                    self._stop_parse_worker()
                    self._release_lease()
            else:
                log.info("intake: another gateway holds the mailbox; only sending")
                self._say_lease_waited()
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
        recover_attachments(self.ctx)
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
            won = guards.acquire_lease(mailbox_name(imap), self.holder, 1.5 * imap.poll_interval)
            # Who holds it instead, read in the same transaction, for _report_lease_wait.
            self._lease_other = None if won else guards.lease_row(mailbox_name(imap))
        return won

    def _await_lease(self) -> bool:
        """For --once: wait out a lease left by a gateway that died (1.5 poll intervals at
        most); a live holder keeps renewing it, and then this run only sends."""
        imap = self.ctx.settings.imap
        deadline = time.monotonic() + 1.5 * imap.poll_interval + 0.5
        while not self._hold_lease():
            self._report_lease_wait()
            if time.monotonic() > deadline or self.stop.wait(imap.poll_interval / 4):
                return False
        return True

    def _report_lease_wait(self) -> None:
        """Say what this gateway waits for: which lease, held by whom, seen since when."""
        name = mailbox_name(self.ctx.settings.imap)
        if self._lease_other is None:
            return
        holder, expires = self._lease_other
        if self._lease_seen is None or self._lease_seen[0] != holder:
            self._lease_seen = (holder, time.time())
        seen = self._lease_seen[1]

        def clock(value: datetime) -> str:
            return value.strftime("%Y-%m-%d %H:%M:%S UTC")

        def line() -> str:
            return t("lease_wait", name=name, holder=describe_holder(holder),
                     since=clock(datetime.fromtimestamp(seen, timezone.utc)),
                     expires=clock(expires), waited=round(time.time() - seen))
        log.debug("intake: waiting for the lease %s held by %s", name, holder)
        self.progress.note("lease", line)

    def _say_lease_waited(self) -> None:
        if self._lease_seen is not None:
            self.progress.say(t("lease_standby", name=mailbox_name(self.ctx.settings.imap),
                                holder=describe_holder(self._lease_seen[0])))

    def _release_lease(self) -> None:
        with database.transaction(self.ctx.db):
            guards.release_lease(mailbox_name(self.ctx.settings.imap), self.holder)

    def _intake_loop(self) -> None:
        imap = self.ctx.settings.imap
        backoff = 1.0
        while not self.stop.is_set():
            try:
                # Inside the try: a database that went away (a connection reset) is waited
                # for with the same capped backoff, and the next transaction reconnects.
                if not self._hold_lease():
                    self._report_lease_wait()
                    self.stop.wait(imap.poll_interval / 2)
                    continue
                with Mailbox(imap) as box:
                    while not self.stop.is_set() and self._hold_lease():
                        report = intake_once(self.ctx, box, self.stop, self.outbox_kick,
                                             self.parse_worker, self.intake_busy,
                                             self.progress)
                        backoff = 1.0  # a round went through: the mailbox and database are up
                        timers = sla_timers.run_timers(self.ctx)
                        if report.total or timers.fired or timers.closed:
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
                backoff = min(backoff * 2, MAX_BACKOFF)

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


def describe_holder(holder: str) -> str:
    """`host:pid:token` (Service.holder) as a person reads it: `host pid 1234`."""
    host, _, rest = holder.rpartition(":")[0].rpartition(":")
    return f"{host} pid {rest}" if host and rest.isdigit() else holder


def recover_attachments(ctx: Context) -> int:
    """Attachment files a gateway of this host left pending when it died (store.files)."""
    if ctx.attachments_dir is None:
        return 0

    def committed(storage_id: str) -> bool:
        with database.transaction(ctx.db):
            return tickets.attachment_stored(storage_id)

    return files.recover(ctx.attachments_dir, committed)


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
