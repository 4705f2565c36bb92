"""Which database errors mean the database is unavailable (an outage: reconnect, try again
later) and which mean it refused one statement (most often for what one mail carries: "too
many SQL variables", an index row over PostgreSQL's size limit). The first kind stops intake
until the database is back; the second is charged to the message being stored (see
gateway.intake.poison), so a mail can never stop intake for everyone.
"""
from __future__ import annotations

import peewee as pw

# SQLSTATE classes and codes of PostgreSQL that say nothing about the statement: the
# connection, the server or a concurrent transaction.
PG_OUTAGE_CLASSES = ("08", "40", "53", "57P", "58", "25P02", "55P03", "55006", "XX000")
# SQLite's words for the same (SQLITE_BUSY, LOCKED, IOERR, CANTOPEN, FULL, READONLY for a file
# moved or replaced under us, CORRUPT/NOTADB, a schema that is gone with the file).
SQLITE_OUTAGE_WORDS = ("locked", "busy", "disk i/o", "unable to open", "disk is full",
                       "readonly", "read-only", "malformed", "not a database", "no such table",
                       "closed database", "cannot operate on a closed")


def is_outage(exc: BaseException) -> bool:
    """True when `exc` (a peewee error) says the database, not the statement, is at fault."""
    if isinstance(exc, pw.InterfaceError):
        return True  # e.g. "connection already closed"
    original = getattr(exc, "orig", None) or exc.__context__ or exc
    code = getattr(original, "pgcode", None)
    if type(original).__module__.startswith("psycopg2"):
        # Without a SQLSTATE the client lost the server ("server closed the connection
        # unexpectedly", "could not connect").
        return code is None or code.startswith(PG_OUTAGE_CLASSES)
    text = str(original).lower()
    return any(word in text for word in SQLITE_OUTAGE_WORDS)


def drop_connection(database: pw.Database) -> None:
    """Forget this thread's connection after an outage, so the next statement opens a new
    one (peewee connects by itself when it finds none). A PostgreSQL connection reset by the
    server, or an SQLite file replaced under us, is never used again."""
    try:
        database.close()
    except Exception:  # noqa: BLE001 - the connection is broken already; only forget it
        state = getattr(database, "_state", None)
        if state is not None:
            state.reset()
