"""Tests for gateway.desk.permissions: who may issue which command on which ticket."""
from __future__ import annotations

import pytest

from gateway.desk.parse import parse_line
from gateway.desk.permissions import RULES, Actor, check, describe_rules
from gateway.desk.state import Keeper
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


@pytest.mark.parametrize("line", ["#take", "#team telkom", "#close",
                                  "#resolve done", "#reopen", "#assign me"])
def test_an_agent_may_not_act_on_another_levels_ticket(line: str) -> None:
    """An L0 agent is refused on an L1 ticket by the own-level rule."""
    assert str(check(BUDI, L1, cmd(line), {"budi@lkpp.go.id"})) == (
        "own-level: budi@lkpp.go.id is an L0 agent; the ticket is at L1")


@pytest.mark.parametrize("line", ["#reply", "#note"])
def test_reply_and_note_on_another_levels_ticket_without_a_keeper(line: str) -> None:
    """Without an L0 keeper, #reply and #note of an L0 agent on an L1 ticket are refused
    (by l0-keeper, with the own-level wording)."""
    assert str(check(BUDI, L1, cmd(line), {"budi@lkpp.go.id"})) == (
        "l0-keeper: budi@lkpp.go.id is an L0 agent; the ticket is at L1")


def test_only_the_current_level_escalates() -> None:
    """An L0 agent cannot escalate a ticket that is already at L1 (own-level)."""
    assert str(check(BUDI, L1, cmd("#escalate L2 still broken"))) == (
        "own-level: budi@lkpp.go.id is an L0 agent; the ticket is at L1")


def test_only_the_current_level_returns() -> None:
    """An L2 agent cannot return a ticket that is at L1 (own-level)."""
    assert str(check(ANDI, L1, cmd("#return L0 not ours"))) == (
        "own-level: andi@telkom.co.id is an L2 agent; the ticket is at L1")


def test_a_higher_level_agent_is_refused_too() -> None:
    """Own-level works both ways: an L2 agent may not reply on an L0 ticket (#reply and #note
    are judged by l0-keeper, which says the same)."""
    assert str(check(ANDI, L0, cmd("#reply"))) == (
        "l0-keeper: andi@telkom.co.id is an L2 agent; the ticket is at L0")
    assert str(check(ANDI, L0, cmd("#take"))) == (
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
        ("assignment", "all except #check, #help", "nobody",
             "An agent acts only within the dates of their assignment letter (surat penugasan)"),
            ("own-level", "all except #check, #follow, #help, #note, #reply, #template, #unfollow", "admin",
         "An agent acts only on tickets at their own level, "
         "so only the ticket's current level escalates or returns it"),
        ("l0-keeper", "#follow, #note, #reply, #template, #unfollow", "admin",
         "#reply, #note, #template, #follow, #unfollow: an agent of the ticket's level, or its L0 keeper "
         "(the L0 agent who held it, else its L0 team) once it has left L0"),
        ("partner-team", "all except #check, #help", "admin",
         "Of the two teams at the ticket's level only the one holding it acts, "
         "unless the level's partner mode is \"act\""),
        ("l2-progress", "#progress", "admin",
         "Development progress is recorded only by L2 agents"),
        ("emergency-lead", "#escalate", "admin",
         "An emergency jump past the next level (#escalate L2 emergency) is a lead's"),
        ("assign-target", "#assign", "nobody", "#assign names an agent of the ticket's level"),
    ]
    assert [rule.name for rule in RULES] == [row[0] for row in describe_rules()]


# --- emergency-lead ------------------------------------------------------------------------

LEAD = Actor("lina@lkpp.go.id", L0, "l0-lkpp", "lkpp", lead=True)


@pytest.mark.parametrize("line", ["#eskalasi L2 darurat server down",
                                  "#escalate L2 emergency server down",
                                  "#ESKALASI l2 DARURAT server down"])
def test_a_non_lead_emergency_is_refused(line: str) -> None:
    """An agent who is not a lead may not claim an emergency, in either language."""
    assert str(check(BUDI, L0, cmd(line))) == (
        "emergency-lead: only a lead may jump a level in an emergency; "
        "budi@lkpp.go.id is not a lead")


