"""Business hours: working days and hours per team in the team's own time zone (WIB, WITA,
WIT), without Indonesian public holidays (the `holidays` library) and collective leave days.

Times in and out are naive UTC datetimes, as the database stores them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.config import Settings, Team
from gateway.errors import ConfigError

ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@lru_cache(maxsize=8)
def _public_holidays(country: str):
    import holidays
    return holidays.country_holidays(country)


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    days: frozenset[int]
    start: time
    end: time
    country: str = "ID"
    leave: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.days or day in self.leave:
            return False
        return not (self.country and day in _public_holidays(self.country))

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """The working hours of a local day, as naive UTC."""
        def utc(t: time) -> datetime:
            local = datetime.combine(day, t, self.zone)
            return local.astimezone(timezone.utc).replace(tzinfo=None)
        return utc(self.start), utc(self.end)

    def _local_day(self, moment: datetime) -> date:
        return moment.replace(tzinfo=timezone.utc).astimezone(self.zone).date()

    def seconds(self, start: datetime, end: datetime) -> float:
        """Business seconds between two naive UTC times (0 when end is not after start)."""
        if end <= start:
            return 0.0
        total, day = 0.0, self._local_day(start)
        while day <= self._local_day(end):
            if self.is_working_day(day):
                open_, close = self._window(day)
                total += max(0.0, (min(end, close) - max(start, open_)).total_seconds())
            day += timedelta(days=1)
        return total

    def hours_over(self, intervals: Iterable[tuple[datetime, datetime]]) -> float:
        return sum(self.seconds(a, b) for a, b in intervals) / 3600.0

    def add(self, start: datetime, seconds: float, horizon_days: int = 400) -> datetime | None:
        """The UTC moment `seconds` business seconds after `start` (None past the horizon)."""
        day = self._local_day(start)
        for _ in range(horizon_days):
            if self.is_working_day(day):
                open_, close = self._window(day)
                begin = max(start, open_)
                available = (close - begin).total_seconds()
                if available > 0:
                    if seconds <= available:
                        return begin + timedelta(seconds=seconds)
                    seconds -= available
            day += timedelta(days=1)
        return None


def parse_days(spec: str) -> frozenset[int]:
    """"mon-fri" or "mon,tue,sat" (or a mix) to weekday numbers, Monday 0."""
    result: set[int] = set()
    for part in spec.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(part)
        a, b = DAYS.index(first), DAYS.index(last or first)
        result.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(result)


def for_team(team: Team, settings: Settings) -> Calendar:
    """The calendar of a team; a bad zone, day list or hour range is a ConfigError."""
    where = f"{settings.source}: teams {team.id!r}"
    try:
        zone = ZoneInfo(ZONES.get(team.timezone.upper(), team.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: timezone must be WIB, WITA, WIT or an IANA name, "
                          f"got {team.timezone!r}") from None
    try:
        days = parse_days(team.work_days)
    except ValueError:
        raise ConfigError(f"{where}: work_days must look like \"mon-fri\", "
                          f"got {team.work_days!r}") from None
    match = _HOURS.match(team.work_hours.replace(" ", ""))
    if not match or (int(match[1]), int(match[2])) >= (int(match[3]), int(match[4])):
        raise ConfigError(f"{where}: work_hours must look like \"08:00-16:00\", "
                          f"got {team.work_hours!r}")
    sla = settings.sla
    return Calendar(zone, days, time(int(match[1]), int(match[2])),
                    time(int(match[3]), int(match[4])), sla.holidays_country,
                    frozenset(date.fromisoformat(d) for d in sla.collective_leave))


def calendars(settings: Settings) -> dict[str, Calendar]:
    return {team.id: for_team(team, settings) for team in settings.teams}
