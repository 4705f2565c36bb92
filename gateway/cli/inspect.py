"""Dry runs for people: what the gateway reads in a mail (`ldp parse`) and where routing would
send it (`ldp rules explain/test`). Nothing here stores anything."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from gateway import config as config_module
from gateway.intake import pipeline
from gateway.cli import views
from gateway.desk import parse, reply
from gateway.errors import MalformedMail
from gateway.parsers import mime, quoting, threading
from gateway.routing import chain


def describe_mail(raw: bytes, settings: config_module.Settings) -> dict[str, Any]:
    mail = mime.parse(raw)
    machine = pipeline.classify(mail, settings)
    fresh = quoting.fresh_text(mail.text, mail.html)
    # Commands as an agent's reply is read: only from the top of the mail's own body.
    parsed, _body = parse.parse_block(reply.own_fresh_text(mail)[0])
    extra = {"fresh_text": fresh,
             "commands": [{"line": c.line, "command": c.name, "args": list(c.args),
                           "error": str(c.error) if c.error else None} for c in parsed]}
    return views.parsed_mail(mail, machine, _thread(mail, settings), extra)


def _thread(mail, settings: config_module.Settings) -> str | None:
    """The ticket the mail would join, looked up read-only when the database exists."""
    from gateway.errors import GatewayError
    from gateway.store import database, tickets
    fallback = threading.subject_ref(mail.subject, settings.support.ticket_prefix)
    url = settings.database.url
    if url.startswith("sqlite:") and not Path(url.removeprefix("sqlite:///")).exists():
        return fallback
    try:
        db = database.connect(url, Path.cwd())
        with database.transaction(db):
            ticket = tickets.ticket_for_message_ids(threading.referenced_ids(mail))
    except GatewayError:
        return fallback
    return ticket.ref if ticket else fallback


def explain(raw: bytes, settings: config_module.Settings, base: Path) -> dict[str, Any]:
    from gateway.service import load_rules
    try:
        mail = mime.parse(raw)
    except MalformedMail as exc:
        return {"team": None, "category": None, "priority": None, "drop": None,
                "rule": f"malformed: {exc}", "tried": ""}
    decision = chain.route(load_rules(settings, base), mail,
                           default_team=pipeline.default_team(settings))
    return {"team": decision.team, "category": decision.category,
            "priority": decision.priority.value, "drop": decision.drop,
            "tags": ",".join(decision.tags), "language": decision.language,
            "application": decision.application, "lpse": decision.lpse,
            "rule": ", ".join(decision.matched) or "(default)",
            "tried": ", ".join(decision.tried)}


# views.table cuts every cell at 60 characters: a longer line is fitted by showing fewer
# keywords of each list (and counting the rest) before it is cut.
_CELL = 60


def rules_table(settings: config_module.Settings, base: Path) -> tuple[list, list[str]]:
    """The compiled rules, one row each: number, name, conditions and actions on one line."""
    from gateway.service import load_rules
    rows = [[number, rule.name, _fit(rule), _cut(rule.describe_actions())]
            for number, rule in enumerate(load_rules(settings, base), start=1)]
    return rows, ["#", "name", "when", "then"]


def _fit(rule) -> str:
    for shown in (None, 6, 4, 3, 2, 1):
        line = rule.describe_when(shown)
        if len(line) <= _CELL:
            return line
    return _cut(line)


def _cut(line: str) -> str:
    return line if len(line) <= _CELL else line[:_CELL - 1] + "…"
