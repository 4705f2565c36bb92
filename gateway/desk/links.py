"""What #merge, #parent and #related do once planned (`desk/commands/links.py` checks them):
the links written (`store.links`), the people moved, the incident's children carried along,
and the mail that goes out. Inside the caller's transaction.

- #merge: the duplicate links to the survivor (mail to either number lands there from now on:
  `intake.pipeline` asks `store.links.survivor`), its reporter and followers become followers
  of the survivor (no cap: each of them reported or followed the problem), both tickets
  record it, and the duplicate's reporter (with its followers in Cc) is told in plain words.
- #parent: the child links to the incident; the incident records its new child.
- #related: the link, recorded on both tickets.
- An incident's #reply, #progress and resolution reach every child's reporter, each their own
  mail in their own ticket's thread (their ticket number, under their own Message-IDs, their
  own followers in Cc: no reporter ever sees another's address). A resolution resolves the
  children and a close closes them, where the levels table allows it (`levels.transition_for`).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Callable, Sequence

from gateway.context import Context
from gateway.desk import levels, notices
from gateway.desk.plan import Plan
from gateway.domain import Notice, Status, Ticket
from gateway.errors import InvalidTransition
from gateway.outgoing import handler_context
from gateway.store import followers, links, tickets

# The lines of an incident's block that reach its children's reporters.
FAN_OUT = ("reply", "progress", "resolve")
# The statuses the incident's lines give its children, by command.
CARRIED = {"resolve": Status.RESOLVED, "close": Status.CLOSED}


def write(ticket: Ticket, plan: Plan, actor: str, now: datetime | None = None) -> None:
    """The links the block made, and what comes with them (see the module docstring)."""
    before, after = plan.before, plan.after
    if after.merged_into and after.merged_into != before.merged_into:
        _merge(ticket, tickets.get_ticket(after.merged_into), actor, now)
    if after.parent and after.parent != before.parent:
        incident = tickets.get_ticket(after.parent)
        links.link(ticket, incident, links.PARENT, actor, now)
        tickets.add_event(incident, "child_added", actor,
                          f"{ticket.ref} is part of this incident", new=ticket.ref, at=now)
    for ref in after.related:
        if ref not in before.related:
            other = tickets.get_ticket(ref)
            links.link(ticket, other, links.RELATED, actor, now)
            tickets.add_event(other, "related_added", actor, f"linked to {ticket.ref}",
                              new=ticket.ref, at=now)
    _carry_status(ticket, plan, actor, now)


def _merge(duplicate: Ticket, survivor: Ticket, actor: str, now: datetime | None) -> None:
    links.link(duplicate, survivor, links.MERGED, actor, now)
    tickets.add_event(survivor, "merged_in", actor, f"{duplicate.ref} was merged into this "
                      "ticket", new=duplicate.ref, at=now)
    people = [duplicate.reporter, *followers.addresses(duplicate)]
    for person in people:
        if person.email.lower() == survivor.reporter.email.lower():
            continue
        if followers.add(survivor, person, actor, now):
            tickets.add_event(survivor, "follower_added", actor,
                              f"{person.email} came with {duplicate.ref} (merged)",
                              new=person.email, at=now)


def _carry_status(incident: Ticket, plan: Plan, actor: str, now: datetime | None) -> None:
    """An incident's resolution resolves its children, its closing closes them."""
    names = [s.command.name for s in plan.steps if s.command.name in CARRIED]
    if names and plan.after.status == CARRIED[names[-1]]:
        carry(incident, names[-1], actor, now)


def carry(incident: Ticket, command: str, actor: str, now: datetime | None = None) -> list[str]:
    """`command` ("resolve" or "close") done to each child of `incident` that the levels
    table allows it on, with an event naming the incident; returns the children's references.
    Also for whatever else closes an incident (closing it after a quiet period)."""
    carried = []
    for child in links.children(incident):
        try:
            move = levels.transition_for(child.level, child.status, command)
        except InvalidTransition:
            continue  # closed already, or resolved when the incident is resolved again
        tickets.update_ticket(child, now=now, status=move.to_status)
        tickets.add_event(child, command, actor, f"with incident {incident.ref}: "
                          f"{child.status.value} -> {move.to_status.value}",
                          old=child.status.value, new=move.to_status.value, command=command,
                          arguments=f"incident {incident.ref}", at=now)
        carried.append(child.ref)
    return carried


def mail(ctx: Context, ticket: Ticket, plan: Plan, actor: str,
         files: Sequence[tickets.StoredFile] = (),
         message_for: Callable[[Ticket], str] | None = None) -> list[tuple[Ticket, Notice]]:
    """The mail the block's links cause, each with the ticket it belongs to (its thread).
    `message_for`: the block's message as a child's reporter gets it (canned answers filled
    in with the child's fields); None: the plan's message as it is."""
    result: list[tuple[Ticket, Notice]] = []
    if plan.after.merged_into and plan.after.merged_into != plan.before.merged_into:
        survivor = tickets.get_ticket(plan.after.merged_into)
        result.append((ticket, merged_notice(ctx, ticket, survivor)))
    steps = tuple(s for s in plan.steps if s.command.name in FAN_OUT)
    if steps:
        for child in links.children(ticket):
            # A child closed on its own hears no more; one the block closed just now does.
            if child.status != Status.CLOSED or plan.after.status == Status.CLOSED:
                own = replace(plan, body=message_for(child)) if message_for else plan
                result += [(child, n) for n in child_notices(ctx, ticket, child, own, steps,
                                                             actor, files)]
    return result


def merged_notice(ctx: Context, duplicate: Ticket, survivor: Ticket) -> Notice:
    """The duplicate's reporter is told where their report went, in their own thread."""
    in_reply_to, references = notices.reporter_thread(duplicate)
    return Notice(template="reporter_merged", to=duplicate.reporter,
                  language=duplicate.language, ticket_ref=duplicate.ref,
                  context={"ref": duplicate.ref, "subject": duplicate.subject,
                           "reporter_name": duplicate.reporter.name,
                           "survivor_ref": survivor.ref, "survivor_subject": survivor.subject,
                           **handler_context(ctx, survivor)},
                  in_reply_to=in_reply_to, references=references, auto_submitted="no")


def child_notices(ctx: Context, incident: Ticket, child: Ticket, plan: Plan, steps,
                  actor: str, files: Sequence[tickets.StoredFile]) -> list[Notice]:
    """The incident's answer as the child's reporter gets it: the child's own number and
    thread, the incident's holders named as who handles or solved it."""
    child_now = tickets.ticket_by_id(child.id) or child
    own = replace(plan, steps=steps)
    holder = {**handler_context(ctx, incident), **notices.solver_context(ctx, incident, actor),
              "incident_ref": incident.ref}
    tickets.add_event(child_now, "incident_update", actor,
                      f"the answer on incident {incident.ref} went to the reporter: "
                      + ", ".join(s.command.line for s in steps), new=incident.ref)
    return [replace(n, context={**n.context, **holder})
            for n in notices.reporter_notices(ctx, child_now, own, actor, files)]
