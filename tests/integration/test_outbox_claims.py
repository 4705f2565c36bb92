"""The outbox's order and claims: mail to reporters goes first, and the rows a dead gateway
process of this host had claimed are due again at once, while live and foreign claims wait."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from gateway.intake.rounds import intake_once
from gateway.outgoing.sender import release_dead_claims
from gateway.service import build_context
from gateway.store import outbox
from gateway.transport.imap import Mailbox
from tests import mails
from tests.conftest import deliver, make_settings, stored_reports

pytestmark = pytest.mark.integration


def test_reporters_are_claimed_before_agents_notices(imap_server, db_url, tmp_path):
    """In a surge, each reporter's acknowledgement is claimed before any agent notice."""
    stored_reports(imap_server, db_url, tmp_path, 4)
    rows = outbox.list_items()
    reporter_rows = [r.id for r in rows if r.template.startswith("reporter_")]
    assert len(reporter_rows) == 4 and len(rows) > 4, "one ack per report, plus agent notices"
    first = outbox.claim_due(4, lease=60, claimer="test")
    assert [i.id for i in first] == reporter_rows, "reporters first, oldest first"
    rest = outbox.claim_due(100, lease=60, claimer="test")
    assert rest and all(not i.template.startswith("reporter_") for i in rest)
    assert outbox.claim_due(100, lease=60, claimer="test") == [], "each row claimed once"


def test_while_intake_is_busy_only_mail_to_reporters_is_claimed(imap_server, db_url, tmp_path):
    """urgent_only (the sender during a backlog) claims the reporters' mail and nothing else,
    and claims nothing more once that is gone, while the agents' notices stay due."""
    stored_reports(imap_server, db_url, tmp_path, 4)
    rows = outbox.list_items()
    reporter_rows = {r.id for r in rows if r.template.startswith("reporter_")}
    urgent = outbox.claim_due(100, lease=60, claimer="test", urgent_only=True)
    assert {i.id for i in urgent} == reporter_rows and len(reporter_rows) == 4
    assert outbox.claim_due(100, lease=60, claimer="test", urgent_only=True) == []
    rest = outbox.claim_due(100, lease=60, claimer="test")
    assert {i.id for i in rest} == {r.id for r in rows} - reporter_rows and rest


def a_finished_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_claims_of_a_dead_local_process_are_released(imap_server, db_url, tmp_path):
    ctx = stored_reports(imap_server, db_url, tmp_path, 3)
    host = socket.gethostname()
    dead = f"{host}:{a_finished_pid()}:dead"
    alive = f"{host}:{os.getppid()}:alive"  # the test runner's parent: still running
    foreign = f"elsewhere.example:{a_finished_pid()}:far"
    claims = {who: outbox.claim_due(2, lease=600, claimer=who) for who in (dead, alive, foreign)}
    assert all(len(items) == 2 for items in claims.values())

    assert release_dead_claims(ctx) == 2
    released = {i.id for i in claims[dead]}
    by_id = {i.id: i for i in outbox.list_items()}
    assert {by_id[i].status for i in released} == {"pending"}
    still_claimed = {i.id for who in (alive, foreign) for i in claims[who]}
    assert {by_id[i].status for i in still_claimed} == {"sending"}
    again = outbox.claim_due(100, lease=60, claimer="next")
    assert released <= {i.id for i in again}, "due at once, not after the lease"
    assert not still_claimed & {i.id for i in again}, "live and foreign claims wait"


def test_what_a_dead_gateways_smtp_worker_logged_is_marked_sent_not_sent_again(
        imap_server, db_url, tmp_path):
    """The sent log names mails the server accepted that the dead gateway had not recorded:
    those are sent, the rest of its claims are due again, a line cut short is not trusted. A
    row it names that is no longer its own (claimed by another gateway since, or dead) is left
    as it is."""
    from gateway.outgoing.sender import sent_log_path
    ctx = stored_reports(imap_server, db_url, tmp_path, 3)
    dead = f"{socket.gethostname()}:{a_finished_pid()}:dead"
    claimed = outbox.claim_due(4, lease=600, claimer=dead)
    [other] = outbox.claim_due(1, lease=600, claimer="elsewhere.example:1:other")
    [gone] = outbox.claim_due(1, lease=600, claimer=dead)
    outbox.mark_dead(gone.id, "refused for good")
    assert len(claimed) == 4
    log = sent_log_path(ctx, dead)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"{other.id}\n{gone.id}\n"
                   f"{claimed[0].id}\n{claimed[1].id}\n{claimed[2].id}")  # the last line cut

    assert release_dead_claims(ctx) == 2
    status = {i.id: i.status for i in outbox.list_items()}
    assert [status[i.id] for i in claimed] == ["sent", "sent", "pending", "pending"]
    assert (status[other.id], status[gone.id]) == ("sending", "dead")
    assert not log.exists()
    again = {i.id for i in outbox.claim_due(100, lease=60, claimer="next")}
    assert claimed[2].id in again and claimed[0].id not in again


