"""Links between tickets (`ticket_link` table): merged into, child of an incident, related.
The caller holds the transaction and writes the events that say why.

A row (ticket, other, kind) reads: `ticket` was merged into `other` ("merged"), `ticket` is a
child of the incident `other` ("parent"), or the two are related ("related", read both ways).
Any other kind (a reply after closing that opened a new ticket, say) can be kept with `link`
too; the functions here that name a kind only read their own. Links are never removed.
"""
from __future__ import annotations

from datetime import datetime

from gateway.domain import Links, Ticket
from gateway.store import tickets
from gateway.store.database import utcnow
from gateway.store.models import TicketLinkRow, TicketRow

MERGED, PARENT, RELATED = "merged", "parent", "related"
# A chain of merges or parents longer than this is a mistake in the data, not a desk's work:
# reading stops there rather than loop.
MAX_CHAIN = 20


def link(ticket: Ticket, other: Ticket, kind: str, actor: str,
         now: datetime | None = None) -> bool:
    """Link `ticket` to `other` as `kind`; False when that link exists already."""
    if TicketLinkRow.select().where(TicketLinkRow.ticket == ticket.id,
                                    TicketLinkRow.other == other.id,
                                    TicketLinkRow.kind == kind).exists():
        return False
    TicketLinkRow.create(ticket=ticket.id, other=other.id, kind=kind, created_by=actor,
                         created_at=now or utcnow())
    return True


def _others(ticket_id: int, kind: str) -> list[int]:
    """The ids `ticket_id` links to as `kind`, oldest link first."""
    rows = (TicketLinkRow.select(TicketLinkRow.other).where(
        TicketLinkRow.ticket == ticket_id, TicketLinkRow.kind == kind).order_by(TicketLinkRow.id))
    return [r.other_id for r in rows]


def _linking(ticket_id: int, kind: str) -> list[int]:
    """The ids that link to `ticket_id` as `kind`, oldest link first."""
    rows = (TicketLinkRow.select(TicketLinkRow.ticket).where(
        TicketLinkRow.other == ticket_id, TicketLinkRow.kind == kind).order_by(TicketLinkRow.id))
    return [r.ticket_id for r in rows]


def _refs(ids: list[int]) -> tuple[str, ...]:
    if not ids:
        return ()
    by_id = {r.id: r.ref for r in TicketRow.select(TicketRow.id, TicketRow.ref)
             .where(TicketRow.id.in_(ids))}
    return tuple(by_id[i] for i in ids if i in by_id)


def _chain(ticket_id: int, kind: str) -> list[int]:
    """The ids up a chain of `kind` links (merged: each survivor; parent: each incident)."""
    found: list[int] = []
    current = ticket_id
    while len(found) < MAX_CHAIN:
        nxt = _others(current, kind)
        if not nxt or nxt[0] in found or nxt[0] == ticket_id:
            break
        current = nxt[0]
        found.append(current)
    return found


def survivor(ticket: Ticket) -> Ticket:
    """The ticket mail for `ticket` lands on: itself, or the end of its chain of merges."""
    chain = _chain(ticket.id, MERGED)
    return (tickets.ticket_by_id(chain[-1]) or ticket) if chain else ticket


def merged_refs(ticket: Ticket) -> tuple[str, ...]:
    """The references of the tickets merged into `ticket`, directly or through others."""
    ids, todo = [], [ticket.id]
    while todo and len(ids) < MAX_CHAIN * 10:
        fresh = [i for i in _linking(todo.pop(), MERGED) if i not in ids]
        ids += fresh
        todo += fresh
    return _refs(ids)


def children(ticket: Ticket) -> list[Ticket]:
    """The incident's children, oldest link first."""
    return [t for t in (tickets.ticket_by_id(i) for i in _linking(ticket.id, PARENT)) if t]


def of(ticket: Ticket) -> Links:
    """Every link of `ticket` the desk reads (see `domain.Links`)."""
    merged = _others(ticket.id, MERGED)
    related = _others(ticket.id, RELATED) + _linking(ticket.id, RELATED)
    return Links(ticket.ref, ticket.level, ticket.team, ticket.status,
                 merged_into=_refs(merged[:1])[0] if merged else None,
                 parents=_refs(_chain(ticket.id, PARENT)),
                 children=_refs(_linking(ticket.id, PARENT)),
                 related=_refs(list(dict.fromkeys(related))))


def of_ref(ref: str) -> Links | None:
    """The links of the ticket `ref`, or None when there is no such ticket."""
    ticket = tickets.find_ticket(ref)
    return of(ticket) if ticket is not None else None


def absorbed() -> dict[int, int]:
    """Every ticket that is another's child or was merged into another: its id -> the id of
    the ticket that stands for it (its incident, or its survivor). The report counts the
    latter once and the former as affected reports."""
    rows = TicketLinkRow.select(TicketLinkRow.ticket, TicketLinkRow.other).where(
        TicketLinkRow.kind.in_((MERGED, PARENT))).order_by(TicketLinkRow.id)
    result: dict[int, int] = {}
    for row in rows:
        result.setdefault(row.ticket_id, row.other_id)
    return result
