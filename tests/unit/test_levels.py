"""Tests for gateway.desk.levels: the (level, status, command) -> Transition table."""
from __future__ import annotations

from itertools import product

import pytest

from gateway.desk.levels import COMMANDS, REACH, TABLE, describe_table, transition_for
from gateway.desk.registry import COMMANDS as PARSED_COMMANDS
from gateway.desk.registry import command_word
from gateway.domain import Level, Status, Transition
from gateway.errors import InvalidTransition

L0, L1, L2 = Level.L0, Level.L1, Level.L2
NEW, OPEN, PENDING, RESOLVED, CLOSED = tuple(Status)

WORK = ("reply note template assign take unassign follow unfollow team priority category "
        "application lpse action progress related parent")

# The whole plan, written out independently of the module: for each level and status, every
# allowed command and its result ("status" or "status at level"). Everything else is invalid.
GOLDEN: dict[tuple[Level, Status], str] = {
    (L0, NEW): f"{WORK} -> open; escalate -> open at L1; pending -> pending; "
               "resolve -> resolved; close merge -> closed; check help -> new",
    (L0, OPEN): f"{WORK} -> open; escalate -> open at L1; pending -> pending; "
                "resolve -> resolved; close merge -> closed; check help -> open",
    (L0, PENDING): f"{WORK} -> pending; escalate -> open at L1; pending -> pending; "
                   "resolve -> resolved; close merge -> closed; check help -> pending",
    (L0, RESOLVED): f"{WORK} -> resolved; close merge -> closed; reopen -> open; check help -> resolved",
    (L0, CLOSED): "reopen -> open; check help -> closed",
    (L1, NEW): f"{WORK} -> open; escalate -> open at L2; return -> open at L0; "
               "pending -> pending; resolve -> resolved; close merge -> closed; check help -> new",
    (L1, OPEN): f"{WORK} -> open; escalate -> open at L2; return -> open at L0; "
                "pending -> pending; resolve -> resolved; close merge -> closed; check help -> open",
    (L1, PENDING): f"{WORK} -> pending; escalate -> open at L2; return -> open at L0; "
                   "pending -> pending; resolve -> resolved; close merge -> closed; "
                   "check help -> pending",
    (L1, RESOLVED): f"{WORK} -> resolved; close merge -> closed; reopen -> open; check help -> resolved",
    (L1, CLOSED): "reopen -> open; check help -> closed",
    (L2, NEW): f"{WORK} -> open; return -> open at L1; pending -> pending; "
               "resolve -> resolved; close merge -> closed; check help -> new",
    (L2, OPEN): f"{WORK} -> open; return -> open at L1; pending -> pending; "
                "resolve -> resolved; close merge -> closed; check help -> open",
    (L2, PENDING): f"{WORK} -> pending; return -> open at L1; pending -> pending; "
                   "resolve -> resolved; close merge -> closed; check help -> pending",
    (L2, RESOLVED): f"{WORK} -> resolved; close merge -> closed; reopen -> open; check help -> resolved",
    (L2, CLOSED): "reopen -> open; check help -> closed",
}


def golden_transitions() -> dict[tuple[Level, Status, str], Transition]:
    """GOLDEN spelled out as Transitions; to_level is set only when the level changes."""
    table = {}
    for (level, status), spec in GOLDEN.items():
        for group in spec.split("; "):
            commands, result = group.split(" -> ")
            to_status, _, to_level = result.partition(" at ")
            for command in commands.split():
                table[(level, status, command)] = Transition(
                    command, status, Status(to_status), Level(to_level) if to_level else None)
    return table


EXPECTED = golden_transitions()
ALL_KEYS = list(product(Level, Status, COMMANDS))
INVALID_KEYS = [key for key in ALL_KEYS if key not in EXPECTED]


def test_the_table_knows_exactly_the_parsers_commands() -> None:
    """The levels table and the command parser describe the same twenty-six commands."""
    assert sorted(COMMANDS) == sorted(spec.name for spec in PARSED_COMMANDS)
    assert len(COMMANDS) == 26


def test_the_table_is_exactly_the_golden_plan() -> None:
    """TABLE holds every golden row and nothing else."""
    assert dict(TABLE) == EXPECTED


@pytest.mark.parametrize("key", sorted(EXPECTED, key=str), ids=str)
def test_every_allowed_row(key: tuple[Level, Status, str]) -> None:
    """Each allowed (level, status, command) gives its exact Transition."""
    assert transition_for(*key) == EXPECTED[key]


@pytest.mark.parametrize("key", INVALID_KEYS, ids=str)
def test_every_invalid_row_raises(key: tuple[Level, Status, str]) -> None:
    """Each (level, status, command) outside the plan raises InvalidTransition naming it."""
    level, status, command = key
    with pytest.raises(InvalidTransition) as raised:
        transition_for(level, status, command)
    assert str(raised.value).startswith(
        f"#{command} is not allowed on an {level} ticket in status {status}")


