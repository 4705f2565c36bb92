"""`ldp agents add`, `update` and `remove`: the roster edited in the configuration file itself,
in place, with tomlkit (the only module that imports it), which keeps the operator's comments,
order and layout: a tool that rewrote the file from the settings would lose every comment.

An edit is checked before anything is written: the file as it is must load, the new agent is
judged as the loader judges one (a known team, one plain address not in the roster yet, dates
as YYYY-MM-DD, the last day not before the first), each problem one line and exit 2, and the
edited text must pass the whole check (`config_check`) too. Then it is written atomically: a
temporary file beside it, flushed and synced, given the file's permissions (and owner, where
this user may), then renamed over it, so a reader sees the old file or the new, never half.

`ldp run` reads the configuration at start-up: restart it to take the change in (the new agent
can act, and gets the welcome mail: `desk.welcome`).
"""
from __future__ import annotations

import argparse
import os
import stat
import tempfile
import tomllib
from pathlib import Path

import tomlkit
import tomlkit.items

from gateway import config as config_module
from gateway.cli import config_check
from gateway.cli import support as cli_support
from gateway.cli.common import load_settings
from gateway.cli.errors import os_detail
from gateway.errors import CannotCreate, NotFound, UsageError
from gateway.text.messages import t


def cmd_agents_add(args: argparse.Namespace) -> int:
    path = _config_file(args)
    settings = load_settings(args)  # the file as it is must load: else exit 78, untouched
    email = args.email.strip()
    if settings.agent(email) is not None:
        raise UsageError(t("agent_exists", email=email, path=path))
    team = _known_team(settings, args.team)
    _in_order(args.assigned_from, args.assigned_until)
    document = _parse(path)
    table = tomlkit.table()
    for key, value in (("email", email), ("name", args.name), ("team", team.id),
                       ("role", args.role if args.role != "agent" else None),
                       ("language", args.language), ("lead", True if args.lead else None),
                       ("assignment", args.assignment),
                       ("assigned_from", _day(args.assigned_from)),
                       ("assigned_until", _day(args.assigned_until))):
        if value:
            table[key] = value
    existing = document.get("agents")
    if isinstance(existing, tomlkit.items.AoT):
        _append(document, existing, table)
    elif existing:  # `agents = [{...}]`: inline tables, which a [[agents]] cannot join
        raise UsageError(t("agents_inline", path=path))
    else:
        roster = tomlkit.aot()
        roster.append(table)
        document["agents"] = roster
    _write_checked(path, tomlkit.dumps(document))
    print(t("agent_added", email=email, team=team.id, level=team.level.value, path=path))
    return 0


def cmd_agents_update(args: argparse.Namespace) -> int:
    """The keys given, set on the agent's own [[agents]] table (each key where it was, with
    its comment); a renewed assignment letter is the common case."""
    path = _config_file(args)
    settings = load_settings(args)
    agent = _agent(settings, args.email, path)
    changes = {key: value for key, value in (
        ("name", args.name), ("team", args.team and _known_team(settings, args.team).id),
        ("role", args.role), ("language", args.language), ("lead", args.lead),
        ("assignment", args.assignment), ("assigned_from", _day(args.assigned_from)),
        ("assigned_until", _day(args.assigned_until))) if value is not None}
    if not changes:
        raise UsageError(t("nothing_to_change"))
    begins, ends = agent.assignment_dates()
    _in_order(args.assigned_from or begins, args.assigned_until or ends)
    document = _parse(path)
    roster, index = _position(document, agent.email, path)
    for key, value in changes.items():
        roster[index][key] = value
    _write_checked(path, tomlkit.dumps(document))
    print(t("agent_updated", email=agent.email, keys=", ".join(changes), path=path))
    return 0


def cmd_agents_remove(args: argparse.Namespace) -> int:
    path = _config_file(args)
    agent = _agent(load_settings(args), args.email, path)
    document = _parse(path)
    roster, index = _position(document, agent.email, path)
    del roster[index]
    _write_checked(path, tomlkit.dumps(document))
    print(t("agent_removed", email=agent.email, path=path))
    return 0


def _agent(settings, email: str, path: Path):
    agent = settings.agent(email.strip())
    if agent is None:
        raise NotFound(t("agent_unknown", email=email, path=path))
    return agent


def _known_team(settings, team_id: str):
    team = settings.team(team_id)
    if team is None:
        raise UsageError(t("unknown_team", team=team_id,
                           known=", ".join(x.id for x in settings.teams) or "-"))
    return team


def _in_order(begins, ends) -> None:
    if begins and ends and ends < begins:
        raise UsageError(t("until_before_from", until=ends, begins=begins))


def _position(document: tomlkit.TOMLDocument, email: str,
              path: Path) -> tuple[tomlkit.items.AoT, int]:
    """The [[agents]] array and the index of the table of `email` in it."""
    roster = document["agents"]
    if not isinstance(roster, tomlkit.items.AoT):
        raise UsageError(t("agents_inline", path=path))
    return roster, next(i for i, item in enumerate(roster)
                        if str(item.get("email", "")).lower() == email.lower())


def _append(document: tomlkit.TOMLDocument, roster: tomlkit.items.AoT,
            table: tomlkit.items.Table) -> None:
    """`table` after the last [[agents]], a blank line between them, and one after it only
    when another table follows (tomlkit keeps each table's trailing lines as its own)."""
    if roster and not roster[-1].as_string().endswith("\n\n"):
        roster[-1].add(tomlkit.nl())
    keys = [key for key, _item in document.body]
    last = max(i for i, key in enumerate(keys) if key is not None and key.key == "agents")
    if any(key is not None for key in keys[last + 1:]):
        table.add(tomlkit.nl())
    roster.append(table)


def _config_file(args: argparse.Namespace) -> Path:
    # The file a symbolic link names is the one edited; the link stays a link.
    return Path(cli_support.config_path(args, os.environ)).resolve()


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _parse(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise NotFound(f"{path}: {os_detail(exc)}") from None


def _write_checked(path: Path, text: str) -> None:
    """`text` in place of the file at `path`, once it passes the whole configuration check."""
    config_check.from_mapping(tomllib.loads(text), os.environ, str(path),
                              config_module.folder_of(path))
    mode = path.stat()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(mode.st_mode))
        try:
            os.chown(temporary, mode.st_uid, mode.st_gid)
        except PermissionError:
            pass  # another user's file this user may still write: it becomes this user's
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise CannotCreate(t("cannot_write", path=path, detail=os_detail(exc))) from None
