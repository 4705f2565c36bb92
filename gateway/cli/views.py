"""Tickets, outbox rows and parsed mail as plain dicts (the documented JSON) and as tables.
Tables are for people: their headings and the statuses in them follow the output language
(`messages`); the JSON keeps its documented keys and values."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from gateway.desk.state import categories_by_level
from gateway.domain import InboundMail, MachineVerdict, Ticket
from gateway.text.messages import heading, word
from gateway.parsers.safetext import shown
from gateway.routing import lpse
from gateway.store import followers as follower_store
from gateway.store import links as link_store
from gateway.store import tickets as ticket_store
from gateway.store import worklog


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    # Headers and file names are shown without bidi controls, whenever they were stored.
    return {"ref": ticket.ref, "subject": shown(ticket.subject),
            "reporter": shown(ticket.reporter.email),
            "reporter_name": shown(ticket.reporter.name), "level": ticket.level.value,
            "team": ticket.team, "status": ticket.status.value,
            "priority": ticket.priority.value, "category": ticket.category,
            "assignee": ticket.assignee, "language": ticket.language, "tags": list(ticket.tags),
            "linked": ticket.linked_ref, "application": ticket.application, "lpse": ticket.lpse}


def ticket_full(ticket: Ticket, lpse_list: str = "default") -> dict[str, Any]:
    """A ticket with its followers, its recorded actions (#tindakan), its stages (#progres), its messages (inbound and
    outbound, in time order), its events, and the category it had at each level
    (`categories`, lowest level first)."""
    messages = ticket_store.messages(ticket) + ticket_store.outgoing_messages(ticket)
    messages.sort(key=lambda m: m.created_at)
    events = ticket_store.events(ticket)
    kept = categories_by_level(((e.kind, e.old_value, e.new_value) for e in events),
                               ticket.level, ticket.category)
    entry = lpse.directory(lpse_list).get(ticket.lpse) if ticket.lpse else None
    return {**ticket_summary(ticket), "lpse_name": entry.name if entry else None,
            "categories": [{"level": level.value, "category": name} for level, name in kept],
            "followers": [{"email": shown(f.email), "name": shown(f.name),
                           "added_by": shown(f.added_by), "at": _time(f.added_at)}
                          for f in follower_store.current(ticket)],
            "actions": [{"at": _time(w.at), "agent": w.agent, "team": w.team, "level": w.level,
                         "code": w.code, "application": w.application, "note": shown(w.note)}
                        for w in worklog.of_ticket(ticket.id)],
            "links": ticket_links(ticket),
            # Each change of #progres stage, oldest first (the `stage` events).
            "stages": [{"at": _time(e.at), "agent": e.actor, "from": e.old_value,
                        "stage": e.new_value} for e in events if e.kind == "stage"],
            "messages": [{"direction": m.direction, "visibility": m.visibility, "kind": m.kind,
                          "from": shown(m.author), "subject": shown(m.subject),
                          "text": m.text,
                          "message_id": m.message_id, "at": _time(m.created_at),
                          "attachments": [{"name": shown(n), "size": s,
                                           "content_type": c}
                                          for n, s, c in m.attachments]}
                         for m in messages],
            "events": [{"kind": e.kind, "actor": e.actor, "at": _time(e.at), "detail": e.detail,
                        "old": e.old_value, "new": e.new_value}
                       for e in events]}


def ticket_links(ticket: Ticket) -> dict[str, Any]:
    """What the ticket was merged into and what was merged into it, its incident (parent)
    and its children, and the tickets related to it (#merge, #parent, #related)."""
    links = link_store.of(ticket)
    return {"merged_into": links.merged_into, "merged_from": list(link_store.merged_refs(ticket)),
            "parent": links.parents[0] if links.parents else None,
            "children": list(links.children), "related": list(links.related)}


def parsed_mail(mail: InboundMail, machine: MachineVerdict | None,
                thread: str | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    def address(a):
        return {"email": a.email, "name": a.name}
    return {"message_id": mail.message_id,
            "from": address(mail.sender) if mail.sender else None,
            "to": [address(a) for a in mail.to], "cc": [address(a) for a in mail.cc],
            "subject": mail.subject, "date": mail.date.isoformat() if mail.date else None,
            "in_reply_to": list(mail.in_reply_to), "references": list(mail.references),
            "text": mail.text,
            "attachments": [{"name": a.name, "size": a.size, "content_type": a.content_type}
                            for a in mail.attachments],
            "machine": {"kind": machine.kind, "reason": machine.reason} if machine else None,
            "thread": thread, "defects": list(mail.defects), **(extra or {})}


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain aligned text table, its header in the output language."""
    header = [heading(name) for name in header]
    cells = [[shown(str(c)) if c is not None else "-" for c in row]
             for row in [header, *rows]]
    widths = [min(60, max(len(row[i]) for row in cells)) for i in range(len(header))]
    lines = ["  ".join(c[:60].ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ticket_rows(items: Iterable[Ticket]) -> list[list[object]]:
    return [[t.ref, t.level.value, word("status", t.status), word("priority", t.priority),
             t.team, t.category, word("application", t.application), t.lpse, t.assignee,
             t.reporter.email, t.subject] for t in items]


TICKET_HEADER = ["ref", "level", "status", "priority", "team", "category", "application", "lpse",
                 "assignee", "reporter", "subject"]
