"""`process(raw, ctx) -> Outcome`: every decision for one inbound message, in one transaction.

Parse, drop duplicates, record machine mail, find the ticket, then open a ticket, hand an
agent's reply to the desk (`desk.reply.handle_reply`), or append a follow-up; every notice it
causes is rendered into the outbox inside the same transaction, so a crash anywhere replays the
message and the duplicate check absorbs the replay.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from gateway.intake import bounce_trust, closed, flood, following, thanks
from gateway import excerpt, failures, outgoing
from gateway.outgoing import loops
from gateway import config as config_module
from gateway.context import Context
from gateway.desk import copies as desk_copies
from gateway.desk import help_request as desk_help
from gateway.desk import notices as desk_notices
from gateway.desk import reply as desk_reply
from gateway.domain import (Address, Disposition, InboundMail, Level, MachineVerdict, Notice,
                            Outcome, Precomputed, RoutingDecision, Status, Ticket,
                            Visibility)
from gateway.errors import DuplicateMessage, MalformedMail
from gateway.parsers import autoreply, bounce, mime, quoting, threading
from gateway.routing import chain
from gateway.store import database, guards, links, mailbox, tickets

__all__ = ["Context", "classify", "classify_arguments", "default_team", "process",
           "refuse_too_large", "route"]
REOPEN_ON_REPLY = (Status.PENDING, Status.RESOLVED)
FOLLOW_UP_LINK = "follow_up"  # `store.links` kind: this new ticket follows up that closed one


def process(raw: bytes, ctx: Context, *, source: str = "", uid: int | None = None,
            parse: Callable[[bytes], InboundMail] | None = None,
            known: Precomputed | None = None) -> Outcome:
    """Store one raw message; raises TemporaryFailure when it should be tried again later.
    `parse` and `known` may hand over a mail parsed, classified and routed elsewhere (the
    parse worker)."""
    try:
        mail = (parse or mime.parse)(raw)
        with database.transaction(ctx.db):
            return _process_mail(mail, ctx, known)
    except (MalformedMail, DuplicateMessage) as exc:
        if failures.for_message(exc) is failures.Action.DUPLICATE:
            return Outcome(Disposition.DUPLICATE, message_key=mail.dedup_key,
                           detail="stored concurrently by another transaction")
        with database.transaction(ctx.db):
            item = mailbox.quarantine(raw, str(exc), source, uid)
        return Outcome(Disposition.QUARANTINED, detail=f"quarantine #{item}: {exc}")


def classify(mail: InboundMail, settings: config_module.Settings) -> MachineVerdict | None:
    """Machine mail never to be answered (see autoreply.classify), with this desk's address."""
    return autoreply.classify(mail, **classify_arguments(settings))


def classify_arguments(settings: config_module.Settings) -> dict[str, Any]:
    """What autoreply.classify is told of this desk, here and in the parse worker alike."""
    return {"own_domains": (settings.support.domain,), "loop_marker": settings.support.address}


def _process_mail(mail: InboundMail, ctx: Context, known: Precomputed | None = None) -> Outcome:
    if tickets.message_seen(mail.dedup_key):
        return Outcome(Disposition.DUPLICATE, message_key=mail.dedup_key, detail="seen before")
    settings = ctx.settings
    verdict = known.verdict if known is not None else classify(mail, settings)
    verdict = bounce_trust.reconsider(mail, verdict, settings, classify_arguments(settings))
    if verdict is not None:
        return _machine_mail(mail, verdict, ctx)
    if mail.sender is None:
        # Nobody to acknowledge and nobody to thread by: a person must look at it.
        raise MalformedMail("no sender address in From")
    loops.lift_on_contact(mail.sender.email)
    decision = known.decision if known is not None else None
    ticket = _find_ticket(mail, ctx)
    if ticket is None:
        # An agent's proven #help outside any ticket is answered, never a ticket.
        return desk_help.answer(mail, ctx) or _new_ticket(mail, ctx, decision=decision)
    if settings.agent(mail.sender.email):
        return desk_reply.handle_reply(mail, ticket, ctx)
    if ticket.status == Status.CLOSED and mail.sender.email == ticket.reporter.email:
        # Stopping a follower's copies is no new report, nor is a thank-you.
        return following.unfollow_request(ctx, ticket, mail) or \
            _reply_to_closed(mail, ticket, ctx, decision)
    return _follow_up(mail, ticket, ctx)


def _reply_to_closed(mail: InboundMail, ticket: Ticket, ctx: Context,
                     decision: RoutingDecision | None) -> Outcome:
    """The reporter's mail to a closed ticket (`intake.closed`): the answer to the closing
    mail's question is stored ("4 terima kasih" is a score before it is thanks); a thank-you
    is recorded (`intake.thanks`); anything else reopens the ticket within the grace period,
    later it is a new ticket linked to the old one."""
    answered = closed.survey_answer(ctx, ticket, mail) or \
        thanks.after_resolution(ctx, ticket, mail)
    if answered is not None:
        return answered
    if closed.within_grace(ctx, ticket):
        return _follow_up(mail, closed.reopen(ctx, ticket, mail), ctx)
    return _new_ticket(mail, ctx, linked=ticket, decision=decision)


