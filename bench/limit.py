"""The ceilings: how fast this machine can merely fetch the mailbox, fetch and parse it, and fetch,
parse and store it, with the same libraries the gateway wraps.

    python -m bench limit            (the parent: runs each ceiling as a child, three times)
    python -m bench.limit --child insert --db URL ...   (one child, prints one JSON line)

1. fetch:  imapclient, UID SEARCH ALL, then BODY.PEEK[] in batches;
2. parse:  the same, plus mail-parser on every message;
3. insert: the same, plus one peewee row per message, one transaction (one commit) per message,
   on SQLite with the pragmas the gateway ships (imported from gateway.store.database, so the
   ceiling follows whatever durability we ship), and on PostgreSQL.
Each child is timed from spawn to exit, like the gateway, so interpreter start-up and imports
count on both sides of a ratio.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

SYSTEMS = ("fetch", "parse", "insert")


def run_ceiling(system: str, servers, folder: str, workdir: Path, db=None,
                batch: int = 100):
    """One child run of one ceiling; returns the finished Child (with its JSON report)."""
    from bench import harness
    imap = servers.imap
    argv = [sys.executable, "-m", "bench.limit", "--child", system, "--host", imap.host,
            "--port", str(imap.port), "--user", imap.username, "--password", imap.password,
            "--folder", folder, "--batch", str(batch)]
    if db is not None:
        argv += ["--db", db.url]
    return harness.check(harness.run_child(argv, workdir), f"ceiling {system}")


def _fetch_all(args) -> "Iterator[bytes]":
    import imapclient
    client = imapclient.IMAPClient(args.host, port=args.port, ssl=False, timeout=120)
    client.login(args.user, args.password)
    client.select_folder(args.folder, readonly=True)
    uids = client.search(["ALL"])
    for start in range(0, len(uids), args.batch):
        data = client.fetch(uids[start:start + args.batch], ["BODY.PEEK[]"])
        for uid in sorted(data):
            yield bytes(data[uid][b"BODY[]"])
    client.logout()


def _row_model(url: str):
    """One table, one row per message, with the unique key the gateway deduplicates on."""
    import peewee as pw
    from gateway.store.database import open_database
    database = open_database(url)

    class Row(pw.Model):
        message_key = pw.CharField(max_length=1000, unique=True)
        sender = pw.CharField(max_length=320)
        subject = pw.TextField()
        text = pw.TextField()
        raw = pw.BlobField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "bench_ceiling_row"

    database.bind([Row])
    database.connect()
    database.create_tables([Row])
    return database, Row


def child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.limit")
    parser.add_argument("--child", choices=SYSTEMS, required=True)
    for name in ("--host", "--user", "--password", "--folder"):
        parser.add_argument(name, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--db", default="")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.child != "fetch":
        import logging
        import mailparser
        logging.getLogger("mailparser").setLevel(logging.ERROR)
    if args.child == "insert":
        database, Row = _row_model(args.db)
    count = size = 0
    for raw in _fetch_all(args):
        count, size = count + 1, size + len(raw)
        if args.child == "fetch":
            continue
        parsed = mailparser.parse_from_bytes(raw)
        if args.child == "insert":
            with database.atomic():
                Row.create(message_key=parsed.message_id or str(count), sender=str(parsed.from_),
                           subject=parsed.subject, text="\n".join(parsed.text_plain), raw=raw,
                           created_at=datetime.utcnow())
    print(json.dumps({"system": args.child, "messages": count, "bytes": size,
                      "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(child(sys.argv[1:]))
