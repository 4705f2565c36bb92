"""The reporter's mail to a closed ticket, in the order the pipeline asks (after the reporter's
`#berhenti-ikuti`, which `following` does): first, is it the answer to the satisfaction
question of the closing mail (`parsers.survey`, read strictly; a mail with files is never one)?
Then (the pipeline asks `intake.thanks`) is it a thank-you? Then, was the ticket closed within
`closing.reopen_grace_days`? The pipeline then reopens it (`reopen`) and appends the mail as
any follow-up, or else opens a new ticket linked to it.
"""
from __future__ import annotations

from datetime import timedelta

from gateway.context import Context
from gateway.domain import Disposition, InboundMail, Outcome, Status, Ticket
from gateway.parsers import quoting, survey
from gateway.store import closing as store, surveys, tickets

ANSWER_EVENT = "survey_answer"


def survey_answer(ctx: Context, ticket: Ticket, mail: InboundMail) -> Outcome | None:
    """Store the reporter's answer to the ticket's question; None when the mail is not one
    (or the ticket's reporter was never asked)."""
    asked = surveys.latest(ticket.id)
    if asked is None or mail.attachments:
        return None
    answer = survey.read(quoting.fresh_text(mail.text, mail.html) or mail.text)
    if answer is None:
        return None
    now = ctx.now()
    row = tickets.add_message(ticket, mail, kind=ANSWER_EVENT,
                              attachments_dir=ctx.attachments_dir)
    surveys.answer(asked, answer.score, answer.comment, row, now)
    tickets.add_event(ticket, ANSWER_EVENT, mail.sender.email,
                      f"satisfaction {answer.score} of 4 ({survey.SCALE[answer.score][1]})",
                      new=answer.score, message_row=row, at=now)
    return Outcome(Disposition.FOLLOW_UP, ticket.ref, f"survey answer {answer.score}",
                   mail.dedup_key)


def within_grace(ctx: Context, ticket: Ticket) -> bool:
    """Whether the ticket was closed at most `closing.reopen_grace_days` ago."""
    closed = store.closed_at(ticket.id)
    grace = timedelta(days=ctx.settings.closing.reopen_grace_days)
    return closed is not None and ctx.now() - closed <= grace


def reopen(ctx: Context, ticket: Ticket, mail: InboundMail) -> Ticket:
    """The closed ticket open again, with a `reopened` event (the SLA history reads it)."""
    now = ctx.now()
    opened = tickets.update_ticket(ticket, now=now, status=Status.OPEN)
    tickets.add_event(opened, "reopened", mail.sender.email,
                      f"the reporter replied within {ctx.settings.closing.reopen_grace_days} "
                      "days of the closing", old=Status.CLOSED, new=Status.OPEN, at=now)
    return opened
