"""The catalogue of actions per level (`#tindakan KODE [APLIKASI] catatan`): data, not code.

The shipped catalogue is `desk/actions.toml` (the decree's work per level); `[actions] file`
in the configuration names another. A catalogue is read and checked once per path
(`catalogue`), with one-line errors naming the file and the entry; the plan step
(`desk/commands/work.py`) reads an agent's line against it with `read`, which is pure.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gateway import resources
from gateway.config import ConfigError
from gateway.domain import Level

_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,47}")
_APPLICATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
_KEYS = {"code", "label_id", "label_en", "levels", "needs_application"}
MAX_NOTE_CHARS = 500  # the note is kept whole in the work log; the line is capped at 1000


@dataclass(frozen=True)
class ActionType:
    code: str
    label_id: str
    label_en: str
    levels: tuple[Level, ...]
    needs_application: bool = False

    def label(self, language: str) -> str:
        return self.label_id if language.lower().startswith("id") else self.label_en


@dataclass(frozen=True)
class Catalogue:
    actions: tuple[ActionType, ...]
    applications: tuple[str, ...]  # as written in the file ("SIKaP"); matched ignoring case

    def get(self, code: str) -> ActionType | None:
        return next((a for a in self.actions if a.code == code.lower()), None)

    def codes_for(self, level: Level) -> tuple[str, ...]:
        return tuple(a.code for a in self.actions if level in a.levels)

    def application(self, word: str) -> str | None:
        """The catalogue's spelling of the application `word` names, or None."""
        return next((a for a in self.applications if a.lower() == word.lower()), None)


@dataclass(frozen=True)
class Action:
    """One recorded action, as the plan leaves it for `desk.apply` to write."""

    code: str
    application: str | None
    note: str
    agent: str
    team: str
    level: Level


def path_of(setting: str) -> Path:
    return resources.default_actions() if setting in ("", "default") else Path(setting)


def catalogue(setting: str = "default") -> Catalogue:
    """The catalogue `[actions] file` names ("default": the shipped one), read once."""
    return _load(str(path_of(setting)))


@lru_cache(maxsize=8)
def _load(path: str) -> Catalogue:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the actions: {exc}") from None
    return parse(data, path)


def parse(data: dict, source: str) -> Catalogue:
    """A catalogue from the TOML's data; a ConfigError naming `source` and the entry."""
    unknown = set(data) - {"actions", "applications"}
    if unknown:
        raise ConfigError(f"{source}: unknown key {sorted(unknown)[0]!r}")
    applications = data.get("applications", [])
    if not isinstance(applications, list) or not all(
            isinstance(a, str) and _APPLICATION.fullmatch(a) for a in applications):
        raise ConfigError(f"{source}: applications must be a list of names (letters, digits, -)")
    rows = data.get("actions")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ConfigError(f"{source}: needs at least one [[actions]] table")
    actions = tuple(_action(row, i, source, bool(applications)) for i, row in enumerate(rows))
    seen: set[str] = set()
    for action in actions:
        if action.code in seen:
            raise ConfigError(f"{source}: action {action.code!r} is listed twice")
        seen.add(action.code)
    return Catalogue(actions, tuple(applications))


def _action(row: dict, index: int, source: str, has_applications: bool) -> ActionType:
    where = f"{source}: actions[{index}]"
    if set(row) - _KEYS:
        raise ConfigError(f"{where}: unknown key {sorted(set(row) - _KEYS)[0]!r}")
    code = row.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ConfigError(f"{where}: code must be lower-case letters, digits and '-'")
    labels = [row.get("label_id"), row.get("label_en")]
    if not all(isinstance(t, str) and t.strip() and "\n" not in t for t in labels):
        raise ConfigError(f"{where} ({code}): label_id and label_en must be one line each")
    levels = row.get("levels")
    if not isinstance(levels, list) or not levels or \
            not all(isinstance(v, str) and v in Level.__members__ for v in levels):
        raise ConfigError(f"{where} ({code}): levels must be a list of L0, L1, L2")
    needs = row.get("needs_application", False)
    if not isinstance(needs, bool):
        raise ConfigError(f"{where} ({code}): needs_application must be true or false")
    if needs and not has_applications:
        raise ConfigError(f"{where} ({code}): needs an application, and none is listed")
    return ActionType(code, labels[0].strip(), labels[1].strip(),
                      tuple(Level[v] for v in dict.fromkeys(levels)), needs)


def read(text: str, catalogue: Catalogue, level: Level) -> tuple[ActionType, str | None, str]:
    """`KODE [APLIKASI] catatan` for an agent of `level`: the action, the application (the
    catalogue's spelling) and the note. Raises LookupError with a problem code: "unknown",
    "level", "needs_application" or "unknown_application"."""
    words = text.split(maxsplit=1)
    action = catalogue.get(words[0]) if words else None
    if action is None:
        raise LookupError("unknown_action")
    if level not in action.levels:
        raise LookupError("action_level")
    rest = words[1] if len(words) > 1 else ""
    head, _, tail = rest.partition(" ")
    application = catalogue.application(head) if head else None
    if application is None and action.needs_application:
        raise LookupError("action_needs_application" if not head else "unknown_application")
    note = tail.strip() if application else rest.strip()
    return action, application, note[:MAX_NOTE_CHARS]
