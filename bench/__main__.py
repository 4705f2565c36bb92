"""`python -m bench` (or `make bench`): the eight benchmark parts, end to end, on this machine.

    python -m bench                      all eight parts (about ten minutes on 2 cores)
    python -m bench --quick              smaller sizes and shorter streams (two or three minutes)
    python -m bench ingest latency       only some parts (the ceilings run when ingest needs them)
    python -m bench --db sqlite          only SQLite (PostgreSQL is used when it answers)

Parts: corpus (1), limit (2), ingest (3), latency (4), memory (5), outgoing (6), hostile (7:
seconds to store a reply naming 130,000 References), huge (8: one huge mail's peak memory, one
flooding sender's tickets). Each prints a table and one JSON line starting with {"bench": ...}; `--json FILE` also appends those lines
to FILE. The servers are the tests' own: Dovecot where installed (else pymap) and an aiosmtpd
sink; every system under test is a child process timed from spawn.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PARTS = ("corpus", "limit", "ingest", "latency", "memory", "outgoing", "hostile", "huge")


@dataclass
class State:
    """What the parts share: the options, the servers, the loaded corpus, the ceilings."""

    mails: int
    runs: int
    quick: bool
    databases: tuple[str, ...]
    workdir: Path
    servers: object = None
    corpus_folder: str = "corpus"
    summary: object = None
    ceilings: dict = field(default_factory=dict)
    results: list = field(default_factory=list)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("parts", nargs="*", metavar="PART",
                        help=f"any of {', '.join(PARTS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, shorter streams")
    parser.add_argument("--mails", type=int, help="corpus size (default 2000; quick 600)")
    parser.add_argument("--runs", type=int, help="runs per system (default 3)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both",
                        help="databases (default: both, PostgreSQL when it answers)")
    parser.add_argument("--json", metavar="FILE", help="also append the JSON lines to FILE")
    args = parser.parse_args(argv)
    unknown = [p for p in args.parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)} (choose from {', '.join(PARTS)})")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import importlib
    from bench import harness
    databases = ["sqlite"] if args.db in ("sqlite", "both") else []
    if args.db in ("postgresql", "both"):
        if harness.postgres_available():
            databases.append("postgresql")
        elif args.db == "postgresql":
            print(f"error: PostgreSQL does not answer at {harness.PG_URL}", file=sys.stderr)
            return 2
        else:
            print(f"note: PostgreSQL does not answer at {harness.PG_URL}; SQLite only")
    state = State(mails=args.mails or (600 if args.quick else 2000), runs=args.runs or 3,
                  quick=args.quick, databases=tuple(databases),
                  workdir=Path(tempfile.mkdtemp(prefix="ldp-bench-")))
    parts = args.parts or list(PARTS)
    started = time.monotonic()
    state.servers = harness.start_servers()
    print(f"servers: IMAP {state.servers.imap.kind} on port {state.servers.imap.port}, "
          f"SMTP aiosmtpd sink on port {state.servers.sink.port}; databases: "
          f"{', '.join(state.databases)}; work folder {state.workdir}", flush=True)
    try:
        if any(p in parts for p in ("corpus", "limit", "ingest", "outgoing")):
            state.results.append(corpus_part(state))
        steps = {"limit": "ingest:ceilings", "ingest": "ingest:ingest", "latency": "latency:run",
                 "memory": "memory:run", "outgoing": "outgoing:run", "hostile": "hostile:run",
                 "huge": "huge_mail:run"}
        for part in PARTS[1:]:
            if part in parts:
                module, function = steps[part].split(":")
                step = getattr(importlib.import_module(f"bench.{module}"), function)
                state.results.append(step(state))
    finally:
        state.servers.stop()
        shutil.rmtree(state.workdir, ignore_errors=True)
    if args.json:
        with open(args.json, "a", encoding="utf-8") as handle:
            for line in state.results:
                handle.write(json.dumps(line) + "\n")
    print(f"\nbench finished in {time.monotonic() - started:.0f} s")
    return 0


def corpus_part(state: State) -> dict:
    """Part 1: generate the corpus and load it once into the folder every run copies."""
    from bench import corpus, harness
    from bench.report import emit
    state.summary = corpus.Summary()
    started = time.perf_counter()
    loaded = harness.load(state.servers.imap, state.corpus_folder,
                          corpus.generate(state.mails, summary=state.summary))
    seconds = time.perf_counter() - started
    summary = state.summary
    return emit("corpus", f"Corpus: {loaded:,} mails generated and loaded in {seconds:.1f} s "
                f"(seed {corpus.SEED})", ("what", "count"), corpus.describe(summary),
                {"mails": summary.mails, "reports": summary.reports, "replies": summary.replies,
                 "bytes": summary.bytes, "kinds": dict(summary.kinds), "seed": corpus.SEED,
                 "load_seconds": seconds})


if __name__ == "__main__":
    sys.exit(main())