def _machine_mail(mail: InboundMail, verdict, ctx: Context) -> Outcome:
    """Record machine mail, on its ticket when it names one; it is never answered."""
    ticket = _find_ticket(mail, ctx)
    if ticket is None and verdict.kind == "bounce":
        reported = bounce.bounced_message_id(mail)
        ticket = tickets.ticket_for_message_ids((reported,)) if reported else None
    row = tickets.add_message(ticket, mail, kind=f"machine:{verdict.kind}",
                              visibility=Visibility.INTERNAL)
    loops.record_bounce(ctx.settings, mail, verdict, ticket)
    detail = f"{verdict.kind}: {verdict.reason}"
    if ticket is not None:
        actor = mail.sender.email if mail.sender else "mailer-daemon"
        tickets.add_event(ticket, "machine_mail", actor, detail, message_row=row)
    return Outcome(Disposition.MACHINE, ticket.ref if ticket else None, detail, mail.dedup_key)


def _find_ticket(mail: InboundMail, ctx: Context) -> Ticket | None:
    """The ticket the mail answers; for a duplicate merged into another, the survivor (its
    old notices, its number in the subject, its reporter's quotes all land there)."""
    ticket = _thread_ticket(mail, ctx)
    return links.survivor(ticket) if ticket is not None else None


def _thread_ticket(mail: InboundMail, ctx: Context) -> Ticket | None:
    ticket = tickets.ticket_for_message_ids(threading.referenced_ids(mail))
    if ticket is not None:
        return ticket
    ref = threading.subject_ref(mail.subject, ctx.settings.support.ticket_prefix)
    if ref is None or mail.sender is None:
        return None
    ticket = tickets.find_ticket(ref)
    # A bare subject tag is easy to type: it only counts for the reporter, a follower or an
    # agent.
    if ticket and (mail.sender.email == ticket.reporter.email
                   or ctx.settings.agent(mail.sender.email)
                   or following.is_follower(ticket, mail.sender.email)):
        return ticket
    return None


def default_team(settings: config_module.Settings) -> str:
    if settings.routing.default_team:
        return settings.routing.default_team
    teams = settings.teams_at(Level.L0)
    if not teams:  # every new ticket starts at L0: without a team there it has nowhere to go
        raise config_module.ConfigError(f"{settings.source}: no team at level L0: add a "
                                        "[[teams]] with level = \"L0\" or set "
                                        "routing.default_team")
    return teams[0].id


def route(mail: InboundMail, ctx: Context) -> RoutingDecision:
    return chain.route(ctx.rules, mail, default_team=default_team(ctx.settings))


def _new_ticket(mail: InboundMail, ctx: Context, linked: Ticket | None = None,
                decision: RoutingDecision | None = None) -> Outcome:
    settings = ctx.settings
    decision = decision or route(mail, ctx)
    if decision.drop:
        tickets.add_message(None, mail, kind="dropped", visibility=Visibility.INTERNAL)
        return Outcome(Disposition.DROPPED, detail=f"dropped by {', '.join(decision.matched)}",
                       message_key=mail.dedup_key)
    held = flood.over_cap(settings, mail)
    if held is not None:
        return Outcome(Disposition.HELD, detail=f"quarantine #{flood.hold(mail, held)}: {held}",
                       message_key=mail.dedup_key)
    language = decision.language or settings.support.language
    ticket = tickets.open_ticket(mail, decision, prefix=settings.support.ticket_prefix,
                                 language=language, linked=linked)
    row = tickets.add_message(ticket, mail, kind="report", attachments_dir=ctx.attachments_dir)
    tickets.add_event(ticket, "created", mail.sender.email,
                      f"new ticket at {Level.L0} for team {ticket.team}", message_row=row)
    tickets.add_event(ticket, "routed", "router", _routing_detail(decision),
                      new=decision.team, message_row=row)
    following.from_report(ctx, ticket, mail, row)
    if linked is not None:
        tickets.add_event(ticket, "linked", mail.sender.email,
                          f"reply to closed ticket {linked.ref}", new=linked.ref)
        tickets.add_event(linked, "follow_up_ticket", mail.sender.email,
                          f"reply opened {ticket.ref}", new=ticket.ref)
        # Beside `linked_ticket_id`, in the table of links (read both ways, never removed).
        links.link(ticket, linked, FOLLOW_UP_LINK, mail.sender.email)
    # A reply to a closed ticket: the acknowledgement names the old ticket (`linked_ref`).
    extra = {**outgoing.handler_context(ctx, ticket), "linked_ref": ticket.linked_ref}
    outgoing.enqueue(ctx, ticket, reporter_notice(ticket, mail, "reporter_ack", extra),
                     auto=True)
    for notice in (*desk_notices.team_notices(ticket, mail, ctx, "agent_new_ticket"),
                   *desk_copies.partner_notices(ctx, ticket, "new", mail=mail)):
        outgoing.enqueue(ctx, ticket, notice)
    return Outcome(Disposition.NEW_TICKET, ticket.ref, f"team {ticket.team}", mail.dedup_key)


