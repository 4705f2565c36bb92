"""The mail-to-ticket pipeline end to end: a real IMAP server, a real SMTP sink, SQLite and
PostgreSQL. Each test names the behaviour it shows and asserts the exact content."""
from __future__ import annotations

import asyncio

import pytest

from gateway.domain import Disposition, Level, Status
from gateway.outgoing.sender import send_due
from gateway.service import Service, build_context
from gateway.store import outbox, tickets
from gateway.store.models import MessageRow, OutboxRow, TicketRow
from tests import mails
from tests.conftest import SUPPORT, deliver, folder_uids, make_settings

pytestmark = pytest.mark.integration


def run_once(settings, tmp_path):
    ctx = build_context(settings, tmp_path)
    return Service(ctx).run_once()


def sent_to(sink, address):
    return [raw for _sender, rcpts, raw in sink.messages if address in rcpts]


def test_new_mail_becomes_one_l0_ticket_and_one_exact_acknowledgement(
        imap_server, smtp_sink, db_url, tmp_path):
    """A new report becomes one ticket at L0 and the reporter gets the exact acknowledgement."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    raw = mails.report(message_id="<report-1@mail.gmail.com>")
    deliver(imap_server, settings.imap.folder, raw)

    intake, sent = run_once(settings, tmp_path)

    assert [o.disposition for o in intake.outcomes] == [Disposition.NEW_TICKET]
    [ticket] = tickets.list_tickets()
    assert (ticket.ref, ticket.level, ticket.status, ticket.team) == \
        ("LDP-000001", Level.L0, Status.NEW, "l0-lkpp")
    assert ticket.reporter.email == "rina@pemkab-bogor.go.id"
    [ack] = sent_to(smtp_sink, "rina@pemkab-bogor.go.id")
    message = mails.parse(ack)
    assert message["Subject"] == \
        "[LDP-000001] Laporan Bapak/Ibu telah kami terima: Tidak bisa login SPSE"
    assert message["From"] == f"Layanan Dukungan Pengguna <{SUPPORT}>"
    assert message["In-Reply-To"] == "<report-1@mail.gmail.com>"
    assert message["References"] == "<report-1@mail.gmail.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Message-ID"].startswith("<ldp.ldp-000001.")
    assert message["Message-ID"].endswith("@lpse.example>")
    assert mails.text_of(ack) == mails.RINA_ACK_TEXT
    # The two L0 LKPP agents each get a notification, in their own language.
    budi = mails.parse(sent_to(smtp_sink, "budi@lkpp.example")[0])
    sari = mails.parse(sent_to(smtp_sink, "sari@lkpp.example")[0])
    assert budi["Subject"] == "[LDP-000001] Tiket baru L0: Tidak bisa login SPSE"
    assert sari["Subject"] == "[LDP-000001] New L0 ticket: Tidak bisa login SPSE"
    assert "Saya tidak bisa login ke SPSE sejak tadi pagi." in mails.text_of(
        sent_to(smtp_sink, "budi@lkpp.example")[0])
    assert (sent.sent, len(smtp_sink.messages)) == (3, 3)
    # Acknowledged only after the commit: the message left the inbox for the processed folder.
    assert folder_uids(imap_server, settings.imap.folder) == []
    assert len(folder_uids(imap_server, settings.imap.processed_folder)) == 1


def test_replies_by_in_reply_to_or_subject_tag_join_the_ticket_and_duplicates_change_nothing(
        imap_server, smtp_sink, db_url, tmp_path):
    """A reply threads by In-Reply-To alone or by subject tag alone; a re-delivery is absorbed."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    first = mails.report(message_id="<report-2@mail.gmail.com>")
    deliver(imap_server, settings.imap.folder, first)
    run_once(settings, tmp_path)
    ack_id = mails.parse(sent_to(smtp_sink, "rina@pemkab-bogor.go.id")[0])["Message-ID"]

    by_header = mails.report(subject="Re: hal lain", body="Ini tangkapan layarnya.\n",
                             message_id="<reply-a@mail.gmail.com>", in_reply_to=ack_id)
    by_tag = mails.report(subject="Tambahan [LDP-000001]", body="Sudah saya coba lagi.\n",
                          message_id="<reply-b@mail.gmail.com>")
    stranger_tag = mails.report(subject="Tambahan [LDP-000001]", body="Saya juga.\n",
                                sender="orang@lain.example",
                                message_id="<reply-c@mail.example>")
    deliver(imap_server, settings.imap.folder, by_header, by_tag, stranger_tag, first)
    intake, _ = run_once(settings, tmp_path)

    assert [o.disposition for o in intake.outcomes] == [
        Disposition.FOLLOW_UP, Disposition.FOLLOW_UP, Disposition.NEW_TICKET,
        Disposition.DUPLICATE]
    assert [o.ticket_ref for o in intake.outcomes[:3]] == ["LDP-000001", "LDP-000001",
                                                           "LDP-000002"]
    assert TicketRow.select().count() == 2
    texts = [m.text for m in tickets.messages(tickets.get_ticket("LDP-000001"))]
    assert texts[1:] == ["Ini tangkapan layarnya.\n", "Sudah saya coba lagi.\n"]
    before = (MessageRow.select().count(), OutboxRow.select().count())
    deliver(imap_server, settings.imap.folder, first, by_header)
    intake, sent = run_once(settings, tmp_path)
    assert [o.disposition for o in intake.outcomes] == [Disposition.DUPLICATE] * 2
    assert (MessageRow.select().count(), OutboxRow.select().count()) == before
    assert sent.sent == 0


