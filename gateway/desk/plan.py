"""The plan for a command block: every line checked, and its effect worked out, before anything
is written. Pure: nothing here touches the database or the outbox.

`make_plan` walks the commands in order over a simulated `State`. The permission rules
(`desk.permissions`) judge the actor against the ticket as the actor found it; the levels table
(`desk.levels`) judges each line against the state the lines above it left; the command's own
step (`desk/commands/`, named by the registry) checks its value against the configuration. The
plan says, line by line, what would change or why not; `desk.apply` writes it only when no line
has an error. An agent's reply and the service-level timers' automatic #escalate are planned
here alike.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Sequence

from gateway.config import Agent, Settings
from gateway.desk import levels, permissions, registry
from gateway.desk.state import (CHANGED, FIELDS, Actor, Change, Keeper, Refusal, State, Step,
                                acting_teams, agents_at, state_of)
from gateway.domain import Command, Level, Links, Ticket
from gateway.errors import InvalidTransition
from gateway.text.problems import Problem, problem

__all__ = ["Actor", "Change", "Keeper", "Plan", "State", "Step", "actor_for", "is_emergency",
           "l0_keeper", "make_plan", "state_of"]


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


def actor_for(agent: Agent, settings: Settings) -> Actor:
    team = settings.team(agent.team)
    begins, ends = agent.assignment_dates()
    return Actor(agent.email.lower(), team.level, team.id, team.organisation, agent.role,
                 lead=agent.lead, assignment=agent.assignment, assigned_from=begins,
                 assigned_until=ends)


def make_plan(ticket: Ticket, commands: Sequence[Command], body: str, actor: Actor,
              settings: Settings, keeper: Keeper | None = None,
              followers: Sequence[str] = (), today: date | None = None,
              links: Links | None = None, named: Sequence[Links] = ()) -> Plan:
    """Check every line of the block in order; see the module docstring. `keeper`: the
    ticket's L0 keeper, when it has left L0 (read from its events by the caller);
    `followers`: the ticket's followers' addresses (for #follow and #unfollow); `today`: the
    caller's date, against the actor's assignment letter (None: not checked); `links`: the
    ticket's links, `named`: those of the tickets the block names (#merge, #parent,
    #related; a ticket that does not exist is not among them)."""
    commands, implicit = _with_default(tuple(commands), body, settings)
    level_agents = agents_at(settings, ticket.level)
    rights = dict(ticket_team=ticket.team, acting_teams=acting_teams(settings, ticket.team),
                  keeper=keeper, today=today)
    before = state = state_of(ticket, tuple(followers), links, tuple(named))
    steps: list[Step] = []
    destination: str | None = None
    for command in commands:
        error = (permissions.check(actor, ticket.level, command, level_agents, **rights)
                 or _destination_error(command, body, destination))
        changes: tuple[Change, ...] = ()
        if error is None:
            try:
                after = _run(command, state, actor, settings)
            except (InvalidTransition, Refusal) as exc:
                error = exc.args[0]
            else:
                changes, state = _diff(state, after), after
        if _is_destination(command) and error is None:
            destination = command.name
        steps.append(Step(command, error, changes, implicit=command is implicit))
    steps = _check_final_team(steps, before, state, settings)
    names = {c.name for c in commands}
    return Plan(tuple(steps), before, state, body, destination == "reply",
                dry_run="check" in names, wants_help="help" in names)


def l0_keeper(plan: Plan) -> Keeper | None:
    """The keeper a block leaves behind when it takes the ticket out of L0: the L0 team that
    held the ticket when the block began, and the agent assigned at L0 by the line that moves
    it up (the assignee the block found, as its own #take, #assign or #unassign lines left it;
    the clearing that comes with #team or #escalate does not count: "#take, #team telkom,
    #escalate" keeps the taker). None when the block does not leave L0."""
    if plan.before.level != Level.L0 or plan.after.level == Level.L0:
        return None
    agent = plan.before.assignee
    for step in plan.steps:
        if step.change("level"):
            break
        change = step.change("assignee")
        if change is not None and step.command.name in ("assign", "take", "unassign"):
            agent = change.new
    return Keeper(plan.before.team, agent)


def is_emergency(command: Command) -> bool:
    """A lead's emergency jump: `#escalate L2 emergency <reason>`."""
    return registry.EMERGENCY in command.args[1:]


def _is_destination(command: Command) -> bool:
    row = registry.spec(command.name)
    return row is not None and row.destination


def _with_default(commands: tuple[Command, ...], body: str,
                  settings: Settings) -> tuple[tuple[Command, ...], Command | None]:
    """The block plus the configured default for the body when it names no destination."""
    if not body.strip() or any(_is_destination(c) for c in commands):
        return commands, None
    name = "reply" if settings.security.default_visibility == "public" else "note"
    default = Command(line=f"(default: #{name})", name=name)
    return (*commands, default), default


def _destination_error(command: Command, body: str, chosen: str | None) -> Problem | None:
    if not _is_destination(command):
        return None
    if chosen is not None:
        return problem("destination_conflict", command=command.name, chosen=chosen,
                       reply="reply", note="note")
    if not body.strip():
        return problem("needs_message", command=command.name)
    return None


def _run(command: Command, state: State, actor: Actor, settings: Settings) -> State:
    """The state after `command`; raises InvalidTransition or Refusal."""
    target = Level(command.args[0]) if command.name in levels.MOVES and command.args else None
    transition = levels.transition_for(state.level, state.status, command.name, target,
                                       emergency=is_emergency(command))
    after = replace(state, status=transition.to_status)
    row = registry.spec(command.name)
    step = row.plan if row is not None else None
    return step(command, after, transition, actor, settings) if step else after


def _diff(before: State, after: State) -> tuple[Change, ...]:
    return tuple(Change(f, _text(getattr(before, f)), _text(getattr(after, f))) for f in CHANGED
                 if getattr(before, f) != getattr(after, f))


def _text(value: object) -> str | None:
    if isinstance(value, tuple):  # the followers
        return ", ".join(value) or None
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
