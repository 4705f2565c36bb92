"""Part 5: the gateway's peak RSS for a backlog of 1,000 and of 10,000 mails, and for one mail
with a 20 MB attachment.

    python -m bench memory

Each case is a fresh folder and a fresh SQLite database, then `ldp run --once` in a child
process; its peak RSS is the kernel's (ru_maxrss from wait4). The backlogs are generated and
appended on the fly, so the bench itself never holds ten thousand mails. The floor is a Python
process that only imports the gateway. A 20 MB attachment makes a message of about 27 MB once
base64-encoded, over the default `max_message_bytes` (25 MiB): at the default only its header is
kept, in quarantine; with the limit raised to 64 MiB the whole mail is stored. Both are shown.
"""
from __future__ import annotations

import itertools
import sys

from bench import corpus, harness
from bench.report import emit

_runs = itertools.count(1)
BIG_LIMIT = 64 * 1024 * 1024


def case(state, name: str, mails, **imap) -> dict:
    folder = f"memory{next(_runs)}"
    loaded = harness.load(state.servers.imap, folder, mails, chunk=50)
    db = harness.new_database("sqlite", state.workdir)
    try:
        config = harness.gateway_config(state.workdir, state.servers, folder, db.url, imap=imap)
        state.servers.sink.reset()
        child = harness.check(harness.run_child(harness.ldp(config, "run", "--once"),
                                                state.workdir), f"ldp run --once ({name})")
        counts = db.counts()
    finally:
        for suffix in ("", "-wal", "-shm"):
            db.path.with_name(db.path.name + suffix).unlink(missing_ok=True)
    return {"case": name, "mails": loaded, "peak_rss_mb": child.peak_rss_mb,
            "seconds": child.seconds, "msgs_per_s": loaded / child.seconds, **counts}


def floor(state) -> dict:
    child = harness.check(harness.run_child(
        [sys.executable, "-c", "import gateway.cli, gateway.service"], state.workdir), "imports")
    return {"case": "imports only", "mails": 0, "peak_rss_mb": child.peak_rss_mb,
            "seconds": child.seconds, "msgs_per_s": float("nan"), "tickets": 0,
            "quarantined": 0}


def run(state) -> dict:
    sizes = (1_000, 3_000) if state.quick else (1_000, 10_000)
    results = [floor(state)]
    for size in sizes:
        results.append(case(state, f"backlog {size:,}", corpus.generate(size, prefix=f"m{size}")))
    results.append(case(state, "20 MB attachment, default limit", [corpus.big_mail(20)]))
    results.append(case(state, "20 MB attachment, 64 MiB limit", [corpus.big_mail(20)],
                        max_message_bytes=BIG_LIMIT))
    rows = [(r["case"], r["mails"], r["peak_rss_mb"], r["seconds"], r["msgs_per_s"],
             r["tickets"], r["quarantined"]) for r in results]
    backlogs = [r["peak_rss_mb"] for r in results if r["case"].startswith("backlog")]
    growth = backlogs[-1] - backlogs[0]
    return emit("memory", f"Memory: peak RSS of `ldp run --once` (SQLite); {sizes[-1]:,} versus "
                f"{sizes[0]:,} mails: {growth:+.1f} MB",
                ("case", "mails", "peak RSS MB", "seconds", "msg/s", "tickets", "quarantined"),
                rows, {"cases": results, "backlog_growth_mb": growth})
