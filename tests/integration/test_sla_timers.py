"""Service-level timers inside `ldp run`: reminders and breaches fire once, survive a restart,
never fire for resolved tickets, and can escalate by themselves."""
from __future__ import annotations

from datetime import datetime

import pytest

from gateway.sla.clock import FixedClock
from gateway.sla.timers import run_timers
from gateway.store import database, outbox, tickets
from gateway.store.models import EventRow, OutboxRow, TicketRow
from tests.conftest import TEAMS
from tests.integration.agent_replies import LocalDesk

pytestmark = pytest.mark.integration
AGENTS = [
    {"email": "budi@lkpp.example", "name": "Budi", "team": "l0-lkpp"},
    {"email": "sari@lkpp.example", "name": "Sari", "team": "l0-lkpp", "language": "en",
     "lead": True},
    {"email": "lina@lkpp.example", "name": "Lina", "team": "l1-lkpp"},
    {"email": "andi@telkom.example", "name": "Andi", "team": "l1-telkom"},
]
MONDAY_8_WIB = datetime(2026, 3, 9, 1, 0)  # 08:00 WIB, the start of a working day


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026 given in WIB (UTC+7), as naive UTC."""
    return datetime(2026, 3, day, hour - 7, minute)


def desk_with_ticket(db_url, tmp_path, **sla) -> LocalDesk:
    """A desk with Rina's ticket LDP-000001 opened on Monday 9 March at 08:00 WIB."""
    desk = LocalDesk(db_url, tmp_path, agents=AGENTS, sla=sla)
    desk.report()
    with database.transaction(desk.ctx.db):
        TicketRow.update(created_at=MONDAY_8_WIB).execute()
        EventRow.update(at=MONDAY_8_WIB).execute()
    desk.seen = len(sent_mail(desk))
    return desk


def sent_mail(desk: LocalDesk) -> list[tuple[str, str, str]]:
    with database.transaction(desk.ctx.db):
        return [(i.template, i.recipient, i.subject) for i in outbox.list_items()]


def new_mail(desk: LocalDesk) -> list[tuple[str, str, str]]:
    mail = sent_mail(desk)[desk.seen:]
    desk.seen += len(mail)
    return mail


def sla_events(desk: LocalDesk) -> list[tuple[str, str, str]]:
    with database.transaction(desk.ctx.db):
        ticket = tickets.get_ticket("LDP-000001")
        return [(e.kind, e.new_value, e.detail) for e in tickets.events(ticket)
                if e.kind.startswith("sla_") or e.actor == "sla"]


def restart(desk: LocalDesk, tmp_path) -> None:
    """A new process: a new context on the same database, nothing kept in memory."""
    from gateway.service import build_context
    desk.ctx = build_context(desk.settings, tmp_path)


def test_a_reminder_and_a_breach_fire_once_each_and_survive_a_restart(db_url, tmp_path):
    """First response (L0 normal: 4 business hours): the team is reminded at 11:00 WIB (75 %),
    the team and its lead are told of the breach at 12:00 WIB, each once, across restarts."""
    desk = desk_with_ticket(db_url, tmp_path)
    clock = FixedClock(wib(9, 10, 59))
    assert run_timers(desk.ctx, clock).fired == []
    clock.set(wib(9, 11))
    assert run_timers(desk.ctx, clock).fired == [("LDP-000001", "reminder", "first_response")]
    assert new_mail(desk) == [
        ("agent_sla_reminder", "budi@lkpp.example", "[LDP-000001] Pengingat: batas waktu "
         "tanggapan pertama segera tiba: Tidak bisa login SPSE"),
        ("agent_sla_reminder", "sari@lkpp.example",
         "[LDP-000001] SLA reminder: first response due soon: Tidak bisa login SPSE")]
    assert run_timers(desk.ctx, clock).fired == []
    restart(desk, tmp_path)
    clock.set(wib(9, 11, 30))
    assert run_timers(desk.ctx, clock).fired == []
    clock.set(wib(9, 12))
    assert run_timers(desk.ctx, clock).fired == [("LDP-000001", "breach", "first_response")]
    assert new_mail(desk) == [
        ("agent_sla_breach", "budi@lkpp.example", "[LDP-000001] Batas waktu tanggapan "
         "pertama terlampaui: Tidak bisa login SPSE"),
        ("agent_sla_breach", "sari@lkpp.example",
         "[LDP-000001] SLA breached: first response: Tidak bisa login SPSE")]
    restart(desk, tmp_path)
    clock.set(wib(9, 13))
    assert run_timers(desk.ctx, clock).fired == []
    assert new_mail(desk) == []
    assert sla_events(desk) == [
        ("sla_reminder", "first_response",
         "first_response: 3.00 of 4 business hours (75%) at L0 priority normal"),
        ("sla_breach", "first_response",
         "first_response: 4.00 of 4 business hours (100%) at L0 priority normal")]


