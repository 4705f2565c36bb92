"""The `#command` block at the top of an agent's reply, parsed into `Command`s.

The block is the run of lines at the very top of the fresh text (leading blank lines skipped)
whose first non-space character is `#`. Blank lines inside the block are skipped; the first other
non-blank line ends it, and everything from there on is the body, never read for commands.

Command names are case-insensitive and each has an Indonesian alias; `Command.name` is always the
canonical English name. The table `COMMANDS` is the single description of every command: the
parser, `help_text` and the tests all read it.

Parsing never raises: an unknown command or a malformed line becomes a `Command` whose `error`
is a `Problem` (a code and its values, worded in the agent's language only when a receipt shows
it), so the pipeline can refuse the block and tell the agent why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable

from gateway.domain import Command, Level, Priority
from gateway.problems import Problem, problem

# A block longer than this is abuse or a mistake; the rest is reported once, not parsed.
MAX_COMMANDS = 50
# Longer lines are refused without parsing, so nothing downstream echoes megabytes of text.
MAX_LINE_CHARS = 1000


class ArgKind(StrEnum):
    """The shape of a command's arguments."""

    NONE = "none"  # nothing may follow the name
    TEXT = "text"  # free text, required; goes into Command.text
    NAME = "name"  # one value that may contain spaces, required; goes into Command.args
    LEVEL_TEXT = "level+text"  # an optional level (in args), then required text
    AGENT = "agent"  # one agent email, or me/saya (both become "me")
    CHOICE = "choice"  # one word from `choices`, stored as its canonical value


@dataclass(frozen=True)
class CommandSpec:
    """One row of the command table."""

    name: str
    aliases: tuple[str, ...]
    kind: ArgKind
    help_en: str
    help_id: str
    args_en: str = ""
    args_id: str = ""
    missing: str = ""  # the problem code when the required text is missing
    levels: tuple[Level, ...] = ()  # the levels LEVEL_TEXT accepts
    choices: tuple[tuple[str, str], ...] = ()  # accepted word -> canonical value

    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


_PRIORITIES = (
    ("low", Priority.LOW.value), ("rendah", Priority.LOW.value),
    ("normal", Priority.NORMAL.value),
    ("high", Priority.HIGH.value), ("tinggi", Priority.HIGH.value),
    ("urgent", Priority.URGENT.value), ("mendesak", Priority.URGENT.value),
)

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("reply", ("balas",), ArgKind.NONE,
                "Send the body to the reporter", "Kirim isi pesan ke pelapor"),
    CommandSpec("note", ("catatan",), ArgKind.NONE,
                "Keep the body as an internal note", "Simpan isi pesan sebagai catatan internal"),
    CommandSpec("escalate", ("eskalasi",), ArgKind.LEVEL_TEXT,
                "Move the ticket up a level, or to the level named",
                "Naikkan tiket satu tingkat, atau ke tingkat yang disebut",
                "[L1|L2] <reason>", "[L1|L2] <alasan>", "needs_reason", (Level.L1, Level.L2)),
    CommandSpec("return", ("kembalikan",), ArgKind.LEVEL_TEXT,
                "Move the ticket down a level, or to the level named",
                "Turunkan tiket satu tingkat, atau ke tingkat yang disebut",
                "[L0|L1] <reason>", "[L0|L1] <alasan>", "needs_reason", (Level.L0, Level.L1)),
    CommandSpec("assign", ("tugaskan",), ArgKind.AGENT,
                "Assign the ticket to an agent of its level",
                "Tugaskan tiket ke agen di tingkat tiket",
                "<agent email|me>", "<email agen|saya>"),
    CommandSpec("take", ("ambil",), ArgKind.NONE,
                "Assign the ticket to yourself", "Ambil tiket untuk Anda sendiri"),
    CommandSpec("team", ("tim",), ArgKind.CHOICE,
                "Hand the ticket to the LKPP or the Telkom team",
                "Serahkan tiket ke tim LKPP atau tim Telkom",
                "lkpp|telkom", "lkpp|telkom", choices=(("lkpp", "lkpp"), ("telkom", "telkom"))),
    CommandSpec("priority", ("prioritas",), ArgKind.CHOICE,
                "Set the priority", "Ubah prioritas",
                "low|normal|high|urgent", "rendah|normal|tinggi|mendesak", choices=_PRIORITIES),
    CommandSpec("category", ("kategori",), ArgKind.NAME,
                "Set the category", "Ubah kategori",
                "<name>", "<nama>", "needs_category"),
    CommandSpec("pending", ("tunda",), ArgKind.TEXT,
                "Put the ticket on hold, saying what it waits for",
                "Tunda tiket, dengan alasan yang ditunggu",
                "<reason>", "<alasan>", "needs_reason"),
    CommandSpec("progress", ("progres",), ArgKind.TEXT,
                "Record development progress (L2)", "Catat kemajuan pengembangan (L2)",
                "<text>", "<teks>", "needs_progress"),
    CommandSpec("resolve", ("selesai",), ArgKind.TEXT,
                "Mark the ticket resolved", "Tandai tiket selesai",
                "<resolution>", "<penyelesaian>", "needs_resolution"),
    CommandSpec("close", ("tutup",), ArgKind.NONE, "Close the ticket", "Tutup tiket"),
    CommandSpec("reopen", ("buka",), ArgKind.NONE,
                "Reopen a resolved or closed ticket",
                "Buka kembali tiket yang selesai atau ditutup"),
    CommandSpec("check", ("cek",), ArgKind.NONE,
                "Show the ticket's level and status", "Tampilkan tingkat dan keadaan tiket"),
    CommandSpec("help", ("bantuan",), ArgKind.NONE,
                "Show this list", "Tampilkan daftar ini"),
)

