"""`ldp agents list [--json]`: the roster as the configuration has it, with each agent's
assignment letter (surat penugasan), its days, and whether it lets the agent act today (the
`assignment` permission rule, judged on the same day in the agent's team's time zone)."""
from __future__ import annotations

import argparse

from gateway.cli.common import load_settings, print_rows
from gateway.config import Agent, Settings
from gateway.desk.permissions import assignment_valid
from gateway.desk.cheatsheet import agent_today
from gateway.text.messages import t

COLUMNS = ["email", "name", "team", "level", "role", "lead", "assignment", "assigned_from",
           "assigned_until", "valid"]


def row(agent: Agent, settings: Settings) -> dict:
    team = settings.team(agent.team)
    begins, ends = agent.assignment_dates()
    return {"email": agent.email, "name": agent.name, "team": agent.team,
            "level": team.level.value if team else "", "role": agent.role, "lead": agent.lead,
            "assignment": agent.assignment, "assigned_from": agent.assigned_from,
            "assigned_until": agent.assigned_until,
            "valid": assignment_valid(begins, ends, agent_today(agent, settings))}


def cmd_agents_list(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    rows = [row(agent, settings) for agent in settings.agents]
    if not getattr(args, "json", False):
        rows = [{**r, "lead": t("yes") if r["lead"] else "",
                 "valid": t("yes") if r["valid"] else t("no")} for r in rows]
    print_rows(args, rows, COLUMNS, t("no_agents"))
    return 0
