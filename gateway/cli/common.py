"""What every `ldp` command shares: its settings, its context, and its rows printed as a table
for people or as JSON."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from gateway import config as config_module
from gateway.cli import config_check, views
from gateway.cli import support as cli_support
from gateway.cli.errors import os_detail
from gateway.errors import ConfigError
from gateway.text.messages import t, word


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


def context(args: argparse.Namespace, migrate: bool = True):
    from gateway.service import build_context
    return build_context(load_settings(args), migrate=migrate)


def print_rows(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[str],
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
