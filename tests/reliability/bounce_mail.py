"""Delivery reports as mail servers write them, built around the Message-ID they report on:
the shapes the reliability tests of bounces, suppressions and machine mail need."""
from __future__ import annotations

from gateway.store.database import insert, utcnow
from gateway.store.models import OutboxRow


def dsn(recipient: str, *, returned_id: str | None = None, where: str = "headers",
        action: str = "failed", status: str = "5.1.1", sender: str = "MAILER-DAEMON@mx.example",
        message_id: str = "<dsn-1@mx.example>") -> bytes:
    """An RFC 3464 report on mail to `recipient`. `where` the bounced Message-ID sits: in the
    returned "headers" (text/rfc822-headers), a returned "message" (message/rfc822), or the
    report's own "in-reply-to" or "references" header."""
    threading = ""
    if returned_id and where == "in-reply-to":
        threading = f"In-Reply-To: {returned_id}\r\n"
    elif returned_id and where == "references":
        threading = f"References: <older@mx.example> {returned_id}\r\n"
    returned = ""
    if where in ("headers", "message"):
        kind = "text/rfc822-headers" if where == "headers" else "message/rfc822"
        id_line = f"Message-ID: {returned_id}\r\n" if returned_id else ""
        body = "" if where == "headers" else "Terima kasih, laporan Anda kami terima.\r\n"
        returned = (f"--B\r\nContent-Type: {kind}\r\n\r\nFrom: helpdesk@lpse.example\r\n"
                    f"To: {recipient}\r\n{id_line}Subject: [LDP-000001] Laporan diterima\r\n"
                    f"\r\n{body}")
    return (f"From: Mail Delivery System <{sender}>\r\nTo: helpdesk@lpse.example\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: {message_id}\r\n"
            f"{threading}Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
            "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example"
            f"\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: {action}\r\n"
            f"Status: {status}\r\n\r\n{returned}--B--\r\n").encode()


def plain_bounce(recipient: str, in_reply_to: str | None = None) -> bytes:
    """An old-style plain-text notice from the mail system, naming `recipient`."""
    threading = f"In-Reply-To: {in_reply_to}\r\n" if in_reply_to else ""
    return (f"From: MAILER-DAEMON@mx.example\r\nTo: helpdesk@lpse.example\r\n"
            f"Subject: failure notice\r\nMessage-ID: <plain-1@mx.example>\r\n{threading}\r\n"
            f"Hi. This is the qmail-send program at mx.example.\r\nI'm afraid I wasn't able to "
            f"deliver your message to the following addresses.\r\nThis is a permanent error; "
            f"I've given up. Sorry it didn't work out.\r\n\r\n<{recipient}>:\r\n"
            f"Sorry, no mailbox here by that name. (#5.1.1)\r\n").encode()


def sent_mail(message_id: str, *recipients: str) -> None:
    """An outbox row: mail of ours to `recipients` under `message_id`, already sent."""
    now = utcnow()
    insert(OutboxRow, message_id=message_id, template="reporter_ack",
           sender="helpdesk@lpse.example", recipient=", ".join(r.lower() for r in recipients),
           subject="x", visibility="public", text="", raw=b"x", status="sent", attempts=1,
           next_attempt_at=now, last_error="", created_at=now, sent_at=now)
