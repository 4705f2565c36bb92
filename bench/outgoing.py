"""Part 6: how fast the outbox sender delivers to aiosmtpd, against a bare aiosmtplib loop.

    python -m bench outgoing

The outbox is filled by the real gateway: `ldp run --once` over the corpus with the SMTP server
away, so every notice stays pending. Then, in turn, each system delivers the whole outbox to the
sink: the running gateway's sender (`send_through_worker`: claims, the SMTP worker process,
answers recorded in the database), the same path with the worker on a thread (`send_due`, as
`ldp report --mail` runs it), and a bare loop
(one aiosmtplib connection, `sendmail` for each of the same messages, read beforehand). Each
runs as a child process and times only the sending (from before the first claim to after the
last mail is recorded, or the last reply for the bare loop); imports and starting the SMTP
worker process do not count. The target compares the gateway's sender with the bare loop.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time

SYSTEMS = ("sender", "in-process", "bare")
LABELS = {"sender": "sender (ldp run)", "in-process": "sender in-process (ldp send)",
          "bare": "bare aiosmtplib"}
RESET = ("UPDATE outbox SET status = 'pending', attempts = 0, sent_at = NULL, last_error = '', "
         "next_attempt_at = '2000-01-01 00:00:00'")
_folders = itertools.count(1)


def fill(state, kind: str):
    """A database whose outbox holds every notice the corpus causes, all pending."""
    from bench import harness
    from gateway.cli.devservers import free_port
    folder = f"outgoing{next(_folders)}"
    harness.copy_folder(state.servers.imap, state.corpus_folder, folder)
    db = harness.new_database(kind, state.workdir)
    config = harness.gateway_config(state.workdir, state.servers, folder, db.url,
                                    smtp={"port": free_port(), "timeout": 5})
    harness.check(harness.run_child(harness.ldp(config, "run", "--once"), state.workdir),
                  "ldp run --once (filling the outbox)")
    # Agents' notices queued unrendered during the surge are rendered now, so that every
    # system sends the same bytes and none is timed rendering.
    harness.check(harness.run_child([sys.executable, "-m", "bench.outgoing", "--child",
                                     "render", "--config", str(config), "--port", "0"],
                                    state.workdir), "rendering the queued notices")
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
            timings: dict[str, list[float]] = {system: [] for system in SYSTEMS}
            for _ in range(state.runs):
                for system in SYSTEMS:
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
        rate = {system: total / median(timings[system]) for system in SYSTEMS}
        sender, bare = rate["sender"], rate["bare"]
        data[kind] = {"mails": total, "sender_msgs_per_s": sender, "bare_msgs_per_s": bare,
                      "ratio": sender / bare, "in_process_msgs_per_s": rate["in-process"],
                      "in_process_ratio": rate["in-process"] / bare, "runs": state.runs}
        rows += [(f"{LABELS[system]}/{kind}", total, median(timings[system]), rate[system],
                  ratio(rate[system], bare)) for system in SYSTEMS]
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
    parser.add_argument("--child", choices=(*SYSTEMS, "render"), required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    from gateway import config as config_module
    from gateway.outgoing.sender import send_due, send_through_worker
    from gateway.service import build_context
    from gateway.store import outbox
    from gateway.transport.smtp_worker import SmtpWorker
    ctx = build_context(config_module.load(args.config), migrate=False)
    if args.child == "render":
        from gateway.store import database
        with database.transaction(ctx.db):
            queued = [item for item in outbox.list_items() if item.notice is not None]
            for item in queued:
                outbox.store_rendered(item.id, ctx.composer.render(item.notice))
        print(json.dumps({"system": "render", "rendered": len(queued)}))
        return 0
    if args.child == "sender":
        worker = SmtpWorker(ctx.settings.smtp)
        worker.start()  # as `ldp run` does at start-up
        started = time.perf_counter()
        report = send_through_worker(ctx, "bench:1:outgoing", worker)
        seconds, sent = time.perf_counter() - started, report.sent
        worker.stop()
    elif args.child == "in-process":
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
