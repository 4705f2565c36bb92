"""Writing a plan: the ticket updated once and an event per line, inside the caller's
transaction. An agent's command block and the timers' automatic #escalate are written here
alike; what each then sends is the caller's (`desk.reply`, `desk.auto`).

Each event of a command is structured: its kind and `command` are the command's name,
`arguments` what followed the name, old/new the values of the field the registry names as the
command's primary one. The detail repeats the line and its changes for people (`ldp show`).
A block that takes the ticket out of L0 also writes who keeps the reporter there (the
`l0_keeper` event: old the L0 team, new the L0 agent or nothing), which the permission rules and
the keeper's notices read back (`desk.copies.keeper_of`). Each #tindakan line also writes its
work-log row (`store.worklog`). Recorded rather than derived from the history: the assignee
routing gave a ticket at opening, and the one a #team or #escalate line cleared, are in no
event's structured fields. Likewise a lead's emergency jump writes an `emergency_jump` event
(old and new the levels, arguments the reason), and a move of level of a ticket with a
category a `level_category` event (old the level left, new its category there), so each
level's category stays in the history whatever the next level sets. A #progres line that
changes the stage writes a `stage` event (old and new the stages, `desk.stages`).
"""
from __future__ import annotations

from datetime import datetime

from gateway.desk import registry, stages
from gateway.desk.plan import Plan, is_emergency, l0_keeper
from gateway.desk.state import EMERGENCY_EVENT, KEEPER_EVENT, LEVEL_CATEGORY_EVENT, Step
from gateway.domain import Address, Ticket
from gateway.store import followers, tickets, worklog


def apply_plan(ticket: Ticket, plan: Plan, actor: str, *, message_row: int | None = None,
               now: datetime | None = None) -> Ticket:
    """Write `plan` (which must have no error) for `actor`; returns the ticket as it is now."""
    if not plan.ok:
        raise ValueError(f"{ticket.ref}: a refused plan is never applied")
    changed = tickets.update_ticket(ticket, now=now, **plan.changes) if plan.changes else ticket
    _write_followers(changed, plan, actor, now)
    for action in plan.after.actions[len(plan.before.actions):]:  # the block's #tindakan lines
        worklog.add(changed, agent=action.agent, team=action.team, level=action.level.value,
                    code=action.code, application=action.application, note=action.note,
                    now=now)
    category = plan.before.category  # as the lines above the current one left it
    stage = current_stage(changed) if any(s.command.name == "progress" for s in plan.steps) \
        else None
    for step in plan.steps:
        record(changed, step, actor, message_row, now)
        if step.command.name == "progress":
            new_stage = stages.read(step.command.text or "")[0]
            if new_stage != stage:  # a change of stage: the history the report reads
                tickets.add_event(changed, stages.EVENT, actor,
                                  f"stage {stage or '-'} -> {new_stage}", old=stage,
                                  new=new_stage, message_row=message_row, at=now)
                stage = new_stage
        level = step.change("level")
        if level is not None and category:
            # The level it leaves keeps its category in the history.
            tickets.add_event(changed, LEVEL_CATEGORY_EVENT, actor,
                              f"category at {level.old}: {category}", old=level.old,
                              new=category, message_row=message_row, at=now)
        if step.change("category") is not None:
            category = step.change("category").new
        if level is not None and is_emergency(step.command):
            tickets.add_event(changed, EMERGENCY_EVENT, actor,
                              f"emergency jump {level.old} -> {level.new} by a lead: "
                              f"{step.command.text}", old=level.old, new=level.new,
                              message_row=message_row, arguments=step.command.text, at=now)
    keeper = l0_keeper(plan)
    if keeper is not None:
        tickets.add_event(changed, KEEPER_EVENT, actor,
                          f"left L0: {keeper.agent or 'the team ' + keeper.team} keeps the "
                          "reporter", old=keeper.team, new=keeper.agent,
                          message_row=message_row, at=now)
    return changed


def current_stage(ticket: Ticket) -> str | None:
    """The stage the ticket's last `stage` event set, or None."""
    last = [e for e in tickets.events(ticket) if e.kind == stages.EVENT]
    return last[-1].new_value if last else None


def _write_followers(ticket: Ticket, plan: Plan, actor: str, now: datetime | None) -> None:
    """The followers #follow and #unfollow added and removed (their events are the lines')."""
    before, after = plan.before.followers, plan.after.followers
    for email in before:
        if email not in after:
            followers.remove(ticket, email, actor, now)
    for email in after:
        if email not in before:
            followers.add(ticket, Address(email), actor, now)


def record(ticket: Ticket, step: Step, actor: str, message_row: int | None = None,
           now: datetime | None = None) -> None:
    """One event per line: the line, every field it changed, the primary field's old and new."""
    command = step.command
    row = registry.spec(command.name)
    if row is None or row.flow == registry.Flow.QUERY:
        return  # queries change nothing
    effects = [f"{c.field} {c.old or '-'} -> {c.new or '-'}" for c in step.changes]
    effects += [row.effect] if row.effect else []
    primary = step.change(row.primary)
    arguments = " ".join(a for a in (*command.args, command.text) if a) or None
    tickets.add_event(ticket, command.name, actor,
                      f"{command.line}: {'; '.join(effects)}" if effects else command.line,
                      old=primary.old if primary else None,
                      new=primary.new if primary else None, message_row=message_row,
                      command=command.name, arguments=arguments, at=now)
