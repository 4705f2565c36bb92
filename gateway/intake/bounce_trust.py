"""Whether a mail that reads like a bounce is one, now that we know who sent it.

People who write to this desk about mail that did not arrive use the words bounces use
("tidak terkirim", "returned", "undeliverable"). The pure classifier (`parsers.bounce`) cannot
know the sender; here we can. A mail that carries a valid reply token, comes from an agent or
from the reporter or a follower of the ticket it names, or answers one of our messages, is a
bounce only with the structure of a delivery report (`bounce.has_report_structure`), never by
wording.
"""
from __future__ import annotations

from gateway.config import Settings
from gateway.domain import InboundMail, MachineVerdict
from gateway.parsers import auth, autoreply, bounce, threading
from gateway.store import followers, tickets


def reconsider(mail: InboundMail, verdict: MachineVerdict | None, settings: Settings,
               arguments: dict) -> MachineVerdict | None:
    """The verdict again without the bounce, when a person we know wrote a mail that only
    reads like one; otherwise the verdict unchanged. `arguments` are classify's."""
    if verdict is None or verdict.kind != "bounce" or not _known_person(mail, settings):
        return verdict
    if bounce.has_report_structure(mail):
        return verdict
    return autoreply.classify(mail, **arguments, bounces=False)


def _known_person(mail: InboundMail, settings: Settings) -> bool:
    if mail.sender is None:
        return False
    email = mail.sender.email
    if settings.agent(email) or _valid_token(mail, settings):
        return True
    ids = threading.referenced_ids(mail)
    ticket = tickets.ticket_for_message_ids(ids) if ids else None
    if ticket is not None:  # it answers one of our messages, or the reporter's
        return True
    ref = threading.subject_ref(mail.subject, settings.support.ticket_prefix)
    ticket = tickets.find_ticket(ref) if ref else None
    return ticket is not None and (ticket.reporter.email == email
                                   or followers.is_following(ticket, email))


def _valid_token(mail: InboundMail, settings: Settings) -> bool:
    """A reply token we minted for this sender, on any ticket."""
    secret, domain = settings.security.secret, settings.support.domain
    for message_id in threading.referenced_ids(mail)[:50]:
        token = auth.parse_token_id(message_id)
        if token is not None and auth.token_matches(
                message_id, secret=secret, domain=domain, ref=token.ref,
                email=mail.sender.email):
            return True
    return False
