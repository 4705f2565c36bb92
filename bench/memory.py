"""Part 5: the gateway's peak RSS for a backlog of 1,000 and of 10,000 mails, and for one mail
with a 20 MB attachment.

    python -m bench memory

Each case is a fresh folder and a fresh SQLite database, then `ldp run --once` in a child
process. The backlogs are generated and appended on the fly, so the bench itself never holds ten
thousand mails. The floor is a Python process that only imports the gateway.

A 20 MB attachment makes a message of about 27 MB once base64-encoded, under the default
`max_message_bytes` (40 MiB): the whole mail is stored. A 45 MB attachment (about 62 MB) is over
it: only its header is kept, in quarantine, and the body is never downloaded.

Peak RSS is the gateway's own VmHWM, which it prints as it exits. The kernel's ru_maxrss (from
wait4) is not used: Linux carries the high-water mark of the process a child was exec'd from
into the child's ru_maxrss, so after the bench had built and appended a 27 MB mail every child
looked at least as big as the bench itself (138 MB for a header-only quarantine). The gateway's
worker processes (parse, SMTP) are shown apart: the largest VmHWM among them, sampled by the
harness every 20 ms.
"""
from __future__ import annotations

import itertools
import re
import sys

from bench import corpus, harness
from bench.report import emit

_runs = itertools.count(1)
OVER_LIMIT_MB = 45  # about 62 MB base64-encoded: over the default 40 MiB limit

# Runs `ldp` (what `python -m gateway` runs) and prints the peak of its own address space at exit.
PROBE = """\
import atexit, re, runpy, sys
def _peak():
    try:
        status = open('/proc/self/status').read()
    except OSError:
        return
    found = re.search(r'VmHWM:\\s+(\\d+) kB', status)
    if found:
        print('peak-rss-kb', found.group(1), flush=True)
atexit.register(_peak)
{body}
"""
LDP = PROBE.format(body="sys.argv[0] = 'ldp'\nrunpy.run_module('gateway', run_name='__main__')")
IMPORTS = PROBE.format(body="import gateway.cli, gateway.service")
PEAK_RE = re.compile(r"^peak-rss-kb (\d+)$", re.M)


def peak_mb(child: harness.Child) -> float:
    """The child's own peak; ru_maxrss only where /proc is missing (it may overstate)."""
    found = PEAK_RE.findall(child.output)
    return int(found[-1]) / 1024 if found else child.peak_rss_mb


def case(state, name: str, mails, **imap) -> dict:
    folder = f"memory{next(_runs)}"
    loaded = harness.load(state.servers.imap, folder, mails, chunk=50)
    db = harness.new_database("sqlite", state.workdir)
    try:
        config = harness.gateway_config(state.workdir, state.servers, folder, db.url, imap=imap)
        state.servers.sink.reset()
        argv = [sys.executable, "-c", LDP, "--config", str(config), "run", "--once"]
        child = harness.check(harness.run_child(argv, state.workdir), f"ldp run --once ({name})")
        counts = db.counts()
    finally:
        for suffix in ("", "-wal", "-shm"):
            db.path.with_name(db.path.name + suffix).unlink(missing_ok=True)
    return {"case": name, "mails": loaded, "peak_rss_mb": peak_mb(child),
            "workers_peak_rss_mb": child.workers_peak_rss_mb, "seconds": child.seconds,
            "msgs_per_s": loaded / child.seconds, **counts}


def floor(state) -> dict:
    child = harness.check(harness.run_child([sys.executable, "-c", IMPORTS], state.workdir),
                          "imports")
    return {"case": "imports only", "mails": 0, "peak_rss_mb": peak_mb(child),
            "workers_peak_rss_mb": 0.0, "seconds": child.seconds, "msgs_per_s": float("nan"),
            "tickets": 0, "quarantined": 0}


def run(state) -> dict:
    sizes = (1_000, 3_000) if state.quick else (1_000, 10_000)
    results = [floor(state)]
    for size in sizes:
        results.append(case(state, f"backlog {size:,}", corpus.generate(size, prefix=f"m{size}")))
    results.append(case(state, "20 MB attachment (stored)", [corpus.big_mail(20)]))
    results.append(case(state, f"{OVER_LIMIT_MB} MB attachment (over the limit: header only)",
                        [corpus.big_mail(OVER_LIMIT_MB)]))
    rows = [(r["case"], r["mails"], r["peak_rss_mb"], r["workers_peak_rss_mb"], r["seconds"],
             r["msgs_per_s"], r["tickets"], r["quarantined"]) for r in results]
    backlogs = [r["peak_rss_mb"] for r in results if r["case"].startswith("backlog")]
    growth = backlogs[-1] - backlogs[0]
    return emit("memory", f"Memory: peak RSS of `ldp run --once` (SQLite); {sizes[-1]:,} versus "
                f"{sizes[0]:,} mails: {growth:+.1f} MB",
                ("case", "mails", "peak RSS MB", "largest worker MB", "seconds", "msg/s",
                 "tickets", "quarantined"),
                rows, {"cases": results, "backlog_growth_mb": growth})
