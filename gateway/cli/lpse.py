"""`ldp lpse list [--json] [--find WORDS]`: the operator's list of LPSE (`[lpse] file`) as the
gateway reads it: each code, name, sender domains and phrases, and the applications; what an
agent may write after #lpse and #aplikasi. `--find` shows the LPSE the words name, else the
close ones, as #lpse would."""
from __future__ import annotations

import argparse

from gateway.cli.common import load_settings, print_rows
from gateway.routing import lpse
from gateway.text.messages import t

COLUMNS = ["code", "name", "domains"]


def cmd_lpse_list(args: argparse.Namespace) -> int:
    listed = lpse.directory(load_settings(args).lpse.file)
    entries = listed.lpse
    if args.find:
        found = listed.find_lpse(args.find)
        codes = (found.code,) if found else listed.close_to(args.find)
        entries = tuple(listed.get(code) for code in codes)
    rows = [{"code": e.code, "name": e.name, "domains": ", ".join(e.domains) or "-"}
            for e in entries]
    if getattr(args, "json", False):
        rows = [{**r, "domains": list(e.domains), "phrases": list(e.phrases)}
                for r, e in zip(rows, entries)]
    print_rows(args, rows, COLUMNS, t("no_lpse"))
    if not getattr(args, "json", False) and not args.find:
        print(t("lpse_applications", count=len(listed.lpse),
                applications=", ".join(listed.application_names()), source=listed.source))
    return 0
