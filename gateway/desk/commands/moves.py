"""#escalate, #return and #team: the ticket moves to another team."""
from __future__ import annotations

from dataclasses import replace

from gateway.config import Settings
from gateway.desk.state import Actor, Refusal, State, organisation, team_at
from gateway.domain import Command, Transition
from gateway.text.problems import problem


def move(command: Command, state: State, transition: Transition, actor: Actor,
         settings: Settings) -> State:
    """#escalate and #return: to the team of the same organisation at the new level."""
    # The ticket keeps its organisation; #team anywhere in the block picks the other one.
    team = team_at(settings, transition.to_level, organisation(settings, state.team))
    return replace(state, level=transition.to_level, team=team.id, assignee=None)


def team(command: Command, state: State, transition: Transition, actor: Actor,
         settings: Settings) -> State:
    """#team: the other organisation's team at the same level."""
    wanted, current = command.args[0], organisation(settings, state.team)
    if current.lower() == wanted.lower():
        raise Refusal(problem("same_team", organisation=current, team=state.team))
    return replace(state, team=team_at(settings, state.level, wanted).id, assignee=None)
