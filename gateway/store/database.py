"""Connect to the database named by a URL, run the SQL migrations, hand out transactions.

SQLite is the default (WAL, full fsync at commit: we acknowledge the mailbox only after a commit,
so the commit has to survive a power cut); PostgreSQL through `postgresql://` URLs.
"""
from __future__ import annotations

import re
import threading
from collections import deque
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlparse

import peewee as pw

from gateway import resources
from gateway.errors import ConfigError, DatabaseRefused, IncompleteInstallation, TemporaryFailure
from gateway.text.messages import t
from gateway.store import files, outage
from gateway.store.models import ALL_MODELS, database_proxy

MIGRATIONS_DIR = resources.migrations()
SKIP = "--skip--"  # a migration statement that begins so is not for this database
DIALECT = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB",
               "postgresql_only": SKIP},
    "postgresql": {"pk": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA", "postgresql_only": ""},
}
SQLITE_PRAGMAS = {"journal_mode": "wal", "synchronous": "full", "foreign_keys": 1,
                  "busy_timeout": 15000}
TEMPORARY_ERRORS = (pw.OperationalError, pw.InterfaceError)


def utcnow() -> datetime:
    """Now in UTC, without a zone: how every time is stored."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def connect(url: str, base_dir: Path | None = None, create: bool = True) -> pw.Database:
    """Open the database named by the URL and bind every model to it. `create=False`: a
    SQLite file that does not exist is an error (`ldp init` creates it), not a new file.

    Called once at start-up (`service.build_context`, or a command's own read): the models'
    binding is peewee's way, and every store function uses it; the handle returned is what the
    caller passes on (`Context.db`) and names in each `transaction`."""
    database = open_database(url, base_dir, create)
    database_proxy.initialize(database)
    try:
        database.connect(reuse_if_open=True)
    except TEMPORARY_ERRORS as exc:
        raise TemporaryFailure(t("db_unreachable", url=redact_url(url),
                                 detail=_redact(exc))) from exc
    except pw.DatabaseError as exc:  # e.g. SQLite's "file is not a database"
        raise ConfigError(t("db_unreadable", url=redact_url(url), detail=_redact(exc))) from exc
    return database


def disconnect() -> None:
    """Close the connection the models were bound to by `connect`, if any (a test's database
    is dropped after this)."""
    if database_proxy.obj is not None:
        database_proxy.obj.close()


def require_schema(database: pw.Database, url: str) -> None:
    """Stop with one line when the schema is missing or older than this version."""
    try:
        pending = pending_migrations(database)
        empty = not database.table_exists("schema_migration")
    except TEMPORARY_ERRORS as exc:
        raise TemporaryFailure(f"database: {_redact(exc)}") from exc
    except pw.DatabaseError as exc:
        raise ConfigError(t("db_unreadable", url=redact_url(url), detail=_redact(exc))) from exc
    if empty:
        raise ConfigError(t("no_schema", url=redact_url(url)))
    if pending:
        raise ConfigError(t("old_schema", url=redact_url(url), names=", ".join(pending)))


def redact_url(url: str) -> str:
    """The URL with its password (if any) masked, for messages and logs."""
    # A pattern, not urlparse: the URL may be one urlparse refuses, and still hold a password.
    return re.sub(r"^([a-z0-9+.-]*://[^:/@]*):.*@", r"\1:***@", url, flags=re.I)


def open_database(url: str, base_dir: Path | None = None, create: bool = True) -> pw.Database:
    try:
        parsed = urlparse(url)
        parsed.port  # noqa: B018 - parsing the port is what finds a bad one
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535"
        raise ConfigError(f"database.url: {redact_url(url)}: {exc}") from None
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
        if path != ":memory:":
            file = Path(path) if Path(path).is_absolute() or not base_dir else base_dir / path
            if not create and not file.exists():
                raise ConfigError(t("no_database", url=f"sqlite:///{file}"))
            file.parent.mkdir(parents=True, exist_ok=True)
            path = str(file)
        # BEGIN IMMEDIATE: a transaction takes the write lock when it starts, waiting for it up
        # to busy_timeout. A deferred one that read first and then wrote after another thread's
        # commit (the sender's, say) would fail at once with SQLITE_BUSY_SNAPSHOT.
        database = pw.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=15,
                                     lock_type="IMMEDIATE")
        database.write_gate = WriteGate()
        return database
    if parsed.scheme in ("postgresql", "postgres"):
        return pw.PostgresqlDatabase(
            unquote(parsed.path.lstrip("/")), host=parsed.hostname, port=parsed.port or 5432,
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            connect_timeout=10)
    raise ConfigError(f"database.url: unsupported scheme {parsed.scheme!r} "
                      "(expected sqlite:///PATH or postgresql://USER:PASS@HOST:PORT/NAME)")


def dialect(database: pw.Database) -> str:
    return "postgresql" if isinstance(database, pw.PostgresqlDatabase) else "sqlite"


def migrate(database: pw.Database, directory: Path | None = None) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; safe to run twice."""
    files = migration_files(directory)
    database.execute_sql("CREATE TABLE IF NOT EXISTS schema_migration "
                         "(version VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
    applied = {row[0] for row in database.execute_sql("SELECT version FROM schema_migration")}
    done = []
    for path in files:
        if path.stem in applied:
            continue
        with database.atomic():
            for statement in _statements(path.read_text(encoding="utf-8"), dialect(database)):
                database.execute_sql(statement)
            database.execute_sql("INSERT INTO schema_migration (version, applied_at) "
                                 "VALUES (%s, %s)" % (database.param, database.param),
                                 (path.stem, utcnow()))
        done.append(path.stem)
    return done


def pending_migrations(database: pw.Database, directory: Path | None = None) -> list[str]:
    if not database.table_exists("schema_migration"):
        return [p.stem for p in migration_files(directory)]
    applied = {row[0] for row in database.execute_sql("SELECT version FROM schema_migration")}
    return [p.stem for p in migration_files(directory) if p.stem not in applied]


def migration_files(directory: Path | None = None) -> list[Path]:
    """The migrations in the order they apply. None at all is a broken installation, never an
    up-to-date schema: `ldp init` would report success over an empty database."""
    directory = directory or MIGRATIONS_DIR
    files = sorted(directory.glob("*.sql"))
    if not files:
        raise IncompleteInstallation(f"no database migrations in {directory}: this installation "
                                     "of ldp-gateway is incomplete, reinstall it")
    return files


def _statements(sql: str, name: str) -> list[str]:
    sql = re.sub(r"--[^\n]*", "", sql)
    for key, value in DIALECT[name].items():
        sql = sql.replace("{%s}" % key, value)
    return [s.strip() for s in sql.split(";") if s.strip() and not s.strip().startswith(SKIP)]


@contextmanager
def transaction(database: pw.Database, durable: bool = True) -> Iterator[None]:
    """One unit of work; database trouble becomes TemporaryFailure after the rollback.

    `durable=False`: the commit does not wait for the disk. A crash of this process still
    loses nothing, since the commit is in SQLite's WAL file or in the PostgreSQL server; only an
    operating-system crash or a power cut can undo it. Both write-ahead logs are sequential, so
    the next durable commit makes every earlier relaxed commit durable too. It is for:
    - a record whose loss repeats work that is safe to repeat, such as an outbox row marked sent
      (lost, the mail goes again with the same bytes and Message-ID);
    - a record whose loss only makes work be looked at again, such as intake's UID cursor
      (lost, the next poll searches from lower down, where the moved mail no longer is).
    Nested in another transaction it is a savepoint, and the outermost one decides.
    """
    outermost = not database.in_transaction()
    gate = getattr(database, "write_gate", None) if outermost else None
    if gate is not None:
        gate.acquire()
    try:
        # Attachment files staged inside go into place after the commit, or go (files).
        with files.following_transaction(), _transaction(database, durable, outermost):
            yield
    finally:
        if gate is not None:
            gate.release()


@contextmanager
def _transaction(database: pw.Database, durable: bool, outermost: bool) -> Iterator[None]:
    relaxed = not durable and outermost
    sqlite = relaxed and isinstance(database, pw.SqliteDatabase) \
        and SQLITE_PRAGMAS["journal_mode"] == "wal"
    try:
        if sqlite:
            database.execute_sql("PRAGMA synchronous = NORMAL")
        try:
            with database.atomic():
                if relaxed and isinstance(database, pw.PostgresqlDatabase):
                    database.execute_sql("SET LOCAL synchronous_commit = off")
                yield
        finally:
            if sqlite:
                _restore_synchronous(database)
    except TemporaryFailure as exc:
        # An outage met in a savepoint (a message's transaction) and passed up: the batch's
        # rollback may not have noticed that the connection is gone.
        if outermost and not isinstance(exc, DatabaseRefused):
            outage.drop_connection(database)
        raise
    except TEMPORARY_ERRORS as exc:
        if not outage.is_outage(exc):
            raise DatabaseRefused(f"database refused: {_redact(exc)}") from exc
        if outermost:
            outage.drop_connection(database)  # the next transaction reconnects
        raise TemporaryFailure(f"database: {_redact(exc)}") from exc


class WriteGate:
    """First come, first served among this process's threads, for SQLite transactions.

    SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps 1, 2,
    5, 10... ms before it looks again; meanwhile intake, committing a message every couple of
    milliseconds, takes the lock back each time. The sender, which marks each mail sent in its
    own short transaction, then starved: 80 mails a second instead of 900. Queueing here hands
    the lock straight to the thread that has waited longest. Other processes still meet
    SQLite's own lock and its busy timeout.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = False
        self._waiters: deque[threading.Event] = deque()

    def acquire(self) -> None:
        with self._lock:
            if not self._busy:
                self._busy = True
                return
            turn = threading.Event()
            self._waiters.append(turn)
        try:
            turn.wait()
        except BaseException:  # e.g. the per-message time limit: never strand the gate
            with self._lock:
                if turn in self._waiters:
                    self._waiters.remove(turn)
                else:
                    self._hand_on()
            raise

    def release(self) -> None:
        with self._lock:
            self._hand_on()

    def _hand_on(self) -> None:
        if self._waiters:
            self._waiters.popleft().set()  # still busy: the gate passes to the next in line
        else:
            self._busy = False


def _restore_synchronous(database: pw.SqliteDatabase) -> None:
    try:
        database.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
    except TEMPORARY_ERRORS:
        # Never leave a connection that skips the fsync: a new one gets the shipped pragmas.
        database.close()
        raise


_SQL: dict[tuple, str] = {}


def insert(model: type[pw.Model], **values: object) -> int:
    """Insert one row as `model.create` would (the model's defaults filled in) and return its id.

    The SQL text is built once per model and set of columns: peewee builds it anew for every
    row, which took most of the time of storing a message."""
    meta = model._meta
    database = _bound(meta.database)
    row = {**meta.get_default_dict(), **values}
    names = tuple(row)
    key = ("insert", model, names, database.param)
    sql = _SQL.get(key)
    if sql is None:
        columns = ", ".join(f'"{meta.fields[name].column_name}"' for name in names)
        marks = ", ".join([database.param] * len(names))
        sql = f'INSERT INTO "{meta.table_name}" ({columns}) VALUES ({marks})'
        if database.returning_clause:
            sql += f' RETURNING "{meta.primary_key.column_name}"'
        _SQL[key] = sql
    cursor = database.execute_sql(sql, [meta.fields[name].db_value(row[name]) for name in names])
    return cursor.fetchone()[0] if database.returning_clause else cursor.lastrowid


def execute(model: type[pw.Model], sql: str, params: tuple = ()):
    """Run hand-written SQL (`?` placeholders) on the model's database; returns the cursor."""
    return _bound(model._meta.database).execute_sql(_placeholders(model, sql), params)


def select(model: type[pw.Model], sql: str, params: tuple = ()) -> list[pw.Model]:
    """Rows of `model` from a hand-written SELECT (`?` placeholders). pw.ModelRaw is what
    Model.raw() builds; a model with a column named `raw` (the outbox) hides that method."""
    return list(pw.ModelRaw(model, _placeholders(model, sql), params))


def _placeholders(model: type[pw.Model], sql: str) -> str:
    """Hand-written SQL with the placeholders of the model's database."""
    database = _bound(model._meta.database)
    key = ("text", sql, database.param)
    text = _SQL.get(key)
    if text is None:
        text = _SQL[key] = sql.replace("?", database.param)
    return text


def _bound(database: pw.Database) -> pw.Database:
    return database.obj if isinstance(database, pw.DatabaseProxy) else database


def _redact(exc: Exception) -> str:
    return re.sub(r"password=\S+", "password=***", str(exc)).strip().splitlines()[0] \
        if str(exc).strip() else type(exc).__name__


__all__ = ["connect", "disconnect", "migrate", "transaction", "utcnow", "ALL_MODELS", "pending_migrations",
           "insert", "execute", "select"]
