"""Promises 8 and 9: no automatic mail ever answers machine mail, a header-less
auto-responder's ping-pong stops at the per-address cap (an event), and bounces are recognised,
linked and acted on: a permanent failure stops automatic mail to that address, a temporary one
changes nothing."""
from __future__ import annotations

import pytest

from gateway.outgoing import loops
from gateway.domain import Disposition
from gateway.intake.rounds import handle_raw
from gateway.parsers import bounce
from gateway.parsers.mime import parse
from gateway.service import Service, build_context
from gateway.store import guards, tickets
from gateway.store.models import EventRow, OutboxRow, TicketRow
from tests import mails
from tests.conftest import CORPUS, deliver, make_settings
from tests.reliability.bounce_mail import sent_mail

pytestmark = pytest.mark.integration

MACHINE_HEADERS = [
    ("auto-submitted", {"Auto-Submitted": "auto-replied"}, "r@x.id"),
    ("auto-generated", {"Auto-Submitted": "auto-generated"}, "r@x.id"),
    ("precedence-bulk", {"Precedence": "bulk"}, "r@x.id"),
    ("precedence-junk", {"Precedence": "junk"}, "r@x.id"),
    ("precedence-list", {"Precedence": "list"}, "r@x.id"),
    ("list-id", {"List-Id": "<pengumuman.lpse.example>"}, "r@x.id"),
    ("x-auto-response-suppress", {"X-Auto-Response-Suppress": "All"}, "r@x.id"),
    ("empty-return-path", {"Return-Path": "<>"}, "r@x.id"),
    ("mailer-daemon", {}, "MAILER-DAEMON@mx.x.id"),
    ("postmaster", {}, "postmaster@x.id"),
    ("noreply", {}, "noreply@x.id"),
    ("no-reply", {}, "no-reply@bank.example"),
    ("our-loop-header", {"X-LDP-Loop": "helpdesk@lpse.example"}, "r@x.id"),
]


@pytest.mark.parametrize("name, headers, sender", MACHINE_HEADERS,
                         ids=[m[0] for m in MACHINE_HEADERS])
def test_no_automatic_mail_answers_machine_mail(name, headers, sender, db_url, tmp_path):
    """Each kind of machine mail is recorded, opens no ticket and gets no answer."""
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    outcome = handle_raw(mails.report(sender=sender, headers=headers,
                                      message_id=f"<{name}@x.id>"), ctx)
    assert outcome.disposition == Disposition.MACHINE
    assert (TicketRow.select().count(), OutboxRow.select().count()) == (0, 0)


def test_our_own_mail_coming_back_is_never_answered(db_url, tmp_path):
    """An acknowledgement of ours delivered back to the support address is a loop, not a ticket."""
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    handle_raw(mails.report(message_id="<first@x.id>"), ctx)
    ack = OutboxRow.get(OutboxRow.template == "reporter_ack")
    outcome = handle_raw(bytes(ack.raw), ctx)
    assert outcome.disposition == Disposition.MACHINE and outcome.detail.startswith("loop")
    assert OutboxRow.select().count() == 3 and TicketRow.select().count() == 1


def test_ping_pong_with_a_headerless_auto_responder_stops_at_the_hourly_cap(
        imap_server, smtp_sink, db_url, tmp_path):
    """An auto-responder that answers every acknowledgement with a fresh, unthreaded mail gets
    exactly 10 acknowledgements; every later one is refused with an auto_mail_capped event."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             loops={"auto_per_hour": 10, "auto_per_day": 40})
    robot = "robot@kantor.example"
    deliver(imap_server, settings.imap.folder,
            mails.report(sender=robot, subject="Halo", message_id="<robot-0@kantor.example>"))
    for round_ in range(1, 16):
        Service(build_context(settings, tmp_path)).run_once()
        to_robot = [raw for _s, rcpts, raw in smtp_sink.messages if robot in rcpts]
        if len(to_robot) < round_:
            break
        # It answers our last mail as a new message with our subject, and no RFC 3834 header.
        subject = mails.parse(to_robot[-1])["Subject"].replace("[LDP-", "[REF ")
        deliver(imap_server, settings.imap.folder,
                mails.report(sender=robot, subject=f"Otomatis: {subject}",
                             message_id=f"<robot-{round_}@kantor.example>"))
    Service(build_context(settings, tmp_path)).run_once()
    to_robot = [raw for _s, rcpts, raw in smtp_sink.messages if robot in rcpts]
    assert len(to_robot) == 10
    capped = EventRow.select().where(EventRow.kind == "auto_mail_capped")
    assert capped.count() == 1
    assert capped.get().detail == (f"no automatic mail to {robot}: 10 already this hour "
                                   "(cap 10); a possible mail loop")


def corpus_bounce(name: str) -> bytes:
    return (CORPUS / "flufl-bounce" / "tests" / "data" / name).read_bytes()


def test_a_permanent_bounce_stops_automatic_mail_and_a_temporary_one_changes_nothing(
        db_url, tmp_path):
    """Postfix's permanent bounce for yyyyy@digicool.com, of a mail we sent to it, suppresses
    that address (an event), so an automatic mail to it is refused; a temporary warning
    suppresses nothing."""
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    raw = corpus_bounce("postfix_02.txt")
    sent_mail(bounce.reported_ids(parse(raw))[0], "yyyyy@digicool.com")
    outcome = handle_raw(raw, ctx)
    assert outcome.disposition == Disposition.MACHINE and TicketRow.select().count() == 0
    assert guards.is_suppressed("yyyyy@digicool.com")
    [event] = EventRow.select().where(EventRow.kind == "address_bounced")
    assert event.new_value == "yyyyy@digicool.com"

    handle_raw(corpus_bounce("simple_03.txt"), ctx)
    assert not guards.is_suppressed("userx@example.za")

    handle_raw(mails.report(sender="yyyyy@digicool.com", message_id="<after@digicool.com>",
                            headers={"Auto-Submitted": "auto-replied"}), ctx)
    assert loops.may_send_automatic(ctx.settings, None, "yyyyy@digicool.com") is False
    assert [e.kind for e in EventRow.select()][-1] == "auto_mail_suppressed"


def test_a_bounce_of_our_acknowledgement_is_linked_to_its_ticket(db_url, tmp_path):
    """A DSN that returns our acknowledgement's headers is recorded on that ticket."""
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    handle_raw(mails.report(sender="hilang@pemda.go.id", message_id="<lost@pemda.go.id>"), ctx)
    ack = OutboxRow.get(OutboxRow.template == "reporter_ack")
    dsn = (b"From: MAILER-DAEMON@mx.lpse.example\r\nTo: helpdesk@lpse.example\r\n"
           b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
           b" boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be "
           b"delivered.\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
           b"Reporting-MTA: dns; mx.lpse.example\r\n\r\nFinal-Recipient: rfc822; "
           b"hilang@pemda.go.id\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B\r\n"
           b"Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: " +
           ack.message_id.encode() + b"\r\nSubject: x\r\n\r\n--B--\r\n")
    outcome = handle_raw(dsn, ctx)
    assert (outcome.disposition, outcome.ticket_ref) == (Disposition.MACHINE, "LDP-000001")
    kinds = [e.kind for e in tickets.events(tickets.get_ticket("LDP-000001"))]
    assert kinds[-2:] == ["address_bounced", "machine_mail"]
    assert guards.is_suppressed("hilang@pemda.go.id")
