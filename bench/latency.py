"""Part 4: from APPEND to the acknowledgement arriving at the SMTP sink, with `ldp run` idling.

    python -m bench latency

`ldp run` (the long-running service, not --once) watches an empty folder; a warm-up report
proves it is connected and waiting. Then new reports are appended at a steady rate from another
IMAP connection, and each report's latency is the time from just before its APPEND to the
arrival at the sink of the acknowledgement that answers it (In-Reply-To). Once with IDLE, once
with IDLE off and polling at the default interval, for comparison.
"""
from __future__ import annotations

import itertools
import re
import time

from bench import corpus, harness
from bench.report import emit, median, percentile

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.I | re.M)
_runs = itertools.count(1)


def stream(state, idle: bool, seconds: float, rate: float) -> dict:
    """One `ldp run`, one stream of `seconds * rate` reports; latencies in seconds."""
    number = next(_runs)
    folder = f"latency{number}"
    count = int(seconds * rate)
    mails = list(corpus.generate(count + 1, seed=corpus.SEED + number, prefix=f"lat{number}",
                                 replies=0.0))
    harness.load(state.servers.imap, folder, mails[:1])  # the warm-up, there before the start
    db = harness.new_database("sqlite", state.workdir)
    config = harness.gateway_config(state.workdir, state.servers, folder, db.url,
                                    imap={"idle": idle})
    poll = _poll_interval(config)
    sink = state.servers.sink
    sink.reset()
    gateway = harness.Running(harness.ldp(config, "run"), state.workdir)
    try:
        if not sink.wait_for(1, timeout=poll + 60, acks_only=True):
            raise RuntimeError("ldp run did not acknowledge the warm-up report")
        appended = _append_steadily(state, folder, mails[1:], rate)
        complete = sink.wait_for(count + 1, timeout=poll + 60, acks_only=True)
    finally:
        child = gateway.finish(timeout=60, stop=True)
    answered = {reply: at for at, reply in sink.acks()}
    latencies = [answered[mid] - at for mid, at in appended.items() if mid in answered]
    return {"idle": idle, "poll_interval": poll, "mails": count, "answered": len(latencies),
            "complete": complete, "p50": median(latencies), "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99), "max": max(latencies, default=float("nan")),
            "peak_rss_mb": child.peak_rss_mb}


def _append_steadily(state, folder: str, mails: list[bytes], rate: float) -> dict[str, float]:
    """APPEND each mail on schedule (not after the previous one plus a pause, which would drift);
    returns Message-ID -> the moment just before its APPEND."""
    client = harness.login(state.servers.imap)
    appended = {}
    start = time.monotonic()
    for index, raw in enumerate(mails):
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        appended[MESSAGE_ID.search(raw).group(1).decode()] = time.monotonic()
        client.append(folder, raw)
    client.logout()
    return appended


def _poll_interval(config) -> float:
    import tomllib
    return float(tomllib.loads(config.read_text())["imap"].get("poll_interval", 60.0))


def run(state) -> dict:
    seconds = 20.0 if state.quick else 60.0
    rate = 5.0
    results = {"idle": stream(state, True, seconds, rate),
               "polling": stream(state, False, seconds, rate)}
    rows = [(name, r["mails"], r["answered"],
             *(r[k] * 1000 for k in ("p50", "p95", "p99", "max")), r["peak_rss_mb"])
            for name, r in results.items()]
    return emit("latency", f"Latency: {rate:g} reports a second for {seconds:g} s, APPEND to "
                f"acknowledgement at the sink; polling every "
                f"{results['polling']['poll_interval']:g} s",
                ("mode", "mails", "answered", "p50 ms", "p95 ms", "p99 ms", "max ms",
                 "peak RSS MB"),
                rows, {"rate": rate, "seconds": seconds, **results})