def _routing_detail(decision: RoutingDecision) -> str:
    matched = ", ".join(decision.matched) or "no rule matched: default team"
    tried = ", ".join(decision.tried) or "none"
    return (f"matched: {matched}; tried: {tried}; team={decision.team} "
            f"category={decision.category or '-'} priority={decision.priority} "
            f"application={decision.application or '-'} lpse={decision.lpse or '-'}")


def _follow_up(mail: InboundMail, ticket: Ticket, ctx: Context) -> Outcome:
    from_reporter = mail.sender.email == ticket.reporter.email
    from_follower = not from_reporter and following.is_follower(ticket, mail.sender.email)
    if from_reporter or from_follower:
        # The one line either may write that acts: `#berhenti-ikuti [address]`; and the
        # reporter's thanks after a resolution, which reopens nothing.
        done = following.unfollow_request(ctx, ticket, mail) or \
            thanks.after_resolution(ctx, ticket, mail)
        if done is not None:
            return done
    row = tickets.add_message(ticket, mail, kind="reply", attachments_dir=ctx.attachments_dir)
    tickets.add_event(ticket, "reply", mail.sender.email,
                      "reporter replied" if from_reporter else "a follower replied"
                      if from_follower else "reply from a third party", message_row=row)
    if from_reporter and ticket.status in REOPEN_ON_REPLY:
        old = ticket.status
        ticket = tickets.update_ticket(ticket, status=Status.OPEN)
        tickets.add_event(ticket, "reopened", mail.sender.email,
                          "the reporter replied", old=old, new=Status.OPEN, message_row=row)
    # The assignee (else the acting agents) and, above L0, the keeper of the reporter.
    recipients = desk_copies.follow_up_agents(ctx, ticket)
    # Colleagues get what is new in the reply, and the internal notes kept so far.
    extra = {"text": quoting.fresh_text(mail.text, mail.html) or mail.text,
             "author": str(mail.sender), "notes": internal_notes(ticket),
             # Labelled by who wrote it: a colleague in Cc is not the reporter. Only the
             # reporter's reply reopens: a follower's remark on a resolved ticket is shown to
             # the assignee, who decides.
             "from_reporter": from_reporter, "from_follower": from_follower,
             "author_email": mail.sender.email}
    for notice in desk_notices.team_notices(ticket, mail, ctx, "agent_follow_up", extra,
                                            only=recipients):
        outgoing.enqueue(ctx, ticket, notice)
    return Outcome(Disposition.FOLLOW_UP, ticket.ref, "appended", mail.dedup_key)


def reporter_notice(ticket: Ticket, mail: InboundMail | None, template: str,
                    extra: dict[str, Any], ctx: Context | None = None) -> Notice:
    """A mail to the reporter, threaded under their own message."""
    context = {"ref": ticket.ref, "subject": ticket.subject, "status": ticket.status.value,
               "reporter_name": ticket.reporter.name, **extra}
    references = (*mail.references, mail.message_id) if mail and mail.message_id else ()
    return Notice(template=template, to=ticket.reporter, language=ticket.language,
                  context=context, ticket_ref=ticket.ref,
                  in_reply_to=mail.message_id if mail else None,
                  references=tuple(r for r in references if r))


def internal_notes(ticket: Ticket, limit: int = 5) -> list[dict[str, str]]:
    """The latest internal notes of agents on a ticket, oldest first (each a bounded excerpt)."""
    return excerpt.shared([{"author": str(Address(email, name)), "text": text.strip() or "-"}
                           for name, email, text in tickets.latest_notes(ticket, limit)])


human_size = excerpt.human_size


def refuse_too_large(ctx: Context, header: bytes, size: int, limit: int) -> str | None:
    """A polite reply to the sender of a message too large to take, at most one a day per
    sender, within the loop caps. Returns the reply's Message-ID, or None when none is due."""
    try:
        mail = mime.parse(header.rstrip(b"\r\n") + b"\r\n\r\n")
    except MalformedMail:
        return None
    if mail.sender is None or classify(mail, ctx.settings) is not None:
        return None
    since = database.utcnow() - timedelta(days=1)
    if guards.automatic_mail_count(mail.sender.email, ("reporter_too_large",), since):
        return None
    notice = Notice(template="reporter_too_large", to=mail.sender,
                    language=ctx.settings.support.language,
                    context={"subject": mail.subject, "reporter_name": mail.sender.name,
                             "size": human_size(size), "limit": human_size(limit)},
                    in_reply_to=mail.message_id,
                    references=(mail.message_id,) if mail.message_id else ())
    return outgoing.enqueue(ctx, None, notice, auto=True)
