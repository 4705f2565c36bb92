"""The outbox sender, the one way mail leaves: claims due rows, renders any notice queued
unrendered, hands them to the SMTP worker (a child process for the running gateway, a thread
for a one-off command), and records each answer as sent, retried with backoff, or dead (as
`failures` says). Also the recovery of what a dead gateway of this host had claimed.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import secrets
import socket
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from gateway import failures
from gateway.errors import PermanentSendFailure, TemporaryFailure
from gateway.context import Context
from gateway.outgoing import loops
from gateway.store import database, guards, outbox, tickets
from gateway.transport import smtp_worker
from gateway.transport.smtp_worker import SmtpWorker

log = logging.getLogger("ldp")
SEND_BATCH = 100


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0

    def add(self, other: "SendReport") -> None:
        self.sent, self.retried, self.dead = (self.sent + other.sent, self.retried + other.retried,
                                              self.dead + other.dead)


async def send_due(ctx: Context, claimer: str = "") -> SendReport:
    """Send every due outbox row now (`ldp report --mail`, the tests): the running gateway's
    path (`send_through_worker`), with the SMTP worker as a thread of this process instead of
    a child, which a one-off command need not start. Async for its callers, which run it with
    asyncio.run; the sending itself runs on the worker thread's own event loop."""
    worker = SmtpWorker(ctx.settings.smtp, in_process=True)
    try:
        return send_through_worker(ctx, claimer or _claimer(), worker)
    finally:
        worker.stop()


