"""The plan for an agent's command block: every line checked, and its effect worked out, before
anything is written.

`make_plan` walks the commands in order over a simulated `State`. The permission table
(`routing.permissions`) judges the actor against the ticket as the agent found it; the levels
table (`routing.levels`) judges each line against the state the lines above it left; the values
(the target team, the category, the assignee) are checked against the configuration. The plan
says, line by line, what would change or why not, and `agents` applies it only when no line has
an error. Nothing here touches the database.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

from gateway.config import Agent, Settings, Team
from gateway.domain import Command, Level, Priority, Status, Ticket, Transition
from gateway.errors import InvalidTransition
from gateway.problems import Problem, problem
from gateway.routing import levels, permissions

FIELDS = ("level", "team", "status", "priority", "category", "assignee")
# The commands that say where the body of the reply goes.
DESTINATIONS = ("reply", "note")
# The field an event about each command names in its old/new columns.
PRIMARY = {"escalate": "level", "return": "level", "team": "team", "assign": "assignee",
           "take": "assignee", "priority": "priority", "category": "category",
           "pending": "status", "resolve": "status", "close": "status", "reopen": "status"}


class Refusal(Exception):
    """A line whose value does not fit the ticket or the configuration; carries a Problem."""


@dataclass(frozen=True)
class State:
    """The fields of a ticket that commands change."""

    level: Level
    team: str
    status: Status
    priority: Priority
    category: str | None
    assignee: str | None


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


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    before: State
    after: State
    body: str
    body_to_reporter: bool
    dry_run: bool
    wants_help: bool

    @property
    def ok(self) -> bool:
        return all(step.error is None for step in self.steps)

    @property
    def changes(self) -> dict[str, object]:
        """The ticket fields the whole block changes, with their final values."""
        return {f: getattr(self.after, f) for f in FIELDS
                if getattr(self.after, f) != getattr(self.before, f)}


def state_of(ticket: Ticket) -> State:
    return State(ticket.level, ticket.team, ticket.status, ticket.priority, ticket.category,
                 ticket.assignee)


def actor_for(agent: Agent, settings: Settings) -> permissions.Actor:
    team = settings.team(agent.team)
    return permissions.Actor(agent.email.lower(), team.level, team.id, team.organisation,
                             agent.role)


def agents_at(settings: Settings, level: Level) -> tuple[str, ...]:
    """The lower-case addresses of the agents whose team is at `level`."""
    return tuple(a.email.lower() for a in settings.agents
                 if (team := settings.team(a.team)) and team.level == level)


def make_plan(ticket: Ticket, commands: Sequence[Command], body: str, agent: Agent,
              settings: Settings) -> Plan:
    """Check every line of the block in order; see the module docstring."""
    commands, implicit = _with_default(tuple(commands), body, settings)
    actor = actor_for(agent, settings)
    level_agents = agents_at(settings, ticket.level)
    before = state = state_of(ticket)
    steps: list[Step] = []
    destination: str | None = None
    for command in commands:
        error = (permissions.check(actor, ticket.level, command, level_agents)
                 or _destination_error(command, body, destination))
        changes: tuple[Change, ...] = ()
        if error is None:
            try:
                after = _run(command, state, actor, settings)
            except (InvalidTransition, Refusal) as exc:
                error = exc.args[0]
            else:
                changes, state = _diff(state, after), after
        if command.name in DESTINATIONS and error is None:
            destination = command.name
        steps.append(Step(command, error, changes, implicit=command is implicit))
    steps = _check_final_team(steps, before, state, settings)
    names = {c.name for c in commands}
    return Plan(tuple(steps), before, state, body, destination == "reply",
                dry_run="check" in names, wants_help="help" in names)


def _with_default(commands: tuple[Command, ...], body: str,
                  settings: Settings) -> tuple[tuple[Command, ...], Command | None]:
    """The block plus the configured default for the body when it names no destination."""
    if not body.strip() or any(c.name in DESTINATIONS for c in commands):
        return commands, None
    name = "reply" if settings.security.default_visibility == "public" else "note"
    default = Command(line=f"(default: #{name})", name=name)
    return (*commands, default), default


def _destination_error(command: Command, body: str, chosen: str | None) -> Problem | None:
    if command.name not in DESTINATIONS:
        return None
    if chosen is not None:
        return problem("destination_conflict", command=command.name, chosen=chosen,
                       reply="reply", note="note")
    if not body.strip():
        return problem("needs_message", command=command.name)
    return None


def _run(command: Command, state: State, actor: permissions.Actor, settings: Settings) -> State:
    """The state after `command`; raises InvalidTransition or Refusal."""
    target = Level(command.args[0]) if command.name in levels.MOVES and command.args else None
    transition = levels.transition_for(state.level, state.status, command.name, target)
    after = replace(state, status=transition.to_status)
    handler = _HANDLERS.get(command.name)
    return handler(command, after, transition, actor, settings) if handler else after


def _move(command: Command, state: State, transition: Transition, actor: permissions.Actor,
          settings: Settings) -> State:
    # The ticket keeps its organisation; #team anywhere in the block picks the other one.
    organisation = _organisation(settings, state.team)
    team = _team_at(settings, transition.to_level, organisation)
    return replace(state, level=transition.to_level, team=team.id, assignee=None)


def _team(command: Command, state: State, transition: Transition, actor: permissions.Actor,
          settings: Settings) -> State:
    organisation, current = command.args[0], _organisation(settings, state.team)
    if current.lower() == organisation.lower():
        raise Refusal(problem("same_team", organisation=current, team=state.team))
    team = _team_at(settings, state.level, organisation)
    return replace(state, team=team.id, assignee=None)


def _assign(command: Command, state: State, transition: Transition, actor: permissions.Actor,
            settings: Settings) -> State:
    target = actor.email if command.args[0] == "me" else command.args[0].lower()
    # The permission rule looked at the level the ticket started at; a line above may have
    # moved it since, and the assignee must work at the level the ticket is at by now.
    if target not in agents_at(settings, state.level):
        raise Refusal(problem("assignee_level", email=target, level=state.level))
    return replace(state, assignee=target)


def _take(command: Command, state: State, transition: Transition, actor: permissions.Actor,
          settings: Settings) -> State:
    if actor.role != "admin" and actor.level != state.level:
        raise Refusal(problem("taker_level", email=actor.email, actor_level=actor.level,
                              level=state.level))
    return replace(state, assignee=actor.email)


def _priority(command: Command, state: State, transition: Transition,
              actor: permissions.Actor, settings: Settings) -> State:
    return replace(state, priority=Priority(command.args[0]))


def _category(command: Command, state: State, transition: Transition,
              actor: permissions.Actor, settings: Settings) -> State:
    known = settings.categories.get(state.level.value, ())
    name = command.args[0].strip()
    match = next((c for c in known if c.lower() == name.lower()), None)
    if match is None:
        raise Refusal(problem("unknown_category", name=name, level=state.level,
                              known=tuple(known)))
    return replace(state, category=match)


_HANDLERS: dict[str, Callable[..., State]] = {
    "escalate": _move, "return": _move, "team": _team, "assign": _assign, "take": _take,
    "priority": _priority, "category": _category,
}


def _organisation(settings: Settings, team_id: str) -> str:
    team = settings.team(team_id)
    return team.organisation if team else ""


def _team_at(settings: Settings, level: Level, organisation: str) -> Team:
    team = next((t for t in settings.teams_at(level)
                 if t.organisation.lower() == organisation.lower()), None)
    if team is None:
        raise Refusal(problem("no_team_at_level", organisation=organisation, level=level))
    return team


def _diff(before: State, after: State) -> tuple[Change, ...]:
    return tuple(Change(f, _text(getattr(before, f)), _text(getattr(after, f))) for f in FIELDS
                 if getattr(before, f) != getattr(after, f))


def _text(value: object) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _check_final_team(steps: list[Step], before: State, after: State,
                      settings: Settings) -> list[Step]:
    """A ticket handed to a team nobody reads is lost: refuse the line that moved it there."""
    if after.team == before.team or settings.agents_of(after.team):
        return steps
    index = max(i for i, s in enumerate(steps) if s.change("team"))
    if steps[index].error is None:
        steps[index] = replace(steps[index],
                               error=problem("team_without_agents", team=after.team))
    return steps