def test_the_breach_notice_suggests_escalate(db_url, tmp_path):
    """The English breach mail names the lead and suggests #escalate."""
    desk = desk_with_ticket(db_url, tmp_path)
    run_timers(desk.ctx, FixedClock(wib(9, 12)))
    with database.transaction(desk.ctx.db):
        text = OutboxRow.get(OutboxRow.recipient == "sari@lkpp.example",
                             OutboxRow.template == "agent_sla_breach").text
    assert "has breached its first response target: 4.0 business hours used of 4." in text
    assert "Leads    : sari@lkpp.example" in text
    assert "reply with #escalate and the reason on the first line." in text


def test_resolved_tickets_fire_nothing(db_url, tmp_path):
    """A resolved ticket gets no reminder and no breach, however late."""
    desk = desk_with_ticket(db_url, tmp_path)
    with database.transaction(desk.ctx.db):
        ticket = tickets.get_ticket("LDP-000001")
        tickets.update_ticket(ticket, status="resolved")
    assert run_timers(desk.ctx, FixedClock(wib(20, 12))).fired == []
    assert new_mail(desk) == []
    assert sla_events(desk) == []


def test_pending_time_holds_the_clock(db_url, tmp_path):
    """Pending from 09:00 to 15:00 WIB: at 15:30 only 1.5 of the 16 resolution hours are used,
    so nothing fires (the #pending answered the reporter, so first response has stopped)."""
    desk = desk_with_ticket(db_url, tmp_path)
    with database.transaction(desk.ctx.db):
        ticket = tickets.get_ticket("LDP-000001")
        database.insert(EventRow, ticket=ticket.id, kind="pending", actor="budi@lkpp.example",
                        detail="#pending: menunggu tangkapan layar", old_value="new",
                        new_value="pending", at=wib(9, 9), command="pending")
        database.insert(EventRow, ticket=ticket.id, kind="reopened", actor="rina@x",
                        detail="the reporter replied", old_value="pending", new_value="open",
                        at=wib(9, 15))
        tickets.update_ticket(ticket, status="open")
    assert run_timers(desk.ctx, FixedClock(wib(9, 15, 30))).fired == []
    # 16 h x 75 % = 12 business hours: 1 h before the pending period, 1 h after it on Monday,
    # 8 h on Tuesday, 2 h on Wednesday: Wednesday 10:00 WIB.
    assert run_timers(desk.ctx, FixedClock(wib(11, 9, 59))).fired == []
    assert run_timers(desk.ctx, FixedClock(wib(11, 10))).fired == [
        ("LDP-000001", "reminder", "resolution")]


def test_a_late_breach_replaces_its_reminder_and_may_escalate(db_url, tmp_path):
    """Found only at Tuesday 12:00 WIB (12 business hours): the first-response breach goes out
    without a reminder and, with auto_escalate, the ticket moves to L1 at LKPP; Telkom's L1
    team (the partner, partner = inform) gets an [Info] copy of the arrival."""
    desk = desk_with_ticket(db_url, tmp_path, auto_escalate=True)
    report = run_timers(desk.ctx, FixedClock(wib(10, 12)))
    assert (report.fired, report.escalated) == (
        [("LDP-000001", "breach", "first_response")], ["LDP-000001"])
    assert [(t, r) for t, r, _ in new_mail(desk)] == [
        ("agent_sla_breach", "budi@lkpp.example"), ("agent_sla_breach", "sari@lkpp.example"),
        ("agent_handover", "lina@lkpp.example"), ("agent_info", "andi@telkom.example")]
    with database.transaction(desk.ctx.db):
        ticket = tickets.get_ticket("LDP-000001")
    assert (ticket.level.value, ticket.team, ticket.status.value) == ("L1", "l1-lkpp", "open")
    # The timers moved it, so they wrote who keeps the reporter at L0: the team (nobody
    # had taken it).
    assert [(k, v) for k, v, _ in sla_events(desk)] == [("sla_breach", "first_response"),
                                                         ("escalate", "L1"), ("l0_keeper", None)]


