"""Tests for gateway.desk.permissions: who may issue which command on which ticket."""
from __future__ import annotations

import pytest

from gateway.desk.parse import parse_line
from gateway.desk.permissions import RULES, Actor, check, describe_rules
from gateway.desk.registry import COMMANDS as PARSED_COMMANDS
from gateway.domain import Command, Level

L0, L1, L2 = Level.L0, Level.L1, Level.L2
ALL_NAMES = [spec.name for spec in PARSED_COMMANDS]

BUDI = Actor("budi@lkpp.go.id", L0, "l0-lkpp", "lkpp")
SITI = Actor("siti@telkom.co.id", L1, "l1-telkom", "telkom")
ANDI = Actor("andi@telkom.co.id", L2, "l2-telkom", "telkom")
ROOT = Actor("admin@lkpp.go.id", L0, "admins", "lkpp", role="admin")


def cmd(line: str) -> Command:
    command = parse_line(line)
    assert command.error is None, command.error
    return command


# --- own-level ------------------------------------------------------------------------------

@pytest.mark.parametrize("line", ["#reply", "#note", "#take", "#escalate L2 db", "#return slow",
                                  "#team telkom", "#priority high", "#category Akun",
                                  "#pending vendor", "#resolve done", "#close", "#reopen"])
def test_an_agent_may_act_on_tickets_at_their_level(line: str) -> None:
    """An L1 agent may issue every ordinary command on an L1 ticket."""
    assert check(SITI, L1, cmd(line)) is None


@pytest.mark.parametrize("line", ["#reply", "#note", "#take", "#team telkom", "#close",
                                  "#resolve done", "#reopen", "#assign me"])
def test_an_agent_may_not_act_on_another_levels_ticket(line: str) -> None:
    """An L0 agent is refused on an L1 ticket by the own-level rule."""
    assert str(check(BUDI, L1, cmd(line), {"budi@lkpp.go.id"})) == (
        "own-level: budi@lkpp.go.id is an L0 agent; the ticket is at L1")


def test_only_the_current_level_escalates() -> None:
    """An L0 agent cannot escalate a ticket that is already at L1 (own-level)."""
    assert str(check(BUDI, L1, cmd("#escalate L2 still broken"))) == (
        "own-level: budi@lkpp.go.id is an L0 agent; the ticket is at L1")


def test_only_the_current_level_returns() -> None:
    """An L2 agent cannot return a ticket that is at L1 (own-level)."""
    assert str(check(ANDI, L1, cmd("#return L0 not ours"))) == (
        "own-level: andi@telkom.co.id is an L2 agent; the ticket is at L1")


def test_a_higher_level_agent_is_refused_too() -> None:
    """Own-level works both ways: an L2 agent may not reply on an L0 ticket."""
    assert str(check(ANDI, L0, cmd("#reply"))) == (
        "own-level: andi@telkom.co.id is an L2 agent; the ticket is at L0")


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("line", ["#reply", "#escalate L2 db", "#return L0 x", "#close",
                                  "#progress patched", "#take"])
def test_an_admin_acts_at_every_level(level: Level, line: str) -> None:
    """An admin passes own-level and l2-progress on a ticket at any level."""
    assert check(ROOT, level, cmd(line)) is None


# --- always allowed -------------------------------------------------------------------------

@pytest.mark.parametrize("actor", [BUDI, SITI, ANDI, ROOT], ids=lambda a: a.email)
@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("line", ["#check", "#cek", "#help", "#bantuan"])
def test_check_and_help_are_always_allowed(actor: Actor, level: Level, line: str) -> None:
    """#check and #help are allowed for any agent on a ticket at any level."""
    assert check(actor, level, cmd(line)) is None


# --- l2-progress ----------------------------------------------------------------------------

def test_progress_by_an_l2_agent() -> None:
    """An L2 agent records progress on an L2 ticket."""
    assert check(ANDI, L2, cmd("#progress patch merged")) is None


