"""What one agent may use right now, as template fields: the cheat-sheet (#bantuan, the
welcome mail) and the end of every refusal show it (`templates/emails/*/_allowed.*`).

Read from the same tables the plan obeys, so the sheet never promises what the desk refuses:
the registry's commands an agent of that level may write (`actor_levels`, and no move past
either end of the levels), the actions catalogue's codes for the level, the level's
categories, the teams with agents that #escalate (one level up; a lead's emergency beyond it),
#return and #team may lead to, the operator's canned answers, and the agent's assignment letter.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.config import Agent, Settings, Team
from gateway.desk import actions, answers, levels, registry
from gateway.desk.permissions import assignment_valid
from gateway.domain import Level

_LEVELS = tuple(Level)
# The names of Indonesia's zones (as `sla.calendar` reads them; the desk may not import sla).
_ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def agent_today(agent: Agent, settings: Settings) -> date:
    """Today in the agent's team's time zone: the day an assignment letter is judged on."""
    team = settings.team(agent.team)
    name = team.timezone if team else "WIB"
    try:
        zone = ZoneInfo(_ZONES.get(name.upper(), name))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Asia/Jakarta")
    return datetime.now(zone).date()


def commands_for(level: Level) -> tuple[str, ...]:
    """The commands an agent of `level` may write: those open to every level or kept to
    theirs, without a move that has nowhere to go from `level` (#escalate at the top)."""
    rank = _LEVELS.index(level)
    return tuple(row.name for row in registry.COMMANDS
                 if (row.actor_levels is None or level in row.actor_levels)
                 and 0 <= rank + levels.MOVES.get(row.name, 0) < len(_LEVELS))


def fields(settings: Settings, agent: Agent, today: date | None = None) -> dict[str, Any]:
    """The `allowed` template field for `agent` (in the agent's language where it is words);
    `today`: the day the assignment letter is judged on (None: not judged)."""
    team = settings.team(agent.team)
    level = team.level
    catalogue = actions.catalogue(settings.actions.file)
    rank = _LEVELS.index(level)
    begins, ends = agent.assignment_dates()

    def teams(at: tuple[Level, ...]) -> list[dict[str, str]]:
        # Only teams with agents: the plan refuses a move to a team nobody reads.
        return [_team(t) for lv in at for t in settings.teams_at(lv)
                if t.id != team.id and settings.agents_of(t.id)]

    return {
        "level": level.value, "team": _team(team), "lead": agent.lead,
        "help": registry.help_text(agent.language, only=commands_for(level)),
        "commands": [f"#{registry.command_word(name, agent.language)}"
                     for name in commands_for(level)],
        "actions": [{"code": a.code, "label": a.label(agent.language),
                     "application": a.needs_application}
                    for a in catalogue.actions if level in a.levels],
        "applications": list(catalogue.applications),
        "categories": list(settings.categories.get(level.value, ())),
        # A move goes to the ticket's organisation at the new level; #team first picks the
        # other one, so every team of the level is a destination.
        "escalate_to": teams(_LEVELS[rank + 1:rank + 2]),
        "emergency_to": teams(_LEVELS[rank + 2:]) if agent.lead else [],
        "return_to": teams(_LEVELS[:rank][::-1]),
        "hand_to": teams((level,)),
        "answers": list(answers.names(settings.answers.dir)),
        "assignment": agent.assignment,
        "assigned_until": ends.isoformat() if ends else "",
        "assignment_valid": None if today is None else assignment_valid(begins, ends, today),
    }


def _team(team: Team) -> dict[str, str]:
    return {"id": team.id, "name": team.name or team.id, "level": team.level.value}
