"""#action (#tindakan): the work an agent did, recorded against the catalogue of actions per
level (`desk.actions`). The ticket's fields stay as they are; the plan keeps the action in the
state and `desk.apply` writes it as a work-log row."""
from __future__ import annotations

from dataclasses import replace

from gateway.config import Settings
from gateway.desk import actions
from gateway.desk.state import Actor, Refusal, State
from gateway.domain import Command, Transition
from gateway.text.problems import problem


def action(command: Command, state: State, transition: Transition, actor: Actor,
           settings: Settings) -> State:
    """`KODE [APLIKASI] catatan`: a code the actor's level may use, and the application when
    the code needs one. A refusal lists the codes the level may use."""
    catalogue = actions.catalogue(settings.actions.file)
    try:
        kind, application, note = actions.read(command.text or "", catalogue, actor.level)
    except LookupError as exc:
        word = (command.text or "").split(maxsplit=1)[0][:50] if command.text else ""
        raise Refusal(problem(exc.args[0], action=word, level=actor.level,
                              known=catalogue.codes_for(actor.level),
                              applications=catalogue.applications)) from None
    done = actions.Action(kind.code, application, note, actor.email, actor.team, actor.level)
    return replace(state, actions=(*state.actions, done))
