"""Hostile threading: how long one mail whose References names 130,000 Message-IDs takes to
store (parse, thread lookup, insert), against an ordinary reply from the same run.

    python -m bench hostile                  (a part of `make bench`)
    python -m bench.hostile [--db sqlite]    (alone: no mail servers needed)

The mail is a reporter's reply whose References ends with their report's ID, as a client
that never trims the header writes it after a long thread; intake reads only the last
THREAD_LOOKUP_REFERENCES of them. Stored in this process, as `ldp ingest` would.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REFERENCES = 130_000
REPORTER = "Rina Wati <rina@pemkab-bogor.go.id>"


def reply(references: int, message_id: str) -> bytes:
    ids = [f"<r{i}.{i * 7919 % 100003}@elsewhere.example>" for i in range(references - 1)]
    folded = "\r\n ".join(ids + ["<report@pemkab-bogor.go.id>"])
    return (f"From: {REPORTER}\r\nTo: helpdesk@lpse.example\r\nSubject: Re: Tidak bisa login\r\n"
            f"Message-ID: {message_id}\r\nReferences: {folded}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nMasih belum bisa login.\r\n").encode()


def report() -> bytes:
    return (f"From: {REPORTER}\r\nTo: helpdesk@lpse.example\r\nSubject: Tidak bisa login\r\n"
            "Message-ID: <report@pemkab-bogor.go.id>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nSaya tidak bisa login.\r\n").encode()


def measure(kind: str, workdir: Path) -> dict:
    """Seconds to store the ordinary reply and the 130,000-reference reply, on one database."""
    from bench.databases import new_database
    from bench.harness import EXAMPLE_CONFIG
    from gateway import config
    from gateway.domain import Disposition
    from gateway.intake.rounds import handle_raw
    from gateway.service import build_context
    from gateway.store import database
    db = new_database(kind, workdir)
    try:
        data = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
        data["support"].update(data_dir=str(workdir / f"data-{kind}"))
        data["database"] = {"url": db.url}
        data.setdefault("security", {})["secret"] = "bench-secret-0123456789abcdef"
        ctx = build_context(config.from_mapping(data, {}, "bench"), workdir)
        seconds = {}
        for name, raw in (("report", report()), ("ordinary reply", reply(2, "<plain@x.id>")),
                          (f"{REFERENCES:,} references", reply(REFERENCES, "<hostile@x.id>"))):
            started = time.perf_counter()
            with database.transaction(ctx.db):  # as intake: one batch, one commit
                outcome = handle_raw(raw, ctx, "bench")
            seconds[name] = time.perf_counter() - started
            expected = Disposition.NEW_TICKET if name == "report" else Disposition.FOLLOW_UP
            if outcome.disposition != expected:
                raise RuntimeError(f"{name}: {outcome.disposition} ({outcome.detail})")
        ctx.db.close()
        return {"database": kind, "bytes": len(reply(REFERENCES, "<hostile@x.id>")),
                "ordinary_seconds": seconds["ordinary reply"],
                "hostile_seconds": seconds[f"{REFERENCES:,} references"]}
    finally:
        db.drop()


def run(state) -> dict:
    from bench.report import emit, ratio
    results = [measure(kind, state.workdir) for kind in state.databases]
    rows = [(r["database"], r["bytes"], r["ordinary_seconds"], r["hostile_seconds"],
             ratio(r["hostile_seconds"], r["ordinary_seconds"])) for r in results]
    return emit("hostile", f"Hostile threading: a reply whose References names {REFERENCES:,} "
                "IDs, stored in one transaction", ("database", "bytes", "ordinary reply s",
                                                   "hostile reply s", "ratio"),
                rows, {"references": REFERENCES, "cases": results})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    from bench.databases import postgres_available
    kinds = [k for k in ("sqlite", "postgresql") if args.db in (k, "both")]
    if "postgresql" in kinds and not postgres_available():
        kinds.remove("postgresql")

    class State:
        databases = tuple(kinds)
        workdir = Path(tempfile.mkdtemp(prefix="ldp-bench-hostile-"))

    try:
        run(State)
    finally:
        shutil.rmtree(State.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
