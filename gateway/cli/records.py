"""`ldp tickets`, `outbox`, `quarantine` and `suppressions`: what the desk holds, shown, given
back or released."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta

from gateway.cli import support as cli_support
from gateway.cli import views
from gateway.cli.common import context, print_rows
from gateway.failures import EX_DATAERR as EXIT_DATAERR
from gateway.failures import EX_OK as EXIT_OK
from gateway.domain import Disposition
from gateway.errors import NotFound, UsageError
from gateway.text.messages import heading, t, word



def cmd_tickets_list(args: argparse.Namespace) -> int:
    from gateway.store import tickets
    ctx = context(args, migrate=False)
    application, lpse = concerning(ctx.settings, args.application, args.lpse)
    items = tickets.list_tickets(args.level, args.status, application=application, lpse=lpse)
    if args.json:
        print(json.dumps([views.ticket_summary(i) for i in items], ensure_ascii=False, indent=2))
    else:
        print(views.table(views.ticket_rows(items), views.TICKET_HEADER) if items
              else t("no_tickets"))
    return EXIT_OK


def concerning(settings, application: str | None, lpse_words: str | None
               ) -> tuple[str | None, str | None]:
    """The application's name and the LPSE's code that `--application` and `--lpse` name in
    the operator's list; a UsageError naming the known or close ones."""
    from gateway.routing import lpse
    listed = lpse.directory(settings.lpse.file)
    name = code = None
    if application:
        name = listed.find_application(application)
        if name is None:
            raise UsageError(t("unknown_application", name=application,
                               known=", ".join(listed.application_names())))
    if lpse_words:
        entry = listed.find_lpse(lpse_words)
        if entry is None:
            raise UsageError(t("unknown_lpse", name=lpse_words,
                               close=", ".join(listed.close_to(lpse_words)) or "-"))
        code = entry.code
    return name, code


def cmd_tickets_show(args: argparse.Namespace) -> int:
    from gateway.store import tickets
    ctx = context(args, migrate=False)
    data = views.ticket_full(tickets.get_ticket(args.ref), ctx.settings.lpse.file)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    keys = ("ref", "subject", "reporter", "level", "team", "status", "priority", "category",
            "assignee", "linked", "application")
    width = max(10, *(len(heading(key)) for key in (*keys, "lpse")))  # the longest heading
    for key in keys:
        print(f"{heading(key):{width}} {word(key, data[key])}")
    print(f"{heading('lpse'):{width}} {data['lpse'] or '-'}"
          + (f" ({data['lpse_name']})" if data.get("lpse_name") else ""))
    if data["categories"]:
        print(f"{heading('categories')}: " + "; ".join(
            f"{c['level']}: {c['category']}" for c in data["categories"]))
    print("\n" + t("followers"))
    for f in data["followers"]:
        print(f"  {f['email']}" + (f" ({f['name']})" if f["name"] else "")
              + f" {f['added_by']} {f['at']}")
    if not data["followers"]:
        print(t("no_followers"))
    _print_links(data["links"])
    print("\n" + t("work_log"))
    for w in data["actions"]:
        print(f"  {w['at']} {w['level']} {w['team']} {w['agent']}: {w['code']} "
              f"{w['application'] or '-'}" + (f" {w['note']}" if w["note"] else ""))
    if not data["actions"]:
        print(t("no_work"))
    if data["stages"]:  # shown once L2 has named a stage
        print("\n" + t("stage_history"))
        for g in data["stages"]:
            print(f"  {g['at']} {g['agent']}: {word('stage', g['stage'])}")
    print("\n" + t("messages"))
    for m in data["messages"]:
        print(f"  {m['at']} {word('direction', m['direction']):8} "
              f"{word('visibility', m['visibility']):8} {m['from']}: {m['subject']}")
    print("\n" + t("events"))
    kinds = max((len(e["kind"]) for e in data["events"]), default=0)
    for e in data["events"]:
        print(f"  {e['at']} {e['kind']:{kinds}} {e['actor']}: {e['detail']}")
    return EXIT_OK


def _print_links(links: dict) -> None:
    """The ticket's links, when it has any (#merge, #parent, #related)."""
    lines = [t(key, refs=", ".join(refs), count=len(refs))
             for key, refs in (("link_merged_into", [links["merged_into"]] if links["merged_into"]
                                else []),
                               ("link_merged_from", links["merged_from"]),
                               ("link_parent", [links["parent"]] if links["parent"] else []),
                               ("link_children", links["children"]),
                               ("link_related", links["related"])) if refs]
    if lines:
        print("\n" + t("ticket_links"))
        print("\n".join(lines))


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
    items = outbox.list_items(args.status, with_raw=False)  # rows, never their bytes
    rows = [{"id": i.id, "status": i.status, "attempts": i.attempts, "to": i.recipient,
             "subject": i.subject, "message_id": i.message_id, "template": i.template,
             "next_attempt_at": i.next_attempt_at.isoformat(timespec="seconds") + "Z",
             "last_error": i.last_error} for i in items]
    print_rows(args, rows, ["id", "status", "attempts", "to", "subject", "last_error"],
           t("empty_outbox"), words={"status": "outbox"})
    return EXIT_OK


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    from gateway.store import mailbox
    context(args, migrate=False)
    rows = [{"id": i.id, "at": i.created_at.isoformat(timespec="seconds") + "Z",
             "source": i.mailbox, "uid": i.uid, "size": len(i.raw),
             "error": i.error.splitlines()[0] if i.error else ""}
            for i in mailbox.list_quarantine()]
    print_rows(args, rows, ["id", "at", "source", "uid", "size", "error"], t("empty_quarantine"))
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
    print_rows(args, rows, ["address", "since", "expires", "reason"], t("no_suppressions"))
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
