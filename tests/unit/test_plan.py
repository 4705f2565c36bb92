"""Tests for gateway.desk.plan: a command block checked line by line, without a database.

The plan is pure: these tests build a ticket and the settings in memory and look at what the
plan says would change, or why not. The timers' automatic #escalate is planned by the same
code (`desk.automatic.plan_escalation`), so it follows the same rules."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import Agent
from gateway.desk.automatic import plan_escalation
from gateway.desk.parse import parse_block
from gateway.desk.plan import Plan, actor_for, make_plan
from gateway.domain import Address, Level, Priority, Status, Ticket
from tests.conftest import AGENTS, TEAMS, make_settings

BUDI, SARI, ANDI = "budi@lkpp.example", "sari@lkpp.example", "andi@telkom.example"
LINA = {"email": "lina@lkpp.example", "name": "Lina", "team": "l1-lkpp"}


def settings(teams=TEAMS, agents=(*AGENTS, LINA), partner=None, **security):
    return make_settings(Path("/nonexistent"), "sqlite:///:memory:", teams=list(teams),
                         agents=list(agents), security=security, partner=partner or {})


def ticket(level: Level = Level.L0, team: str = "l0-lkpp", status: Status = Status.NEW,
           assignee: str | None = None) -> Ticket:
    return Ticket(1, "LDP-000001", "Tidak bisa login", Address("rina@example.org", "Rina"),
                  level, team, status, Priority.NORMAL, None, assignee, "id")


def plan(block: str, who: str = BUDI, on: Ticket | None = None, config=None) -> Plan:
    config = config or settings()
    commands, body = parse_block(block)
    agent: Agent = config.agent(who)
    return make_plan(on or ticket(), commands, body, actor_for(agent, config), config)


def changes(result: Plan) -> list[list[tuple[str, str | None, str | None]]]:
    return [[(c.field, c.old, c.new) for c in step.changes] for step in result.steps]


def errors(result: Plan) -> list[str | None]:
    return [step.error.code if step.error else None for step in result.steps]


def test_each_line_works_on_the_state_the_lines_above_left():
    """#assign, then #escalate: the move to L1 leaves the ticket unassigned again."""
    result = plan(f"#priority high\n#assign {SARI}\n#escalate DB down")
    assert result.ok and not result.dry_run
    assert changes(result) == [
        [("status", "new", "open"), ("priority", "normal", "high")],
        [("assignee", None, SARI)],
        [("level", "L0", "L1"), ("team", "l0-lkpp", "l1-lkpp"), ("assignee", SARI, None)]]
    assert result.changes == {"level": Level.L1, "team": "l1-lkpp", "status": Status.OPEN,
                              "priority": Priority.HIGH}


def test_an_assignee_is_checked_at_the_level_the_lines_above_left():
    """#escalate then #assign of an L0 colleague: by then the ticket is at L1."""
    assert errors(plan(f"#escalate DB down\n#assign {SARI}")) == [None, "assignee_level"]


def test_one_bad_line_refuses_the_block_and_names_its_problem():
    """An assignee of the wrong level refuses the block; the good lines keep their changes so
    the receipt can show them, and the plan is not ok."""
    result = plan(f"#priority urgent\n#assign {ANDI}")
    assert not result.ok
    assert errors(result) == [None, "not_level_agent"]
    assert changes(result)[0] == [("status", "new", "open"), ("priority", "normal", "urgent")]


def test_a_later_line_is_judged_after_an_earlier_move():
    """#take after #escalate: the L0 agent no longer works at the ticket's level."""
    assert errors(plan("#escalate DB down\n#take")) == [None, "taker_level"]


def test_escalate_keeps_the_organisation():
    """A Telkom ticket goes to Telkom's L1 team, not the first team at L1 (Budi of LKPP L0
    acts on it: the L0 partner mode is "act")."""
    result = plan("#escalate lambat", on=ticket(team="l0-telkom"),
                  config=settings(partner={"L0": "act"}))
    assert result.after.team == "l1-telkom" and result.after.level == Level.L1


def test_escalate_never_crosses_to_another_organisation():
    """Without an LKPP team at L1 the escalation is refused, though Telkom has one."""
    teams = [t for t in TEAMS if t["id"] != "l1-lkpp"]
    result = plan("#escalate DB down", config=settings(teams=teams, agents=AGENTS))
    assert errors(result) == ["no_team_at_level"]
    assert result.after == result.before


def test_escalate_never_hands_a_ticket_to_an_empty_team():
    """LKPP's L1 team has nobody: the line that moved the ticket there is refused."""
    result = plan("#escalate DB down", config=settings(agents=AGENTS))
    assert errors(result) == ["team_without_agents"]


