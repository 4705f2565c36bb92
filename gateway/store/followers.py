"""A ticket's followers: who gets the reporter's mail as Cc. The caller holds the transaction
and writes the event that says why a follower came or went.

A follower who leaves keeps the row, marked removed; following again adds a new row, so the
table is the history and `current` reads only the rows not removed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain import Address, Ticket
from gateway.parsers.addresses import transport_form
from gateway.store.database import utcnow
from gateway.store.models import FollowerRow


@dataclass(frozen=True)
class Follower:
    email: str
    name: str
    added_by: str
    added_at: datetime


def current(ticket: Ticket) -> list[Follower]:
    """The ticket's followers now, in the order they came."""
    rows = (FollowerRow.select().where(FollowerRow.ticket == ticket.id,
                                       FollowerRow.removed_at.is_null())
            .order_by(FollowerRow.id))
    return [Follower(r.email, r.name, r.added_by, r.added_at) for r in rows]


def addresses(ticket: Ticket) -> tuple[Address, ...]:
    return tuple(Address(f.email, f.name) for f in current(ticket))


def key(email: str) -> str:
    """How a follower's address is kept and compared: lower case, an internationalised
    domain in its ASCII form (as the mail to it is sent), so rina@bücher.example and
    rina@xn--bcher-kva.example are one follower."""
    return (transport_form(email.strip()) or email.strip()).lower()


def is_following(ticket: Ticket, email: str) -> bool:
    return FollowerRow.select().where(FollowerRow.ticket == ticket.id,
                                      FollowerRow.email == key(email),
                                      FollowerRow.removed_at.is_null()).exists()


def add(ticket: Ticket, address: Address, added_by: str, now: datetime | None = None) -> bool:
    """Make `address` a follower; False when it follows already."""
    email = key(address.email)
    if is_following(ticket, email):
        return False
    FollowerRow.create(ticket=ticket.id, email=email, name=address.name[:200],
                       added_by=added_by, added_at=now or utcnow())
    return True


def remove(ticket: Ticket, email: str, removed_by: str, now: datetime | None = None) -> bool:
    """Stop `email` following; False when it was not following."""
    return bool(FollowerRow.update(removed_by=removed_by, removed_at=now or utcnow()).where(
        FollowerRow.ticket == ticket.id, FollowerRow.email == key(email),
        FollowerRow.removed_at.is_null()).execute())
