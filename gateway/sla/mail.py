"""`ldp report --mail TO`: the report goes through the outbox like every other mail (the command
then runs the sender), so a failed send is retried by `ldp run`. It is a notice like any other:
the `sla_report` template frames the table, and the HTML page goes with it as a file."""
from __future__ import annotations

from gateway import outgoing
from gateway.compose import make_message_id
from gateway.domain import Address, Notice
from gateway.context import Context
from gateway.sla.render import as_html, as_table, label
from gateway.sla.report import Report
from gateway.store import database


def queue_report(ctx: Context, report: Report, recipient: str) -> str:
    """Put the report mail in the outbox; returns its Message-ID."""
    subject = label("subject", report.language, start=report.start, end=report.end)
    notice = Notice(template="sla_report", to=Address(recipient, ""), language=report.language,
                    context={"subject": subject, "text": as_table(report)},
                    auto_submitted="auto-generated",
                    message_id=make_message_id(ctx.settings.support.domain, "report"),
                    attachments=((f"report-{report.start}-{report.end}.html", "text/html",
                                  as_html(report)),))
    with database.transaction(ctx.db):
        return outgoing.enqueue(ctx, None, notice)
