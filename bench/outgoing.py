"""Part 6: how fast the outbox sender delivers to aiosmtpd, against a bare aiosmtplib loop.

    python -m bench outgoing

The outbox is filled by the real gateway: `ldp run --once` over the corpus with the SMTP server
away, so every notice stays pending. Then, alternately, the gateway's sender (`send_due`) and a
bare loop (one aiosmtplib connection, `sendmail` for each of the same messages, read beforehand)
each deliver the whole outbox to the sink. Both run as child processes and time only the sending
(from before the first connection to after the last reply), so imports do not count.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time

RESET = ("UPDATE outbox SET status = 'pending', attempts = 0, sent_at = NULL, last_error = '', "
         "next_attempt_at = '2000-01-01 00:00:00'")
_folders = itertools.count(1)


def fill(state, kind: str):
    """A database whose outbox holds every notice the corpus causes, all pending."""
    from bench import harness
    from gateway.devservers import free_port
    folder = f"outgoing{next(_folders)}"
    harness.copy_folder(state.servers.imap, state.corpus_folder, folder)
    db = harness.new_database(kind, state.workdir)
    config = harness.gateway_config(state.workdir, state.servers, folder, db.url,
                                    smtp={"port": free_port(), "timeout": 5})
    harness.check(harness.run_child(harness.ldp(config, "run", "--once"), state.workdir),
                  "ldp run --once (filling the outbox)")
    db.query(RESET)
    config = harness.gateway_config(state.workdir, state.servers, folder, db.url)
    return db, config


def run(state) -> dict:
    from bench import harness
    from bench.report import emit, median, ratio
    rows, data = [], {}
    for kind in state.databases:
        db, config = fill(state, kind)
        try:
            total = db.counts()["outbox"]
            timings: dict[str, list[float]] = {"sender": [], "bare": []}
            for _ in range(state.runs):
                for system in ("sender", "bare"):
                    db.query(RESET)
                    state.servers.sink.reset()
                    argv = [sys.executable, "-m", "bench.outgoing", "--child", system,
                            "--config", str(config), "--port", str(state.servers.sink.port)]
                    report = harness.check(harness.run_child(argv, state.workdir),
                                           f"outgoing {system}").json()
                    delivered = len(state.servers.sink.arrivals)
                    if report["sent"] != total or delivered != total:
                        raise RuntimeError(f"outgoing {system}: sent {report['sent']}, sink got "
                                           f"{delivered}, outbox holds {total}")
                    timings[system].append(report["seconds"])
        finally:
            db.drop()
        sender, bare = total / median(timings["sender"]), total / median(timings["bare"])
        data[kind] = {"mails": total, "sender_msgs_per_s": sender, "bare_msgs_per_s": bare,
                      "ratio": sender / bare, "runs": state.runs}
        rows += [(f"sender/{kind}", total, median(timings["sender"]), sender, ratio(sender, bare)),
                 (f"bare aiosmtplib/{kind}", total, median(timings["bare"]), bare, "100%")]
    return emit("outgoing", f"Outgoing: a full outbox to the aiosmtpd sink, medians of "
                f"{state.runs} runs", ("system", "mails", "seconds", "mails/s", "vs bare"),
                rows, {"outgoing": data})


async def _bare(host: str, port: int, mails: list[tuple[str, list[str], bytes]]) -> float:
    import aiosmtplib
    started = time.perf_counter()
    client = aiosmtplib.SMTP(hostname=host, port=port, start_tls=False, timeout=60)
    await client.connect()
    for sender, recipients, raw in mails:
        await client.sendmail(sender, recipients, raw)
    await client.quit()
    return time.perf_counter() - started


def child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.outgoing")
    parser.add_argument("--child", choices=("sender", "bare"), required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    from gateway import config as config_module
    from gateway.service import build_context, send_due
    from gateway.store import outbox
    ctx = build_context(config_module.load(args.config), migrate=False)
    if args.child == "sender":
        started = time.perf_counter()
        report = asyncio.run(send_due(ctx))
        seconds, sent = time.perf_counter() - started, report.sent
    else:
        with ctx.db.atomic():
            mails = [(i.sender, i.recipient.split(", "), i.raw) for i in outbox.list_items()]
        seconds = asyncio.run(_bare(ctx.settings.smtp.host, args.port, mails))
        sent = len(mails)
    print(json.dumps({"system": args.child, "sent": sent, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(child(sys.argv[1:]))
