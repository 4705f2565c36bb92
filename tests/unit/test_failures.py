"""Every failure the gateway knows, and what it leads to: one row each, read from
gateway.failures, the only place that decides."""
import errno

import peewee
import pytest

from gateway import failures
from gateway.errors import (CannotCreate, ConfigError, DatabaseRefused, DuplicateMessage,
                            GatewayError, IncompleteInstallation, InvalidTransition,
                            MalformedMail, MessageTooLarge, MissingExtra, NotFound,
                            PermanentSendFailure, TemporaryFailure, UsageError)
from gateway.failures import Action, POISON_ATTEMPTS

MESSAGE = [
    # (the failure, the try it happened on, what becomes of the message)
    (DuplicateMessage("stored by another transaction"), 1, Action.DUPLICATE),
    (MalformedMail("no header"), 1, Action.QUARANTINE),
    (MessageTooLarge("too large"), 1, Action.QUARANTINE),
    (DatabaseRefused("too many SQL variables"), 1, Action.TRY_AGAIN_NOW),
    (DatabaseRefused("too many SQL variables"), POISON_ATTEMPTS - 1, Action.TRY_AGAIN_NOW),
    (DatabaseRefused("too many SQL variables"), POISON_ATTEMPTS, Action.QUARANTINE),
    (TemporaryFailure("database: connection refused"), 1, Action.TRY_LATER),
    (TemporaryFailure("database: connection refused"), POISON_ATTEMPTS, Action.TRY_LATER),
    (KeyError("a bug"), 1, Action.QUARANTINE),
    (RecursionError("a hostile mail"), 1, Action.QUARANTINE),
]


@pytest.mark.parametrize("exc, attempt, action", MESSAGE,
                         ids=[f"{type(e).__name__}-{n}" for e, n, _ in MESSAGE])
def test_what_becomes_of_an_inbound_message(exc, attempt, action):
    assert failures.for_message(exc, attempt) is action


@pytest.mark.parametrize("count, action", [(0, Action.TRY_LATER), (1, Action.TRY_LATER),
                                           (POISON_ATTEMPTS - 1, Action.TRY_LATER),
                                           (POISON_ATTEMPTS, Action.QUARANTINE)])
def test_a_message_that_keeps_breaking_the_connection_is_poison(count, action):
    assert failures.for_broken_connections(count) is action


SEND = [
    # (the failure, attempts so far, the limit, what becomes of the outbox row)
    (PermanentSendFailure("SMTP 550 5.1.1 no such user"), 1, 8, Action.DEAD),
    (TemporaryFailure("SMTP 421 try again"), 1, 8, Action.SEND_AGAIN),
    (TemporaryFailure("SMTP 421 try again"), 7, 8, Action.SEND_AGAIN),
    (TemporaryFailure("SMTP 421 try again"), 8, 8, Action.DEAD),
    (TemporaryFailure("SMTP worker process ended"), 3, None, Action.SEND_AGAIN),
    (KeyError("missing_variable"), 1, 8, Action.DEAD),  # a template that cannot render
]


@pytest.mark.parametrize("exc, attempts, limit, action", SEND,
                         ids=[f"{type(e).__name__}-{n}" for e, n, _l, _a in SEND])
def test_what_becomes_of_an_outbox_row(exc, attempts, limit, action):
    assert failures.for_send(exc, attempts, limit) is action


@pytest.mark.parametrize("code, kind", [(550, PermanentSendFailure), (554, PermanentSendFailure),
                                        (599, PermanentSendFailure), (421, TemporaryFailure),
                                        (451, TemporaryFailure), (600, TemporaryFailure),
                                        (-1, TemporaryFailure)])
def test_a_server_answer_is_for_good_only_when_5xx(code, kind):
    failure = failures.smtp_failure(code, f"SMTP {code} text")
    assert type(failure) is kind and str(failure) == f"SMTP {code} text"


def test_backoff_doubles_from_the_base_up_to_the_maximum():
    assert [failures.backoff(n, 30, 600) for n in range(1, 8)] == \
        [30, 60, 120, 240, 480, 600, 600]


EXIT = [
    (KeyboardInterrupt(), 130),
    (BrokenPipeError(errno.EPIPE, "broken pipe"), 0),
    (UsageError("--to before --from"), 2),
    (ConfigError("smtp.port: expected a number"), 78),
    (TemporaryFailure("database unavailable"), 75),
    (DatabaseRefused("too many SQL variables"), 75),
    (MalformedMail("no header"), 65),
    (MessageTooLarge("too large"), 65),
    (NotFound("no ticket LDP-000009"), 66),
    (MissingExtra("pip install 'ldp-gateway[demo]'"), 69),
    (IncompleteInstallation("no migrations"), 70),
    (CannotCreate("report.html"), 73),
    (InvalidTransition("closed to open"), 1),
    (GatewayError("anything else of ours"), 1),
    (FileNotFoundError(errno.ENOENT, "no such file", "ldp.toml"), 66),
    (FileNotFoundError(errno.ENOENT, "no such file"), 74),
    (OSError(errno.ENOSPC, "no space left"), 73),
    (OSError(errno.EROFS, "read-only"), 73),
    (PermissionError(errno.EACCES, "denied", "out.csv"), 74),
    (peewee.DatabaseError("database disk image is malformed"), 75),
    (ValueError("a bug"), 70),
]


@pytest.mark.parametrize("exc, code", EXIT, ids=[type(e).__name__ + str(c) for e, c in EXIT])
def test_the_exit_code_of_a_command(exc, code):
    assert failures.exit_code(exc) == code
