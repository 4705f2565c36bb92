"""#priority and #category: plain fields of the ticket."""
from __future__ import annotations

from dataclasses import replace

from gateway.config import Settings
from gateway.desk.state import Actor, Refusal, State
from gateway.domain import Command, Priority, Transition
from gateway.text.problems import problem


def priority(command: Command, state: State, transition: Transition, actor: Actor,
             settings: Settings) -> State:
    return replace(state, priority=Priority(command.args[0]))


def category(command: Command, state: State, transition: Transition, actor: Actor,
             settings: Settings) -> State:
    """One of the categories configured for the ticket's level, spelt as configured."""
    known = settings.categories.get(state.level.value, ())
    name = command.args[0].strip()
    match = next((c for c in known if c.lower() == name.lower()), None)
    if match is None:
        raise Refusal(problem("unknown_category", name=name, level=state.level,
                              known=tuple(known)))
    return replace(state, category=match)