def test_a_lead_may_claim_an_emergency() -> None:
    """A lead of the ticket's level passes; so does a plain escalation by anybody there."""
    assert check(LEAD, L0, cmd("#eskalasi L2 darurat server down")) is None
    assert check(BUDI, L0, cmd("#eskalasi L1 printer mati")) is None
    assert check(BUDI, L0, cmd("#eskalasi L2 darurat-nya besar")) is None  # not the word


def test_a_lead_of_another_level_still_may_not_escalate() -> None:
    """Being a lead lifts only the reach, not the own-level rule."""
    lead_l1 = Actor("rudi@telkom.co.id", L1, "l1-telkom", "telkom", lead=True)
    assert str(check(lead_l1, L0, cmd("#eskalasi L2 darurat server down"))).startswith(
        "own-level: ")


def test_actor_defaults_to_the_agent_role() -> None:
    """An Actor built without a role is an agent."""
    assert Actor("x@y.id", L0, "t", "lkpp") == Actor("x@y.id", L0, "t", "lkpp", "agent")


# --- l0-keeper ------------------------------------------------------------------------------

SARI = Actor("sari@lkpp.go.id", L0, "l0-lkpp", "lkpp")
RC = Actor("rc@telkom.co.id", L0, "l0-telkom", "telkom")


@pytest.mark.parametrize("level", [L1, L2])
@pytest.mark.parametrize("line", ["#reply", "#balas", "#note", "#catatan",
                                  "#follow bos@pemkab.go.id", "#berhenti-ikuti bos@pemkab.go.id"])
def test_the_l0_agent_who_held_the_ticket_still_answers_and_notes(level: Level,
                                                                  line: str) -> None:
    """Budi held the ticket at L0: on L1 and L2 he may still #reply, #note and change who
    follows the ticket."""
    assert check(BUDI, level, cmd(line), keeper=Keeper("l0-lkpp", "budi@lkpp.go.id")) is None


@pytest.mark.parametrize("line", ["#escalate L2 db", "#return back", "#resolve done", "#take",
                                  "#assign me", "#pending wait", "#close", "#priority high",
                                  "#category x", "#team lkpp"])
def test_the_l0_keeper_may_not_use_the_levels_own_commands(line: str) -> None:
    """Everything but #reply and #note stays with the level holding the ticket."""
    keeper = Keeper("l0-lkpp", "budi@lkpp.go.id")
    assert str(check(BUDI, L2, cmd(line), {"budi@lkpp.go.id"}, keeper=keeper)) == (
        "own-level: budi@lkpp.go.id is an L0 agent; the ticket is at L2")


def test_another_l0_agent_is_not_the_keeper() -> None:
    """Sari, of the same L0 team, is refused when Budi is the keeper; the receipt names him."""
    keeper = Keeper("l0-lkpp", "budi@lkpp.go.id")
    assert str(check(SARI, L1, cmd("#reply"), keeper=keeper)) == (
        "l0-keeper: sari@lkpp.go.id is an L0 agent; the ticket is at L1, where only its L0 "
        "keeper (budi@lkpp.go.id) may still answer the reporter, add notes or change followers")


def test_without_a_keeper_agent_the_whole_l0_team_keeps_the_reporter() -> None:
    """Nobody held it at L0: every agent of the L0 team that held it may #reply, the other
    L0 team may not, nor may an agent of another higher level."""
    keeper = Keeper("l0-lkpp", None)
    assert check(SARI, L1, cmd("#reply"), keeper=keeper) is None
    assert check(BUDI, L1, cmd("#note"), keeper=keeper) is None
    assert str(check(RC, L1, cmd("#reply"), keeper=keeper)).startswith("l0-keeper: ")
    assert str(check(ANDI, L1, cmd("#reply"), keeper=keeper)).startswith("l0-keeper: ")


def test_the_keeper_rule_says_nothing_at_l0() -> None:
    """At L0 the keeper is an ordinary L0 agent: the other rules judge."""
    assert check(BUDI, L0, cmd("#reply"), keeper=Keeper("l0-lkpp", "budi@lkpp.go.id")) is None