def test_ldp_run_once_sends_the_breaches_of_an_old_ticket(imap_server, smtp_sink, db_url,
                                                          tmp_path):
    """`ldp run --once` runs the timers: a ticket opened 30 days ago gets its first-response
    and resolution breaches sent to the team in that run, and nothing more in the next."""
    from datetime import timedelta

    from gateway.service import Service, build_context
    from tests.conftest import deliver, make_settings
    from tests import mails
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink, agents=AGENTS)
    deliver(imap_server, settings.imap.folder, mails.report())
    Service(build_context(settings, tmp_path)).run_once()  # the ticket, its mails and no timer
    ctx = build_context(settings, tmp_path)
    old = database.utcnow() - timedelta(days=30)
    with database.transaction(ctx.db):
        TicketRow.update(created_at=old).execute()
        EventRow.update(at=old).execute()
    smtp_sink.messages.clear()
    Service(ctx).run_once()
    subjects = sorted((rcpts[0], mails.parse(raw)["Subject"])
                      for _, rcpts, raw in smtp_sink.messages)
    assert subjects == [
        ("budi@lkpp.example", "[LDP-000001] Batas waktu penyelesaian terlampaui: Tidak bisa login SPSE"),
        ("budi@lkpp.example",
         "[LDP-000001] Batas waktu tanggapan pertama terlampaui: Tidak bisa login SPSE"),
        ("sari@lkpp.example", "[LDP-000001] SLA breached: first response: Tidak bisa login SPSE"),
        ("sari@lkpp.example", "[LDP-000001] SLA breached: resolution: Tidak bisa login SPSE")]
    smtp_sink.messages.clear()
    Service(build_context(settings, tmp_path)).run_once()
    assert smtp_sink.messages == []


def test_timers_read_active_tickets_a_page_at_a_time_and_miss_none(db_url, tmp_path, monkeypatch):
    """Pages of two tickets: all five tickets, a resolved one among them, are judged once."""
    from gateway.sla import timers
    monkeypatch.setattr(timers, "PAGE", 2)
    desk = LocalDesk(db_url, tmp_path, agents=AGENTS)
    for n in range(5):
        desk.report(subject=f"Laporan {n}", message_id=f"<page-{n}@x.id>")
    with database.transaction(desk.ctx.db):
        TicketRow.update(created_at=MONDAY_8_WIB).execute()
        EventRow.update(at=MONDAY_8_WIB).execute()
        tickets.update_ticket(tickets.get_ticket("LDP-000003"), status="resolved")
    fired = run_timers(desk.ctx, FixedClock(wib(9, 11))).fired
    assert fired == [(f"LDP-00000{n}", "reminder", "first_response") for n in (1, 2, 4, 5)]
    assert run_timers(desk.ctx, FixedClock(wib(9, 11))).fired == []


@pytest.mark.parametrize("teams, why", [
    # LKPP has no L1 team: the ticket is not handed to Telkom's (an agent's #escalate is
    # refused the same way, tests/unit/test_plan.py).
    ([t for t in TEAMS if t["id"] != "l1-lkpp"], "there is no LKPP team at L1"),
    # LKPP's L1 team has nobody to read it.
    (TEAMS, "team l1-lkpp has no agents: nobody would see the ticket there"),
], ids=["other-organisation-only", "empty-team"])
def test_auto_escalation_follows_the_rules_of_escalate(db_url, tmp_path, teams, why):
    """The automatic #escalate is an agent's: same organisation only, never into a team nobody
    reads. Refused, the ticket stays where it is (and its L0 timers run on: the resolution
    reminder follows), the breach still goes out, and an event says why."""
    agents = [a for a in AGENTS if a["team"] != "l1-lkpp"]
    desk = LocalDesk(db_url, tmp_path, teams=teams, agents=agents,
                     sla={"auto_escalate": True})
    desk.report()
    with database.transaction(desk.ctx.db):
        TicketRow.update(created_at=MONDAY_8_WIB).execute()
        EventRow.update(at=MONDAY_8_WIB).execute()
    desk.seen = len(sent_mail(desk))
    report = run_timers(desk.ctx, FixedClock(wib(10, 12)))
    assert (report.fired, report.escalated) == (
        [("LDP-000001", "breach", "first_response"), ("LDP-000001", "reminder", "resolution")],
        [])
    assert [t for t, _, _ in new_mail(desk)] == ["agent_sla_breach"] * 2 + \
        ["agent_sla_reminder"] * 2
    with database.transaction(desk.ctx.db):
        ticket = tickets.get_ticket("LDP-000001")
    assert (ticket.level.value, ticket.team, ticket.status.value) == ("L0", "l0-lkpp", "new")
    assert [(k, d) for k, _, d in sla_events(desk) if k == "escalation_refused"] == [
        ("escalation_refused",
         f"#escalate first_response target of 4 business hours breached: {why}")]
