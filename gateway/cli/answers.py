"""`ldp templates list [--json]`: the operator's canned answers (`desk.answers`) with their
language, first line, and whether the template compiles in the sandbox it is rendered in
("ok", else the line and the reason), so a broken one is found before an agent uses it."""
from __future__ import annotations

import argparse

from gateway import sandbox
from gateway.cli.common import load_settings, print_rows
from gateway.desk import answers
from gateway.text.messages import t

COLUMNS = ["name", "language", "first_line", "check"]


def cmd_templates_list(args: argparse.Namespace) -> int:
    folder = load_settings(args).answers.dir
    rows = [{"name": a.name, "language": a.language, "first_line": a.first_line(),
             "check": _check(a)} for a in answers.listing(folder)]
    empty = t("no_answers", folder=folder) if folder else t("no_answers_dir")
    print_rows(args, rows, COLUMNS, empty)
    return 0


def _check(answer: answers.Answer) -> str:
    try:
        return sandbox.check_template(answer.source()) or "ok"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return str(exc)[:200]
