"""Settings: frozen dataclasses loaded once at the edge from TOML plus `LDP_*` overrides.

`load(path, environ)` validates everything it reads: an unknown key, a wrong type or a missing
required value raises ConfigError with one line naming the file, the key and what is expected.
Every scalar key can be overridden by `LDP_<SECTION>_<KEY>` (so passwords need not sit in the
file); arrays of tables (teams, agents, rules) come from the file only.
"""
from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote, unquote

from gateway.domain import Level
from gateway.errors import ConfigError

DEFAULT_CATEGORIES = {
    "L0": ("pertanyaan-umum", "akun", "tender", "email", "spse", "sikap", "lainnya"),
    "L1": ("restart-layanan", "konfigurasi-mail-server", "perbaikan-data", "preferensi-akun",
           "cek-log-server", "deploy-build"),
    "L2": ("perbaikan-bug", "fitur-baru", "analisis-lanjutan", "rilis-build"),
}


@dataclass(frozen=True)
class Support:
    address: str
    name: str = "Layanan Dukungan Pengguna"
    language: str = "id"
    ticket_prefix: str = "LDP"
    data_dir: str = "db"
    templates_dir: str = ""
    message_id_domain: str = ""
    # The files one mail may carry together: a reporter's to the agents, an agent's to the
    # reporter. Beyond it the mail lists them instead (and how to fetch them).
    max_attached_bytes: int = 10485760  # 10 MiB

    @property
    def domain(self) -> str:
        return self.message_id_domain or self.address.rpartition("@")[2]


@dataclass(frozen=True)
class Database:
    url: str = "sqlite:///db/ldp.sqlite3"


@dataclass(frozen=True)
class Imap:
    host: str = "localhost"
    port: int = 993
    security: str = "ssl"
    username: str = ""
    password: str = ""
    folder: str = "INBOX"
    processed_folder: str = "LDP/Processed"
    quarantine_folder: str = "LDP/Quarantine"
    idle: bool = True
    poll_interval: float = 60.0
    idle_renew: float = 540.0
    max_message_bytes: int = 41943040  # 40 MiB: a 25 MB attachment is about 34 MB in base64
    batch_size: int = 200  # one FETCH and one durable commit (also capped at 8 MiB)
    timeout: float = 60.0
    message_time_limit: float = 60.0
    parse_worker: bool = True
    allow_plaintext: bool = False  # security = "none" to a host that is not loopback


@dataclass(frozen=True)
class Smtp:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = ""
    timeout: float = 60.0
    max_attempts: int = 12
    retry_base: float = 30.0
    retry_max: float = 3600.0
    allow_plaintext: bool = False  # security = "none" to a host that is not loopback


@dataclass(frozen=True)
class Security:
    secret: str = ""
    authserv_id: str = ""
    strict: bool = False
    # An agent's reply without #reply or #note: "internal" keeps the body as a note, so nothing
    # reaches a reporter unless an agent asked for it.
    default_visibility: str = "internal"
    receipts: bool = True  # a short receipt to the agent when a command block is applied


@dataclass(frozen=True)
class Loops:
    """Caps on automatic mail (acknowledgements, size refusals) to any one address: the last
    guard against ping-pong with an auto-responder that sends no RFC 3834 headers."""

    auto_per_hour: int = 10
    auto_per_day: int = 40
    # Days a proven permanent bounce stops automatic mail to an address (it also ends when
    # the address writes to us again, or with `ldp suppressions remove`).
    suppress_days: int = 30
    # New tickets one sender (not an agent) may open an hour; past it mails are held in
    # quarantine and the L0 leads are told (gateway/intake/flood.py). 0 turns the cap off.
    new_tickets_per_hour: int = 20


@dataclass(frozen=True)
class Team:
    id: str
    level: Level
    organisation: str
    name: str = ""
    # Business hours for service levels: a zone (WIB, WITA, WIT or an IANA name), working days
    # ("mon-fri" or "mon,tue,sat") and hours ("08:00-16:00"), all in the team's own time.
    timezone: str = "WIB"
    work_days: str = "mon-fri"
    work_hours: str = "08:00-16:00"


@dataclass(frozen=True)
class Agent:
    email: str
    team: str
    name: str = ""
    role: str = "agent"
    language: str = "id"
    lead: bool = False


PARTNER_MODES = ("inform", "act", "none")


