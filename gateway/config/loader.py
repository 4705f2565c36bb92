"""Loading the settings once at the edge from TOML plus `LDP_*` overrides.

`load(path, environ)` validates everything it reads: an unknown key, a wrong type or a missing
required value raises ConfigError with one line naming the file, the key and what is expected.
Every scalar key can be overridden by `LDP_<SECTION>_<KEY>` (so passwords need not sit in the
file); arrays of tables (teams, agents, rules) come from the file only.
"""
from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote, unquote

from gateway.config.settings import (CHOICES, DEFAULT_CATEGORIES, MIN_SECRET_CHARS, SECTIONS,
                                     SLA_MEASURES, Agent, Settings, Sla, Team, PRIORITIES,
                                     default_targets)
from gateway.domain import Level
from gateway.errors import ConfigError


def load(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (or nothing when path is None), apply LDP_* overrides, validate."""
    environ = {} if environ is None else environ
    if not path:
        return from_mapping({}, environ, "(defaults)")
    return from_mapping(read(path), environ, str(path), folder_of(path))


def read(path: str | Path) -> dict[str, Any]:
    """The TOML file as a mapping; a missing or unreadable file is a ConfigError."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def folder_of(path: str | Path) -> Path:
    """The folder relative paths in a configuration file start from: the file's own."""
    return Path(path).absolute().parent


def from_mapping(data: Mapping[str, Any], environ: Mapping[str, str], source: str,
                 base_dir: Path | None = None) -> Settings:
    known = set(SECTIONS) | {"teams", "agents", "rules", "categories"}
    for key in data:
        if key not in known:
            raise ConfigError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    sections = {name: _section(name, cls, data.get(name, {}), environ, source)
                for name, cls in SECTIONS.items() if cls is not Sla}
    sections["sla"] = _sla(data.get("sla", {}), environ, source)
    teams = tuple(_section("teams", Team, t, {}, source, index=i)
                  for i, t in enumerate(_table_list(data, "teams", source)))
    agents = tuple(_section("agents", Agent, a, {}, source, index=i)
                   for i, a in enumerate(_table_list(data, "agents", source)))
    rules = tuple(_table_list(data, "rules", source))
    categories = _categories(data.get("categories"), source)
    settings = Settings(**sections, teams=teams, agents=agents, rules=rules,
                        categories=categories, source=source)
    _check_references(settings)
    return resolve_paths(settings, base_dir) if base_dir else settings


def resolve_path(value: str, base: Path) -> str:
    return value if not value or Path(value).is_absolute() else str(base / value)


def resolve_paths(settings: Settings, base: Path) -> Settings:
    """Relative paths (data_dir, templates_dir, rules_file, actions and lpse files, a SQLite file) made absolute from
    `base`, the configuration file's folder, so a command means the same files wherever it
    runs."""
    support, routing, database = settings.support, settings.routing, settings.database
    support = dataclasses.replace(support, data_dir=resolve_path(support.data_dir, base),
                                  templates_dir=resolve_path(support.templates_dir, base))
    if routing.rules_file != "default":
        routing = dataclasses.replace(routing, rules_file=resolve_path(routing.rules_file, base))
    actions = settings.actions
    if actions.file != "default":
        actions = dataclasses.replace(actions, file=resolve_path(actions.file, base))
    answers = settings.answers
    answers = dataclasses.replace(answers, dir=resolve_path(answers.dir, base))
    lpse = settings.lpse
    if lpse.file != "default":
        lpse = dataclasses.replace(lpse, file=resolve_path(lpse.file, base))
    path = sqlite_path(database.url)
    if path and path != ":memory:" and not Path(path).is_absolute():
        database = dataclasses.replace(database, url="sqlite:///" + quote(str(base / path)))
    return dataclasses.replace(settings, support=support, routing=routing, database=database,
                               actions=actions, answers=answers, lpse=lpse)


def sqlite_path(url: str) -> str | None:
    """The file of a sqlite:///FILE URL as written (relative or absolute), else None."""
    return unquote(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _table_list(data: Mapping[str, Any], key: str, source: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{source}: {key} must be an array of tables ([[{key}]])")
    return value


def _categories(value: Any, source: str) -> Mapping[str, tuple[str, ...]]:
    if value is None:
        return DEFAULT_CATEGORIES
    if not isinstance(value, dict) or set(value) - {"L0", "L1", "L2"}:
        raise ConfigError(f"{source}: categories must be a table with keys L0, L1, L2")
    merged = dict(DEFAULT_CATEGORIES)
    for level, names in value.items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"{source}: categories.{level} must be a list of strings")
        merged[level] = tuple(names)
    return merged


def _sla(raw: Any, environ: Mapping[str, str], source: str) -> Sla:
    """[sla] scalars, `collective_leave` (ISO dates) and [sla.targets.L1] tables of
    `measure = { priority = hours }`; a level or measure left out keeps its defaults."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: sla must be a table")
    scalars = {k: v for k, v in raw.items() if k not in ("targets", "collective_leave")}
    base = _section("sla", Sla, scalars, environ, source)
    leave = raw.get("collective_leave", [])
    if not isinstance(leave, list) or not all(is_iso_date(d) for d in leave):
        raise ConfigError(f"{source}: sla.collective_leave must be a list of dates "
                          f"like \"2026-12-24\", got {leave!r}")
    targets = dict(base.targets)
    for level, measures in raw.get("targets", {}).items():
        if level not in ("L0", "L1", "L2") or not isinstance(measures, dict):
            raise ConfigError(f"{source}: sla.targets.{level}: expected a table for L0, L1 or L2")
        for measure, row in measures.items():
            where = f"{source}: sla.targets.{level}.{measure}"
            if measure not in SLA_MEASURES or not isinstance(row, dict):
                raise ConfigError(f"{where}: expected one of {', '.join(SLA_MEASURES)} "
                                  "as a table of priority = hours")
            for priority, hours in row.items():
                if priority not in PRIORITIES or isinstance(hours, bool) or \
                        not isinstance(hours, (int, float)) or hours <= 0:
                    raise ConfigError(f"{where}.{priority}: expected a priority "
                                      f"({', '.join(PRIORITIES)}) = a positive number of hours")
                targets[f"{level}.{measure}.{priority}"] = float(hours)
    if not 0 < base.reminder_share < 1:
        raise ConfigError(f"{source}: sla.reminder_share must be between 0 and 1, "
                          f"got {base.reminder_share!r}")
    return dataclasses.replace(base, collective_leave=tuple(leave), targets=targets)


def is_iso_date(value: Any) -> bool:
    import datetime as _dt
    try:
        _dt.date.fromisoformat(value)
        return isinstance(value, str)
    except (TypeError, ValueError):
        return False


def _section(name: str, cls: type, raw: Any, environ: Mapping[str, str], source: str,
             index: int | None = None) -> Any:
    where = f"{name}[{index}]" if index is not None else name
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {where} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in raw:
        if key not in fields:
            raise ConfigError(f"{source}: unknown key {where}.{key} (known: {', '.join(fields)})")
    values: dict[str, Any] = {}
    for key, spec in fields.items():
        env_name = f"LDP_{name.upper()}_{key.upper()}"
        if index is None and env_name in environ:
            values[key] = _coerce(hints[key], environ[env_name], f"{env_name} (environment)",
                                  f"{name}.{key}", from_env=True)
        elif key in raw:
            values[key] = _coerce(hints[key], raw[key], f"{source}: {where}.{key}",
                                  f"{name}.{key}")
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{source}: missing required key {where}.{key}")
    return cls(**values)


def _coerce(hint: Any, value: Any, where: str, choice_key: str, from_env: bool = False) -> Any:
    if isinstance(hint, types.UnionType):
        hint = next(h for h in typing.get_args(hint) if h is not type(None))
    try:
        result = convert_value(hint, value, from_env)
    except (TypeError, ValueError):
        expected = getattr(hint, "__name__", str(hint))
        if hint is Level:
            expected = "one of L0, L1, L2"
        raise ConfigError(f"{where} must be {_article(expected)}, got {value!r}") from None
    allowed = CHOICES.get(choice_key)
    if allowed and result not in allowed:
        raise ConfigError(f"{where} must be one of {', '.join(allowed)}, got {value!r}")
    return result


def convert_value(hint: Any, value: Any, from_env: bool) -> Any:
    if hint is bool:
        if from_env and isinstance(value, str) and value.lower() in ("1", "true", "yes", "0",
                                                                       "false", "no"):
            return value.lower() in ("1", "true", "yes")
        if not isinstance(value, bool):
            raise TypeError
        return value
    if hint in (int, float):
        if isinstance(value, bool) or (not from_env and not isinstance(value, (int, float))):
            raise TypeError
        if hint is int and isinstance(value, float):
            raise TypeError
        return hint(value)
    if hint is Level:
        return Level(value)
    if not isinstance(value, str):
        raise TypeError
    return value


def _article(expected: str) -> str:
    return {"int": "an integer", "float": "a number", "bool": "true or false",
            "str": "a string"}.get(expected, expected)


def _check_references(settings: Settings) -> None:
    src = settings.source
    if "@" not in settings.support.address:
        raise ConfigError(f"{src}: support.address must be an email address, "
                          f"got {settings.support.address!r}")
    ids = [t.id for t in settings.teams]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{src}: teams: duplicate team id")
    seen: dict[str, int] = {}
    for i, agent in enumerate(settings.agents):
        if settings.team(agent.team) is None:
            raise ConfigError(f"{src}: agents[{i}].team: unknown team {agent.team!r} "
                              f"(known: {', '.join(ids) or 'none'})")
        # One address, one agent: a second entry would never be read (`Settings.agent` finds
        # the first), and the welcome mail's row per address would fail the timers.
        first = seen.setdefault(agent.email.lower(), i)
        if first != i:
            raise ConfigError(f"{src}: agents[{i}].email: {agent.email} is listed already "
                              f"(agents[{first}]): one entry per address")
    if settings.teams and not settings.teams_at(Level.L0):
        raise ConfigError(f"{src}: teams: at least one team must be at level L0")
    default = settings.routing.default_team
    if default and (settings.team(default) is None or settings.team(default).level != Level.L0):
        raise ConfigError(f"{src}: routing.default_team must name an L0 team, got {default!r}")
    # Without a real key anyone could mint reply tokens and act as an agent.
    if settings.agents and len(settings.security.secret) < MIN_SECRET_CHARS:
        raise ConfigError(f"{src}: security.secret must be at least {MIN_SECRET_CHARS} "
                          "characters when agents are configured (it keys the agents' reply "
                          "tokens; set LDP_SECURITY_SECRET)")
