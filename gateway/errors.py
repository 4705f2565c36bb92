"""The exception tree. What each one leads to (quarantine, retry, dead letter, exit code) is
in one table, `gateway.failures`.

    GatewayError
    ├── ConfigError            bad configuration or rules: stop with one line (exit 78)
    ├── TemporaryFailure       mailbox, database or SMTP unavailable: retry later (exit 75)
    │   └── DatabaseRefused    the database refused a statement (not an outage): in intake
    │                          the message is tried POISON_ATTEMPTS times, then quarantined
    ├── MalformedMail          bytes that cannot be parsed: quarantine (exit 65)
    │   └── MessageTooLarge    over max_message_bytes: quarantine without downloading
    ├── InvalidTransition      a command that the levels table does not allow
    ├── PermanentSendFailure   SMTP 5xx: the outbox row is dead
    ├── NotFound               a ticket, quarantine row or file named on the command line
    ├── UsageError             an argument the command line's parser could not judge (exit 2)
    └── CannotCreate           an output file that cannot be written (exit 73)
"""
from __future__ import annotations


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


class ConfigError(GatewayError):
    """Configuration that cannot be used: names the file, the key and what was expected."""


class TemporaryFailure(GatewayError):
    """Something outside is unavailable for now; nothing was changed, try again later."""


class DatabaseRefused(TemporaryFailure):
    """The database refused one statement while it was up ("too many SQL variables", an index
    row too large): most often caused by what one message carries, so intake charges it to
    that message (gateway.intake.poison) instead of stopping for everyone."""


class MalformedMail(GatewayError):
    """A message that cannot be turned into an InboundMail."""


class MessageTooLarge(MalformedMail):
    """A message larger than the configured limit."""


class InvalidTransition(GatewayError):
    """A state change that the levels table does not allow."""


class PermanentSendFailure(GatewayError):
    """The SMTP server refused the mail for good (5xx)."""


class NotFound(GatewayError):
    """A ticket, row or file named by the user does not exist."""


class DuplicateMessage(GatewayError):
    """A message whose key another transaction stored first (two pollers, or a replay)."""


class MissingExtra(GatewayError):
    """A command needs packages of an optional extra (`pip install 'ldp-gateway[NAME]'`)."""


class IncompleteInstallation(GatewayError):
    """A file the package ships (a migration, a template) is missing: reinstall."""


class UsageError(GatewayError):
    """An argument the parser could not judge alone (e.g. --to before --from)."""


class CannotCreate(GatewayError):
    """An output file that cannot be written (a missing folder, no permission, a full disk)."""
