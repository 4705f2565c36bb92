"""#merge (#gabung), #related (#terkait, #link) and #parent (#induk): links between tickets.
The plan only checks the line against the links the caller read (`State.links`, `State.named`);
`desk.links` writes them and sends what they cause.

Who may: the permission rules judge the agent against the ticket the line is written on, as for
every command (its level, its team). The other ticket is only named, so:
- #merge closes this ticket into the other, whose holders then answer its reporter: the other
  must be at the same level and held by a team the agent acts for, or at a higher level (a
  level-0 duplicate joins the incident level 2 already works on; its holders only gain a
  follower). Never a lower level: a merge never hands work down, which is #return's, with a
  reason. Never into a closed ticket, and never an incident with children (merge its reports).
- #parent and #related change nothing on the other ticket but the link, so it may be at any
  level and any team.
A merged reporter follows the survivor in Cc, beside its reporter: the two see each other's
address, so a merge is for true duplicates; reports of one outage from different people go
under an incident (#parent), whose answers reach each reporter alone.
Incidents are one level deep: an incident is no child, a child no incident, so no cycle can
form (and one that would is refused by name).
"""
from __future__ import annotations

from dataclasses import replace

from gateway.config import Settings
from gateway.desk.state import Actor, Refusal, State, acting_teams
from gateway.domain import Command, Level, Links, Status, Transition
from gateway.text.problems import problem

_RANK = {level: rank for rank, level in enumerate(Level)}


def _named(command: Command, state: State) -> Links:
    """The ticket the line names: it exists, is not this one, and was not merged away."""
    ref = command.args[0]
    if ref == state.ref:
        raise Refusal(problem("same_ticket", command=command.name, ref=ref))
    other = state.named_ticket(ref)
    if other is None:
        raise Refusal(problem("unknown_ticket", ref=ref))
    if other.merged_into:
        raise Refusal(problem("merged_ticket", ref=ref, survivor=other.merged_into,
                              command=command.name))
    return other


def merge(command: Command, state: State, transition: Transition, actor: Actor,
          settings: Settings) -> State:
    other = _named(command, state)
    children = state.links.children if state.links else ()
    if children:
        raise Refusal(problem("merge_incident", count=len(children)))
    if other.status == Status.CLOSED:
        raise Refusal(problem("merge_into_closed", ref=other.ref))
    if _RANK[other.level] < _RANK[state.level]:
        raise Refusal(problem("merge_lower_level", ref=other.ref, target=other.level,
                              level=state.level, related="related"))
    if other.level == state.level and actor.role != "admin" and \
            actor.team not in acting_teams(settings, other.team):
        raise Refusal(problem("merge_other_team", ref=other.ref, team=other.team,
                              related="related"))
    return replace(state, merged_into=other.ref)


def related(command: Command, state: State, transition: Transition, actor: Actor,
            settings: Settings) -> State:
    other = _named(command, state)
    if other.ref in state.related:
        raise Refusal(problem("already_related", ref=other.ref))
    return replace(state, related=(*state.related, other.ref))


def parent(command: Command, state: State, transition: Transition, actor: Actor,
           settings: Settings) -> State:
    other = _named(command, state)
    if state.parent:
        raise Refusal(problem("has_parent", parent=state.parent))
    if state.ref in other.parents:
        raise Refusal(problem("parent_cycle", ref=other.ref))
    if other.parents:
        raise Refusal(problem("parent_is_child", ref=other.ref, parent=other.parents[0],
                              command=command.name))
    children = state.links.children if state.links else ()
    if children:
        raise Refusal(problem("incident_has_children", count=len(children)))
    if other.status == Status.CLOSED:
        raise Refusal(problem("parent_closed", ref=other.ref))
    return replace(state, parent=other.ref)
