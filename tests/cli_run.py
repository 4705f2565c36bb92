"""Running the real `ldp` command in a subprocess, and the tree of its subcommands as the parser
defines it (so a subcommand added later is tested without anyone listing it here)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gateway import cli
from gateway.cli import support as cli_support

# The exit codes the README documents; 70 (an unexpected error) is documented too, but a test
# that meets it has found a bug.
DOCUMENTED = {0, 2, 65, 66, 73, 74, 75, 78}
# Commands that create or change the database (or start servers) when given good arguments.
WRITERS = {("init",), ("run",), ("ingest",), ("demo",)}
SAMPLES = {cli_support.iso_date: "2026-01-01", cli_support.row_id: "1",
           cli_support.email_address: "lead@lkpp.example", cli_support.seconds: "1"}


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def assert_one_line(self, code: int | set[int] | None = None, lines: int = 1) -> None:
        """No traceback anywhere, at most `lines` lines on stderr, and the exit code."""
        assert "Traceback" not in self.out + self.err, self.err
        assert len(self.err_lines) <= lines, self.err
        if code is not None:
            codes = {code} if isinstance(code, int) else code
            assert self.code in codes, (self.code, self.err)


def ldp(cwd: Path, *args: str, stdin: bytes = b"", env: dict | None = None,
        timeout: float = 120) -> Result:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LDP_")}
    environ.update({"LDP_CONFIG": str(cwd / "ldp.toml"), "LANG": "C", **(env or {})})
    done = subprocess.run([sys.executable, "-m", "gateway", *args], cwd=cwd, env=environ,
                          input=stdin, capture_output=True, timeout=timeout)
    return Result(done.returncode, done.stdout.decode(errors="replace"),
                  done.stderr.decode(errors="replace"))


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    parser: argparse.ArgumentParser

    def __str__(self) -> str:
        return " ".join(self.path)

    @property
    def arguments(self) -> list[argparse.Action]:
        return [a for a in self.parser._actions
                if not isinstance(a, (argparse._HelpAction, argparse._VersionAction))]

    def required(self) -> list[argparse.Action]:
        return [a for a in self.arguments if a.required
                or (not a.option_strings and a.nargs not in ("?", "*"))]

    def words(self, action: argparse.Action, value: str) -> list[str]:
        return [action.option_strings[0], value] if action.option_strings else [value]

    def good(self, action: argparse.Action) -> str:
        if action.choices:
            return list(action.choices)[0]
        return SAMPLES.get(action.type, "x")

    def filled(self, *, but: argparse.Action | None = None) -> list[str]:
        """The command with a plausible value for every required argument except `but`."""
        words = list(self.path)
        for action in self.required():
            if action is not but:
                words += self.words(action, self.good(action))
        return words


def commands() -> list[Command]:
    """Every leaf of the parser's tree of subcommands."""
    found: list[Command] = []

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups:
            found.append(Command(path, parser))
        for group in groups:
            for name, child in group.choices.items():
                walk(child, path + (name,))

    walk(cli.build_parser(), ())
    return found


def takes_a_value(action: argparse.Action) -> bool:
    return action.nargs != 0 and not isinstance(action, (argparse._StoreTrueAction,
                                                         argparse._StoreFalseAction,
                                                         argparse._CountAction))
