"""The settings: frozen dataclasses, one per section of the configuration file, and the
tables the loader and `ldp check` read (sections, choices, defaults). Standard library only;
`gateway.config.loader` fills them from TOML plus `LDP_*` overrides.
"""
from __future__ import annotations

from datetime import date
from dataclasses import dataclass, field
from typing import Any, Mapping

from gateway.domain import Level

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
    # Which agents of the roster get the welcome mail (their cheat-sheet) once: "new" those
    # added after the gateway first ran with welcomes (the roster it found then is recorded as
    # welcomed, unmailed: they know the desk), "all" every agent not welcomed yet, "none" nobody.
    welcome_agents: str = "new"

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
    # Which followers the automatic acknowledgement of a new ticket is copied to. Anyone can
    # write a report with ten addresses in Cc and a forged From: "same-domain" copies only
    # addresses of the reporter's own domain (a superior, a colleague), "all" every follower,
    # "none" nobody. Mail a person wrote (an agent's answer, the resolution) reaches every
    # follower whatever this says: an agent has read the ticket by then.
    acknowledgement_copies: str = "same-domain"


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
    # The assignment letter (surat penugasan) that puts this person on the desk, and the days
    # it covers (YYYY-MM-DD, inclusive; "" = open). Outside them the agent cannot act.
    assignment: str = ""
    assigned_from: str = ""
    assigned_until: str = ""

    def assignment_dates(self) -> tuple[date | None, date | None]:
        """The letter's first and last day; None where open (or unreadable: `ldp check`)."""
        return _iso_date(self.assigned_from), _iso_date(self.assigned_until)


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


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


@dataclass(frozen=True)
class Actions:
    # The catalogue of actions per level (#tindakan); "default" = gateway/desk/actions.toml.
    file: str = "default"


@dataclass(frozen=True)
class Answers:
    # The operator's folder of canned answers (`#templat NAMA` in a #balas): `id/NAME.txt` and
    # `en/NAME.txt`, Jinja templates rendered in a sandbox with the ticket's fields. "" = none.
    dir: str = ""


@dataclass(frozen=True)
class Lpse:
    # The applications and LPSE a ticket may concern (#aplikasi, #lpse, the routing
    # conditions); "default" = gateway/routing/lpse.toml, which the operator replaces.
    file: str = "default"


SLA_MEASURES = ("first_response", "resolution", "update")
# Business hours per level, measure and priority (low, normal, high, urgent).
DEFAULT_SLA_TARGETS = {
    "L0": {"first_response": (8, 4, 2, 1), "resolution": (40, 16, 8, 4)},
    "L1": {"first_response": (8, 4, 2, 1), "resolution": (80, 40, 16, 8),
           "update": (16, 8, 4, 2)},
    "L2": {"first_response": (16, 8, 4, 2), "resolution": (160, 80, 40, 16),
           "update": (40, 16, 8, 4)},
}
PRIORITIES = ("low", "normal", "high", "urgent")


def default_targets() -> Mapping[str, float]:
    return {f"{level}.{measure}.{p}": float(hours) for level, measures in
            DEFAULT_SLA_TARGETS.items() for measure, row in measures.items()
            for p, hours in zip(PRIORITIES, row)}


@dataclass(frozen=True)
class Sla:
    """Service levels: targets in business hours keyed "L1.resolution.high", a reminder at
    `reminder_share` of a target, Indonesian public holidays plus collective leave days."""

    enabled: bool = True
    reminder_share: float = 0.75
    auto_escalate: bool = False
    holidays_country: str = "ID"  # "" leaves public holidays out
    collective_leave: tuple[str, ...] = ()
    targets: Mapping[str, float] = field(default_factory=default_targets)

    def target(self, level: str, measure: str, priority: str) -> float | None:
        return self.targets.get(f"{level}.{measure}.{priority}")


@dataclass(frozen=True)
class Closing:
    """The end of a ticket: a resolved ticket closes by itself `after_working_days` working days
    (the SLA calendar of its team) after its last resolution (0: never by itself). A reporter's reply within `reopen_grace_days` of the closing
    reopens it, a later one opens a new ticket linked to it. The closing mail asks the one
    satisfaction question (the IKM scale, 1 to 4) unless `survey` is off or the reporter was
    asked within `survey_period_days`; `survey_url`, when set, adds a link to a web form."""

    after_working_days: int = 3
    reopen_grace_days: int = 7
    survey: bool = True
    survey_period_days: int = 7
    survey_url: str = ""


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
    actions: Actions = field(default_factory=Actions)
    answers: Answers = field(default_factory=Answers)
    closing: Closing = field(default_factory=Closing)
    lpse: Lpse = field(default_factory=Lpse)
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
            "partner": Partner, "actions": Actions, "answers": Answers, "closing": Closing,
            "lpse": Lpse}
CHOICES = {
    "support.language": ("id", "en"),
    "support.welcome_agents": ("new", "all", "none"),
    "imap.security": ("ssl", "starttls", "none"),
    "smtp.security": ("ssl", "starttls", "none"),
    "agents.role": ("agent", "admin"),
    "agents.language": ("id", "en"),
    "security.default_visibility": ("internal", "public"),
    "loops.acknowledgement_copies": ("same-domain", "all", "none"),
    **{f"partner.{level}": PARTNER_MODES for level in ("L0", "L1", "L2")},
}
MIN_SECRET_CHARS = 16