# --- partner-team ---------------------------------------------------------------------------

RINA_L1 = Actor("rina@lkpp.go.id", L1, "l1-lkpp", "lkpp")


@pytest.mark.parametrize("line", ["#reply", "#note", "#take", "#assign me", "#resolve done",
                                  "#escalate L2 db", "#team lkpp", "#priority high"])
def test_a_partner_agent_may_not_act_when_the_level_only_informs(line: str) -> None:
    """The LKPP L1 agent on a ticket Telkom L1 holds, partner = inform (or none): refused."""
    assert str(check(RINA_L1, L1, cmd(line), {"rina@lkpp.go.id"}, ticket_team="l1-telkom",
                     acting_teams=("l1-telkom",))) == (
        "partner-team: rina@lkpp.go.id is in l1-lkpp, the partner team at L1: the ticket is "
        "held by l1-telkom, which alone acts on it")


@pytest.mark.parametrize("line", ["#reply", "#take", "#resolve done", "#team lkpp"])
def test_a_partner_agent_acts_when_the_level_says_act(line: str) -> None:
    """partner = act: both teams of the level act."""
    assert check(RINA_L1, L1, cmd(line), ticket_team="l1-telkom",
                 acting_teams=("l1-telkom", "l1-lkpp")) is None


@pytest.mark.parametrize("line", ["#check", "#help"])
def test_a_partner_agent_may_always_ask(line: str) -> None:
    assert check(RINA_L1, L1, cmd(line), ticket_team="l1-telkom",
                 acting_teams=("l1-telkom",)) is None


def test_the_holding_team_and_admins_pass_the_partner_rule() -> None:
    assert check(SITI, L1, cmd("#resolve done"), ticket_team="l1-telkom",
                 acting_teams=("l1-telkom",)) is None
    assert check(ROOT, L1, cmd("#resolve done"), ticket_team="l1-telkom",
                 acting_teams=("l1-telkom",)) is None


# --- assignment ----------------------------------------------------------------------------

from datetime import date  # noqa: E402

LETTERED = Actor("rina@lkpp.go.id", L1, "l1-lkpp", "lkpp", assignment="SP-07/LKPP/2026",
                 assigned_from=date(2026, 1, 1), assigned_until=date(2026, 6, 30))


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 3, 15), date(2026, 6, 30)])
def test_an_agent_acts_within_the_days_of_their_letter(today: date) -> None:
    """The first and the last day of the letter count."""
    assert check(LETTERED, L1, cmd("#take"), today=today) is None


def test_an_agent_whose_letter_ended_is_refused_naming_the_letter_and_its_dates() -> None:
    found = check(LETTERED, L1, cmd("#take"), today=date(2026, 7, 1))
    assert found.rule == "assignment"
    assert str(found) == (
        "assignment: rina@lkpp.go.id's assignment letter SP-07/LKPP/2026 ran from 2026-01-01 "
        "to 2026-06-30 and has ended (today is 2026-07-01); this command was not carried out")
    assert found.text("id") == (
        "surat penugasan SP-07/LKPP/2026 milik rina@lkpp.go.id berlaku 2026-01-01 sampai "
        "2026-06-30 dan sudah berakhir (hari ini 2026-07-01); perintah ini tidak dijalankan")


def test_an_agent_whose_letter_has_not_started_is_refused() -> None:
    found = check(LETTERED, L1, cmd("#escalate L2 db"), today=date(2025, 12, 31))
    assert found.rule == "assignment" and found.code == "assignment_not_started"


@pytest.mark.parametrize("line", ["#help", "#check"])
def test_queries_stay_open_outside_the_letter(line: str) -> None:
    assert check(LETTERED, L1, cmd(line), today=date(2027, 1, 1)) is None


def test_open_letters_and_an_unknown_day_are_not_judged() -> None:
    """No dates: no limit; no `today` from the caller (the timers): not checked."""
    assert check(SITI, L1, cmd("#take"), today=date(2099, 1, 1)) is None
    assert check(LETTERED, L1, cmd("#take")) is None


def test_the_assignment_rule_is_listed() -> None:
    assert "assignment" in [row[0] for row in describe_rules()]