# Every accepted word (canonical or alias, lower case) to its row.
_BY_WORD: dict[str, CommandSpec] = {word: spec for spec in COMMANDS for word in spec.words()}
_LEVEL_WORDS = {level.value: level for level in Level}
# Anything shaped like a level ("L3", "l9") is read as a level, so a typo is refused rather than
# silently becoming the first word of the reason.
_LEVEL_SHAPE = re.compile(r"[Ll][0-9]+")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_ME = frozenset({"me", "saya"})


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
    spec = _BY_WORD.get(word.lower())
    if spec is None:
        return _error(line, word.lower(), problem("unknown_command", word=f"#{word}"))
    return _PARSERS[spec.kind](spec, line, rest)


def help_text(language: str) -> str:
    """The command list for `#help`, in Indonesian ("id") or English (anything else)."""
    indonesian = language.strip().lower().split("-")[0] == "id"
    rows = [_help_row(spec, indonesian) for spec in COMMANDS]
    width = max(len(usage) for usage, _ in rows)
    title = ("Perintah (tulis di baris paling atas balasan, satu per baris):" if indonesian
             else "Commands (write them on the first lines of your reply, one per line):")
    return "\n".join([title, *(f"{usage.ljust(width)}  {text}" for usage, text in rows)])


def command_word(name: str, language: str) -> str:
    """The word for the command `name` in `language`: its Indonesian alias for "id", else the
    name itself (also for a name that is not a command)."""
    spec = _BY_WORD.get(name)
    indonesian = language.strip().lower().split("-")[0] == "id"
    return spec.aliases[0] if spec is not None and indonesian else name


def _help_row(spec: CommandSpec, indonesian: bool) -> tuple[str, str]:
    # Each language leads with its own word and names the other one, so both are learnt.
    if indonesian:
        first, other, args, text = spec.aliases[0], spec.name, spec.args_id, spec.help_id
    else:
        first, other, args, text = spec.name, spec.aliases[0], spec.args_en, spec.help_en
    usage = f"#{first} {args}".rstrip()
    return usage, f"{text}; {'juga' if indonesian else 'also'} #{other}"


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


_PARSERS: dict[ArgKind, Callable[[CommandSpec, str, str], Command]] = {
    ArgKind.NONE: _parse_none,
    ArgKind.TEXT: _parse_text,
    ArgKind.NAME: _parse_name,
    ArgKind.LEVEL_TEXT: _parse_level_text,
    ArgKind.AGENT: _parse_agent,
    ArgKind.CHOICE: _parse_choice,
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