@pytest.mark.parametrize("visibility, default", [("internal", "note"), ("public", "reply")])
def test_a_body_without_a_destination_gets_the_configured_default(visibility, default):
    result = plan("#priority high\n\nSudah kami cek.",
                  config=settings(default_visibility=visibility))
    assert [(s.command.name, s.implicit) for s in result.steps] == [
        ("priority", False), (default, True)]
    assert result.body_to_reporter is (default == "reply")


def test_two_destinations_conflict():
    result = plan("#reply\n#note\n\nSudah kami cek.")
    assert errors(result) == [None, "destination_conflict"]


def test_a_destination_needs_a_message():
    assert errors(plan("#reply")) == ["needs_message"]


def test_check_and_help_only_read():
    """#check makes the plan a dry run, #help asks for the reference; neither changes a field."""
    result = plan("#check\n#help")
    assert (result.dry_run, result.wants_help, result.changes) == (True, True, {})
    assert changes(result) == [[], []]


def test_own_level_is_checked_against_the_ticket_as_found():
    """An L1 agent may not act on an L0 ticket (the permission rules, before any step)."""
    result = plan("#priority high", who="andi@telkom.example")
    assert errors(result) == ["not_own_level"]
    assert result.steps[0].error.rule == "own-level"


def test_a_closed_ticket_takes_only_reopen_and_queries():
    closed = ticket(status=Status.CLOSED)
    assert errors(plan("#priority high", on=closed)) == ["not_allowed_because"]
    assert plan("#reopen", on=closed).after.status == Status.OPEN


# --- the timers' #escalate follows the same rules -------------------------------------------

@pytest.mark.parametrize("config, expected", [
    (settings(), None),
    (settings(teams=[t for t in TEAMS if t["id"] != "l1-lkpp"], agents=AGENTS),
     "no_team_at_level"),
    (settings(agents=AGENTS), "team_without_agents"),
], ids=["moves", "other-organisation-only", "empty-team"])
def test_the_timers_escalate_as_an_agent_would(config, expected):
    """Same team, same refusal: the automatic #escalate and an agent's agree in every case."""
    by_agent = plan("#escalate first_response target breached", config=config)
    by_timers = plan_escalation(ticket(), "first_response target breached", config)
    assert errors(by_timers) == errors(by_agent) == [expected]
    assert by_timers.after == by_agent.after
    assert by_timers.steps[0].changes == by_agent.steps[0].changes


# --- #unassign (#lepas) ---------------------------------------------------------------------

@pytest.mark.parametrize("block", ["#unassign", "#lepas", "#LEPAS"])
def test_unassign_leaves_the_ticket_to_its_team(block):
    """#unassign (Indonesian #lepas) clears the assignee; the ticket stays with its team."""
    result = plan(block, on=ticket(status=Status.OPEN, assignee=SARI))
    assert result.ok and changes(result) == [[("assignee", SARI, None)]]
    assert result.after.team == "l0-lkpp"


def test_unassign_is_for_the_tickets_own_level_and_changes_nothing_unassigned():
    assigned = ticket(status=Status.OPEN, assignee=SARI)
    assert errors(plan("#unassign", who=ANDI, on=assigned)) == ["not_own_level"]
    assert errors(plan("#lepas sekarang", on=assigned)) == ["no_arguments"]
    result = plan("#unassign", on=ticket(status=Status.OPEN))
    assert result.ok and changes(result) == [[]]


# -- the partner team and the L0 keeper ------------------------------------------------------
RC = {"email": "rc@telkom.example", "name": "RC", "team": "l0-telkom"}


def test_assign_names_an_agent_of_the_holding_team_unless_the_partner_acts():
    """On an LKPP L0 ticket, #assign of a Telkom L0 agent is refused under partner = inform
    (they could not act on it), and allowed under "act"."""
    inform = settings(agents=(*AGENTS, RC))
    assert errors(plan(f"#assign {RC['email']}", config=inform)) == ["assignee_team"]
    act = settings(agents=(*AGENTS, RC), partner={"L0": "act"})
    assert errors(plan(f"#assign {RC['email']}", config=act)) == [None]


def test_take_after_handing_the_ticket_to_the_partner_is_refused_under_inform():
    """#tim telkom then #ambil by an LKPP agent: by that line Telkom holds it."""
    config = settings(agents=(*AGENTS, RC))
    assert errors(plan("#tim telkom\n#ambil", config=config)) == [None, "taker_team"]


def test_a_partner_agent_is_refused_on_the_other_teams_ticket_under_inform():
    """RC (Telkom L0) on an LKPP L0 ticket: only #check and #help pass."""
    config = settings(agents=(*AGENTS, RC))
    assert errors(plan("#ambil", who=RC["email"], config=config)) == ["partner_team"]
    assert errors(plan("#cek", who=RC["email"], config=config)) == [None]