def test_agents_notices_queued_unrendered_in_a_surge_are_rendered_once_when_claimed(
        imap_server, smtp_sink, db_url, tmp_path, monkeypatch):
    """During a backlog (more than one batch) agents' notices wait unrendered; the sender
    renders each once, stores its bytes, and sends exactly those bytes; reporters' mail is
    rendered at once as always."""
    from gateway.service import Service
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink, imap={"batch_size": 2})
    deliver(imap_server, settings.imap.folder,
            *[mails.report(subject=f"Lonjakan {i}", message_id=f"<surge-{i}@x.id>")
              for i in range(6)])
    service = Service(build_context(settings, tmp_path))
    deferred = []
    real_enqueue = outbox.enqueue

    def spy(notice, *args, **kwargs):
        if kwargs.get("mail") is None:  # queued unrendered
            deferred.append(notice.template)
        return real_enqueue(notice, *args, **kwargs)
    monkeypatch.setattr(outbox, "enqueue", spy)
    intake, sent = service.run_once()
    assert intake.total == 6 and deferred and not any(t.startswith("reporter_") for t in deferred)
    items = outbox.list_items()
    assert {i.status for i in items} == {"sent"} and all(i.notice is None for i in items)
    assert all(i.raw and i.subject for i in items)
    delivered = {mails.parse(raw)["Message-ID"]: raw for _s, _r, raw in smtp_sink.messages}
    assert {i.message_id: i.raw for i in items} == delivered, "the stored bytes went out"
    agents = [i for i in items if not i.template.startswith("reporter_")]
    assert len(agents) == len(deferred)
    assert all(i.subject.startswith("[LDP-") for i in agents)


def test_a_notice_that_cannot_be_rendered_is_dead_with_the_reason(
        imap_server, smtp_sink, db_url, tmp_path):
    import asyncio
    from gateway.outgoing.sender import send_due
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    deliver(imap_server, settings.imap.folder, mails.report(message_id="<broken@x.id>"))
    ctx = build_context(settings, tmp_path)
    ctx.defer_rendering = lambda: True
    with Mailbox(settings.imap) as box:
        intake_once(ctx, box)

    def broken(notice, now=None):
        raise KeyError("missing_variable")
    ctx.composer.render = broken
    report = asyncio.run(send_due(ctx))
    items = outbox.list_items()
    dead = [i for i in items if i.status == "dead"]
    assert dead and all(not i.template.startswith("reporter_") for i in dead)
    assert all("cannot render" in i.last_error and "missing_variable" in i.last_error
               for i in dead)
    assert report.dead == len(dead) and report.sent == len(items) - len(dead)


def test_a_notice_json_cannot_carry_is_rendered_at_once_even_in_a_surge(
        imap_server, db_url, tmp_path, monkeypatch):
    """In a surge an agent's notice is queued unrendered; one whose context JSON cannot carry
    (a date) is refused by outbox.enqueue, and outgoing.enqueue renders it at once instead:
    the row has its bytes and subject, nothing is left to render, nothing is lost."""
    import dataclasses
    from datetime import datetime

    from gateway import outgoing
    from gateway.store import database
    settings = make_settings(tmp_path, db_url, imap_server)
    deliver(imap_server, settings.imap.folder, mails.report(message_id="<json@x.id>"))
    ctx = build_context(settings, tmp_path)
    ctx.defer_rendering = lambda: True
    deferred = []
    real_enqueue = outbox.enqueue

    def spy(notice, *args, **kwargs):
        if kwargs.get("mail") is None:  # offered unrendered
            deferred.append(notice)
        return real_enqueue(notice, *args, **kwargs)
    monkeypatch.setattr(outbox, "enqueue", spy)
    with Mailbox(settings.imap) as box:
        intake_once(ctx, box)
    assert deferred, "the agents' notices of the new ticket were deferred"
    queued = {i.message_id: i for i in outbox.list_items()}
    assert all(queued[n.message_id].notice == n and queued[n.message_id].raw == b""
               for n in deferred)

    dated = dataclasses.replace(deferred[0], message_id=None,
                                context={**deferred[0].context, "at": datetime(2026, 11, 2)})
    with database.transaction(ctx.db):
        message_id = outgoing.enqueue(ctx, None, dated)
    row = next(i for i in outbox.list_items() if i.message_id == message_id)
    assert row.notice is None and row.status == "pending"
    assert row.subject.startswith("[LDP-000001]") and b"Message-ID: " + message_id.encode() \
        in row.raw
    assert len(deferred) == len(queued) and "at" in deferred[-1].context, \
        "offered unrendered, refused, rendered instead"


