"""What each failure leads to, in one place: three tables, read first match first.

A failure is met at three edges, and each asks this module once:
- storing one inbound message (`pipeline.process`, intake's `handle_raw`): `for_message`
  says whether the message is a duplicate, quarantined, tried again at once in a fresh
  savepoint (the database refused what it carries: the poison limit), or left for later (an
  outage: nothing is acknowledged, the batch comes again);
- sending one outbox row (the SMTP connection, the SMTP worker, the sender): `smtp_failure`
  names a server's answer, `for_send` says whether the row goes again after a backoff or is
  dead (a dead letter with an event), and `backoff` how long it waits;
- ending a command (`cli_errors.guarded`): `exit_code`, a sysexits code.

Which database errors are outages and which are refusals is the database's own knowledge
(`store.outage`); `store.database.transaction` raises them as TemporaryFailure or
DatabaseRefused, and from there on this table decides.
"""
from __future__ import annotations

import errno
from enum import Enum
from typing import Callable

from gateway.errors import (CannotCreate, ConfigError, DatabaseRefused, DuplicateMessage,
                            IncompleteInstallation, MalformedMail, MissingExtra, NotFound,
                            PermanentSendFailure, TemporaryFailure, UsageError, GatewayError)

# A message the database keeps failing on is quarantined after this many tries (see poison).
POISON_ATTEMPTS = 3


class Action(str, Enum):
    DUPLICATE = "duplicate"  # stored before: nothing to do
    QUARANTINE = "quarantine"  # kept aside with the reason; intake goes on
    TRY_AGAIN_NOW = "try again now"  # charged to the message: again in a fresh savepoint
    TRY_LATER = "try later"  # an outage: stop, acknowledge nothing, the batch comes again
    SEND_AGAIN = "send again"  # after a backoff, with the same bytes and Message-ID
    DEAD = "dead"  # never to go: marked dead, with an event and an ALERT in the log


# Storing one inbound message. The last line is the project's last guard: an error nobody
# expected quarantines the message instead of losing it or stopping intake.
MESSAGE: tuple[tuple[type[BaseException], Action], ...] = (
    (DuplicateMessage, Action.DUPLICATE),
    (MalformedMail, Action.QUARANTINE),
    (DatabaseRefused, Action.TRY_AGAIN_NOW),
    (TemporaryFailure, Action.TRY_LATER),
    (Exception, Action.QUARANTINE),
)

# Sending one outbox row. Anything else (a notice whose template fails when the sender
# renders it) can never go either.
SEND: tuple[tuple[type[BaseException], Action], ...] = (
    (PermanentSendFailure, Action.DEAD),
    (TemporaryFailure, Action.SEND_AGAIN),
    (Exception, Action.DEAD),
)

EX_OK, EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_UNAVAILABLE = 0, 2, 65, 66, 69
EX_SOFTWARE, EX_CANTCREAT, EX_IOERR, EX_TEMPFAIL, EX_CONFIG, EX_INTERRUPTED = \
    70, 73, 74, 75, 78, 130


def _os_exit_code(exc: OSError) -> int:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR) and exc.filename is not None:
        return EX_NOINPUT
    if exc.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT):
        return EX_CANTCREAT
    return EX_IOERR


def _database_error() -> type[BaseException]:
    import peewee  # a dependency; imported here so this module stays at the bottom layer
    return peewee.DatabaseError


# Ending a command: (exception, code or a function of the exception). A database error that
# no layer below turned into a GatewayError (a corrupt page met mid-query) is worth trying
# again once the database is fixed.
EXIT: tuple[tuple[type[BaseException], int | Callable[[BaseException], int]], ...] = (
    (KeyboardInterrupt, EX_INTERRUPTED),
    (BrokenPipeError, EX_OK),  # `ldp tickets export | head`: the reader has what it wanted
    (UsageError, EX_USAGE),
    (ConfigError, EX_CONFIG),
    (DatabaseRefused, EX_TEMPFAIL),
    (TemporaryFailure, EX_TEMPFAIL),
    (MalformedMail, EX_DATAERR),
    (NotFound, EX_NOINPUT),
    (MissingExtra, EX_UNAVAILABLE),
    (IncompleteInstallation, EX_SOFTWARE),
    (CannotCreate, EX_CANTCREAT),
    (GatewayError, 1),
    (OSError, _os_exit_code),
    (_database_error(), EX_TEMPFAIL),
    (BaseException, EX_SOFTWARE),
)


def _first(table, exc: BaseException):
    for kind, result in table:
        if isinstance(exc, kind):
            return result
    raise LookupError(f"no row for {type(exc).__name__}")  # every table ends in a catch-all


def for_message(exc: BaseException, attempt: int = 1) -> Action:
    """What becomes of an inbound message whose storing raised `exc` on try `attempt`: the
    database's refusal is tried again up to POISON_ATTEMPTS times, then quarantined."""
    action = _first(MESSAGE, exc)
    if action is Action.TRY_AGAIN_NOW and attempt >= POISON_ATTEMPTS:
        return Action.QUARANTINE
    return action


def for_broken_connections(count: int) -> Action:
    """A message during which the database connection broke `count` times (by the hash of its
    bytes, in this process): stored again after the reconnection, until the poison limit."""
    return Action.QUARANTINE if count >= POISON_ATTEMPTS else Action.TRY_LATER


def smtp_failure(code: int, text: str) -> GatewayError:
    """A server's refusal: 5xx is for good, anything else (4xx, a lost connection) for now."""
    return PermanentSendFailure(text) if 500 <= code < 600 else TemporaryFailure(text)


def for_send(exc: BaseException, attempts: int = 0, max_attempts: int | None = None) -> Action:
    """What becomes of an outbox row whose attempt number `attempts` failed with `exc`: sent
    again after a backoff, until `max_attempts`, then dead."""
    action = _first(SEND, exc)
    if action is Action.SEND_AGAIN and max_attempts is not None and attempts >= max_attempts:
        return Action.DEAD
    return action


def backoff(attempts: int, base: float, maximum: float) -> float:
    """Seconds before the next attempt after the failed attempt number `attempts` (1, 2, ...):
    doubling from `base`, at most `maximum`."""
    return min(maximum, base * 2 ** (max(attempts, 1) - 1))


def exit_code(exc: BaseException) -> int:
    """The sysexits code a command ends with after `exc`."""
    code = _first(EXIT, exc)
    return code(exc) if callable(code) else code
