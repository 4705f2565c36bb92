"""Followers at intake: the people a report copies become its ticket's followers, and the one
line a reporter or a follower may write to make someone stop following.

Nothing else a reporter or a follower writes acts: the line is parsed on its own
(`parsers.followers.unfollow_line`), never by the agents' command parser, and only two
requests are honoured: the reporter removing any follower, a follower removing themselves."""
from __future__ import annotations

from gateway import outgoing
from gateway.context import Context
from gateway.domain import (Address, Disposition, InboundMail, Notice, Outcome, Ticket,
                            Visibility)
from gateway.parsers import followers as parse_followers
from gateway.parsers import quoting
from gateway.store import followers, tickets

CONFIRMATION = "follow_stopped"


def desk_addresses(ctx: Context) -> set[str]:
    """Addresses that are the desk itself or its agents, never followers."""
    settings = ctx.settings
    own = {settings.support.address.lower(), *(a.email.lower() for a in settings.agents)}
    if "@" in settings.imap.username:
        own.add(settings.imap.username.lower())
    return own


def from_report(ctx: Context, ticket: Ticket, mail: InboundMail, message_row: int) -> None:
    """The report's To and Cc, less the desk, the agents and the reporter, become followers
    (at most parsers.followers.MAX_FOLLOWERS; the rest is named in an event, not mailed)."""
    chosen = parse_followers.from_report(
        mail.to, mail.cc, excluded={*desk_addresses(ctx), ticket.reporter.email.lower()},
        desk=ctx.settings.support.address)
    for address in chosen.followers:
        followers.add(ticket, address, ticket.reporter.email)
        tickets.add_event(ticket, "follower_added", ticket.reporter.email,
                          f"{address.email} was copied on the report: a follower",
                          new=address.email, message_row=message_row)
    if chosen.left_out_count:
        shown = ", ".join(chosen.left_out)
        more = chosen.left_out_count - len(chosen.left_out)
        tickets.add_event(ticket, "followers_capped", "gateway",
                          f"{chosen.left_out_count} more addresses copied on the report are not "
                          f"followers (at most {parse_followers.MAX_FOLLOWERS}): {shown}"
                          + (f" and {more} more" if more else ""),
                          new=str(chosen.left_out_count), message_row=message_row)


def is_follower(ticket: Ticket, email: str) -> bool:
    return followers.is_following(ticket, email)


def unfollow_request(ctx: Context, ticket: Ticket, mail: InboundMail) -> Outcome | None:
    """`#berhenti-ikuti [address]` on the first line of a reporter's or a follower's reply:
    done, stored and confirmed to the writer; None when the mail asks nothing of the kind, or
    asks what its writer may not (an event says so, and the mail is an ordinary follow-up)."""
    request = parse_followers.unfollow_line(quoting.fresh_text(mail.text, mail.html) or "")
    if request is None:
        return None
    writer = followers.key(mail.sender.email)
    reporter = writer == followers.key(ticket.reporter.email)
    target = request.email if request.email is not None else (None if reporter else writer)
    if not request.valid or target is None:
        why = "no follower named"
    elif not followers.is_following(ticket, target):
        why = f"{target} is not a follower"
    elif not reporter and target != writer:
        why = "a follower may remove only themselves"
    else:
        why = ""
    if why:
        tickets.add_event(ticket, "unfollow_refused", writer,
                          f"{writer} asked to stop a follower, not done: {why}", new=target)
        return None
    row = tickets.add_message(ticket, mail, kind="unfollow", visibility=Visibility.INTERNAL,
                              attachments_dir=ctx.attachments_dir)
    followers.remove(ticket, target, writer)
    tickets.add_event(ticket, "follower_removed", writer,
                      f"{target} no longer follows the ticket (asked by "
                      f"{'the reporter' if reporter else 'the follower'})",
                      old=target, message_row=row)
    outgoing.enqueue(ctx, ticket, confirmation(ticket, mail, target, self_removed=not reporter),
                     auto=True)
    return Outcome(Disposition.FOLLOW_UP, ticket.ref, f"{target} unfollowed by {writer}",
                   mail.dedup_key)


def confirmation(ticket: Ticket, mail: InboundMail, removed: str, self_removed: bool) -> Notice:
    """The short mail to whoever asked, in the ticket's language, threaded under their mail."""
    return Notice(template=CONFIRMATION, to=Address(mail.sender.email, mail.sender.name),
                  language=ticket.language,
                  context={"ref": ticket.ref, "subject": ticket.subject, "removed": removed,
                           "self_removed": self_removed, "name": mail.sender.name},
                  ticket_ref=ticket.ref, in_reply_to=mail.message_id,
                  references=tuple(r for r in (*mail.references, mail.message_id) if r))
