"""What the `ldp` parser needs beyond argparse: value types that refuse bad words with one
line in the catalogue's language, the version, the progress reporter a command gets, and the
start-up line of `ldp run`."""
from __future__ import annotations

import argparse
import re
from datetime import date
from importlib import metadata
from pathlib import Path

from gateway.domain import Level, Status
from gateway.text.messages import t
from gateway.progress import Progress

LEVELS = tuple(level.value for level in Level)
TICKET_STATUSES = tuple(status.value for status in Status)
OUTBOX_STATUSES = ("pending", "sending", "sent", "dead")  # gateway.store.outbox's states
MAX_ROW_ID = 2**63 - 1  # the largest id either database can hold (BIGINT, SQLite INTEGER)
# One address, as a person types it: no spaces or control characters (a CR/LF would become a
# header of its own), one @ with something on both sides, a dot-free domain allowed (localhost).
_ADDRESS = re.compile(r"[^\s@<>,;\"()\[\]\\]+@[^\s@<>,;\"()\[\]\\]+")


def version() -> str:
    try:
        return metadata.version("ldp-gateway")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"ldp {version()}")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress lines and no informational log lines")
    parser.add_argument("--debug", action="store_true",
                        help="log at DEBUG level, with the traceback of an unexpected error")
    parser.add_argument("--progress-interval", type=seconds, default=None, metavar="SECONDS",
                        help="seconds between progress lines (default 5; a bar on a terminal)")


def progress_for(args: argparse.Namespace) -> Progress:
    """The reporter for this command: silent under --quiet and in --json modes."""
    quiet = getattr(args, "quiet", False) or getattr(args, "json", False)
    return Progress(enabled=not quiet, interval=getattr(args, "progress_interval", None))


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(t("bad_date", value=repr(value))) from None


def row_id(value: str) -> int:
    """A row id: a whole number. One past any stored id still parses (it is then not found);
    only words that are not numbers are usage errors."""
    try:
        return int(value.strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(t("bad_id", value=repr(value))) from None


def email_address(value: str) -> str:
    if not _ADDRESS.fullmatch(value) or not value.isprintable():
        raise argparse.ArgumentTypeError(t("bad_address", value=repr(value)))
    return value


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0 or number == float("inf"):  # also refuses nan
        raise argparse.ArgumentTypeError(t("bad_number", value=repr(value)))
    return number


def config_path(args: argparse.Namespace, environ) -> str:
    return args.config or environ.get("LDP_CONFIG") or "ldp.toml"


def startup_line(settings, config: str) -> str:
    """`ldp run`'s first line: the mailbox, the database and the file it runs with (never a
    password)."""
    from gateway.store.database import redact_url
    imap = settings.imap
    mailbox = f"{imap.username}@{imap.host}:{imap.port}/{imap.folder}"
    path = Path(config)
    shown = str(path.resolve()) if path.exists() else config
    return t("starting", mailbox=mailbox, database=redact_url(settings.database.url),
             config=shown)
