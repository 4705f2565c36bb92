"""Followers, the pure parts: which addresses of a report become its ticket's followers, and
the one line a reporter or a follower may write to stop someone following.

Every address comes from a hostile header: each must be a plain address plain SMTP carries
(an internationalised domain in its ASCII form), and a report names at most MAX_FOLLOWERS of
them, so a mail with 5,000 Cc addresses makes ten followers, not 5,000 mails."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from gateway.domain import Address
from gateway.parsers.addresses import ADDR_SPEC, MAX_ADDRESS_CHARS, transport_form

MAX_FOLLOWERS = 10  # followers of one ticket, from the report and #follow together
# Mailboxes no person reads: copying them would only bring bounces and auto-replies back.
_ROLE_LOCALS = frozenset({"postmaster", "mailer-daemon", "noreply", "no-reply", "donotreply",
                          "do-not-reply", "abuse"})
# The only thing a reporter or a follower can make the desk do: the word, then at most one
# address. Both languages' words, any case.
_UNFOLLOW = re.compile(r"#(berhenti-ikuti|unfollow)(?:[ \t]+<?(\S+?)>?)?[ \t]*", re.I)


@dataclass(frozen=True)
class Chosen:
    followers: tuple[Address, ...]
    left_out: tuple[str, ...]  # addresses past the cap, as many as MAX_FOLLOWERS listed
    left_out_count: int  # how many were past the cap in all


def plain_email(email: str) -> str | None:
    """The address as a follower's: lower case, in the form plain SMTP carries, with nothing
    that could split a list of addresses (quotes, commas, spaces); else None."""
    email = (email or "").strip().lower()
    if not email or len(email) > MAX_ADDRESS_CHARS or any(c in email for c in '",;<> \t'):
        return None
    if ADDR_SPEC.fullmatch(email) is None:
        return None
    carried = transport_form(email)
    return carried.lower() if carried else None


def is_role_address(email: str) -> bool:
    return email.partition("@")[0].lower() in _ROLE_LOCALS


def is_desk_alias(email: str, desk: str) -> bool:
    """`email` is the desk's address or a subaddress of it (helpdesk+lpse@...): our own
    mailbox, which must never be a follower."""
    local, _, domain = email.lower().rpartition("@")
    desk_local, _, desk_domain = desk.lower().rpartition("@")
    return bool(desk_local) and domain == desk_domain and local.split("+")[0] == desk_local


def from_report(to: Iterable[Address], cc: Iterable[Address], *, excluded: Iterable[str],
                desk: str = "", limit: int = MAX_FOLLOWERS) -> Chosen:
    """The report's To and Cc addresses that become followers, in order, without `excluded`
    (the desk's own addresses, the reporter, the agents), the `desk` address's subaddresses
    and role mailboxes, at most `limit`."""
    # Each excluded address in both spellings: the reporter's may have a Unicode domain.
    skip = {form for e in excluded for form in (e.lower(), plain_email(e)) if form}
    chosen: dict[str, Address] = {}
    left: list[str] = []
    left_count = 0
    for address in (*to, *cc):
        email = plain_email(address.email)
        if email is None or email in skip or email in chosen or is_role_address(email) \
                or is_desk_alias(email, desk):
            continue
        if len(chosen) < limit:
            chosen[email] = Address(email, address.name)
        elif email not in left:
            left_count += 1
            if len(left) < limit:
                left.append(email)
    return Chosen(tuple(chosen.values()), tuple(left), left_count)


@dataclass(frozen=True)
class Unfollow:
    """`#berhenti-ikuti [address]` at the top of a reply: whom it names (None: the writer)."""

    email: str | None
    valid: bool = True


def unfollow_line(fresh_text: str) -> Unfollow | None:
    """The unfollow request on the first non-blank line of a reply's fresh text, or None.
    Only the whole line counts: the word and at most one address, nothing else."""
    for line in fresh_text.replace("\r", "\n").split("\n"):
        if not line.strip():
            continue
        match = _UNFOLLOW.fullmatch(line.strip())
        if match is None:
            return None
        if match.group(2) is None:
            return Unfollow(None)
        email = plain_email(match.group(2).removeprefix("mailto:"))
        return Unfollow(email, valid=email is not None)
    return None