def test_renewing_extends_only_the_renewers_rows_still_being_sent(imap_server, db_url, tmp_path):
    """renew_claims moves the lapse of the claimer's rows in `sending` and of nothing else:
    another claimer's rows and the claimer's own finished rows keep theirs."""
    from datetime import timedelta

    from gateway.store.database import utcnow
    stored_reports(imap_server, db_url, tmp_path, 2)
    mine = outbox.claim_due(3, lease=10, claimer="me")
    theirs = outbox.claim_due(2, lease=10, claimer="them")
    outbox.mark_all_sent([mine[0].id])
    before = {i.id: i.next_attempt_at for i in outbox.list_items()}

    assert outbox.renew_claims("me", lease=600) == 2
    after = {i.id: i.next_attempt_at for i in outbox.list_items()}
    assert all(after[i.id] > utcnow() + timedelta(seconds=500) for i in mine[1:])
    assert all(after[i.id] == before[i.id] for i in [mine[0], *theirs])


def test_rows_queued_before_every_row_kept_its_notice_are_still_sent(
        imap_server, smtp_sink, db_url, tmp_path):
    """Rows an older gateway queued, as they lie in the table: rendered bytes with no notice,
    and a notice (JSON without "attachments") with no bytes yet. After the upgrade the one
    send path sends both: the first its stored bytes exactly, the second rendered once."""
    import asyncio
    import json

    from gateway.outgoing.sender import send_due
    from gateway.store import database
    from gateway.store.models import OutboxRow
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    ctx = build_context(settings, tmp_path)
    rendered = (b"From: helpdesk@lpse.example\r\nTo: r@x.id\r\nSubject: old row\r\n"
                b"Message-ID: <ldp.old.1@lpse.example>\r\n\r\nqueued by 0.9\r\n")
    old_notice = {"template": "agent_sender_held", "to": ["budi@lpse.example", "Budi"],
                  "language": "id", "context": {"sender": "x@y.id", "count": 3, "cap": 2},
                  "ticket_ref": None, "in_reply_to": None, "references": [],
                  "auto_submitted": "auto-generated", "reply_to": None,
                  "message_id": "<ldp.old.2@lpse.example>"}
    now = database.utcnow()
    common = dict(ticket=None, status="pending", next_attempt_at=now, created_at=now,
                  sender=settings.support.address, visibility="internal")
    with database.transaction(ctx.db):
        OutboxRow.insert(message_id="<ldp.old.1@lpse.example>", template="sla_report",
                         recipient="r@x.id", subject="old row", text="queued by 0.9",
                         raw=rendered, notice=None, priority=1, **common).execute()
        OutboxRow.insert(message_id="<ldp.old.2@lpse.example>", template="agent_sender_held",
                         recipient="budi@lpse.example", subject="", text="", raw=b"",
                         notice=json.dumps(old_notice).encode(), priority=1, **common).execute()
    report = asyncio.run(send_due(ctx))
    assert (report.sent, report.retried, report.dead) == (2, 0, 0)
    items = {i.message_id: i for i in outbox.list_items()}
    assert {i.status for i in items.values()} == {"sent"}
    delivered = {mails.parse(raw)["Message-ID"]: raw for _s, _r, raw in smtp_sink.messages}
    assert delivered["<ldp.old.1@lpse.example>"] == rendered
    second = items["<ldp.old.2@lpse.example>"]
    assert second.raw == delivered["<ldp.old.2@lpse.example>"] and second.subject
    assert mails.parse(second.raw)["To"].endswith("<budi@lpse.example>")
