"""The whole configuration checked up front: `ldp check`, and every command before it starts.

Every problem of the file and of the `LDP_*` environment is found in one pass and reported at
once, one line each naming the key, the value and what is allowed (in the CLI's language), as
one ConfigError (exit 78): each key against its rule, then what depends on several keys (team
references, TLS, secrets) and on the machine (writable folders), then the routing rules.
`config.from_mapping` then builds the Settings as before. What one key may hold is the table
in `config_rules`.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import re
import shutil
import tempfile
import types
import typing
from pathlib import Path
from typing import Any, Mapping

from gateway import config
from gateway.cli import config_rules
from gateway.text import config_problems as text
from gateway.domain import Level
from gateway.errors import ConfigError

# LDP_* names that are not configuration keys, and prefixes kept for tests and benchmarks.
OTHER_VARIABLES = ("LDP_CONFIG", "LDP_LANG", "LDP_CORPUS")
OTHER_PREFIXES = ("LDP_TEST_", "LDP_BENCH_")


TYPE_NAMES = {int: "int", float: "float", bool: "bool", str: "str", Level: "level"}


class Report:
    """The problems found so far, each already one line in the CLI's language."""

    def __init__(self, source: str) -> None:
        self.source, self.lines = source, []
        self.origins: dict[str, str] = {}  # key -> the LDP_* variable its value came from

    def must(self, key: str, value: Any, allowed: str, env: str | None = None, **params) -> None:
        env = env or self.origins.get(key)
        secret = any(word in key for word in ("password", "secret"))
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 60, as it was written, not 60.0
        shown = text.line("hidden", count=len(str(value))) if secret else repr(value)
        what = text.allowed(allowed, **params)
        self.lines.append(text.line("must_env", where=text.line("environment", name=env),
                                    allowed=what, value=shown) if env else
                          text.line("must", where=self.source, key=key, allowed=what, value=shown))

    def add(self, kind: str, **params) -> None:
        self.lines.append(text.line(kind, where=self.source, **params))


def load(path: str | Path, environ: Mapping[str, str]) -> config.Settings:
    """config.load, with every problem of the file and the environment reported at once."""
    return from_mapping(config.read(path), environ, str(path), config.folder_of(path))


def from_mapping(data: Mapping[str, Any], environ: Mapping[str, str], source: str,
                 base: Path | None = None) -> config.Settings:
    """Check everything (the machine too when `base`, the file's folder, is given); the
    Settings, or a ConfigError listing every problem."""
    report = Report(source)
    values = _walk_file(report, data, environ)
    _check_environment(report, environ)
    _check_together(report, values, data)
    if base is not None:
        _check_machine(report, values, base)
    settings = None
    try:
        settings = config.from_mapping(data, environ, source, base)
    except ConfigError as exc:
        if not report.lines:  # else it is one of the problems already listed
            report.lines.append(str(exc))
    if settings is not None and not report.lines:
        _check_rules(report, settings, base)
    if len(report.lines) > 1:
        header = text.line("problems", count=len(report.lines), source=source)
        raise ConfigError("\n  ".join([header, *report.lines]))
    if report.lines:
        raise ConfigError(report.lines[0])
    return settings


# -- one key at a time -------------------------------------------------------------------------
def _walk_file(report: Report, data: Mapping[str, Any], environ: Mapping[str, str]) -> dict:
    known = sorted([*config.SECTIONS, "teams", "agents", "rules", "categories"])
    for key in data:
        if key not in known:
            report.add("unknown_key", key=repr(key), known=", ".join(known))
    values: dict[str, Any] = {name: _walk_table(report, name, cls, data.get(name, {}), environ)
                              for name, cls in config.SECTIONS.items()}
    for name in ("teams", "agents", "rules"):
        items = data.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            report.must(name, items, "tables", table=name)
            items = []
        values[name] = items  # rules: compiled by _check_rules
    for name, cls in (("teams", config.Team), ("agents", config.Agent)):
        values[name] = [_walk_table(report, name, cls, item, {}, i)
                        for i, item in enumerate(values[name])]
    return values


