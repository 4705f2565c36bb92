"""#assign, #take and #unassign: who works on the ticket."""
from __future__ import annotations

from dataclasses import replace

from gateway.config import Settings
from gateway.desk.state import Actor, Refusal, State, acting_teams, agents_at
from gateway.domain import Command, Transition
from gateway.text.problems import problem


def assign(command: Command, state: State, transition: Transition, actor: Actor,
           settings: Settings) -> State:
    target = actor.email if command.args[0] == "me" else command.args[0].lower()
    # The permission rule looked at the level the ticket started at; a line above may have
    # moved it since, and the assignee must work at the level the ticket is at by now.
    if target not in agents_at(settings, state.level):
        raise Refusal(problem("assignee_level", email=target, level=state.level))
    # Only an agent who may act on the ticket can work on it: its own team's, or the partner
    # team's when the level's partner mode is "act".
    agent = settings.agent(target)
    if agent is None or agent.team not in acting_teams(settings, state.team):
        raise Refusal(problem("assignee_team", email=target, team=state.team))
    return replace(state, assignee=target)


def take(command: Command, state: State, transition: Transition, actor: Actor,
         settings: Settings) -> State:
    if actor.role != "admin" and actor.level != state.level:
        raise Refusal(problem("taker_level", email=actor.email, actor_level=actor.level,
                              level=state.level))
    if actor.role != "admin" and actor.team not in acting_teams(settings, state.team):
        raise Refusal(problem("taker_team", email=actor.email, team=state.team))
    return replace(state, assignee=actor.email)


def unassign(command: Command, state: State, transition: Transition, actor: Actor,
             settings: Settings) -> State:
    """Nobody: the ticket is the team's again (on an unassigned ticket, a line that changes
    nothing)."""
    return replace(state, assignee=None)