def _claimer() -> str:
    """host:pid:token, as the running gateway's Service.holder: should this process die, a
    gateway of this host hands its claims back at once (release_dead_claims)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _claim(ctx: Context, claimer: str, report: SendReport, urgent_only: bool = False) -> list:
    # Durable: the bytes of a notice rendered here are stored with its claim, and every later
    # attempt (after a crash too) must send those same bytes.
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
        if item.raw:
            ready.append(item)
            continue
        try:
            mail = ctx.composer.render(item.notice)
        except Exception as exc:  # a broken template must not stop the sender
            _settle(ctx, item, exc, report,
                    f"cannot render {item.template}: {type(exc).__name__}: {exc}")
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
            # At most about two batches wait at the worker: a slow server must not make the
            # sender claim (and queue at the worker) batch after batch at every renewal.
            # Counted in bytes too: a claim of notices with 10 MB of files is a few rows.
            room = not broken and sum(map(len, queued)) <= SEND_BATCH and sum(
                len(item.raw) for batch in queued for item in batch.values()) \
                <= outbox.CLAIM_BYTES
            if not queued or stale or (more and room):
                with database.transaction(ctx.db):
                    _record(ctx, answered, report)
                    if queued:  # still ours while they wait at the worker
                        outbox.renew_claims(claimer, lease)
                    items = _claim(ctx, claimer, report, urgent_only) if room else []
                answered, renewed = [], time.monotonic()
                more = bool(items) if room else more
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
    """Rows `claimer`'s worker logged as sent that were never recorded (its last call ended
    abnormally, or it died): sent, not to be sent again. Then the log is cleared."""
    logged = smtp_worker.logged_as_sent(sent_log)
    if logged:
        with database.transaction(ctx.db):
            for row_id in logged:
                outbox.mark_sent_if_claimed(row_id, claimer)
    smtp_worker.clear_log(sent_log)


def _record(ctx: Context, answers: list, report: SendReport) -> None:
    """Inside a transaction: each answered mail sent, or settled by `failures.for_send`."""
    # Taken for some recipients, refused for now (4xx) for others: those go again, alone.
    again = {item.id: (item, later) for item, outcome, detail in answers
             if outcome == smtp_worker.OK and detail
             and (later := _partly_refused(ctx, item, detail))}
    sent = [item.id for item, outcome, _ in answers
            if outcome == smtp_worker.OK and item.id not in again]
    if sent:
        outbox.mark_all_sent(sent)
        report.sent += len(sent)
    for item, later in again.values():
        # The others have it and must not get it twice; the bytes stay the same (the Cc
        # header still names who was copied).
        outbox.readdress(item.id, later)
        _settle(ctx, dataclasses.replace(item, recipient=", ".join(later)),
                TemporaryFailure(f"refused for now: {', '.join(later)}"), report,
                "the server took the mail for the others and refused for now: "
                + ", ".join(later))
    for item, outcome, detail in answers:
        if outcome != smtp_worker.OK:
            failure = PermanentSendFailure if outcome == smtp_worker.PERMANENT \
                else TemporaryFailure
            _settle(ctx, item, failure(detail), report, detail)


def _partly_refused(ctx: Context, item, detail: str) -> list[str]:
    """A mail the server took for some of its recipients and refused for others (a follower's
    address that does not exist): sent, and each refusal recorded on the ticket; one for good
    (5xx) stops automatic mail and copies to that address, as a bounce of it would. Returns
    the addresses refused for now (4xx: a full or greylisting mailbox, the reporter's among
    them), which the mail must still reach."""
    ticket = tickets.ticket_by_id(item.ticket_id) if item.ticket_id else None
    since = loops.suppressed_since(ctx.settings)
    later: list[str] = []
    for line in detail.split("\n")[:len(item.recipient.split(", "))]:
        address, _, answer = line.partition(" ")
        if address not in item.recipient.split(", "):
            continue
        if answer[:1] == "4" and address not in later:
            later.append(address)
        elif answer[:1] == "5" and address == item.recipient.split(", ")[0]:
            # The mail's own addressee (the reporter) never gets it: as dead as the mail
            # would be without the copies, and said as loudly.
            tickets.add_event(ticket, "mail_dead", "smtp",
                              f"mail {item.message_id} to {address} failed for good: "
                              f"{answer} (its copies went to the others)")
            log.error("ALERT: mail %s to %s is dead: %s", item.message_id, address, answer)
        tickets.add_event(ticket, "recipient_refused", "smtp",
                          f"mail {item.message_id} went to the others; the server refused "
                          f"{address}: {answer}", new=address)
        if answer[:1] == "5" and guards.suppress(address, f"refused by the SMTP server for "
                                                          f"{item.message_id}: {answer}", since):
            tickets.add_event(ticket, "address_bounced", "smtp",
                              f"delivery to {address} failed for good ({answer}); automatic "
                              f"mail to it is stopped for {ctx.settings.loops.suppress_days} "
                              "days", new=address)
    return later


def sent_log_path(ctx: Context, claimer: str) -> Path:
    """Where the SMTP worker of the gateway process `claimer` logs what it sent."""
    data_dir = ctx.data_dir or Path(ctx.settings.support.data_dir)
    return data_dir / "sending" / (re.sub(r"[^A-Za-z0-9._-]", "_", claimer) + ".log")


def _settle(ctx: Context, item, failure: BaseException, report: SendReport,
            error: str) -> None:
    """A row that was not sent: retried after a backoff, or dead, as `failures` says."""
    smtp = ctx.settings.smtp
    action = failures.for_send(failure, item.attempts, smtp.max_attempts)
    if action is failures.Action.SEND_AGAIN:
        delay = failures.backoff(item.attempts, smtp.retry_base, smtp.retry_max)
        with database.transaction(ctx.db):
            outbox.mark_retry(item.id, error, delay)
        report.retried += 1
        log.warning("mail %s to %s deferred %.0f s: %s", item.message_id, item.recipient,
                    delay, error)
        return
    if isinstance(failure, TemporaryFailure):
        error = f"gave up after {item.attempts} attempts: {error}"
    with database.transaction(ctx.db):
        outbox.mark_dead(item.id, error)
        ticket = tickets.ticket_by_id(item.ticket_id) if item.ticket_id else None
        tickets.add_event(ticket, "mail_dead", "smtp",
                          f"mail {item.message_id} to {item.recipient} failed for good: {error}")
    report.dead += 1
    log.error("ALERT: mail %s to %s is dead: %s", item.message_id, item.recipient, error)


def release_dead_claims(ctx: Context) -> int:
    """Rows claimed by a gateway process of this host that no longer runs: what its SMTP worker
    logged as accepted is marked sent, the rest goes back to the queue at once (one of them may
    have been sent just before the crash: it goes again with the same Message-ID, as after any
    crash during DATA). Claims of other hosts wait out their lease."""
    released = 0
    for claimer in outbox.claimers():
        if not _dead_here(claimer):
            continue
        _recover_from_log(ctx, claimer, sent_log_path(ctx, claimer))
        with database.transaction(ctx.db):
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