def _walk_table(report: Report, name: str, cls: type, raw: Any, environ: Mapping[str, str],
                index: int | None = None) -> dict:
    """The scalar keys of one table, converted; each bad one is reported and left out."""
    where = f"{name}[{index}]" if index is not None else name
    if not isinstance(raw, dict):
        report.must(where, raw, "table", table=where)
        return {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in raw:
        if key not in fields:
            report.add("unknown_key", key=f"{where}.{key}", known=", ".join(fields))
    values = {}
    for key, spec in fields.items():
        hint = hints[key]
        if isinstance(hint, types.UnionType):
            hint = next(h for h in typing.get_args(hint) if h is not type(None))
        if hint not in TYPE_NAMES:
            continue  # sla.targets and sla.collective_leave: _check_sla
        env = f"LDP_{name.upper()}_{key.upper()}" if index is None else ""
        if env in environ:
            value, origin = environ[env], env
            report.origins[f"{where}.{key}"] = env
        elif key in raw:
            value, origin = raw[key], None
        elif spec.default is dataclasses.MISSING:
            report.add("missing", key=f"{where}.{key}")
            continue
        else:
            values[key] = spec.default
            continue
        try:
            result = config.convert_value(hint, value, from_env=origin is not None)
        except (TypeError, ValueError):
            report.must(f"{where}.{key}", value, TYPE_NAMES[hint], origin)
            continue
        verdict = config_rules.judge(f"{name}.{key}", result)
        if verdict:
            report.must(f"{where}.{key}", value, verdict[0], origin, **verdict[1])
        else:
            values[key] = result
    return values


def _check_environment(report: Report, environ: Mapping[str, str]) -> None:
    """An LDP_* variable that nothing reads is most likely a typo of one that matters."""
    known = [f"LDP_{name.upper()}_{f.name.upper()}" for name, cls in config.SECTIONS.items()
             for f in dataclasses.fields(cls) if f.name not in ("targets", "collective_leave")]
    for name in sorted(environ):
        if not name.startswith("LDP_") or name in known or name in OTHER_VARIABLES or \
                name.startswith(OTHER_PREFIXES):
            continue
        close = difflib.get_close_matches(name, known + list(OTHER_VARIABLES), n=1, cutoff=0.8)
        report.lines.append(text.line(
            "unknown_env", where=text.line("environment", name=name),
            hint=text.line("hint", name=close[0]) if close else "",
            extra=", ".join(OTHER_VARIABLES)))
    lang = environ.get("LDP_LANG", "")
    if lang and not lang.lower().startswith(("id", "en")):
        report.must("", lang, "lang", "LDP_LANG")


# -- keys together -----------------------------------------------------------------------------
def _check_together(report: Report, values: dict, data: Mapping[str, Any]) -> None:
    teams, agents = values["teams"], values["agents"]
    first_team: dict[str, int] = {}
    for i, team in enumerate(teams):
        if "id" in team and team["id"] in first_team:
            report.must(f"teams[{i}].id", team["id"], "unique_team", first=first_team[team["id"]])
        first_team.setdefault(team.get("id"), i)
    ids = ", ".join(i for i in first_team if i is not None) or "-"
    if teams and not any(t.get("level") == Level.L0 for t in teams):
        report.must("teams", [t.get("id") for t in teams], "some_l0")
    first_agent: dict[str, int] = {}
    for i, agent in enumerate(agents):
        email = agent.get("email", "").lower()
        if email in first_agent:
            report.must(f"agents[{i}].email", agent["email"], "unique_agent",
                        first=first_agent[email])
        first_agent.setdefault(email, i)
        if "team" in agent and agent["team"] not in first_team:
            report.must(f"agents[{i}].team", agent["team"], "known_team", known=ids)
        begins, ends = agent.get("assigned_from", ""), agent.get("assigned_until", "")
        if begins and ends and ends < begins:  # both checked as YYYY-MM-DD: text order is date order
            report.must(f"agents[{i}].assigned_until", ends, "until_after_from",
                        email=agent.get("email", "-"), begins=begins)
    default = values["routing"].get("default_team")
    l0 = [t["id"] for t in teams if t.get("level") == Level.L0 and "id" in t]
    if default and default not in l0:
        report.must("routing.default_team", default, "l0_team", known=", ".join(l0) or "-")
    security = values["security"]
    if agents and len(security.get("secret", "x" * 99)) < config.MIN_SECRET_CHARS:
        report.must("security.secret", security["secret"], "secret", low=config.MIN_SECRET_CHARS)
    # Strict mode accepts an agent's reply only with our server's DKIM/DMARC stamp too.
    if agents and security.get("strict") and security.get("authserv_id") == "":
        report.must("security.authserv_id", "", "authserv_id")
    for section in ("imap", "smtp"):
        s = values[section]
        if s.get("security") == "none" and "host" in s and not config_rules.loopback(s["host"]) and \
                not s.get("allow_plaintext", True):
            report.must(f"{section}.security", "none", "tls", host=s["host"], section=section)
    imap = values["imap"]
    for key in ("processed_folder", "quarantine_folder"):
        if imap.get(key) and imap.get(key) == imap.get("folder"):
            report.must(f"imap.{key}", imap[key], "not_folder", folder=imap["folder"])
    smtp = values["smtp"]
    if "retry_base" in smtp and smtp.get("retry_max", 1e99) < smtp["retry_base"]:
        report.must("smtp.retry_max", smtp["retry_max"], "at_least_key",
                    other="smtp.retry_base", low=f"{smtp['retry_base']:g}")
    _check_sla(report, data.get("sla", {}))


def _check_sla(report: Report, raw: Any) -> None:
    """[sla] collective_leave (ISO dates) and targets (level.measure.priority = hours)."""
    if not isinstance(raw, dict):
        return  # reported by _walk_table
    leave = raw.get("collective_leave", [])
    for i, day in enumerate(leave if isinstance(leave, list) else [leave]):
        if not config.is_iso_date(day):
            report.must(f"sla.collective_leave[{i}]", day, "date")
    targets = raw.get("targets", {})
    for level, measures in (targets.items() if isinstance(targets, dict) else []):
        if level not in ("L0", "L1", "L2") or not isinstance(measures, dict):
            report.add("unknown_key", key=f"sla.targets.{level}", known="L0, L1, L2")
            continue
        for measure, row in measures.items():
            if measure not in config.SLA_MEASURES or not isinstance(row, dict):
                report.add("unknown_key", key=f"sla.targets.{level}.{measure}",
                           known=", ".join(config.SLA_MEASURES))
                continue
            for priority, hours in row.items():
                if priority not in config.PRIORITIES or isinstance(hours, bool) or \
                        not isinstance(hours, (int, float)) or hours <= 0:
                    report.must(f"sla.targets.{level}.{measure}.{priority}", hours, "hours",
                                choices=", ".join(config.PRIORITIES))


# -- the machine -------------------------------------------------------------------------------
def _check_machine(report: Report, values: dict, base: Path) -> None:
    support = values["support"]
    if "data_dir" in support:
        reason = unwritable(Path(config.resolve_path(support["data_dir"], base)))
        if reason:
            report.must("support.data_dir", support["data_dir"], "writable_dir", reason=reason)
    file = config.sqlite_path(values["database"].get("url", ""))
    if file and file != ":memory:":
        reason = unwritable(Path(config.resolve_path(file, base)).parent)
        if reason:
            report.must("database.url", values["database"]["url"], "writable_dir", reason=reason)
    templates = support.get("templates_dir")
    if templates and not Path(config.resolve_path(templates, base)).is_dir():
        report.must("support.templates_dir", templates, "existing_dir")
    answers = values.get("answers", {}).get("dir")
    if answers and not Path(config.resolve_path(answers, base)).is_dir():
        report.must("answers.dir", answers, "existing_dir")


def unwritable(folder: Path) -> str | None:
    """Why the gateway could not create `folder` or write in it, or None. Tried for real (a
    temporary folder made and removed in the nearest existing one): permission bits say
    nothing about root, read-only mounts or /proc."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing}: {os.strerror(20)}"  # ENOTDIR
    try:
        shutil.rmtree(tempfile.mkdtemp(prefix=".ldp-check-", dir=existing))
    except OSError as exc:
        return f"{existing}: {exc.strerror or exc}"
    return None


def _check_rules(report: Report, settings: config.Settings, base: Path | None) -> None:
    """The routing rules compile (teams, categories and agents they name exist)."""
    from gateway.desk import actions
    from gateway.service import load_rules
    try:
        load_rules(settings, base or Path.cwd())
    except ConfigError as exc:
        report.lines.append(str(exc))
    try:
        actions.catalogue(settings.actions.file)  # the #tindakan catalogue reads and checks
    except ConfigError as exc:
        report.lines.append(str(exc))


def summary(settings: config.Settings) -> str:
    """What `ldp check` prints for a good file: what the gateway will use."""
    from gateway.service import load_rules
    url = re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", settings.database.url)
    imap, smtp = settings.imap, settings.smtp
    return text.line("valid", source=settings.source, teams=len(settings.teams),
                     agents=len(settings.agents), database=url,
                     rules=len(load_rules(settings, Path.cwd())),
                     imap_user=imap.username or "-",
                     imap=f"{imap.host}:{imap.port} ({imap.security})",
                     smtp=f"{smtp.host}:{smtp.port} ({smtp.security})",
                     data=settings.support.data_dir)