@pytest.mark.parametrize(("actor", "level", "who"), [
    (BUDI, L0, "budi@lkpp.go.id is an L0 agent"),
    (SITI, L1, "siti@telkom.co.id is an L1 agent"),
])
def test_progress_by_a_lower_level_agent_is_refused(actor: Actor, level: Level, who: str) -> None:
    """#progress from an L0 or L1 agent on their own level's ticket fails l2-progress."""
    assert str(check(actor, level, cmd("#progress trying"))) == (
        f"l2-progress: #progress is for L2 agents; {who}")


# --- assign-target --------------------------------------------------------------------------

L1_AGENTS = {"siti@telkom.co.id", "Rina@LKPP.go.id"}


def test_assign_to_an_agent_of_the_tickets_level() -> None:
    """#assign to an agent of the ticket's level is allowed, emails compared without case."""
    assert check(SITI, L1, cmd("#assign rina@lkpp.go.id"), L1_AGENTS) is None


def test_assign_me_is_the_actor() -> None:
    """#assign me names the actor, who is an agent of the level."""
    assert check(SITI, L1, cmd("#tugaskan saya"), L1_AGENTS) is None


def test_assign_to_an_agent_of_another_level_is_refused() -> None:
    """#assign to someone not at the ticket's level fails assign-target."""
    assert str(check(SITI, L1, cmd("#assign andi@telkom.co.id"), L1_AGENTS)) == (
        "assign-target: andi@telkom.co.id is not an L1 agent")


def test_assign_without_level_agents_is_refused() -> None:
    """When the caller passes no agents, no assignment target can be valid."""
    assert str(check(SITI, L1, cmd("#assign me"))) == (
        "assign-target: siti@telkom.co.id is not an L1 agent")


def test_assign_target_binds_admins_too() -> None:
    """An admin may assign on any ticket, but only to an agent of the ticket's level."""
    assert check(ROOT, L1, cmd("#assign rina@lkpp.go.id"), L1_AGENTS) is None
    assert str(check(ROOT, L1, cmd("#assign me"), L1_AGENTS)) == (
        "assign-target: admin@lkpp.go.id is not an L1 agent")


# --- well-formed and known-role -------------------------------------------------------------

def test_a_command_with_an_error_is_refused_first() -> None:
    """A parser error is refused by well-formed before any other rule, even for #help."""
    assert str(check(ROOT, L2, parse_line("#help me"))) == (
        "well-formed: #help takes no arguments")
    assert str(check(BUDI, L1, parse_line("#escalate"))) == (
        "well-formed: #escalate needs a reason")


def test_an_unknown_role_is_refused() -> None:
    """A role other than agent or admin is refused by known-role, even for #check."""
    guest = Actor("tamu@example.org", L0, "l0-lkpp", "lkpp", role="guest")
    assert str(check(guest, L0, cmd("#check"))) == (
        "known-role: tamu@example.org has the role 'guest'; the roles are agent, admin")


# --- the table ------------------------------------------------------------------------------

def test_every_command_is_allowed_for_the_right_actor() -> None:
    """For each command some actor passes: L2 agents on L2 tickets with themselves listed."""
    for name in ALL_NAMES:
        command = Command(f"#{name}", name, ("me",))
        assert check(ANDI, L2, command, {"andi@telkom.co.id"}) is None, name


def test_describe_rules_prints_the_table_in_order() -> None:
    """describe_rules gives each rule's name, scope, exemption and description, in order."""
    assert describe_rules() == [
        ("well-formed", "all", "nobody", "A command line with an error is never carried out"),
        ("known-role", "all", "nobody", "The actor's role is agent or admin"),
        ("own-level", "all except #check, #help", "admin",
         "An agent acts only on tickets at their own level, "
         "so only the ticket's current level escalates or returns it"),
        ("l2-progress", "#progress", "admin",
         "Development progress is recorded only by L2 agents"),
        ("assign-target", "#assign", "nobody", "#assign names an agent of the ticket's level"),
    ]
    assert [rule.name for rule in RULES] == [row[0] for row in describe_rules()]


def test_actor_defaults_to_the_agent_role() -> None:
    """An Actor built without a role is an agent."""
    assert Actor("x@y.id", L0, "t", "lkpp") == Actor("x@y.id", L0, "t", "lkpp", "agent")
