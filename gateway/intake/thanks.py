"""A reporter's thanks after a resolution: recorded on the ticket, which stays as it is.

"Terima kasih, sudah bisa" in answer to a resolution used to reopen the ticket and page its
agent, who then had to resolve it again. Like the thank-you detection of hosted help desks, a
reply of the reporter to a resolved or closed ticket that only thanks or confirms
(`parsers.thanks.judge` on its fresh text) is stored with the ticket's messages and named in a
`thanks` event (`ldp tickets show`), and nothing else happens: no reopening, no new ticket, no
notice to any agent, no mail to the reporter (an answer to a thank-you would only invite
another). A reply with any file attached, a question, a negation or anything more is not
thanks, and the caller handles it as before.
"""
from __future__ import annotations

from gateway.context import Context
from gateway.domain import Disposition, InboundMail, Outcome, Status, Ticket
from gateway.parsers import quoting, safetext
from gateway.parsers import thanks as classifier
from gateway.store import tickets

EVENT = "thanks"
AFTER_RESOLUTION = (Status.RESOLVED, Status.CLOSED)
_SHOWN_CHARS = 200  # of the thanks, in the event's detail


def after_resolution(ctx: Context, ticket: Ticket, mail: InboundMail) -> Outcome | None:
    """The reply recorded as thanks when it is the reporter's, to a resolved or closed ticket,
    without files, and only thanks; else None, and nothing is written."""
    if ticket.status not in AFTER_RESOLUTION or mail.sender is None \
            or mail.sender.email != ticket.reporter.email or mail.attachments:
        return None
    fresh = quoting.fresh_text(mail.text, mail.html)
    if not classifier.judge(fresh).thanks_only:
        return None
    row = tickets.add_message(ticket, mail, kind="reply", attachments_dir=ctx.attachments_dir)
    said = safetext.one_line(fresh)[:_SHOWN_CHARS]
    tickets.add_event(ticket, EVENT, mail.sender.email,
                      f"the reporter only thanked or confirmed; the ticket stays "
                      f"{ticket.status.value} and no agent was notified: \"{said}\"",
                      message_row=row)
    return Outcome(Disposition.FOLLOW_UP, ticket.ref,
                   f"thanks recorded, the ticket stays {ticket.status.value}", mail.dedup_key)
