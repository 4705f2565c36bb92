"""The `ldp` command: argument parsing, exit codes, tables for people and JSON for programs.

Every failure prints one line (`error: ...`) and exits with a code that means something
(sysexits): 2 usage, 65 a message refused, 66 not found, 70 an unexpected error, 73 cannot
create a file, 75 try again later, 78 bad configuration or set-up. `gateway.cli.errors` holds
that machinery, `gateway.cli.support` the argument types and the progress reporter.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from gateway.cli import support as cli_support
from gateway import config as config_module
from gateway.cli import config_check
from gateway.cli import views
from gateway.cli.errors import Parser, guarded, os_detail, require_commands
from gateway.domain import Disposition
from gateway.errors import CannotCreate, ConfigError, NotFound, UsageError
from gateway.text.messages import heading, t, word

EXIT_OK, EXIT_USAGE, EXIT_DATAERR, EXIT_TEMPFAIL = 0, 2, 65, 75


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    require_commands(parser)
    args = parser.parse_args(argv)
    debug = args.debug or args.verbose
    level = logging.DEBUG if debug else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s")
    return guarded(args.handler, args, debug=debug)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="ldp", description="LDP Gateway: email-driven "
                    "tiered user support (Layanan Dukungan Pengguna)")
    parser.add_argument("--config", help="TOML file (default: $LDP_CONFIG, else ./ldp.toml)")
    parser.add_argument("-v", "--verbose", action="store_true")
    cli_support.add_global_options(parser)
    sub = parser.add_subparsers(metavar="COMMAND")

    def command(name: str, handler: Callable, help_text: str, parent=sub):
        p = parent.add_parser(name, help=help_text)
        p.set_defaults(handler=handler)
        return p

    command("check", cmd_check, "validate the configuration and the LDP_* environment")
    command("init", cmd_init, "create or migrate the database schema")
    run = command("run", cmd_run, "fetch mail and send the outbox until stopped")
    run.add_argument("--once", action="store_true", help="process what waits, send, exit")
    ingest = command("ingest", cmd_ingest, "store raw messages from files or standard input")
    ingest.add_argument("files", nargs="*", default=["-"])
    parse = command("parse", cmd_parse, "show what the gateway reads in a mail, store nothing")
    parse.add_argument("file")
    parse.add_argument("--json", action="store_true")
    command("demo", cmd_demo, "run the gateway on local servers with sample reports")

    tickets = sub.add_parser("tickets", help="list, show and export tickets").add_subparsers()
    listing = command("list", cmd_tickets_list, "list tickets", tickets)
    listing.add_argument("--level", choices=cli_support.LEVELS)
    listing.add_argument("--status", choices=cli_support.TICKET_STATUSES)
    listing.add_argument("--json", action="store_true")
    show = command("show", cmd_tickets_show, "one ticket with its messages and events", tickets)
    show.add_argument("ref")
    show.add_argument("--json", action="store_true")
    command("export", cmd_tickets_export, "every ticket as JSON lines", tickets)
    original = command("original", cmd_tickets_original,
                       "one inbound message as it was received (.eml)", tickets)
    original.add_argument("ref")
    original.add_argument("number", nargs="?", type=cli_support.row_id, default=1,
                          help="which inbound message of the ticket (1, the report, by default)")
    original.add_argument("--output", "-o", metavar="FILE", help="write it here, not to stdout")

    out = sub.add_parser("outbox", help="outgoing mail").add_subparsers()
    out_list = command("list", cmd_outbox_list, "list the outbox", out)
    out_list.add_argument("--status", choices=cli_support.OUTBOX_STATUSES)
    out_list.add_argument("--json", action="store_true")

    quarantine = sub.add_parser("quarantine", help="messages that could not be stored")
    qsub = quarantine.add_subparsers()
    q_list = command("list", cmd_quarantine_list, "list quarantined messages", qsub)
    q_list.add_argument("--json", action="store_true")
    retry = command("retry", cmd_quarantine_retry, "process a quarantined message again", qsub)
    retry.add_argument("id", type=cli_support.row_id)

    suppressions = sub.add_parser("suppressions", help="addresses that get no automatic mail")
    ssub = suppressions.add_subparsers()
    s_list = command("list", cmd_suppressions_list, "list suppressions in force", ssub)
    s_list.add_argument("--json", action="store_true")
    s_remove = command("remove", cmd_suppressions_remove, "lift an address's suppression", ssub)
    s_remove.add_argument("address")

    report = command("report", cmd_report, "service-level figures per level and team")
    report.add_argument("--from", dest="start", required=True, type=cli_support.iso_date,
                        metavar="DATE")
    report.add_argument("--to", dest="end", required=True, type=cli_support.iso_date,
                        metavar="DATE")
    report.add_argument("--level", choices=cli_support.LEVELS)
    report.add_argument("--team")
    report.add_argument("--format", default="table", choices=("table", "csv", "json", "html"))
    report.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")
    report.add_argument("--mail", metavar="TO", type=cli_support.email_address,
                        help="mail it (HTML attached) to TO")

    rules = sub.add_parser("rules", help="routing rules").add_subparsers()
    command("check", cmd_rules_check, "validate the rules and print them", rules)
    explain = command("explain", cmd_rules_explain, "which rule a mail matches (dry run)", rules)
    explain.add_argument("file")
    explain.add_argument("--json", action="store_true")
    test = command("test", cmd_rules_test, "explain every mail in a folder as a table", rules)
    test.add_argument("folder")
    test.add_argument("--json", action="store_true")
    return parser


def load_settings(args: argparse.Namespace, required: bool = True) -> config_module.Settings:
    path = cli_support.config_path(args, os.environ)
    if not Path(path).exists():
        if required:
            raise ConfigError(t("no_config", path=path))
        return config_check.from_mapping({"support": {"address": "helpdesk@localhost"}},
                                         os.environ, "(defaults)")
    try:
        return config_check.load(path, os.environ)
    except OSError as exc:  # a folder, or a file we may not read
        raise ConfigError(f"{path}: {os_detail(exc)}") from None


def cmd_check(args: argparse.Namespace) -> int:
    print(config_check.summary(load_settings(args)))
    return EXIT_OK


def context(args: argparse.Namespace, migrate: bool = True):
    from gateway.service import build_context
    return build_context(load_settings(args), migrate=migrate)


def cmd_init(args: argparse.Namespace) -> int:
    from gateway.store import database
    settings = load_settings(args)
    db = database.connect(settings.database.url, Path.cwd())
    done = database.migrate(db)
    print(t("migrated", names=", ".join(done)) if done else t("up_to_date"))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from gateway.service import Service
    ctx = context(args)
    if not args.quiet:
        print(cli_support.startup_line(ctx.settings, cli_support.config_path(args, os.environ)),
              file=sys.stderr)
    service = Service(ctx, cli_support.progress_for(args))
    if args.once:
        intake, sent = service.run_once()
        print(t("once_done", stored=intake.total, sent=sent.sent, retried=sent.retried,
                dead=sent.dead))
        return EXIT_OK
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: (print(t("stopping"), file=sys.stderr),
                                          service.stop.set()))
    service.run()
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    from gateway.intake import flood_notice
    from gateway.store import database
    ctx = context(args)
    worst = EXIT_OK
    try:
        worst = _ingest_files(args, ctx)
    finally:  # mail held over a sender's cap is told to the L0 leads, as intake does
        with database.transaction(ctx.db):
            flood_notice.notify_leads(ctx)
    return worst


def _ingest_files(args: argparse.Namespace, ctx) -> int:
    from gateway.intake.rounds import handle_raw
    worst = EXIT_OK
    for name in args.files:
        raw = sys.stdin.buffer.read() if name == "-" else _read(name)
        outcome = handle_raw(raw, ctx, source=f"ingest:{name}")
        words = (word("disposition", outcome.disposition), outcome.ticket_ref, outcome.detail)
        detail = f"{name}: " + " ".join(w for w in words if w)
        if outcome.disposition == Disposition.QUARANTINED:
            print(t("refused", detail=detail), file=sys.stderr)
            worst = EXIT_DATAERR
        else:
            print(t("stored", detail=detail))
    return worst


def _read(name: str) -> bytes:
    try:
        return Path(name).read_bytes()
    except FileNotFoundError:
        raise NotFound(t("no_file", path=name)) from None
    except OSError as exc:  # a folder, or a file we may not read
        raise NotFound(f"{name}: {os_detail(exc)}") from None


def cmd_parse(args: argparse.Namespace) -> int:
    from gateway.cli.inspect import describe_mail
    settings = load_settings(args, required=False)
    result = describe_mail(_read(args.file), settings)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_OK
    for key in ("message_id", "subject", "thread"):
        print(f"{heading(key):14} {result.get(key)}")
    print(f"{heading('from'):14} {result['from']}")
    print(f"{heading('to'):14} {', '.join(a['email'] for a in result['to'])}")
    print(f"{heading('machine'):14} {result['machine']}")
    for item in result["attachments"]:
        print(f"{heading('attachment'):14} {t('attachment_line', **item)}")
    print("\n" + result["text"])
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from gateway.cli.demo import run_demo
    return run_demo()


def cmd_tickets_list(args: argparse.Namespace) -> int:
    from gateway.store import tickets
    context(args, migrate=False)
    items = tickets.list_tickets(args.level, args.status)
    if args.json:
        print(json.dumps([views.ticket_summary(i) for i in items], ensure_ascii=False, indent=2))
    else:
        print(views.table(views.ticket_rows(items), views.TICKET_HEADER) if items
              else t("no_tickets"))
    return EXIT_OK


def cmd_tickets_show(args: argparse.Namespace) -> int:
    from gateway.store import tickets
    context(args, migrate=False)
    data = views.ticket_full(tickets.get_ticket(args.ref))
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    for key in ("ref", "subject", "reporter", "level", "team", "status", "priority", "category",
                "assignee", "linked"):
        print(f"{heading(key):10} {word(key, data[key])}")
    print("\n" + t("messages"))
    for m in data["messages"]:
        print(f"  {m['at']} {word('direction', m['direction']):8} "
              f"{word('visibility', m['visibility']):8} {m['from']}: {m['subject']}")
    print("\n" + t("events"))
    for e in data["events"]:
        print(f"  {e['at']} {e['kind']:14} {e['actor']}: {e['detail']}")
    return EXIT_OK


def cmd_tickets_export(args: argparse.Namespace) -> int:
    from gateway.store import tickets
    context(args, migrate=False)
    for ticket in tickets.list_tickets():
        print(json.dumps(views.ticket_full(ticket), ensure_ascii=False))
    return EXIT_OK


def cmd_tickets_original(args: argparse.Namespace) -> int:
    from gateway.excerpt import human_size
    from gateway.store import database, tickets
    ctx = context(args, migrate=False)
    with database.transaction(ctx.db):
        raw = tickets.original(tickets.get_ticket(args.ref), args.number, ctx.attachments_dir)
    if not args.output:
        sys.stdout.buffer.write(raw)
        sys.stdout.buffer.flush()
        return EXIT_OK
    with open(args.output, "wb") as handle:
        handle.write(raw)
    print(t("original_written", path=args.output, size=human_size(len(raw))))
    return EXIT_OK


def cmd_outbox_list(args: argparse.Namespace) -> int:
    from gateway.store import outbox
    context(args, migrate=False)
    items = outbox.list_items(args.status)
    rows = [{"id": i.id, "status": i.status, "attempts": i.attempts, "to": i.recipient,
             "subject": i.subject, "message_id": i.message_id, "template": i.template,
             "next_attempt_at": i.next_attempt_at.isoformat(timespec="seconds") + "Z",
             "last_error": i.last_error} for i in items]
    _print(args, rows, ["id", "status", "attempts", "to", "subject", "last_error"],
           t("empty_outbox"), words={"status": "outbox"})
    return EXIT_OK


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    from gateway.store import mailbox
    context(args, migrate=False)
    rows = [{"id": i.id, "at": i.created_at.isoformat(timespec="seconds") + "Z",
             "source": i.mailbox, "uid": i.uid, "size": len(i.raw),
             "error": i.error.splitlines()[0] if i.error else ""}
            for i in mailbox.list_quarantine()]
    _print(args, rows, ["id", "at", "source", "uid", "size", "error"], t("empty_quarantine"))
    return EXIT_OK


def cmd_quarantine_retry(args: argparse.Namespace) -> int:
    from gateway.service import retry_quarantined
    if not 1 <= args.id <= cli_support.MAX_ROW_ID:  # no database can hold it: not found
        raise NotFound(t("no_quarantined", id=args.id))
    outcome = retry_quarantined(context(args, migrate=False), args.id)
    detail = (f"{word('disposition', outcome.disposition)} {outcome.ticket_ref or ''} "
              f"{outcome.detail}").strip()
    if outcome.disposition == Disposition.QUARANTINED:
        print(t("still_bad", id=args.id, detail=detail), file=sys.stderr)
        return EXIT_DATAERR
    print(t("retried", id=args.id, detail=detail))
    return EXIT_OK


def cmd_suppressions_list(args: argparse.Namespace) -> int:
    from gateway.outgoing import loops
    from gateway.store import guards
    ctx = context(args, migrate=False)
    days = ctx.settings.loops.suppress_days
    rows = [{"address": row.email, "since": row.created_at.isoformat(timespec="seconds") + "Z",
             "expires": (row.created_at + timedelta(days=days)).isoformat(timespec="seconds")
             + "Z", "reason": row.reason}
            for row in guards.suppressions(loops.suppressed_since(ctx.settings))]
    _print(args, rows, ["address", "since", "expires", "reason"], t("no_suppressions"))
    return EXIT_OK


def cmd_suppressions_remove(args: argparse.Namespace) -> int:
    from gateway.store import database, guards
    ctx = context(args, migrate=False)
    with database.transaction(ctx.db):
        lifted = guards.unsuppress(args.address.strip())
    if not lifted:
        raise NotFound(t("not_suppressed", address=args.address.strip()))
    print(t("unsuppressed", address=args.address.strip().lower()))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from gateway.sla import render, report
    from gateway.store import database
    if args.end < args.start:
        raise UsageError(t("dates_reversed", start=args.start, end=args.end))
    ctx = context(args, migrate=False)
    teams = [team.id for team in ctx.settings.teams]
    if args.team and args.team not in teams:
        raise UsageError(t("unknown_team", team=args.team, known=", ".join(teams) or "-"))
    with database.transaction(ctx.db):
        figures = report.build(ctx.settings, args.start, args.end, args.level, args.team)
    if args.mail:
        from gateway.outgoing.sender import send_due
        from gateway.sla.mail import queue_report
        message_id = queue_report(ctx, figures, args.mail)
        sent = asyncio.run(send_due(ctx))
        print(render.label("mailed", figures.language, id=message_id, to=args.mail,
                           sent=sent.sent, retried=sent.retried))
        return EXIT_OK
    text = render.FORMATS[args.format](figures)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CannotCreate(t("cannot_write", path=args.output,
                                 detail=os_detail(exc))) from None
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def cmd_rules_check(args: argparse.Namespace) -> int:
    from gateway.cli.inspect import rules_table
    settings = load_settings(args)
    rows, header = rules_table(settings, Path.cwd())
    print(views.table(rows, header))
    print(t("rules_ok", count=len(rows)))
    return EXIT_OK


def cmd_rules_explain(args: argparse.Namespace) -> int:
    from gateway.cli.inspect import explain
    result = explain(_read(args.file), load_settings(args), Path.cwd())
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for key, value in result.items():
            print(f"{heading(key):10} {value}")
    return EXIT_OK


def cmd_rules_test(args: argparse.Namespace) -> int:
    from gateway.cli.inspect import explain
    settings = load_settings(args)
    folder = Path(args.folder)
    if not folder.is_dir():
        raise NotFound(t("no_file", path=args.folder))
    files = [p for p in sorted(folder.iterdir()) if p.is_file()]
    counter = cli_support.progress_for(args).counter("progress_rules", len(files))
    results = []
    for path in files:
        results.append({"file": path.name, **explain(_read(str(path)), settings, Path.cwd())})
        counter.advance()
    counter.finish()
    _print(args, results, ["file", "team", "category", "priority", "drop", "rule"], "-")
    return EXIT_OK


def _print(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[str],
           empty: str, words: dict[str, str] | None = None) -> None:
    """JSON as it is, or a table for people with the values of the `words` columns (column ->
    vocabulary kind) in the output language."""
    words = words or {}
    if getattr(args, "json", False):
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif rows:
        print(views.table([[word(words[c], r.get(c)) if c in words else r.get(c)
                            for c in columns] for r in rows], columns))
    else:
        print(empty)


if __name__ == "__main__":
    sys.exit(main())
