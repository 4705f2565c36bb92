"""Connect to the database named by a URL, run the SQL migrations, hand out transactions.

SQLite is the default (WAL, full fsync at commit: we acknowledge the mailbox only after a commit,
so the commit has to survive a power cut); PostgreSQL through `postgresql://` URLs.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlparse

import peewee as pw

from gateway.errors import ConfigError, TemporaryFailure
from gateway.store.models import ALL_MODELS, database_proxy

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "db" / "migrations"
DIALECT = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB"},
    "postgresql": {"pk": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA"},
}
SQLITE_PRAGMAS = {"journal_mode": "wal", "synchronous": "full", "foreign_keys": 1,
                  "busy_timeout": 15000}
TEMPORARY_ERRORS = (pw.OperationalError, pw.InterfaceError)


def utcnow() -> datetime:
    """Now in UTC, without a zone: how every time is stored."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def connect(url: str, base_dir: Path | None = None) -> pw.Database:
    """Open the database named by the URL and bind every model to it."""
    database = open_database(url, base_dir)
    database_proxy.initialize(database)
    try:
        database.connect(reuse_if_open=True)
    except TEMPORARY_ERRORS as exc:
        raise TemporaryFailure(f"cannot connect to the database: {_redact(exc)}") from exc
    return database


def open_database(url: str, base_dir: Path | None = None) -> pw.Database:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
        if path != ":memory:":
            file = Path(path) if Path(path).is_absolute() or not base_dir else base_dir / path
            file.parent.mkdir(parents=True, exist_ok=True)
            path = str(file)
        return pw.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=15)
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


def migrate(database: pw.Database, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; safe to run twice."""
    database.execute_sql("CREATE TABLE IF NOT EXISTS schema_migration "
                         "(version VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
    applied = {row[0] for row in database.execute_sql("SELECT version FROM schema_migration")}
    done = []
    for path in sorted(directory.glob("*.sql")):
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


def pending_migrations(database: pw.Database, directory: Path = MIGRATIONS_DIR) -> list[str]:
    if not database.table_exists("schema_migration"):
        return [p.stem for p in sorted(directory.glob("*.sql"))]
    applied = {row[0] for row in database.execute_sql("SELECT version FROM schema_migration")}
    return [p.stem for p in sorted(directory.glob("*.sql")) if p.stem not in applied]


def _statements(sql: str, name: str) -> list[str]:
    sql = re.sub(r"--[^\n]*", "", sql)
    for key, value in DIALECT[name].items():
        sql = sql.replace("{%s}" % key, value)
    return [s.strip() for s in sql.split(";") if s.strip()]


@contextmanager
def transaction(database: pw.Database, durable: bool = True) -> Iterator[None]:
    """One unit of work; database trouble becomes TemporaryFailure after the rollback.

    `durable=False` is only for a record whose loss repeats work that is safe to repeat, such
    as an outbox row marked sent (lost, the mail goes again with the same Message-ID): its
    commit does not wait for the disk. A crash of this process still loses nothing, since the
    commit is in SQLite's WAL file or in the PostgreSQL server; only an operating-system crash
    or a power cut can undo it, and the next durable commit makes it durable too.
    """
    relaxed = not durable and not database.in_transaction()
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
    except TEMPORARY_ERRORS as exc:
        raise TemporaryFailure(f"database: {_redact(exc)}") from exc


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
    database = _bound(model._meta.database)
    key = ("text", sql, database.param)
    text = _SQL.get(key)
    if text is None:
        text = _SQL[key] = sql.replace("?", database.param)
    return database.execute_sql(text, params)


def _bound(database: pw.Database) -> pw.Database:
    return database.obj if isinstance(database, pw.DatabaseProxy) else database


def _redact(exc: Exception) -> str:
    return re.sub(r"password=\S+", "password=***", str(exc)).strip().splitlines()[0] \
        if str(exc).strip() else type(exc).__name__


__all__ = ["connect", "migrate", "transaction", "utcnow", "ALL_MODELS", "pending_migrations",
           "insert", "execute"]