def test_a_new_ticket_is_opened_by_the_first_action() -> None:
    """A reply on a new L0 ticket opens it and keeps the level."""
    assert transition_for(L0, NEW, "reply") == Transition("reply", NEW, OPEN, None)


def test_escalating_past_l2_names_the_top() -> None:
    """Escalating an L2 ticket is refused because L2 is the highest level."""
    with pytest.raises(InvalidTransition) as raised:
        transition_for(L2, OPEN, "escalate")
    assert str(raised.value) == (
        "#escalate is not allowed on an L2 ticket in status open (L2 is the highest level); "
        "allowed there: #reply, #note, #template, #assign, #take, #unassign, #follow, #unfollow, #team, #priority, #category, #application, #lpse, #action, #progress, #related, #parent, "
        "#return, #pending, #resolve, #close, #merge, #check, #help")


def test_returning_below_l0_names_the_bottom() -> None:
    """Returning an L0 ticket is refused because L0 is the lowest level."""
    with pytest.raises(InvalidTransition) as raised:
        transition_for(L0, PENDING, "return")
    assert str(raised.value) == (
        "#return is not allowed on an L0 ticket in status pending (L0 is the lowest level); "
        "allowed there: #reply, #note, #template, #assign, #take, #unassign, #follow, #unfollow, #team, #priority, #category, #application, #lpse, #action, #progress, #related, #parent, "
        "#escalate, #pending, #resolve, #close, #merge, #check, #help")


def test_work_on_a_closed_ticket_says_reopen_first() -> None:
    """A reply on a closed ticket is refused with the hint to reopen it."""
    with pytest.raises(InvalidTransition) as raised:
        transition_for(L1, CLOSED, "reply")
    assert str(raised.value) == (
        "#reply is not allowed on an L1 ticket in status closed "
        "(the ticket is closed: #reopen it first); allowed there: #reopen, #check, #help")


def test_escalating_a_resolved_ticket_says_reopen_first() -> None:
    """A resolved ticket must be reopened before it is escalated."""
    with pytest.raises(InvalidTransition) as raised:
        transition_for(L0, RESOLVED, "escalate")
    assert str(raised.value) == (
        "#escalate is not allowed on an L0 ticket in status resolved "
        "(the ticket is resolved: #reopen it first); allowed there: #reply, #note, #template, #assign, "
        "#take, #unassign, #follow, #unfollow, #team, #priority, #category, #application, #lpse, #action, #progress, #related, #parent, #close, #merge, #reopen, #check, #help")


def test_reopening_an_open_ticket_is_refused() -> None:
    """Only a resolved or closed ticket can be reopened."""
    with pytest.raises(InvalidTransition) as raised:
        transition_for(L2, NEW, "reopen")
    assert str(raised.value).startswith(
        "#reopen is not allowed on an L2 ticket in status new "
        "(only a resolved or closed ticket can be reopened); allowed there: #reply")


def test_unknown_command_is_refused() -> None:
    """A command the table does not know raises with its name."""
    with pytest.raises(InvalidTransition, match=r"^unknown command #frobnicate$"):
        transition_for(L0, OPEN, "frobnicate")


def test_command_names_are_case_insensitive() -> None:
    """The command name is matched whatever its case."""
    assert transition_for(L0, OPEN, "ESCALATE") == Transition("escalate", OPEN, OPEN, L1)


# --- named targets ------------------------------------------------------------------------

@pytest.mark.parametrize(("level", "command", "target"), [
    (L0, "escalate", L1), (L1, "escalate", L2),
    (L2, "return", L1), (L2, "return", L0), (L1, "return", L0),
])
def test_a_named_target_level_is_used(level: Level, command: str, target: Level) -> None:
    """#escalate and #return go to the named level when it lies in their direction."""
    assert transition_for(level, PENDING, command, target) == Transition(
        command, PENDING, OPEN, target)


def test_string_target_is_accepted() -> None:
    """A target given as the level's text works like the Level itself."""
    assert transition_for(L1, OPEN, "escalate", "L2") == Transition("escalate", OPEN, OPEN, L2)
    assert transition_for(L2, OPEN, "return", "L0") == Transition("return", OPEN, OPEN, L0)


# --- the order of escalation --------------------------------------------------------------

def test_the_reach_of_each_move_is_golden() -> None:
    """Escalation goes one level at a time (the decree's order); #return has no limit."""
    assert dict(REACH) == {"escalate": 1}


