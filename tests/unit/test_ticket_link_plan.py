"""#merge, #parent and #related planned without a database: the ticket references the parser
reads, and every reason the plan refuses a link (`desk/commands/links.py`)."""
from __future__ import annotations

import pytest

from gateway.desk.parse import parse_block, parse_line
from gateway.desk.plan import actor_for, make_plan
from gateway.domain import Level, Links, Status
from tests.unit.test_plan import ANDI, BUDI, changes, settings, ticket


def links(ref: str, level: Level = Level.L0, team: str = "l0-lkpp",
          status: Status = Status.OPEN, **more) -> Links:
    return Links(ref, level, team, status, **more)


def plan(block: str, named=(), own: Links | None = None, who: str = BUDI, on=None, config=None):
    config = config or settings()
    commands, body = parse_block(block)
    return make_plan(on or ticket(), commands, body, actor_for(config.agent(who), config),
                     config, links=own, named=named)


def error(result) -> str:
    [step] = result.steps
    return step.error.text("en") if step.error else ""


@pytest.mark.parametrize("written, ref", [
    ("#gabung LDP-123", "LDP-000123"), ("#merge ldp-000123", "LDP-000123"),
    ("#induk [LDP-000100].", "LDP-000100"), ("#link LDP-7", "LDP-000007"),
    ("#terkait LDP-000000000042", "LDP-000042"),
])
def test_a_ticket_reference_is_read_as_the_gateway_writes_it(written, ref):
    command = parse_line(written)
    assert command.error is None and command.args == (ref,)


@pytest.mark.parametrize("written", ["#gabung", "#gabung LDP-1 LDP-2", "#induk 123",
                                     "#terkait LDP-x1", "#parent <LDP-1>"])
def test_anything_else_is_refused_by_the_parser(written):
    command = parse_line(written)
    assert command.error is not None and command.error.code == "needs_ticket"


def test_a_merge_closes_the_duplicate_and_names_the_survivor():
    result = plan("#merge LDP-2", named=[links("LDP-000002")])
    assert result.ok
    assert changes(result) == [[("status", "new", "closed"), ("merged_into", None,
                                                             "LDP-000002")]]


@pytest.mark.parametrize("block, named, own, why", [
    ("#merge LDP-1", [], None, "#merge names this very ticket (LDP-000001)"),
    ("#merge LDP-9", [], None, "there is no ticket LDP-000009"),
    ("#merge LDP-2", [links("LDP-000002", merged_into="LDP-000003")], None,
     "ticket LDP-000002 was merged into LDP-000003: write #merge LDP-000003"),
    ("#merge LDP-2", [links("LDP-000002", status=Status.CLOSED)], None,
     "ticket LDP-000002 is closed: nothing can be merged into it"),
    ("#merge LDP-2", [links("LDP-000002", team="l0-telkom")], None,
     "ticket LDP-000002 is held by team l0-telkom, not yours: ask them to merge, or link them "
     "with #related"),
    ("#merge LDP-2", [links("LDP-000002")],
     links("LDP-000001", children=("LDP-000005", "LDP-000006")),
     "this ticket is an incident, with reports linked to it (2): merge the reports, not the "
     "incident"),
    ("#parent LDP-2", [links("LDP-000002", parents=("LDP-000001",))],
     links("LDP-000001", children=("LDP-000002",)),
     "this ticket is already the parent of LDP-000002: a ticket cannot be part of its own "
     "incident"),
    ("#parent LDP-2", [links("LDP-000002")], links("LDP-000001", parents=("LDP-000004",)),
     "this ticket is part of incident LDP-000004 already"),
    ("#parent LDP-2", [links("LDP-000002", parents=("LDP-000004",))], None,
     "ticket LDP-000002 is itself part of incident LDP-000004: write #parent LDP-000004"),
    ("#parent LDP-2", [links("LDP-000002")], links("LDP-000001", children=("LDP-000003",)),
     "this ticket is an incident, with reports linked to it (1): an incident cannot be part "
     "of another"),
    ("#parent LDP-2", [links("LDP-000002", status=Status.CLOSED)], None,
     "ticket LDP-000002 is closed: link tickets to an incident still open"),
    ("#related LDP-2", [links("LDP-000002")], links("LDP-000001", related=("LDP-000002",)),
     "this ticket is linked to LDP-000002 already"),
])
def test_each_refusal_says_why(block, named, own, why):
    result = plan(block, named, own)
    assert not result.ok and error(result) == why


def test_a_merge_goes_up_a_level_never_down():
    """An L0 duplicate may join the ticket L1 works on (its holders gain a follower only); an
    L1 ticket is never merged into an L0 one."""
    up = plan("#merge LDP-2", named=[links("LDP-000002", Level.L1, "l1-telkom")])
    assert up.ok
    down = plan("#merge LDP-2", named=[links("LDP-000002")], who=ANDI,
                on=ticket(Level.L1, "l1-telkom", Status.OPEN))
    assert error(down) == ("ticket LDP-000002 is at L0, below this ticket (L1): a merge never "
                           "hands a ticket down; link them with #related")


def test_parent_and_related_link_any_level_and_team():
    named = [links("LDP-000002", Level.L2, "l2-telkom")]
    assert plan("#parent LDP-2", named).ok
    assert plan("#related LDP-2", named).ok
    assert changes(plan("#parent LDP-2\n#related LDP-2", named)) == [
        [("status", "new", "open"), ("parent", None, "LDP-000002")],
        [("related", None, "LDP-000002")]]


def test_the_ticket_being_acted_on_follows_the_permission_rules():
    """An L1 agent may not link an L0 ticket: the same rule as every other command."""
    result = plan("#merge LDP-2", named=[links("LDP-000002")], who=ANDI)
    assert result.steps[0].error.rule == "own-level"