@dataclass(frozen=True)
class Partner:
    """What the partner team of a level (the same level, the other organisation) gets of a
    ticket another team holds: "inform" an [Info] copy without a reply token (new ticket,
    each #reply, arrival at the level, resolution) and no right to act; "act" the holding
    team's notices with their own tokens and its rights; "none" nothing, and no right to act.
    Keys are the levels (LDP_PARTNER_L1 overrides one)."""

    L0: str = "inform"
    L1: str = "inform"
    L2: str = "inform"

    def mode(self, level: Level) -> str:
        return getattr(self, Level(level).value)


@dataclass(frozen=True)
class Routing:
    rules_file: str = ""
    default_team: str = ""


SLA_MEASURES = ("first_response", "resolution", "update")
# Business hours per level, measure and priority (low, normal, high, urgent).
DEFAULT_SLA_TARGETS = {
    "L0": {"first_response": (8, 4, 2, 1), "resolution": (40, 16, 8, 4)},
    "L1": {"first_response": (8, 4, 2, 1), "resolution": (80, 40, 16, 8),
           "update": (16, 8, 4, 2)},
    "L2": {"first_response": (16, 8, 4, 2), "resolution": (160, 80, 40, 16),
           "update": (40, 16, 8, 4)},
}
_PRIORITIES = ("low", "normal", "high", "urgent")


def _default_targets() -> Mapping[str, float]:
    return {f"{level}.{measure}.{p}": float(hours) for level, measures in
            DEFAULT_SLA_TARGETS.items() for measure, row in measures.items()
            for p, hours in zip(_PRIORITIES, row)}


@dataclass(frozen=True)
class Sla:
    """Service levels: targets in business hours keyed "L1.resolution.high", a reminder at
    `reminder_share` of a target, Indonesian public holidays plus collective leave days."""

    enabled: bool = True
    reminder_share: float = 0.75
    auto_escalate: bool = False
    holidays_country: str = "ID"  # "" leaves public holidays out
    collective_leave: tuple[str, ...] = ()
    targets: Mapping[str, float] = field(default_factory=_default_targets)

    def target(self, level: str, measure: str, priority: str) -> float | None:
        return self.targets.get(f"{level}.{measure}.{priority}")


@dataclass(frozen=True)
class Settings:
    support: Support
    database: Database = field(default_factory=Database)
    imap: Imap = field(default_factory=Imap)
    smtp: Smtp = field(default_factory=Smtp)
    security: Security = field(default_factory=Security)
    routing: Routing = field(default_factory=Routing)
    loops: Loops = field(default_factory=Loops)
    sla: Sla = field(default_factory=Sla)
    partner: Partner = field(default_factory=Partner)
    teams: tuple[Team, ...] = ()
    agents: tuple[Agent, ...] = ()
    rules: tuple[Mapping[str, Any], ...] = ()
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_CATEGORIES)
    source: str = "ldp.toml"

    def team(self, team_id: str) -> Team | None:
        return next((t for t in self.teams if t.id == team_id), None)

    def agent(self, email: str) -> Agent | None:
        email = email.lower()
        return next((a for a in self.agents if a.email.lower() == email), None)

    def teams_at(self, level: Level) -> tuple[Team, ...]:
        return tuple(t for t in self.teams if t.level == level)

    def agents_of(self, team_id: str) -> tuple[Agent, ...]:
        return tuple(a for a in self.agents if a.team == team_id)

    def partner_of(self, team_id: str) -> Team | None:
        """The other organisation's team at the same level as `team_id`, if there is one."""
        team = self.team(team_id)
        return next((t for t in self.teams_at(team.level) if t.id != team.id and
                     t.organisation.lower() != team.organisation.lower()), None) \
            if team else None

    def leads_of(self, team_id: str) -> tuple[Agent, ...]:
        """The agents of a team marked `lead = true`."""
        return tuple(a for a in self.agents_of(team_id) if a.lead)


SECTIONS = {"support": Support, "database": Database, "imap": Imap, "smtp": Smtp,
            "security": Security, "routing": Routing, "loops": Loops, "sla": Sla,
            "partner": Partner}
CHOICES = {
    "support.language": ("id", "en"),
    "imap.security": ("ssl", "starttls", "none"),
    "smtp.security": ("ssl", "starttls", "none"),
    "agents.role": ("agent", "admin"),
    "agents.language": ("id", "en"),
    "security.default_visibility": ("internal", "public"),
    **{f"partner.{level}": PARTNER_MODES for level in ("L0", "L1", "L2")},
}
MIN_SECRET_CHARS = 16


