"""A database that refuses one row for what it holds, as a limit or an index would refuse what
a hostile mail carries: a real trigger on the real database (PostgreSQL: SQLSTATE 54000,
program_limit_exceeded; SQLite: an OperationalError from a function the trigger calls)."""
from __future__ import annotations

from gateway.store import database


def refuse(ctx, table: str, column: str, word: str) -> None:
    """From now on, inserting into `table` a row whose `column` holds `word` fails."""
    if database.dialect(ctx.db) == "postgresql":
        ctx.db.execute_sql(
            f"CREATE FUNCTION refuse_{table}() RETURNS trigger AS $$ BEGIN IF "
            f"strpos(NEW.{column}, '{word}') > 0 THEN RAISE EXCEPTION 'index row size 3456 "
            "exceeds btree version 4 maximum 2704' USING ERRCODE = '54000'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql")
        ctx.db.execute_sql(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                           f"FOR EACH ROW EXECUTE FUNCTION refuse_{table}()")
        return

    def refused(value):
        if word in (value or ""):
            raise ValueError("string or blob too big")
        return 0

    ctx.db.register_function(refused, f"refused_{table}", 1)
    ctx.db.execute_sql(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                       f"WHEN refused_{table}(NEW.{column}) BEGIN SELECT 1; END")


def accept(ctx, table: str) -> None:
    """The database takes such rows again."""
    on = f" ON {table}" if database.dialect(ctx.db) == "postgresql" else ""
    ctx.db.execute_sql(f"DROP TRIGGER refuse_{table}{on}")
