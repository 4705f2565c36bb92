"""What one configuration key may hold: the table RULES (key -> check) and the checks it uses.
Each check takes the converted value and answers None, or the config_problems ALLOWED entry that
says what is allowed, with its parameters. `config_check` applies them to every key."""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Callable

from gateway import config
from gateway.text import config_problems as text
from gateway.sla import calendar

Verdict = tuple[str, dict] | None  # (an ALLOWED key of config_problems, its parameters) or fine
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")
DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}")  # ticket refs and reply tokens ([a-z0-9_-])
WORD = re.compile(r"[^\s;]+")
WEB = re.compile(r"https?://[^\s\x00-\x1f\x7f\"<>?#]+")  # a base URL: the gateway adds the query
HOURS = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def whole(low: int, high: int | None = None) -> Callable[[Any], Verdict]:
    def check(value: int) -> Verdict:
        if value >= low and (high is None or value <= high):
            return None
        return ("whole_range", {"low": low, "high": high}) if high else ("whole_min", {"low": low})
    return check


def seconds(high: float, why: str = "") -> Callable[[Any], Verdict]:
    def check(value: float) -> Verdict:
        return None if 0 < value <= high else ("seconds", {"low": 0, "high": high, "why": why})
    return check


def matches(pattern: re.Pattern, allowed: str, optional: bool = False) -> Callable:
    def check(value: str) -> Verdict:
        ok = (optional and value == "") or (pattern.fullmatch(value) and len(value) <= 254)
        return None if ok else (allowed, {})
    return check


def one_line(value: str) -> Verdict:
    return None if value.strip() else ("one_line", {})


def timezone(value: str) -> Verdict:
    from zoneinfo import ZoneInfo
    try:
        ZoneInfo(calendar.ZONES.get(value.upper(), value))
        return None
    except (LookupError, ValueError, OSError):
        return "timezone", {}


def work_days(value: str) -> Verdict:
    try:
        calendar.parse_days(value)
        return None
    except ValueError:
        return "work_days", {}


def work_hours(value: str) -> Verdict:
    found = HOURS.fullmatch(value.replace(" ", ""))
    h1, m1, h2, m2 = map(int, found.groups()) if found else (0, 0, 0, 0)
    ok = found and h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h1, m1) < (h2, m2)
    return None if ok else ("work_hours", {})


def share(value: float) -> Verdict:
    return None if 0 < value < 1 else ("share", {})


def country(value: str) -> Verdict:
    import holidays
    return None if not value or value in holidays.list_supported_countries() else ("country", {})


def iso_date(value: str) -> Verdict:
    """A day as YYYY-MM-DD, or "" (open)."""
    from datetime import date
    if value == "":
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and date.fromisoformat(value):
            return None
    except ValueError:
        pass
    return "iso_date", {}


def database_url(value: str) -> Verdict:
    if config.sqlite_path(value) or re.fullmatch(r"postgres(ql)?://[^/]*[^/@]/\w[^/]*", value):
        return None
    return "database_url", {}


# RFC 2177 asks for IDLE to be re-issued at least every 29 minutes (servers may log out after
# 30); Gmail and many NAT firewalls drop a silent connection after about 10, hence 600 seconds.
IDLE_WHY = {"id": " (RFC 2177: di bawah 29 menit; Gmail dan NAT memutus sekitar 10 menit)",
            "en": " (RFC 2177: under 29 minutes; Gmail and NAT firewalls cut at about 10)"}

RULES: dict[str, Callable[[Any], Verdict]] = {
    "support.address": matches(EMAIL, "email"),
    "support.name": one_line,
    "support.ticket_prefix": matches(PREFIX, "prefix"),
    "support.data_dir": one_line,
    "support.message_id_domain": matches(DOMAIN, "domain", optional=True),
    "support.max_attached_bytes": whole(0, 2 ** 30),  # 0: files are only ever listed
    "database.url": database_url,
    "imap.host": one_line,
    "imap.port": whole(1, 65535),
    "imap.folder": one_line,
    "imap.poll_interval": seconds(3600),
    "imap.idle_renew": lambda v: seconds(600, IDLE_WHY[text.language()])(v),
    "imap.max_message_bytes": whole(1024, 2 ** 30),  # "25" meant as megabytes is caught
    "imap.batch_size": whole(1, 10000),
    "imap.timeout": seconds(3600),
    "imap.message_time_limit": seconds(3600),
    "smtp.host": one_line,
    "smtp.port": whole(1, 65535),
    "smtp.timeout": seconds(3600),
    "smtp.max_attempts": whole(1, 100),
    "smtp.retry_base": seconds(86400),
    "smtp.retry_max": seconds(7 * 86400),
    "security.authserv_id": matches(WORD, "word", optional=True),
    "loops.auto_per_hour": whole(0),
    "loops.auto_per_day": whole(0),
    "loops.suppress_days": whole(1),
    "loops.new_tickets_per_hour": whole(0),
    "sla.reminder_share": share,
    "sla.holidays_country": country,
    "teams.id": matches(WORD, "word"),
    "teams.timezone": timezone,
    "teams.work_days": work_days,
    "teams.work_hours": work_hours,
    "agents.email": matches(EMAIL, "email"),
    "agents.assigned_from": iso_date,
    "agents.assigned_until": iso_date,
    "actions.file": one_line,
    "answers.dir": one_line,
    "closing.after_working_days": whole(0, 60),  # 0: never closed by itself
    "closing.reopen_grace_days": whole(0, 365),
    "closing.survey_period_days": whole(0, 365),
    "closing.survey_url": matches(WEB, "web_url", optional=True),
    "lpse.file": one_line,
}


def judge(key: str, value: Any) -> Verdict:
    """What is wrong with one converted value of `key` ("imap.port", "teams.timezone")."""
    choices = config.CHOICES.get(key)
    if choices and value not in choices:
        return "one_of", {"choices": ", ".join(choices)}
    if isinstance(value, str) and CONTROL.search(value):
        return "one_line", {}  # a line break here would end up inside a header we write
    rule = RULES.get(key)
    return rule(value) if rule else None


def loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: the only hosts plain IMAP/SMTP may talk to by default.
    Names are not resolved: what a name points to can change after the check."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