def test_outgoing_mail_waits_while_smtp_is_down_and_leaves_once_when_it_is_back(
        imap_server, db_url, tmp_path):
    """With the SMTP server down, the outbox keeps the mail and sends it exactly once later."""
    from gateway.cli.devservers import SmtpSink, free_port
    port = free_port()
    sink = SmtpSink(port=port)
    # A backoff far longer than the run, so a slow machine cannot try twice in one run.
    settings = make_settings(tmp_path, db_url, imap_server, sink,
                             smtp={"retry_base": 600, "retry_max": 600})
    deliver(imap_server, settings.imap.folder, mails.report(message_id="<down@mail.gmail.com>"))
    intake, sent = run_once(settings, tmp_path)
    assert (sent.sent, sent.retried) == (0, 3)
    assert [i.status for i in outbox.list_items()] == ["pending"] * 3

    sink.start()
    try:
        ctx = build_context(settings, tmp_path)
        assert asyncio.run(send_due(ctx)).sent == 0  # still backing off
        # The backoff is over: make the rows due now instead of waiting ten minutes.
        OutboxRow.update(next_attempt_at=OutboxRow.created_at).execute()
        report = asyncio.run(send_due(ctx))
        again = asyncio.run(send_due(ctx))
        assert (report.sent, again.sent) == (3, 0)
        ids = [mails.parse(raw)["Message-ID"] for _s, _r, raw in sink.messages]
        assert sorted(ids) == sorted(i.message_id for i in outbox.list_items())
        assert [i.status for i in outbox.list_items()] == ["sent"] * 3
    finally:
        sink.stop()


def test_a_permanent_smtp_refusal_marks_the_mail_dead_with_an_event_on_the_ticket(
        imap_server, db_url, tmp_path):
    """A 550 answer is not retried: the outbox row is dead and the ticket says why."""
    from gateway.cli.devservers import SmtpSink
    sink = SmtpSink(refuse=(550, "5.1.1 mailbox unavailable")).start()
    try:
        settings = make_settings(tmp_path, db_url, imap_server, sink)
        deliver(imap_server, settings.imap.folder, mails.report(message_id="<dead@x.id>"))
        _intake, sent = run_once(settings, tmp_path)
    finally:
        sink.stop()
    assert (sent.sent, sent.retried, sent.dead) == (0, 0, 3)
    assert [i.status for i in outbox.list_items()] == ["dead"] * 3
    dead = [e for e in tickets.events(tickets.get_ticket("LDP-000001")) if e.kind == "mail_dead"]
    assert len(dead) == 3
    assert dead[0].detail.endswith("failed for good: SMTP: 550 5.1.1 mailbox unavailable")


