"""Which agent may issue which command on which ticket, as an ordered table of rules.

`check` walks `RULES` in order; the first rule that applies to the command and fails refuses it,
and the answer is a Problem carrying that rule's name: the event of a refusal says which rule and
why, the receipt says why in the agent's language. A rule applies to the commands in its
`commands` set (None: every command) minus those in `unless`; an admin skips the rules marked
`admin_exempt`.

Two rules look beyond the actor's level. `l0-keeper`: once a ticket has left L0, the agent who
held it there (else the L0 team that held it; `state.Keeper`) may still answer the reporter and
add notes; every other command stays with the level that holds the ticket. `partner-team`: of
the two teams at the ticket's level only the one that holds it acts, unless the level's
`partner` mode is "act"; a reply token proves who the agent is, not what they may do, so a
partner agent answering an older notice of theirs (from when their team held the ticket, or
from an "act" configuration) is judged by who holds the ticket now.

Which commands a rule covers comes from the registry (`desk.registry`): queries are open to every
agent, `actor_levels` limits a command to agents of those levels. The levels table
(`desk.levels`) decides whether a command makes sense for the ticket's
state; this table decides only whether this actor may issue it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable, Collection

from gateway.desk import registry
from gateway.desk.state import Actor, Keeper
from gateway.domain import Command, Level
from gateway.text.problems import Problem, problem

__all__ = ["Actor", "RULES", "Rule", "assignment_valid", "check", "describe_rules"]

ROLES = ("agent", "admin")
# Reading commands: every agent may ask, whatever the ticket's level.
OPEN_COMMANDS = frozenset(registry.names(flow=registry.Flow.QUERY))
# Commands kept to agents of some levels (#progress: L2), with those levels.
LEVEL_BOUND = {row.name: row.actor_levels for row in registry.COMMANDS if row.actor_levels}
# What the L0 keeper of a ticket at a higher level may still do: answer the reporter, add
# notes, and say who else hears the answers (L0 owns the relationship with the reporter).
KEEPER_COMMANDS = frozenset(row.name for row in registry.COMMANDS
                            if row.destination or row.with_reply or row.primary == "followers")


@dataclass(frozen=True)
class Request:
    """Everything a rule may look at: who asks, for what, on which ticket."""

    actor: Actor
    ticket_level: Level
    command: Command
    level_agents: frozenset[str]  # lower-case emails of the agents at the ticket's level
    ticket_team: str = ""
    # The teams that may act on the ticket (its team, and its partner under "act"); None: not
    # known, the partner-team rule does not apply.
    acting_teams: frozenset[str] | None = None
    keeper: Keeper | None = None  # who keeps the reporter once the ticket has left L0
    today: date | None = None  # the caller's date (the plan stays pure); None: not checked


@dataclass(frozen=True)
class Rule:
    """One permission rule; `test` returns None when satisfied, else the Problem why not."""

    name: str
    commands: frozenset[str] | None  # None: every command
    unless: frozenset[str]
    admin_exempt: bool
    description: str
    test: Callable[[Request], Problem | None] = field(repr=False)


def _well_formed(request: Request) -> Problem | None:
    # The parser's own problem says it best; the receipt shows it under the line.
    return request.command.error


def _known_role(request: Request) -> Problem | None:
    actor = request.actor
    if actor.role in ROLES:
        return None
    return problem("unknown_role", email=actor.email, role=actor.role, roles=", ".join(ROLES))


def _own_level(request: Request) -> Problem | None:
    actor = request.actor
    if actor.level == request.ticket_level:
        return None
    return problem("not_own_level", email=actor.email, actor_level=actor.level,
                   level=request.ticket_level)


def _l0_keeper(request: Request) -> Problem | None:
    actor, keeper = request.actor, request.keeper
    if actor.level == request.ticket_level:
        return None
    if keeper is not None and request.ticket_level != Level.L0 and actor.level == Level.L0 \
            and keeper.includes(actor):
        return None
    if keeper is None:
        return problem("not_own_level", email=actor.email, actor_level=actor.level,
                       level=request.ticket_level)
    return problem("not_keeper", email=actor.email, actor_level=actor.level,
                   level=request.ticket_level, keeper=keeper.agent or keeper.team)


def _partner_team(request: Request) -> Problem | None:
    actor, teams = request.actor, request.acting_teams
    if teams is None or actor.level != request.ticket_level or actor.team in teams:
        return None
    return problem("partner_team", email=actor.email, team=actor.team,
                   holder=request.ticket_team, level=request.ticket_level)


def _l2_progress(request: Request) -> Problem | None:
    actor, name = request.actor, request.command.name
    if actor.level in LEVEL_BOUND[name]:
        return None
    return problem("progress_l2_only", command=name, email=actor.email,
                   actor_level=actor.level)


def assignment_valid(begins: date | None, ends: date | None, today: date) -> bool:
    """Whether a letter covering `begins`..`ends` (inclusive; None: open) covers `today`."""
    return (begins is None or begins <= today) and (ends is None or today <= ends)


def _assigned(request: Request) -> Problem | None:
    actor, today = request.actor, request.today
    begins, ends = actor.assigned_from, actor.assigned_until
    if today is None or assignment_valid(begins, ends, today):
        return None
    code = "assignment_expired" if ends is not None and today > ends else "assignment_not_started"
    return problem(code, email=actor.email, letter=actor.assignment or "-",
                   begins=begins.isoformat() if begins else "-",
                   ends=ends.isoformat() if ends else "-", today=today.isoformat())


def _emergency_lead(request: Request) -> Problem | None:
    actor = request.actor
    if registry.EMERGENCY not in request.command.args[1:] or actor.lead:
        return None
    return problem("emergency_lead_only", email=actor.email)


def _assign_target(request: Request) -> Problem | None:
    args = request.command.args
    target = args[0].lower() if args else ""
    if target == "me":
        target = request.actor.email.lower()
    if target in request.level_agents:
        return None
    return problem("not_level_agent", email=target or "-", level=request.ticket_level)


RULES: tuple[Rule, ...] = (
    # A line the parser could not read has no meaning to authorise.
    Rule("well-formed", None, frozenset(), False,
         "A command line with an error is never carried out", _well_formed),
    Rule("known-role", None, frozenset(), False,
         "The actor's role is agent or admin", _known_role),
    # Not admin-exempt: an admin acts under a letter too. Queries stay open to everyone.
    Rule("assignment", None, OPEN_COMMANDS, False,
         "An agent acts only within the dates of their assignment letter (surat penugasan)",
         _assigned),
    # Escalating and returning are covered here too: only the ticket's current level may
    # move it, which is the same test.
    Rule("own-level", None, OPEN_COMMANDS | KEEPER_COMMANDS, True,
         "An agent acts only on tickets at their own level, "
         "so only the ticket's current level escalates or returns it", _own_level),
    # L0 owns the relationship with the reporter: its agent keeps the conversation.
    Rule("l0-keeper", KEEPER_COMMANDS, frozenset(), True,
         "#reply, #note, #template, #follow, #unfollow: an agent of the ticket's level, or its L0 keeper "
         "(the L0 agent who held it, else its L0 team) once it has left L0", _l0_keeper),
    Rule("partner-team", None, OPEN_COMMANDS, True,
         "Of the two teams at the ticket's level only the one holding it acts, "
         "unless the level's partner mode is \"act\"", _partner_team),
    Rule("l2-progress", frozenset(LEVEL_BOUND), frozenset(), True,
         "Development progress is recorded only by L2 agents", _l2_progress),
    # The decree's order is one level at a time (`levels.REACH`); a lead may break it.
    Rule("emergency-lead", frozenset(registry.names_with_emergency()), frozenset(), True,
         "An emergency jump past the next level (#escalate L2 emergency) is a lead's",
         _emergency_lead),
    # Not admin-exempt: it is about the assignee, who must see the ticket at its level.
    Rule("assign-target", frozenset({"assign"}), frozenset(), False,
         "#assign names an agent of the ticket's level", _assign_target),
)


def check(actor: Actor, ticket_level: Level, command: Command,
          level_agents: Collection[str] = (), *, ticket_team: str = "",
          acting_teams: Collection[str] | None = None,
          keeper: Keeper | None = None, today: date | None = None) -> Problem | None:
    """None when `actor` may issue `command` on a ticket at `ticket_level`, else the Problem
    why not, naming its rule (`str()` gives "<rule name>: <why>"). `level_agents` are the
    emails of the agents at the ticket's level; `ticket_team` the team holding it,
    `acting_teams` the teams that may act on it (`state.acting_teams`), `keeper` its L0
    keeper, `today` the caller's date for the assignment rule (None: not checked)."""
    request = Request(actor, ticket_level, command,
                      frozenset(email.lower() for email in level_agents), ticket_team,
                      None if acting_teams is None else frozenset(acting_teams), keeper, today)
    for rule in RULES:
        if not _applies(rule, request):
            continue
        why = rule.test(request)
        if why is not None:
            return replace(why, rule=rule.name)
    return None


def _applies(rule: Rule, request: Request) -> bool:
    name = request.command.name
    if rule.commands is not None and name not in rule.commands:
        return False
    if name in rule.unless:
        return False
    return not (rule.admin_exempt and request.actor.role == "admin")


def describe_rules() -> list[tuple[str, str, str, str]]:
    """Every rule as (name, commands, exempt, description), in the order they are checked."""
    return [(rule.name, _describe_commands(rule), "admin" if rule.admin_exempt else "nobody",
             rule.description) for rule in RULES]


def _describe_commands(rule: Rule) -> str:
    named = ", ".join(f"#{c}" for c in sorted(rule.commands or ()))
    excepted = ", ".join(f"#{c}" for c in sorted(rule.unless))
    scope = named if rule.commands is not None else "all"
    return f"{scope} except {excepted}" if excepted else scope
