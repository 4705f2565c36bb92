"""The satisfaction questions asked (`survey` table) and their answers; the caller holds the
transaction. A comment is the reporter's text, stored as it was read (`parsers.survey`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain import Ticket
from gateway.store import database
from gateway.store.models import SurveyRow, TicketRow


@dataclass(frozen=True)
class AnswerView:
    ref: str
    team: str
    level: str
    score: int
    comment: str
    answered_at: datetime


def asked_since(reporter: str, since: datetime) -> bool:
    """Whether the reporter was asked the question at or after `since`."""
    return SurveyRow.select().where(SurveyRow.reporter == reporter.lower(),
                                    SurveyRow.asked_at >= since).exists()


def ask(ticket: Ticket, now: datetime) -> int:
    """Record the question asked of the reporter, for the ticket's team and level (those that
    resolved it: a resolved ticket stays where it was resolved)."""
    return database.insert(SurveyRow, ticket=ticket.id, reporter=ticket.reporter.email.lower(),
                           team=ticket.team, level=ticket.level.value, asked_at=now)


def latest(ticket_id: int) -> int | None:
    """The id of the ticket's latest question, or None when it was never asked."""
    row = (SurveyRow.select(SurveyRow.id).where(SurveyRow.ticket == ticket_id)
           .order_by(SurveyRow.asked_at.desc(), SurveyRow.id.desc()).first())
    return row.id if row else None


def answer(survey_id: int, score: int, comment: str, message_row: int | None,
           now: datetime) -> None:
    """Store an answer; a second answer to the same question replaces the first."""
    SurveyRow.update(score=score, comment=comment, message=message_row, answered_at=now) \
        .where(SurveyRow.id == survey_id).execute()


def answered_between(begin: datetime, end: datetime) -> list[AnswerView]:
    """The answers given in [begin, end), oldest first."""
    rows = (SurveyRow.select(SurveyRow, TicketRow.ref).join(TicketRow)
            .where(SurveyRow.answered_at >= begin, SurveyRow.answered_at < end,
                   SurveyRow.score.is_null(False))
            .order_by(SurveyRow.answered_at, SurveyRow.id))
    return [AnswerView(row.ticket.ref, row.team, row.level, row.score, row.comment or "",
                       row.answered_at) for row in rows]
