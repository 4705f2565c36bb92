"""`ldp report --mail TO`: the report goes through the outbox like every other mail (the command
then runs the sender), so a failed send is retried by `ldp run`."""
from __future__ import annotations

from gateway.compose import make_message_id
from gateway.domain import OutgoingMail, Visibility
from gateway.pipeline import Context
from gateway.sla.render import as_mail, as_table
from gateway.sla.report import Report
from gateway.store import database, outbox


def queue_report(ctx: Context, report: Report, recipient: str) -> str:
    """Put the report mail in the outbox; returns its Message-ID."""
    support = ctx.settings.support
    message_id = make_message_id(support.domain, "report")
    message = as_mail(report, f"{support.name} <{support.address}>", recipient, message_id)
    mail = OutgoingMail(message_id=message_id, sender=support.address, recipients=(recipient,),
                        subject=str(message["Subject"]), raw=message.as_bytes(),
                        template="sla_report", text=as_table(report),
                        visibility=Visibility.INTERNAL)
    with database.transaction(ctx.db):
        outbox.enqueue(mail, None)
    return message_id
