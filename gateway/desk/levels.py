"""The level/status transition table: `(level, status, command) -> Transition`.

`RULES` is the whole plan, one row per kind of move; `TABLE` is those rows spelled out for every
level and status, built once at import. A key that is not in `TABLE` is not allowed, and
`transition_for` says why. `Transition.to_level` is set only when the level changes.

The flow: a new ticket is L0/new; the first agent action on a new ticket opens it; #escalate and
#return move one level (or to the level named) and open the ticket; #pending, #resolve and
#close set their status; #reopen opens a resolved or closed ticket; the work commands (#reply,
#note, ...) keep the level and the status, except that they open a new ticket. Nothing but
#reopen, #check and #help is allowed on a closed ticket.
"""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Mapping

from gateway.desk import registry
from gateway.domain import Level, Status, Transition
from gateway.errors import InvalidTransition
from gateway.text.problems import Problem, problem

NEW, OPEN, PENDING, RESOLVED, CLOSED = (
    Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED)
_ACTIVE = (NEW, OPEN, PENDING)
_LEVELS = tuple(Level)  # lowest first: a level's index is its rank
_KEEP = None  # in a row's "to" column: the status stays what it was

# Commands that work on a ticket without moving it (the registry's `Flow.WORK`).
WORK = registry.names(flow=registry.Flow.WORK)
# Commands that only read: they change nothing, so they are allowed even on a closed ticket.
QUERIES = registry.names(flow=registry.Flow.QUERY)

# (commands, from statuses, to status or _KEEP, levels moved: +1 up, -1 down, 0 stays).
# A resolved ticket must be reopened before it is escalated, returned, put on hold or resolved
# again, so that the reopening is recorded as its own event.
RULES: tuple[tuple[tuple[str, ...], tuple[Status, ...], Status | None, int], ...] = (
    (WORK, (NEW,), OPEN, 0),
    (WORK, (OPEN, PENDING, RESOLVED), _KEEP, 0),
    (("escalate",), _ACTIVE, OPEN, +1),
    (("return",), _ACTIVE, OPEN, -1),
    (("pending",), _ACTIVE, PENDING, 0),
    (("resolve",), _ACTIVE, RESOLVED, 0),
    (("close",), (*_ACTIVE, RESOLVED), CLOSED, 0),
    # A duplicate merged into another ticket is closed: its mail lands on the other one.
    (("merge",), (*_ACTIVE, RESOLVED), CLOSED, 0),
    (("reopen",), (RESOLVED, CLOSED), OPEN, 0),
    (QUERIES, tuple(Status), _KEEP, 0),
)

# Every command the table knows, in the order of the rows.
COMMANDS: tuple[str, ...] = tuple(dict.fromkeys(c for row in RULES for c in row[0]))
# The direction of each command that moves the level.
MOVES: Mapping[str, int] = MappingProxyType(
    {c: move for commands, _, _, move in RULES if move for c in commands})

# The farthest a command may move a ticket in one line. Escalation follows the decree's order,
# L0 -> L1 -> L2, one level at a time; only a lead's emergency (`#escalate L2 emergency
# <reason>`, allowed by the permission rule "emergency-lead") may go farther. #return may hand a
# ticket straight down to any lower level.
REACH: Mapping[str, int] = MappingProxyType({"escalate": 1})

# Why a missing key is missing, when the bare "not allowed" would leave the agent guessing.
_LEVEL_HINTS = {
    ("escalate", _LEVELS[-1]): problem("highest_level", level=_LEVELS[-1]),
    ("return", _LEVELS[0]): problem("lowest_level", level=_LEVELS[0]),
}
_COMMAND_HINTS = {"reopen": problem("reopen_only")}
_STATUS_HINTS = {
    RESOLVED: problem("is_resolved", reopen="reopen"),
    CLOSED: problem("is_closed", reopen="reopen"),
}


def _shift(level: Level, move: int) -> Level | None:
    """The level `move` steps above `level`, or None past either end."""
    rank = _LEVELS.index(level) + move
    return _LEVELS[rank] if 0 <= rank < len(_LEVELS) else None


def _expand(rules: tuple) -> Mapping[tuple[Level, Status, str], Transition]:
    table: dict[tuple[Level, Status, str], Transition] = {}
    for commands, statuses, to_status, move in rules:
        for level in _LEVELS:
            to_level = _shift(level, move) if move else None
            if move and to_level is None:
                continue  # nothing above the top level or below the bottom one
            for status in statuses:
                result = status if to_status is _KEEP else to_status
                for command in commands:
                    table[(level, status, command)] = Transition(
                        command, status, result, to_level)
    return MappingProxyType(table)


TABLE: Mapping[tuple[Level, Status, str], Transition] = _expand(RULES)


def transition_for(level: Level, status: Status, command: str,
                   target: Level | None = None, emergency: bool = False) -> Transition:
    """The transition `command` makes on a ticket at `level`/`status`; `target` names a level
    for #escalate or #return, `emergency` lets it go past the command's `REACH`. Raises
    InvalidTransition, carrying the Problem, when the table does not allow it."""
    name = command.lower()
    if name not in COMMANDS:
        raise InvalidTransition(problem("unknown_command", word=f"#{command}"))
    transition = TABLE.get((level, status, name))
    if transition is None:
        raise InvalidTransition(_refusal(level, status, name))
    if target is None:
        return transition
    return _retarget(transition, level, name, target, emergency)


def _retarget(transition: Transition, level: Level, command: str,
              target: Level | str, emergency: bool = False) -> Transition:
    """The default one-step move replaced by a move to `target`, once it is checked."""
    move = MOVES.get(command)
    if move is None:
        raise InvalidTransition(problem("takes_no_level", command=command))
    if target not in _LEVELS:
        raise InvalidTransition(problem("unknown_level", level=target))
    target = Level(target)
    if target == level:
        raise InvalidTransition(problem("already_at_level", command=command, level=level,
                                        target=target))
    if (_LEVELS.index(target) - _LEVELS.index(level)) * move < 0:
        raise InvalidTransition(problem("moves_up" if move > 0 else "moves_down",
                                        command=command, level=level, target=target))
    reach = REACH.get(command)
    if reach is not None and not emergency and \
            abs(_LEVELS.index(target) - _LEVELS.index(level)) > reach:
        raise InvalidTransition(problem("one_step", command=command, level=level,
                                        target=target, next=_shift(level, move * reach)))
    return replace(transition, to_level=target)


def _refusal(level: Level, status: Status, command: str) -> Problem:
    hint = (_LEVEL_HINTS.get((command, level)) or _COMMAND_HINTS.get(command)
            or _STATUS_HINTS.get(status))
    allowed = allowed_commands(level, status)
    if hint is None:
        return problem("not_allowed", command=command, level=level, status=status,
                       commands=allowed)
    return problem("not_allowed_because", command=command, level=level, status=status,
                   hint=hint, commands=allowed)


def allowed_commands(level: Level, status: Status) -> tuple[str, ...]:
    """The commands the table allows on a ticket at `level`/`status`, in table order."""
    return tuple(c for c in COMMANDS if (level, status, c) in TABLE)


def describe_table() -> list[tuple[str, str, str, str]]:
    """Every allowed (level, status, command, result) as text, ordered by level then status."""
    rows = []
    for level in _LEVELS:
        for status in Status:
            for command in allowed_commands(level, status):
                rows.append((level.value, status.value, command,
                             _describe(TABLE[(level, status, command)])))
    return rows


def _describe(transition: Transition) -> str:
    moved = f" at {transition.to_level}" if transition.to_level else ""
    return f"{transition.to_status}{moved}"
