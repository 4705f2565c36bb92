"""#aplikasi and #lpse: what the ticket concerns, named from the operator's list
(`routing.lpse`). Intake sets both from the report; an agent corrects or clears them (`-`)."""
from __future__ import annotations

from dataclasses import replace

from gateway.config import Settings
from gateway.desk.state import Actor, Refusal, State
from gateway.domain import Command, Transition
from gateway.routing import lpse
from gateway.text.problems import problem


def application(command: Command, state: State, transition: Transition, actor: Actor,
                settings: Settings) -> State:
    """One of the list's applications (SPSE, SIKaP), or lainnya/other; "-" clears it."""
    word = command.args[0].strip()
    if word.lower() in lpse.NONE_WORDS:
        return replace(state, application=None)
    listed = lpse.directory(settings.lpse.file)
    name = listed.find_application(word)
    if name is None:
        raise Refusal(problem("unknown_app_name", name=word[:50],
                              applications=listed.application_names()))
    return replace(state, application=name)


def lpse_instance(command: Command, state: State, transition: Transition, actor: Actor,
                  settings: Settings) -> State:
    """An LPSE of the list by its code, name, a phrase or a domain; "-" clears it. An unknown
    one is refused with the close ones, or with an example of how to name one."""
    words = command.args[0].strip()
    if words.lower() in lpse.NONE_WORDS:
        return replace(state, lpse=None)
    listed = lpse.directory(settings.lpse.file)
    entry = listed.find_lpse(words)
    if entry is not None:
        return replace(state, lpse=entry.code)
    close = tuple(f"{code} ({listed.get(code).name})" for code in listed.close_to(words))
    if close:
        raise Refusal(problem("unknown_lpse_close", name=words[:80], known=close))
    example = listed.lpse[0] if listed.lpse else None
    raise Refusal(problem("unknown_lpse", name=words[:80], count=len(listed.lpse),
                          example=f"{example.code} / {example.name}" if example else "-"))
