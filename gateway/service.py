"""The running gateway: the intake loop (IMAP to pipeline to acknowledgement), the outbox sender,
a graceful stop, and `--once` mode. The only `except Exception` of the project lives here, as the
last guard that turns an unexpected error into a quarantined message instead of a lost one.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from gateway import agents
from gateway import config as config_module
from gateway.compose import Composer
from gateway.domain import Disposition, Outcome
from gateway.errors import PermanentSendFailure, TemporaryFailure
from gateway.pipeline import Context, process
from gateway.routing import rules as rules_module
from gateway.store import database, mailbox, outbox, tickets
from gateway.transport.imap import Mailbox
from gateway.transport.smtp import SmtpConnection

log = logging.getLogger("ldp")
SEND_BATCH = 100


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


def handle_raw(raw: bytes, ctx: Context, source: str = "", uid: int | None = None) -> Outcome:
    """Process one message; an unexpected error quarantines it. TemporaryFailure passes up."""
    try:
        return process(raw, ctx, source=source, uid=uid)
    except TemporaryFailure:
        raise
    except Exception as exc:  # the last guard: never lose the message, never stop the batch
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
        log.error("ALERT: message quarantined after an unexpected error: %s", exc)
        with database.transaction(ctx.db):
            item = mailbox.quarantine(raw, error, source, uid)
        return Outcome(Disposition.QUARANTINED, detail=f"quarantine #{item}: {exc}")


@dataclass
class IntakeReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, disposition: Disposition) -> int:
        return sum(1 for o in self.outcomes if o.disposition == disposition)


def intake_once(ctx: Context, box: Mailbox, stop: threading.Event | None = None) -> IntakeReport:
    """Store everything waiting above the cursor; acknowledge each message after its commit."""
    imap = ctx.settings.imap
    name = f"{imap.username}@{imap.host}/{imap.folder}"
    report = IntakeReport()
    cursor = _current_cursor(ctx, name, box.uidvalidity)
    waiting = box.waiting(cursor)
    for start in range(0, len(waiting), imap.batch_size):
        if stop is not None and stop.is_set():
            break
        batch = waiting[start:start + imap.batch_size]
        small = [w.uid for w in batch if w.size <= imap.max_message_bytes]
        for item in batch:
            if item.size > imap.max_message_bytes:
                report.outcomes.append(_too_large(ctx, box, name, item))
        for uid, raw in box.fetch(small):
            outcome = handle_raw(raw, ctx, name, uid)
            folder = imap.quarantine_folder if outcome.disposition == Disposition.QUARANTINED \
                else imap.processed_folder
            box.acknowledge(uid, folder)
            with database.transaction(ctx.db):
                mailbox.set_cursor(name, box.uidvalidity, uid)
            report.outcomes.append(outcome)
    return report


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
    header = box.fetch_header(item.uid)
    error = (f"message of {item.size} bytes is over imap.max_message_bytes "
             f"({ctx.settings.imap.max_message_bytes}); only its header was kept")
    with database.transaction(ctx.db):
        row = mailbox.quarantine(header or b"(no header)", error, name, item.uid)
    box.acknowledge(item.uid, ctx.settings.imap.quarantine_folder)
    with database.transaction(ctx.db):
        mailbox.set_cursor(name, box.uidvalidity, item.uid)
    return Outcome(Disposition.QUARANTINED, detail=f"quarantine #{row}: {error}")


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0


async def send_due(ctx: Context) -> SendReport:
    """Send every due outbox row over one SMTP connection."""
    report = SendReport()
    smtp = ctx.settings.smtp
    while True:
        with database.transaction(ctx.db):
            # A claim outlives the longest legitimate send; after a crash it lapses and the row
            # is sent again with the same bytes and Message-ID.
            items = outbox.claim_due(SEND_BATCH, 2 * smtp.timeout + 5)
        if not items:
            return report
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
    with database.transaction(ctx.db):
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


class Service:
    """`ldp run`: the intake thread and the sender thread, until `stop` is set."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.stop = threading.Event()
        self.outbox_kick = threading.Event()

    def run_once(self) -> tuple[IntakeReport, SendReport]:
        with Mailbox(self.ctx.settings.imap) as box:
            intake = intake_once(self.ctx, box)
        return intake, asyncio.run(send_due(self.ctx))

    def run(self) -> None:
        sender = threading.Thread(target=self._sender_loop, name="ldp-sender", daemon=True)
        sender.start()
        try:
            self._intake_loop()
        finally:
            self.stop.set()
            self.outbox_kick.set()
            sender.join(timeout=self.ctx.settings.smtp.timeout + 5)

    def _intake_loop(self) -> None:
        imap = self.ctx.settings.imap
        backoff = 1.0
        while not self.stop.is_set():
            try:
                with Mailbox(imap) as box:
                    backoff = 1.0
                    while not self.stop.is_set():
                        report = intake_once(self.ctx, box, self.stop)
                        if report.outcomes:
                            self.outbox_kick.set()
                        self._wait_for_mail(box)
            except TemporaryFailure as exc:
                log.warning("intake: %s; retrying in %.0f s", exc, backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 300.0)

    def _wait_for_mail(self, box: Mailbox) -> None:
        imap = self.ctx.settings.imap
        if box.idle_available():
            box.wait(imap.idle_renew, self.stop)
        else:
            self.stop.wait(imap.poll_interval)

    def _sender_loop(self) -> None:
        while not self.stop.is_set():
            self.outbox_kick.clear()
            try:
                asyncio.run(send_due(self.ctx))
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