def load(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (or nothing when path is None), apply LDP_* overrides, validate."""
    environ = {} if environ is None else environ
    if not path:
        return from_mapping({}, environ, "(defaults)")
    return from_mapping(read(path), environ, str(path), folder_of(path))


def read(path: str | Path) -> dict[str, Any]:
    """The TOML file as a mapping; a missing or unreadable file is a ConfigError."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def folder_of(path: str | Path) -> Path:
    """The folder relative paths in a configuration file start from: the file's own."""
    return Path(path).absolute().parent


def from_mapping(data: Mapping[str, Any], environ: Mapping[str, str], source: str,
                 base_dir: Path | None = None) -> Settings:
    known = set(SECTIONS) | {"teams", "agents", "rules", "categories"}
    for key in data:
        if key not in known:
            raise ConfigError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    sections = {name: _section(name, cls, data.get(name, {}), environ, source)
                for name, cls in SECTIONS.items() if cls is not Sla}
    sections["sla"] = _sla(data.get("sla", {}), environ, source)
    teams = tuple(_section("teams", Team, t, {}, source, index=i)
                  for i, t in enumerate(_table_list(data, "teams", source)))
    agents = tuple(_section("agents", Agent, a, {}, source, index=i)
                   for i, a in enumerate(_table_list(data, "agents", source)))
    rules = tuple(_table_list(data, "rules", source))
    categories = _categories(data.get("categories"), source)
    settings = Settings(**sections, teams=teams, agents=agents, rules=rules,
                        categories=categories, source=source)
    _check_references(settings)
    return resolve_paths(settings, base_dir) if base_dir else settings


def resolve_path(value: str, base: Path) -> str:
    return value if not value or Path(value).is_absolute() else str(base / value)


def resolve_paths(settings: Settings, base: Path) -> Settings:
    """Relative paths (data_dir, templates_dir, rules_file, a SQLite file) made absolute from
    `base`, the configuration file's folder, so a command means the same files wherever it
    runs."""
    support, routing, database = settings.support, settings.routing, settings.database
    support = dataclasses.replace(support, data_dir=resolve_path(support.data_dir, base),
                                  templates_dir=resolve_path(support.templates_dir, base))
    if routing.rules_file != "default":
        routing = dataclasses.replace(routing, rules_file=resolve_path(routing.rules_file, base))
    path = sqlite_path(database.url)
    if path and path != ":memory:" and not Path(path).is_absolute():
        database = dataclasses.replace(database, url="sqlite:///" + quote(str(base / path)))
    return dataclasses.replace(settings, support=support, routing=routing, database=database)


def sqlite_path(url: str) -> str | None:
    """The file of a sqlite:///FILE URL as written (relative or absolute), else None."""
    return unquote(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _table_list(data: Mapping[str, Any], key: str, source: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{source}: {key} must be an array of tables ([[{key}]])")
    return value


def _categories(value: Any, source: str) -> Mapping[str, tuple[str, ...]]:
    if value is None:
        return DEFAULT_CATEGORIES
    if not isinstance(value, dict) or set(value) - {"L0", "L1", "L2"}:
        raise ConfigError(f"{source}: categories must be a table with keys L0, L1, L2")
    merged = dict(DEFAULT_CATEGORIES)
    for level, names in value.items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"{source}: categories.{level} must be a list of strings")
        merged[level] = tuple(names)
    return merged


def _sla(raw: Any, environ: Mapping[str, str], source: str) -> Sla:
    """[sla] scalars, `collective_leave` (ISO dates) and [sla.targets.L1] tables of
    `measure = { priority = hours }`; a level or measure left out keeps its defaults."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: sla must be a table")
    scalars = {k: v for k, v in raw.items() if k not in ("targets", "collective_leave")}
    base = _section("sla", Sla, scalars, environ, source)
    leave = raw.get("collective_leave", [])
    if not isinstance(leave, list) or not all(_iso_date(d) for d in leave):
        raise ConfigError(f"{source}: sla.collective_leave must be a list of dates "
                          f"like \"2026-12-24\", got {leave!r}")
    targets = dict(base.targets)
    for level, measures in raw.get("targets", {}).items():
        if level not in ("L0", "L1", "L2") or not isinstance(measures, dict):
            raise ConfigError(f"{source}: sla.targets.{level}: expected a table for L0, L1 or L2")
        for measure, row in measures.items():
            where = f"{source}: sla.targets.{level}.{measure}"
            if measure not in SLA_MEASURES or not isinstance(row, dict):
                raise ConfigError(f"{where}: expected one of {', '.join(SLA_MEASURES)} "
                                  "as a table of priority = hours")
            for priority, hours in row.items():
                if priority not in _PRIORITIES or isinstance(hours, bool) or \
                        not isinstance(hours, (int, float)) or hours <= 0:
                    raise ConfigError(f"{where}.{priority}: expected a priority "
                                      f"({', '.join(_PRIORITIES)}) = a positive number of hours")
                targets[f"{level}.{measure}.{priority}"] = float(hours)
    if not 0 < base.reminder_share < 1:
        raise ConfigError(f"{source}: sla.reminder_share must be between 0 and 1, "
                          f"got {base.reminder_share!r}")
    return dataclasses.replace(base, collective_leave=tuple(leave), targets=targets)


def _iso_date(value: Any) -> bool:
    import datetime as _dt
    try:
        _dt.date.fromisoformat(value)
        return isinstance(value, str)
    except (TypeError, ValueError):
        return False


def _section(name: str, cls: type, raw: Any, environ: Mapping[str, str], source: str,
             index: int | None = None) -> Any:
    where = f"{name}[{index}]" if index is not None else name
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {where} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in raw:
        if key not in fields:
            raise ConfigError(f"{source}: unknown key {where}.{key} (known: {', '.join(fields)})")
    values: dict[str, Any] = {}
    for key, spec in fields.items():
        env_name = f"LDP_{name.upper()}_{key.upper()}"
        if index is None and env_name in environ:
            values[key] = _coerce(hints[key], environ[env_name], f"{env_name} (environment)",
                                  f"{name}.{key}", from_env=True)
        elif key in raw:
            values[key] = _coerce(hints[key], raw[key], f"{source}: {where}.{key}",
                                  f"{name}.{key}")
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{source}: missing required key {where}.{key}")
    return cls(**values)


def _coerce(hint: Any, value: Any, where: str, choice_key: str, from_env: bool = False) -> Any:
    if isinstance(hint, types.UnionType):
        hint = next(h for h in typing.get_args(hint) if h is not type(None))
    try:
        result = _convert(hint, value, from_env)
    except (TypeError, ValueError):
        expected = getattr(hint, "__name__", str(hint))
        if hint is Level:
            expected = "one of L0, L1, L2"
        raise ConfigError(f"{where} must be {_article(expected)}, got {value!r}") from None
    allowed = CHOICES.get(choice_key)
    if allowed and result not in allowed:
        raise ConfigError(f"{where} must be one of {', '.join(allowed)}, got {value!r}")
    return result


def _convert(hint: Any, value: Any, from_env: bool) -> Any:
    if hint is bool:
        if from_env and isinstance(value, str) and value.lower() in ("1", "true", "yes", "0",
                                                                       "false", "no"):
            return value.lower() in ("1", "true", "yes")
        if not isinstance(value, bool):
            raise TypeError
        return value
    if hint in (int, float):
        if isinstance(value, bool) or (not from_env and not isinstance(value, (int, float))):
            raise TypeError
        if hint is int and isinstance(value, float):
            raise TypeError
        return hint(value)
    if hint is Level:
        return Level(value)
    if not isinstance(value, str):
        raise TypeError
    return value


def _article(expected: str) -> str:
    return {"int": "an integer", "float": "a number", "bool": "true or false",
            "str": "a string"}.get(expected, expected)


def _check_references(settings: Settings) -> None:
    src = settings.source
    if "@" not in settings.support.address:
        raise ConfigError(f"{src}: support.address must be an email address, "
                          f"got {settings.support.address!r}")
    ids = [t.id for t in settings.teams]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{src}: teams: duplicate team id")
    for i, agent in enumerate(settings.agents):
        if settings.team(agent.team) is None:
            raise ConfigError(f"{src}: agents[{i}].team: unknown team {agent.team!r} "
                              f"(known: {', '.join(ids) or 'none'})")
    if settings.teams and not settings.teams_at(Level.L0):
        raise ConfigError(f"{src}: teams: at least one team must be at level L0")
    default = settings.routing.default_team
    if default and (settings.team(default) is None or settings.team(default).level != Level.L0):
        raise ConfigError(f"{src}: routing.default_team must name an L0 team, got {default!r}")
    # Without a real key anyone could mint reply tokens and act as an agent.
    if settings.agents and len(settings.security.secret) < MIN_SECRET_CHARS:
        raise ConfigError(f"{src}: security.secret must be at least {MIN_SECRET_CHARS} "
                          "characters when agents are configured (it keys the agents' reply "
                          "tokens; set LDP_SECURITY_SECRET)")