def test_a_recreated_folder_changes_uidvalidity_and_opens_no_new_ticket(
        imap_server, smtp_sink, db_url, tmp_path):
    """The same mail in a recreated folder: the cursor is reset (an event), nothing is new."""
    from tests.conftest import imap_client
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"processed_folder": ""})
    raw = mails.report(message_id="<uidv@x.id>")
    deliver(imap_server, settings.imap.folder, raw)
    run_once(settings, tmp_path)
    client = imap_client(imap_server, settings.imap.folder)
    client.delete_folder(settings.imap.folder)
    client.create_folder(settings.imap.folder)
    client.append(settings.imap.folder, raw)
    client.logout()
    sent_before = len(smtp_sink.messages)
    intake, _ = run_once(settings, tmp_path)
    assert [o.disposition for o in intake.outcomes] == [Disposition.DUPLICATE]
    assert TicketRow.select().count() == 1 and len(smtp_sink.messages) == sent_before
    from gateway.store.models import EventRow
    [reset] = list(EventRow.select().where(EventRow.kind == "cursor_reset"))
    assert reset.ticket_id is None and reset.old_value != reset.new_value


def test_sizes_are_asked_a_slice_at_a_time_and_every_message_is_stored_in_order(
        imap_server, smtp_sink, db_url, tmp_path, monkeypatch):
    from gateway.transport import imap
    monkeypatch.setattr(imap, "SIZES_PER_FETCH", 2)
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    deliver(imap_server, settings.imap.folder,
            *[mails.report(subject=f"Irisan {n}", message_id=f"<slice-{n}@x.id>")
              for n in range(5)])
    with imap.Mailbox(settings.imap) as box:
        waiting = box.waiting(0)
    assert [w.uid for w in waiting] == sorted(w.uid for w in waiting) and len(waiting) == 5
    assert all(w.size > 100 for w in waiting)
    intake, _sent = run_once(settings, tmp_path)
    assert [o.ticket_ref for o in intake.outcomes] == [f"LDP-00000{n}" for n in range(1, 6)]
    assert [t.subject for t in tickets.list_tickets()] == [f"Irisan {n}" for n in range(5)]


def test_nothing_leaves_the_imap_folder_before_a_durable_commit_holds_it(
        imap_server, smtp_sink, db_url, tmp_path):
    """Speed took the fsync per message away, not the promise: each batch (and an oversized
    mail, whose header is quarantined) is committed with the database's full durability before
    the server is told to move it. Every commit and every MOVE is recorded in order; the last
    commit before each MOVE must have waited for the disk."""
    from gateway.intake.rounds import intake_once
    from gateway.transport.imap import Mailbox
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"batch_size": 2, "max_message_bytes": 20_000})
    deliver(imap_server, settings.imap.folder,
            *[mails.report(subject=f"Tahan {n}", message_id=f"<durable-{n}@x.id>")
              for n in range(3)],
            mails.report(subject="Besar", attachments=[("log.txt", "text/plain", b"x" * 40_000)]),
            *[mails.report(subject=f"Tahan {n}", message_id=f"<durable-{n}@x.id>")
              for n in range(3, 5)])
    ctx = build_context(settings, tmp_path)
    events: list[tuple] = []
    commit = ctx.db.commit

    def recording_commit():
        events.append(("commit", _waits_for_disk(ctx.db)))
        commit()
    ctx.db.commit = recording_commit
    with Mailbox(settings.imap) as box:
        acknowledge = box.acknowledge
        box.acknowledge = lambda uids, folder: (events.append(("move", len(uids), folder)),
                                                acknowledge(uids, folder))
        report = intake_once(ctx, box)

    assert (report.count(Disposition.NEW_TICKET), report.count(Disposition.QUARANTINED)) == (5, 1)
    moves = [(n, event) for n, event in enumerate(events) if event[0] == "move"]
    assert [event[1:] for _n, event in moves] == [
        (2, settings.imap.processed_folder), (1, settings.imap.processed_folder),
        (1, settings.imap.quarantine_folder), (2, settings.imap.processed_folder)]
    for n, _move in moves:
        last_commit = [event for event in events[:n] if event[0] == "commit"][-1]
        assert last_commit == ("commit", True), events
    assert ("commit", False) in events, "the cursor's own commit may stay relaxed"


def _waits_for_disk(db) -> bool:
    """Whether a commit now waits for the disk: SQLite's synchronous setting, or PostgreSQL's
    synchronous_commit, as the open transaction sees it."""
    if db.__class__.__name__.startswith("Sqlite"):
        return db.execute_sql("PRAGMA synchronous").fetchone()[0] >= 2  # FULL
    return db.execute_sql("SHOW synchronous_commit").fetchone()[0] != "off"
