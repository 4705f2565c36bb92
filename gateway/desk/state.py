"""What a plan works on: the fields of a ticket that commands change (`State`), who acts
(`Actor`), and the answer of one line (`Step`). Plain data, shared by the plan, the command
steps in `desk/commands/`, the apply and the notices."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from gateway.config import Settings, Team
from gateway.desk.actions import Action
from gateway.domain import Command, Level, Links, Priority, Status, Ticket
from gateway.text.problems import Problem, problem

FIELDS = ("level", "team", "status", "priority", "category", "assignee", "application", "lpse")
# The event a block that takes a ticket out of L0 writes: old = the L0 team, new = the L0 agent
# (None: the whole team). The last one names the ticket's keeper (`Keeper`).
KEEPER_EVENT = "l0_keeper"
# The event a lead's emergency jump writes besides its #escalate: old = the level it left, new =
# the level it reached, the detail the reason. Reports and `ldp tickets show` find them by kind.
EMERGENCY_EVENT = "emergency_jump"
# The event a move of level writes when the ticket had a category: old = the level it left, new
# = the category it had there. Each level keeps its own category in the history, whatever the
# next level sets (`categories_by_level`).
LEVEL_CATEGORY_EVENT = "level_category"

# What a line may change and its receipt shows: the ticket's fields, its followers, and its
# links to other tickets (#merge, #parent, #related; `desk/commands/links.py`).
CHANGED = (*FIELDS, "followers", "merged_into", "parent", "related")


class Refusal(Exception):
    """A line whose value does not fit the ticket or the configuration; carries a Problem."""


@dataclass(frozen=True)
class Actor:
    """Who issues a command block: an authenticated agent, or the service-level timers acting
    as the ticket's own level."""

    email: str
    level: Level
    team: str
    organisation: str
    role: str = "agent"
    lead: bool = False  # `lead = true` in the roster: may make an emergency jump
    # The assignment letter (surat penugasan) and the days it covers (None: open).
    assignment: str = ""
    assigned_from: date | None = None
    assigned_until: date | None = None


@dataclass(frozen=True)
class Keeper:
    """Who keeps the reporter once a ticket has left L0: the agent who held it at L0 (took it
    or was assigned it), else every agent of the L0 team that held it (`agent` None). They
    hear each update from the higher level and may still #reply and #note (`permissions`)."""

    team: str
    agent: str | None = None

    def includes(self, actor: "Actor") -> bool:
        if self.agent:
            return actor.email.lower() == self.agent.lower()
        return actor.team == self.team


@dataclass(frozen=True)
class State:
    """The fields of a ticket that commands change."""

    level: Level
    team: str
    status: Status
    priority: Priority
    category: str | None
    assignee: str | None
    # Not fields of the ticket row: whom #follow refuses, and the followers it changes.
    reporter: str = ""
    followers: tuple[str, ...] = ()
    # The work the block's #tindakan lines record (`desk.apply` writes one work-log row each).
    actions: tuple[Action, ...] = ()
    # The ticket's links (#merge, #parent, #related), and those of the tickets the block names,
    # read by the caller (the plan stays pure): `links` is the ticket's own.
    ref: str = ""
    merged_into: str | None = None
    parent: str | None = None
    related: tuple[str, ...] = ()
    links: Links | None = None
    named: tuple[Links, ...] = ()

    def named_ticket(self, ref: str) -> Links | None:
        """The links of a ticket the block names, or None when no such ticket exists."""
        return next((n for n in self.named if n.ref == ref), None)
    # What the ticket concerns (#aplikasi, #lpse): the application's name, the LPSE's code.
    application: str | None = None
    lpse: str | None = None


@dataclass(frozen=True)
class Change:
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Step:
    """One line of the block: what it changes, or why it cannot run."""

    command: Command
    error: Problem | None = None
    changes: tuple[Change, ...] = ()
    implicit: bool = False  # the default #note or #reply of a reply that names neither

    def change(self, field: str) -> Change | None:
        return next((c for c in self.changes if c.field == field), None)


def state_of(ticket: Ticket, followers: tuple[str, ...] = (), links: Links | None = None,
             named: tuple[Links, ...] = ()) -> State:
    return State(ticket.level, ticket.team, ticket.status, ticket.priority, ticket.category,
                 ticket.assignee, ticket.reporter.email.lower(), tuple(followers),
                 ref=ticket.ref, merged_into=links.merged_into if links else None,
                 parent=links.parents[0] if links and links.parents else None,
                 related=links.related if links else (), links=links, named=named,
                 application=ticket.application, lpse=ticket.lpse)


def organisation(settings: Settings, team_id: str) -> str:
    team = settings.team(team_id)
    return team.organisation if team else ""


def team_at(settings: Settings, level: Level, organisation_name: str) -> Team:
    """The team of `organisation_name` at `level`; a Refusal when it has none there."""
    team = next((t for t in settings.teams_at(level)
                 if t.organisation.lower() == organisation_name.lower()), None)
    if team is None:
        raise Refusal(problem("no_team_at_level", organisation=organisation_name, level=level))
    return team


def acting_teams(settings: Settings, team_id: str) -> tuple[str, ...]:
    """The teams whose agents may act on a ticket `team_id` holds: that team, and its partner
    team (same level, other organisation) when the level's `partner` mode is "act"."""
    team, partner = settings.team(team_id), settings.partner_of(team_id)
    if team is not None and partner is not None and settings.partner.mode(team.level) == "act":
        return team_id, partner.id
    return (team_id,)


def agents_at(settings: Settings, level: Level) -> tuple[str, ...]:
    """The lower-case addresses of the agents whose team is at `level`."""
    return tuple(a.email.lower() for a in settings.agents
                 if (team := settings.team(a.team)) and team.level == level)


_LEVEL_NAMES = frozenset(level.value for level in Level)


def categories_by_level(events: Iterable[tuple[str, str | None, str | None]], level: Level,
                        category: str | None) -> tuple[tuple[Level, str], ...]:
    """The category the ticket had at each level, lowest level first: from its
    `level_category` events (kind, old, new), the latest for a level it left more than once,
    and for the level it is at now its current `category`."""
    kept: dict[Level, str] = {}
    for kind, old, new in events:
        if kind == LEVEL_CATEGORY_EVENT and old in _LEVEL_NAMES and new:
            kept[Level(old)] = new
    if category:
        kept[level] = category
    return tuple((lv, kept[lv]) for lv in Level if lv in kept)
