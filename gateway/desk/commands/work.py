"""#action (#tindakan): the work an agent did, recorded against the catalogue of actions per
level (`desk.actions`). The ticket's fields stay as they are; the plan keeps the action in the
state and `desk.apply` writes it as a work-log row."""
from __future__ import annotations

from dataclasses import replace

from gateway.config import Settings
from gateway.desk import actions, stages
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


def progress(command: Command, state: State, transition: Transition, actor: Actor,
             settings: Settings) -> State:
    """`TAHAP teks`: a known stage first (`desk.stages`), then the text. A line without one is
    refused with the stages listed; `desk.apply` writes the stage event."""
    try:
        stages.read(command.text or "")
    except LookupError:
        raise Refusal(problem("unknown_stage", command=command.name,
                              stages=tuple((w[0], w[-1]) for _, w in stages.STAGES))) from None
    except ValueError:
        raise Refusal(problem("needs_progress", command=command.name)) from None
    return state
