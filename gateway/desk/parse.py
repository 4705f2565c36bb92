"""The `#command` block at the top of an agent's reply, parsed into `Command`s.

The block is the run of lines at the very top of the fresh text (leading blank lines skipped)
whose first non-space character is `#`. Blank lines inside the block are skipped; the first other
non-blank line ends it, and everything from there on is the body, never read for commands.

Command names are case-insensitive and each has an Indonesian alias; `Command.name` is always the
canonical English name. The words and the argument kind of each command come from the registry
(`desk.registry`).

Parsing never raises: an unknown command or a malformed line becomes a `Command` whose `error`
is a `Problem` (a code and its values, worded in the agent's language only when a receipt shows
it), so the pipeline can refuse the block and tell the agent why.
"""
from __future__ import annotations

import re
from typing import Callable

from gateway.desk.registry import BY_WORD, EMERGENCY, ArgKind, CommandSpec
from gateway.domain import Command, Level
from gateway.parsers.followers import plain_email
from gateway.text.problems import Problem, problem

# A block longer than this is abuse or a mistake; the rest is reported once, not parsed.
MAX_COMMANDS = 50
# Longer lines are refused without parsing, so nothing downstream echoes megabytes of text.
MAX_LINE_CHARS = 1000

_LEVEL_WORDS = {level.value: level for level in Level}
# Anything shaped like a level ("L3", "l9") is read as a level, so a typo is refused rather than
# silently becoming the first word of the reason.
_LEVEL_SHAPE = re.compile(r"[Ll][0-9]+")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_ME = frozenset({"me", "saya"})
# A ticket reference as agents write it: LDP-123, ldp-000123, [LDP-000123].
_TICKET = re.compile(r"\[?([A-Za-z][A-Za-z0-9]{0,15})-([0-9]{1,12})\]?[.,;]?")


def parse_block(fresh_text: str) -> tuple[tuple[Command, ...], str]:
    """The commands at the top of `fresh_text`, and the body that follows them."""
    lines = fresh_text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    commands: list[Command] = []
    body_start = len(lines)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            body_start = index
            break
        if len(commands) < MAX_COMMANDS:
            commands.append(parse_line(stripped))
        elif len(commands) == MAX_COMMANDS:
            # One error stands for the whole overflow, so the result stays small.
            commands.append(_error(stripped, "", problem("too_many", max=MAX_COMMANDS)))
    return tuple(commands), _trim_blank_lines(lines[body_start:])


def parse_line(line: str) -> Command:
    """One `#command` line to a Command, with `error` set when invalid."""
    line = line.strip()
    if not line.startswith("#"):
        return _error(line, "", problem("not_a_command"))
    if len(line) > MAX_LINE_CHARS:
        return _error(line, "", problem("line_too_long", max=MAX_LINE_CHARS))
    after_hash = line[1:]
    if not after_hash or after_hash[0].isspace():
        return _error(line, "", problem("missing_name"))
    word, rest = _first_word(after_hash)
    spec = BY_WORD.get(word.lower())
    if spec is None:
        return _error(line, word.lower(), problem("unknown_command", word=f"#{word}"))
    return _PARSERS[spec.kind](spec, line, rest)


def _error(line: str, name: str, error: Problem) -> Command:
    return Command(line=line, name=name, error=error)


def _parse_none(spec: CommandSpec, line: str, rest: str) -> Command:
    if rest:
        return _error(line, spec.name, problem("no_arguments", command=spec.name))
    return Command(line=line, name=spec.name)


def _parse_text(spec: CommandSpec, line: str, rest: str) -> Command:
    if not rest:
        return _error(line, spec.name, problem(spec.missing, command=spec.name))
    return Command(line=line, name=spec.name, text=rest)


def _parse_name(spec: CommandSpec, line: str, rest: str) -> Command:
    if not rest:
        return _error(line, spec.name, problem(spec.missing, command=spec.name))
    return Command(line=line, name=spec.name, args=(rest,))


def _parse_level_text(spec: CommandSpec, line: str, rest: str) -> Command:
    head, tail = _first_word(rest)
    level = _LEVEL_WORDS.get(head.upper())
    if level is None and not _LEVEL_SHAPE.fullmatch(head):
        # No level named: the whole rest is the reason, and the table picks the next level.
        args, text = (), rest
    elif level not in spec.levels:
        return _error(line, spec.name, problem("level_must_be", command=spec.name,
                                               levels=tuple(spec.levels)))
    else:
        args, text = (level.value,), tail
        word, after = _first_word(tail)
        if word.lower() in spec.emergency:
            args, text = (level.value, EMERGENCY), after
    if not text:
        return _error(line, spec.name, problem(spec.missing, command=spec.name))
    return Command(line=line, name=spec.name, args=args, text=text)


def _parse_agent(spec: CommandSpec, line: str, rest: str) -> Command:
    words = rest.split()
    who = words[0].strip("<>").lower() if len(words) == 1 else ""
    if who in _ME:
        return Command(line=line, name=spec.name, args=("me",))
    if _EMAIL.fullmatch(who):
        return Command(line=line, name=spec.name, args=(who,))
    return _error(line, spec.name, problem("needs_agent", command=spec.name))


def _parse_choice(spec: CommandSpec, line: str, rest: str) -> Command:
    words = rest.split()
    value = dict(spec.choices).get(words[0].lower()) if len(words) == 1 else None
    if value is None:
        options = tuple(dict.fromkeys(canonical for _, canonical in spec.choices))
        return _error(line, spec.name, problem("needs_choice", command=spec.name,
                                               choices=options))
    return Command(line=line, name=spec.name, args=(value,))


def _parse_email(spec: CommandSpec, line: str, rest: str) -> Command:
    words = rest.split()
    email = plain_email(words[0].strip("<>").removeprefix("mailto:")) if len(words) == 1 \
        else None
    if email is None:
        return _error(line, spec.name, problem("needs_email", command=spec.name))
    return Command(line=line, name=spec.name, args=(email,))


def _parse_ticket(spec: CommandSpec, line: str, rest: str) -> Command:
    words = rest.split()
    match = _TICKET.fullmatch(words[0]) if len(words) == 1 else None
    if match is None:
        return _error(line, spec.name, problem("needs_ticket", command=spec.name))
    # Written as the gateway writes references (`threading.format_ref`), so LDP-123 and
    # LDP-000123 name one ticket.
    return Command(line=line, name=spec.name,
                   args=(f"{match.group(1).upper()}-{int(match.group(2)):06d}",))


_PARSERS: dict[ArgKind, Callable[[CommandSpec, str, str], Command]] = {
    ArgKind.NONE: _parse_none,
    ArgKind.TEXT: _parse_text,
    ArgKind.NAME: _parse_name,
    ArgKind.LEVEL_TEXT: _parse_level_text,
    ArgKind.AGENT: _parse_agent,
    ArgKind.CHOICE: _parse_choice,
    ArgKind.EMAIL: _parse_email,
    ArgKind.TICKET: _parse_ticket,
}


def _first_word(text: str) -> tuple[str, str]:
    """The first whitespace-separated word of `text`, and the rest without surrounding space."""
    parts = text.split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def _trim_blank_lines(lines: list[str]) -> str:
    """The lines joined, without the blank lines at either end (inner ones are kept)."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])
