"""Business hours per team: weekends, Indonesian holidays, collective leave, time zones, pending."""
from __future__ import annotations

from datetime import datetime

import pytest

from gateway import config
from gateway.errors import ConfigError
from gateway.sla import calendar
from gateway.sla.clock import FixedClock
from gateway.sla.history import percentile, timeline
from gateway.sla.targets import hours, running
from gateway.store.sla import Fact

TEAMS = [
    {"id": "l0-lkpp", "level": "L0", "organisation": "LKPP"},
    {"id": "l1-wita", "level": "L1", "organisation": "Telkom", "timezone": "WITA"},
    {"id": "l2-wit", "level": "L2", "organisation": "Telkom", "timezone": "WIT",
     "work_days": "mon-sat", "work_hours": "09:00-17:00"},
]


def settings(**sla):
    return config.from_mapping({"support": {"address": "helpdesk@lpse.example"},
                                "teams": TEAMS, "sla": sla}, {}, "test.toml")


def cal(team: str, **sla) -> calendar.Calendar:
    s = settings(**sla)
    return calendar.for_team(s.team(team), s)


def utc(*parts: int) -> datetime:
    return datetime(*parts)


def test_weekend_is_skipped():
    """Friday 15:00 WIB to Monday 09:00 WIB is one hour on Friday and one on Monday."""
    assert cal("l0-lkpp").seconds(utc(2026, 3, 6, 8), utc(2026, 3, 9, 2)) / 3600 == 2.0


def test_saturday_counts_for_a_team_working_saturdays():
    """A mon-sat team in WIT (09:00-17:00) counts all of Saturday: 8 hours."""
    assert cal("l2-wit").seconds(utc(2026, 3, 7, 0), utc(2026, 3, 7, 8)) / 3600 == 8.0
    assert cal("l2-wit").seconds(utc(2026, 3, 8, 0), utc(2026, 3, 8, 8)) == 0.0


def test_public_holiday_is_skipped():
    """Independence Day (Monday 17 August 2026) is not a working day: Friday 15:00 to Tuesday
    09:00 WIB is two business hours."""
    c = cal("l0-lkpp")
    assert not c.is_working_day(datetime(2026, 8, 17).date())
    assert c.seconds(utc(2026, 8, 14, 8), utc(2026, 8, 18, 2)) / 3600 == 2.0


def test_collective_leave_is_skipped():
    """A configured cuti bersama day (Tuesday 18 August) leaves only Friday's hour."""
    c = cal("l0-lkpp", collective_leave=["2026-08-18"])
    assert c.seconds(utc(2026, 8, 14, 8), utc(2026, 8, 18, 2)) / 3600 == 1.0


def test_holidays_can_be_turned_off():
    """With holidays_country = "" Independence Day is an ordinary Monday."""
    c = cal("l0-lkpp", holidays_country="")
    assert c.seconds(utc(2026, 8, 14, 8), utc(2026, 8, 18, 2)) / 3600 == 10.0


def test_time_zones_shift_the_working_day():
    """07:00-10:00 UTC on a Tuesday is 14-17 WIB (2 h), 15-18 WITA (1 h), 16-19 WIT (0 h)."""
    start, end = utc(2026, 3, 10, 7), utc(2026, 3, 10, 10)
    assert [cal(t).seconds(start, end) / 3600 for t in ("l0-lkpp", "l1-wita")] == [2.0, 1.0]
    wit = settings().team("l2-wit")
    eight_to_four = config.Team(wit.id, wit.level, wit.organisation, timezone="WIT")
    assert calendar.for_team(eight_to_four, settings()).seconds(start, end) == 0.0


def test_add_business_hours_across_a_weekend():
    """Four business hours after Friday 14:00 WIB is Monday 10:00 WIB (03:00 UTC)."""
    assert cal("l0-lkpp").add(utc(2026, 3, 6, 7), 4 * 3600) == utc(2026, 3, 9, 3)


def test_pending_time_does_not_count():
    """Opened 08:00 WIB, pending 10:00 to 14:00, checked at 16:00: four hours count."""
    facts = [Fact("created", "r@x", utc(2026, 3, 9, 1), "", None, None),
             Fact("pending", "budi@lkpp.example", utc(2026, 3, 9, 3), "#pending: waiting",
                  "open", "pending", command="pending"),
             Fact("reopened", "r@x", utc(2026, 3, 9, 7), "the reporter replied", "pending",
                  "open")]
    line = timeline(utc(2026, 3, 9, 1), facts)
    clock = FixedClock(utc(2026, 3, 9, 9))
    assert hours(line, cal("l0-lkpp"), line.created, clock.now()) == 4.0
    assert line.first_response == utc(2026, 3, 9, 3)  # #pending answers the reporter
    measures = running(line, cal("l0-lkpp"), settings().sla, "L0", "normal", clock.now())
    assert [(m.target, m.elapsed, m.hours) for m in measures] == [("resolution", 4.0, 16.0)]


def test_a_reporter_reply_is_not_a_response():
    """The reporter's own reply event is not an answer; the agent's #reply is."""
    facts = [Fact("reply", "r@x", utc(2026, 3, 9, 2), "reporter replied", None, None),
             Fact("reply", "budi@lkpp.example", utc(2026, 3, 9, 4), "(default: #reply)",
                  None, None, command="reply")]
    assert timeline(utc(2026, 3, 9, 1), facts).responses == [utc(2026, 3, 9, 4)]


def test_percentiles_use_the_nearest_rank():
    """Of 1..10 the 50th percentile is 5 and the 90th is 9; nothing gives None."""
    values = [float(v) for v in range(10, 0, -1)]
    assert (percentile(values, 0.5), percentile(values, 0.9), percentile([], 0.9)) == \
        (5.0, 9.0, None)


def test_bad_team_hours_name_the_team():
    """A malformed work_hours value is a configuration error naming the team."""
    s = settings()
    bad = config.Team("l0-lkpp", s.team("l0-lkpp").level, "LKPP", work_hours="16:00-08:00")
    with pytest.raises(ConfigError) as error:
        calendar.for_team(bad, s)
    assert str(error.value) == ("test.toml: teams 'l0-lkpp': work_hours must look like "
                                "\"08:00-16:00\", got '16:00-08:00'")


def test_update_timer_restarts_at_each_answer_on_l1():
    """On L1 the update timer runs from the later of the arrival at L1 and the last answer:
    escalated Monday 09:00 WIB, answered 11:00, checked 15:00 WIB: 4 of 8 hours used."""
    facts = [Fact("created", "r@x", utc(2026, 3, 9, 1), "", None, None),
             Fact("escalate", "budi@lkpp.example", utc(2026, 3, 9, 2), "#escalate", "L0", "L1",
                  command="escalate"),
             Fact("reply", "andi@telkom.example", utc(2026, 3, 9, 4), "#reply", None, None,
                  command="reply")]
    line = timeline(utc(2026, 3, 9, 1), facts)
    measures = running(line, cal("l0-lkpp"), settings().sla, "L1", "normal", utc(2026, 3, 9, 8))
    assert [(m.target, m.elapsed, m.hours) for m in measures] == [
        ("resolution", 7.0, 40.0), ("update@2026-03-09T04:00:00", 4.0, 8.0)]
