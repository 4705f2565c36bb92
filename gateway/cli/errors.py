"""How the `ldp` command fails: one line on stderr, in one language, with a sysexits code.

Two places produce those lines: `Parser.error` (usage errors found by argparse, exit 2) and
`guarded` (everything a command raises). `guarded` is the command line's last guard: an
exception nobody expected still becomes one line (exit 70), and its traceback goes to the log
only when it was asked for (`--debug`, or a log level of DEBUG).
"""
from __future__ import annotations

import argparse
import errno
import logging
import re
import sys
from typing import Callable, NoReturn

from gateway import failures
from gateway.errors import ConfigError, GatewayError
from gateway.failures import EX_OK, EX_USAGE
from gateway.text.messages import t

log = logging.getLogger("ldp")


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: `ldp report: error: ... (see ...)`.
    Subparsers are built with the parent's class, so the whole tree answers the same way."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {t('error')}: {translate_usage(message)} "
              f"({t('see_help', prog=self.prog)})", file=sys.stderr)
        sys.exit(EX_USAGE)


# argparse's own English sentences (Python 3.11-3.13), in the catalogue's words.
_USAGE_PATTERNS = [
    (r"the following arguments are required: (?P<names>.*)", "arg_required"),
    (r"unrecognized arguments: (?P<names>.*)", "arg_unknown"),
    (r"argument (?P<arg>\S+): invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)",
     "arg_choice"),
    (r"argument (?P<arg>\S+): expected one argument", "arg_one_value"),
    (r"argument (?P<arg>\S+): invalid \S+ value: (?P<detail>.*)", "arg_invalid"),
    (r"argument (?P<arg>\S+): (?P<detail>.*)", "arg_invalid"),
    (r"ambiguous option: (?P<detail>.*)", "arg_ambiguous"),
]


def translate_usage(message: str) -> str:
    """argparse's message in the command line's language (its own words when unknown)."""
    message = " ".join(message.split())  # one line, whatever argparse wrapped
    for pattern, key in _USAGE_PATTERNS:
        found = re.fullmatch(pattern, message)
        if found:
            return t(key, **found.groupdict())
    return message


def require_commands(parser: argparse.ArgumentParser) -> None:
    """Make every group of subcommands in the tree required, so `ldp tickets` alone is a
    one-line usage error naming the choices (subcommands added later are covered too)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.required = True
            if action.metavar is None and action.dest == argparse.SUPPRESS:
                action.metavar = "{" + ",".join(action.choices) + "}"
            for child in action.choices.values():
                require_commands(child)


def guarded(handler: Callable[[argparse.Namespace], int | None], args: argparse.Namespace,
            debug: bool = False) -> int:
    """Run a command; whatever it raises ends as one line on stderr and an exit code (the
    code from `failures.exit_code`)."""
    try:
        return handler(args) or EX_OK
    except KeyboardInterrupt as exc:
        return failures.exit_code(exc)
    except BrokenPipeError as exc:  # `ldp tickets export | head`: the reader has what it wanted
        _silence_stdout()
        return failures.exit_code(exc)
    except Exception as exc:  # the last guard: one line, the traceback only when asked for
        code = failures.exit_code(exc)
        if isinstance(exc, ConfigError):  # `ldp check` lists every problem, each on a line
            return fail(str(exc), code, lines=50)
        if isinstance(exc, GatewayError):
            return fail(str(exc), code)
        if isinstance(exc, OSError):
            log.debug("command failed", exc_info=True)
            return fail(_os_error(exc), code)
        database_error = _database_error(exc)
        if database_error:
            log.debug("database error", exc_info=True)
            return fail(database_error, code)
        if debug:
            log.exception("unexpected error")
        return fail(t("unexpected", detail=_one_line(f"{type(exc).__name__}: {exc}")), code)


def fail(message: str, code: int, lines: int = 1) -> int:
    """Print `error: message` on stderr as one line; a list of problems (`lines` > 1) keeps up
    to that many of its lines, each made safe the same way. Returns the code."""
    parts = [part for part in str(message).splitlines() if part.strip()]
    if lines == 1 or len(parts) < 2:
        shown = [_one_line(message)]
    else:
        shown = [_one_line(part.strip()) for part in parts[:lines]]
        shown += ["…"] if len(parts) > lines else []
    try:
        print(f"{t('error')}: " + "\n  ".join(shown), file=sys.stderr)
    except OSError:
        pass
    return code


def _one_line(text: str, limit: int = 500) -> str:
    """One line a terminal shows as it is: control and bidi characters (a word on the command
    line may carry them) are escaped, and a huge value is cut."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    line = "; ".join(lines) or "-"
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)
    return line if len(line) <= limit else line[:limit - 1] + "…"


_OS_ERRORS = {errno.ENOENT: "os_enoent", errno.ENOTDIR: "os_enotdir", errno.EISDIR: "os_eisdir",
              errno.EACCES: "os_eacces", errno.EPERM: "os_eacces", errno.ENOSPC: "os_enospc",
              errno.EROFS: "os_erofs"}


def os_detail(exc: OSError) -> str:
    """What went wrong, in the catalogue's language where it has the words."""
    key = _OS_ERRORS.get(exc.errno)
    return t(key) if key else exc.strerror or str(exc) or type(exc).__name__


def _os_error(exc: OSError) -> str:
    detail = os_detail(exc)
    return detail if exc.filename is None else f"{exc.filename}: {detail}"


def _database_error(exc: Exception) -> str | None:
    """A database error that no layer below turned into a GatewayError (e.g. a corrupt page
    met in the middle of a query): one line naming it; try again once the database is fixed."""
    try:
        import peewee
    except ImportError:  # pragma: no cover - peewee is a dependency
        return None
    if isinstance(exc, peewee.DatabaseError):
        return _one_line(f"database: {exc}") if str(exc).strip() else "database error"
    return None


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's own final flush
    does not print a second error."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
