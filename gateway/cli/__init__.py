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
from pathlib import Path
from typing import Callable

from gateway.cli import support as cli_support
from gateway.cli import config_check
from gateway.cli import views
from gateway.cli.agents import cmd_agents_list
from gateway.cli.agents_edit import cmd_agents_add, cmd_agents_remove, cmd_agents_update
from gateway.cli.answers import cmd_templates_list
from gateway.cli.lpse import cmd_lpse_list
from gateway.cli.attachments import cmd_attachments_get, cmd_attachments_list
from gateway.cli.common import context, load_settings, print_rows
from gateway.cli.errors import Parser, guarded, os_detail, require_commands
from gateway.cli.records import (cmd_outbox_list, cmd_quarantine_list, cmd_quarantine_retry,
                                 cmd_suppressions_list, cmd_suppressions_remove,
                                 cmd_tickets_export, cmd_tickets_list, cmd_tickets_original,
                                 cmd_tickets_show)
from gateway import config as config_module
from gateway.domain import Disposition
from gateway.errors import CannotCreate, NotFound, UsageError
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
    listing.add_argument("--application", metavar="NAME",
                         help="SPSE, SIKaP or other (the LPSE list's applications)")
    listing.add_argument("--lpse", metavar="CODE|NAME",
                         help="an LPSE of the list: its code, name or domain")
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

    files = sub.add_parser("attachments", help="the files a ticket holds").add_subparsers()
    listed = command("list", cmd_attachments_list, "a ticket's attachments", files)
    listed.add_argument("ref")
    listed.add_argument("--json", action="store_true")
    get = command("get", cmd_attachments_get, "one attachment's bytes", files)
    get.add_argument("ref")
    get.add_argument("file", metavar="NAME|ID", help="the file's name or its number (list)")
    get.add_argument("--output", "-o", metavar="PATH",
                     help="write it here (a file or a folder); default: stdout when it is not "
                          "a terminal, else the file's name in the current folder")
    get.add_argument("--force", action="store_true", help="overwrite an existing file")

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

    agents = sub.add_parser("agents", help="the agents of the configuration").add_subparsers()
    a_list = command("list", cmd_agents_list,
                     "every agent with team, level, assignment letter and whether it is valid "
                     "today", agents)
    a_list.add_argument("--json", action="store_true")
    a_add = command("add", cmd_agents_add, "add an agent to the configuration file's roster "
                    "(comments and layout kept); restart `ldp run` after", agents)
    a_add.add_argument("email", type=cli_support.email_address)
    a_add.add_argument("--name", required=True)
    a_add.add_argument("--team", required=True, help="a team id of the configuration")
    a_add.add_argument("--role", choices=config_module.CHOICES["agents.role"], default="agent")
    a_add.add_argument("--language", choices=config_module.CHOICES["agents.language"])
    a_add.add_argument("--lead", action="store_true", help="may make an emergency jump")
    a_add.add_argument("--assignment", required=True, metavar="NUMBER",
                       help="the assignment letter (surat penugasan)")
    a_add.add_argument("--from", dest="assigned_from", type=cli_support.iso_date,
                       metavar="DATE", help="its first day (default: open)")
    a_add.add_argument("--until", dest="assigned_until", required=True,
                       type=cli_support.iso_date, metavar="DATE", help="its last day")
    a_update = command("update", cmd_agents_update, "change an agent of the configuration "
                       "file's roster (a renewed letter: --assignment, --until)", agents)
    a_update.add_argument("email")
    a_update.add_argument("--name")
    a_update.add_argument("--team", help="a team id of the configuration")
    a_update.add_argument("--role", choices=config_module.CHOICES["agents.role"])
    a_update.add_argument("--language", choices=config_module.CHOICES["agents.language"])
    a_update.add_argument("--lead", action=argparse.BooleanOptionalAction)
    a_update.add_argument("--assignment", metavar="NUMBER")
    a_update.add_argument("--from", dest="assigned_from", type=cli_support.iso_date,
                          metavar="DATE")
    a_update.add_argument("--until", dest="assigned_until", type=cli_support.iso_date,
                          metavar="DATE")
    a_remove = command("remove", cmd_agents_remove,
                       "remove an agent from the configuration file's roster", agents)
    a_remove.add_argument("email")

    answers = sub.add_parser("templates", help="the canned answers agents insert with "
                             "#templat").add_subparsers()
    t_list = command("list", cmd_templates_list,
                     "every canned answer: name, language, first line, check", answers)
    t_list.add_argument("--json", action="store_true")

    lpse_list = sub.add_parser("lpse", help="the operator's list of LPSE and applications"
                               ).add_subparsers()
    l_list = command("list", cmd_lpse_list, "every LPSE of the list (code, name, domains), or "
                     "those --find names or resembles", lpse_list)
    l_list.add_argument("--find", metavar="WORDS", help="a code, name, phrase or domain")
    l_list.add_argument("--json", action="store_true")

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


def cmd_check(args: argparse.Namespace) -> int:
    print(config_check.summary(load_settings(args)))
    return EXIT_OK


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
    print_rows(args, results, ["file", "team", "category", "priority", "drop", "rule"], "-")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