@pytest.mark.parametrize("status", [NEW, OPEN, PENDING])
def test_an_l0_ticket_cannot_jump_to_l2(status: Status) -> None:
    """L0 -> L2 is refused in every active status, and the refusal says what to do instead."""
    with pytest.raises(InvalidTransition) as raised:
        transition_for(L0, status, "escalate", L2)
    assert str(raised.value) == (
        "an L0 ticket goes up one level at a time: escalate it to L1 first, and L1 escalates "
        "it to L2 (in an emergency a lead may write #escalate L2 emergency <reason>)")
    assert raised.value.args[0].text("id", command_word) == (
        "tiket L0 naik satu tingkat demi satu tingkat: eskalasikan dulu ke L1, lalu L1 yang "
        "mengeskalasikan ke L2 (dalam keadaan darurat, lead dapat menulis #eskalasi L2 darurat "
        "<alasan>)")


@pytest.mark.parametrize("status", [NEW, OPEN, PENDING])
def test_an_emergency_may_jump_to_l2(status: Status) -> None:
    """With `emergency` (the permission rule checks it is a lead's) L0 goes straight to L2."""
    assert transition_for(L0, status, "escalate", L2, emergency=True) == Transition(
        "escalate", status, OPEN, L2)


def test_an_emergency_does_not_rescue_a_wrong_move() -> None:
    """An emergency lifts only the reach: the direction and the table still hold."""
    with pytest.raises(InvalidTransition, match=r"#escalate moves up"):
        transition_for(L1, OPEN, "escalate", L0, emergency=True)
    with pytest.raises(InvalidTransition, match=r"L2 is the highest level"):
        transition_for(L2, OPEN, "escalate", L2, emergency=True)
    with pytest.raises(InvalidTransition, match=r"the ticket is resolved"):
        transition_for(L0, RESOLVED, "escalate", L2, emergency=True)


@pytest.mark.parametrize(("level", "command", "target", "message"), [
    (L1, "escalate", L1, "#escalate cannot move an L1 ticket to L1: it is already there"),
    (L1, "escalate", L0, "#escalate cannot move an L1 ticket to L0: #escalate moves up"),
    (L0, "escalate", L0, "#escalate cannot move an L0 ticket to L0: it is already there"),
    (L1, "return", L1, "#return cannot move an L1 ticket to L1: it is already there"),
    (L1, "return", L2, "#return cannot move an L1 ticket to L2: #return moves down"),
    (L2, "return", L2, "#return cannot move an L2 ticket to L2: it is already there"),
    (L0, "escalate", "L3", "unknown level 'L3'"),
    (L0, "reply", L1, "#reply does not take a level"),
])
def test_a_bad_target_level_is_refused(level: Level, command: str, target: Level,
                                       message: str) -> None:
    """Targets at the same level, the wrong direction, unknown, or on other commands raise."""
    with pytest.raises(InvalidTransition) as raised:
        transition_for(level, OPEN, command, target)
    assert str(raised.value) == message


def test_a_target_on_a_disallowed_row_reports_the_row() -> None:
    """A target does not rescue a row the table refuses: the row's refusal is raised."""
    with pytest.raises(InvalidTransition, match=r"L2 is the highest level"):
        transition_for(L2, OPEN, "escalate", L2)


# --- printing -----------------------------------------------------------------------------

def test_describe_table_lists_every_row_in_order() -> None:
    """describe_table gives one text row per allowed key, by level, then status, then command."""
    rows = describe_table()
    assert len(rows) == len(EXPECTED) == 294
    assert rows[:3] == [("L0", "new", "reply", "open"), ("L0", "new", "note", "open"),
                        ("L0", "new", "template", "open")]
    assert ("L0", "new", "escalate", "open at L1") in rows
    assert ("L2", "open", "return", "open at L1") in rows
    assert rows[-3:] == [("L2", "closed", "reopen", "open"), ("L2", "closed", "check", "closed"),
                         ("L2", "closed", "help", "closed")]
    assert {(r[0], r[1], r[2]) for r in rows} == {
        (level.value, status.value, command) for level, status, command in EXPECTED}


# --- the category per level -------------------------------------------------------------------

def test_categories_by_level_keeps_each_levels_own() -> None:
    """Each move's level_category event keeps the category of the level it left; the level the
    ticket is at shows its current category; the latest wins for a level left twice; other
    events and malformed rows are ignored."""
    from gateway.desk.state import categories_by_level
    events = [("category", "-", "akun"), ("level_category", "L0", "akun"),
              ("level_category", "L1", "restart-layanan"), ("level_category", "L0", "tender"),
              ("level_category", "L9", "x"), ("level_category", "L1", None),
              ("escalate", "L0", "L1")]
    assert categories_by_level(events, L2, "perbaikan-bug") == (
        (L0, "tender"), (L1, "restart-layanan"), (L2, "perbaikan-bug"))
    assert categories_by_level(events, L1, None) == ((L0, "tender"), (L1, "restart-layanan"))
    assert categories_by_level([], L0, None) == ()
