"""Parts 2 and 3: the ceilings, then the gateway on the same mailbox, each run several times.

The corpus is loaded once into a folder; every run works on a server-side copy of it, so each
system sees the same messages in the same order. The gateway is the real `ldp run --once` in a
child process with a fresh database; its throughput counts from its spawn to the last reporter
acknowledgement arriving at the SMTP sink, so intake, storage, rendering and sending all count.
"""
from __future__ import annotations

import itertools

from bench import harness, limit
from bench.report import emit, median, ratio

_runs = itertools.count(1)


def ceilings(state) -> dict:
    """Part 2: medians of each ceiling, per database kind for the one that stores."""
    results: dict[str, list] = {}
    for _ in range(state.runs):
        for system in ("fetch", "parse"):
            child = limit.run_ceiling(system, state.servers, state.corpus_folder, state.workdir)
            results.setdefault(system, []).append(child)
        for kind in state.databases:
            db = harness.new_database(kind, state.workdir)
            try:
                child = limit.run_ceiling("insert", state.servers, state.corpus_folder,
                                          state.workdir, db)
            finally:
                db.drop()
            results.setdefault(f"insert/{kind}", []).append(child)
    rows, data = [], {}
    for name, children in results.items():
        reports = [c.json() for c in children]
        wall = median(c.seconds for c in children)
        inner = median(r["seconds"] for r in reports)
        rate = state.mails / wall
        data[name] = {"msgs_per_s": rate, "seconds": wall, "msgs_per_s_after_start":
                      state.mails / inner, "peak_rss_mb": median(c.peak_rss_mb for c in children),
                      "runs": len(children)}
        rows.append((name, len(children), wall, rate, state.mails / inner,
                     data[name]["peak_rss_mb"]))
    state.ceilings = data
    emit("limit", f"Ceilings: {state.mails:,} mails, medians of {state.runs} runs "
         "(child processes, timed from spawn)",
         ("system", "runs", "seconds", "msg/s", "msg/s after start-up", "peak RSS MB"),
         rows, {"mails": state.mails, "ceilings": data})
    return data


def gateway_run(state, kind: str, **sections) -> dict:
    """One `ldp run --once` over a fresh copy of the corpus with a fresh database."""
    folder = f"ingest{next(_runs)}"
    harness.copy_folder(state.servers.imap, state.corpus_folder, folder)
    db = harness.new_database(kind, state.workdir)
    try:
        config = harness.gateway_config(state.workdir, state.servers, folder, db.url, **sections)
        state.servers.sink.reset()
        child = harness.check(harness.run_child(harness.ldp(config, "run", "--once"),
                                                state.workdir), "ldp run --once")
        acks = state.servers.sink.acks()
        counts = db.counts()
    finally:
        db.drop()
        if db.path:
            for suffix in ("", "-wal", "-shm"):
                db.path.with_name(db.path.name + suffix).unlink(missing_ok=True)
    last = max((t for t, _ in acks), default=child.started + child.seconds)
    return {"seconds": last - child.started, "exit_seconds": child.seconds,
            "msgs_per_s": state.mails / (last - child.started), "acks": len(acks),
            "sink": len(state.servers.sink.arrivals), "peak_rss_mb": child.peak_rss_mb,
            "workers_peak_rss_mb": child.workers_peak_rss_mb,
            **counts}


def ingest(state) -> dict:
    """Part 3: the gateway against each ceiling, per database kind."""
    if not state.ceilings:
        ceilings(state)
    rows, data = [], {}
    for kind in state.databases:
        runs = [gateway_run(state, kind) for _ in range(state.runs)]
        result = {key: median(r[key] for r in runs) for key in runs[0]}
        rate = result["msgs_per_s"]
        result["ratio"] = {name: rate / c["msgs_per_s"] for name, c in state.ceilings.items()
                           if not name.startswith("insert/") or name == f"insert/{kind}"}
        result["runs"] = len(runs)
        data[kind] = result
        rows.append((f"gateway/{kind}", len(runs), result["seconds"], rate, result["tickets"],
                     result["follow_ups"], result["sent"], result["peak_rss_mb"],
                     result["workers_peak_rss_mb"],
                     ratio(rate, state.ceilings["fetch"]["msgs_per_s"]),
                     ratio(rate, state.ceilings["parse"]["msgs_per_s"]),
                     ratio(rate, state.ceilings[f"insert/{kind}"]["msgs_per_s"])))
    expected = {"tickets": state.summary.reports, "follow_ups": state.summary.replies}
    emit("ingest", f"Gateway `ldp run --once`: {state.mails:,} mails, medians of {state.runs} "
         f"runs (expected {expected['tickets']:,} tickets, {expected['follow_ups']:,} "
         "follow-ups)",
         ("system", "runs", "seconds", "msg/s", "tickets", "follow-ups", "mails sent",
          "peak RSS MB", "largest worker MB", "vs fetch", "vs parse", "vs insert"),
         rows, {"mails": state.mails, "expected": expected, "gateway": data})
    for kind, result in data.items():
        if (result["tickets"], result["follow_ups"]) != (expected["tickets"],
                                                         expected["follow_ups"]):
            print(f"WARNING: gateway/{kind} made {result['tickets']} tickets and "
                  f"{result['follow_ups']} follow-ups; expected {expected}")
    return data