def test_the_keeper_is_the_agent_who_held_it_at_l0_even_when_the_move_cleared_them():
    """#ambil, #tim telkom, #eskalasi: Budi keeps the reporter (the #tim line cleared the
    assignee, which does not count); the team is the one that held it when the block began."""
    from gateway.desk.plan import Keeper, l0_keeper
    config = settings(agents=(*AGENTS, RC))
    result = plan("#ambil\n#tim telkom\n#eskalasi L1 Akun terkunci", config=config)
    assert result.ok
    assert l0_keeper(result) == Keeper("l0-lkpp", BUDI)


def test_without_an_l0_assignee_the_team_keeps_the_reporter():
    """#lepas then #eskalasi: nobody held it, so the L0 team keeps the reporter; a block that
    does not leave L0, or moves a ticket that is above it, leaves no keeper."""
    from gateway.desk.plan import Keeper, l0_keeper
    held = ticket(status=Status.OPEN, assignee=BUDI)
    assert l0_keeper(plan("#lepas\n#eskalasi DB down", on=held)) == Keeper("l0-lkpp", None)
    assert l0_keeper(plan("#eskalasi DB down", on=held)) == Keeper("l0-lkpp", BUDI)
    assert l0_keeper(plan("#ambil")) is None
    assert l0_keeper(plan("#eskalasi L2 lagi", who=ANDI,
                          on=ticket(Level.L1, "l1-telkom", Status.OPEN))) is None


def test_the_keeper_may_reply_on_an_l2_ticket_but_not_resolve_it():
    """make_plan passes the keeper to the permission rules."""
    from gateway.desk.plan import Keeper
    config = settings()
    on = ticket(Level.L2, "l2-telkom", Status.OPEN)
    commands, body = parse_block("#balas\n\nIbu Rina, sedang ditangani.")
    actor = actor_for(config.agent(BUDI), config)
    keeper = Keeper("l0-lkpp", BUDI)
    assert make_plan(on, commands, body, actor, config, keeper).ok
    assert not make_plan(on, commands, body, actor, config).ok
    commands, body = parse_block("#selesai beres")
    assert [s.error.rule for s in make_plan(on, commands, body, actor, config, keeper).steps] \
        == ["own-level"]


# --- the order of escalation ---------------------------------------------------------------

EKA = {"email": "eka@lkpp.example", "name": "Eka", "team": "l2-lkpp"}
LEAD = {"email": "lead@lkpp.example", "name": "Lead", "team": "l0-lkpp", "lead": True}


def ordered() -> object:
    return settings(agents=(*AGENTS, LINA, EKA, LEAD))


def test_l0_escalates_to_l1_and_l1_to_l2_one_step_at_a_time():
    """L0 -> L1, then (at L1) L1 -> L2, each by its own level; L0 -> L2 is refused."""
    config = ordered()
    assert changes(plan("#eskalasi DB down", config=config))[0][0] == ("level", "L0", "L1")
    up = plan("#eskalasi L2 bug di SPSE", who=LINA["email"], config=config,
              on=ticket(Level.L1, "l1-lkpp", Status.OPEN))
    assert up.ok and up.after.level == Level.L2 and up.after.team == "l2-lkpp"
    jump = plan("#eskalasi L2 server mati", config=config)
    assert errors(jump) == ["one_step"] and jump.after.level == Level.L0


def test_a_leads_emergency_jumps_and_a_non_leads_is_refused():
    """`darurat` by a lead takes L0 straight to L2's team of the same organisation; the same
    line from an agent who is not a lead is refused by the emergency-lead rule."""
    config = ordered()
    by_lead = plan("#eskalasi L2 darurat server down", who=LEAD["email"], config=config)
    assert by_lead.ok
    assert changes(by_lead) == [[("level", "L0", "L2"), ("team", "l0-lkpp", "l2-lkpp"),
                                 ("status", "new", "open")]]
    assert by_lead.steps[0].command.text == "server down"
    by_agent = plan("#eskalasi L2 darurat server down", config=config)
    assert errors(by_agent) == ["emergency_lead_only"]
    assert by_agent.steps[0].error.rule == "emergency-lead"
    assert by_agent.after == by_agent.before


def test_return_needs_a_reason_and_may_go_straight_down():
    """#kembalikan without a reason is refused by the parser; with one, L2 may hand the ticket
    to L1 or straight to L0 (the reach limits only escalation)."""
    config = ordered()
    on = ticket(Level.L2, "l2-lkpp", Status.OPEN)
    assert errors(plan("#kembalikan", who=EKA["email"], config=config, on=on)) == [
        "needs_reason"]
    assert errors(plan("#kembalikan L1", who=EKA["email"], config=config, on=on)) == [
        "needs_reason"]
    down = plan("#kembalikan L0 bukan masalah teknis", who=EKA["email"], config=config, on=on)
    assert down.ok and down.after.level == Level.L0 and down.after.team == "l0-lkpp"
