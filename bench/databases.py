"""A fresh, empty database per run: a SQLite file, or a PostgreSQL database made for the run and
dropped after it; and the counts the parts report from it."""
from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

PG_URL = os.environ.get("LDP_BENCH_POSTGRES", os.environ.get(
    "LDP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"))


def postgres_available() -> bool:
    try:
        import psycopg2
        psycopg2.connect(PG_URL, connect_timeout=3).close()
        return True
    except Exception:  # not installed, not running, refused: all mean "skip PostgreSQL"
        return False


@dataclass
class Database:
    """A fresh, empty database: a SQLite file, or a PostgreSQL database made for this run."""

    kind: str
    url: str
    path: Path | None = None
    name: str = ""

    def query(self, sql: str) -> list[tuple]:
        if self.kind == "sqlite":
            with sqlite3.connect(self.path) as connection:
                return connection.execute(sql).fetchall()
        import psycopg2
        connection = psycopg2.connect(self.url)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def counts(self) -> dict[str, int]:
        one = lambda sql: int(self.query(sql)[0][0])  # noqa: E731
        return {"tickets": one("SELECT count(*) FROM ticket"),
                "follow_ups": one("SELECT count(*) FROM message WHERE kind = 'reply'"),
                "messages": one("SELECT count(*) FROM message"),
                "sent": one("SELECT count(*) FROM outbox WHERE status = 'sent'"),
                "outbox": one("SELECT count(*) FROM outbox"),
                "quarantined": one("SELECT count(*) FROM quarantine")}

    def drop(self) -> None:
        if self.kind == "postgresql" and self.name:
            _pg_admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def new_database(kind: str, workdir: Path) -> Database:
    if kind == "sqlite":
        path = workdir / f"ldp-{uuid.uuid4().hex[:8]}.sqlite3"
        return Database("sqlite", f"sqlite:///{path}", path=path)
    name = f"ldp_bench_{uuid.uuid4().hex[:10]}"
    _pg_admin(f"CREATE DATABASE {name}")
    return Database("postgresql", PG_URL.rsplit("/", 1)[0] + "/" + name, name=name)


def _pg_admin(sql: str) -> None:
    import psycopg2
    connection = psycopg2.connect(PG_URL)
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()
