"""Agent replies as Gmail (Indonesian) and Outlook (English and Indonesian) compose them: the
command block on top, a signature, then the quoted notification, in text and HTML parts."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from html import escape

from tests import mails

# Mail clients fold long headers at spaces; Python's default would turn a long Message-ID into an
# RFC 2047 encoded word, which no client writes.
POLICY = SMTP.clone(max_line_length=998)


def _headers(message: EmailMessage, sender: str, original: bytes, message_id: str,
             prefix: str, extra: dict[str, str] | None = None) -> EmailMessage:
    quoted = mails.parse(original)
    message["From"] = sender
    message["To"] = str(quoted["Reply-To"] or quoted["From"])
    message["Subject"] = f"{prefix}{quoted['Subject']}"
    message["Date"] = "Mon, 02 Nov 2026 17:05:00 +0700"
    message["Message-ID"] = message_id
    message["In-Reply-To"] = quoted["Message-ID"]
    message["References"] = " ".join(r for r in (quoted["References"], quoted["Message-ID"]) if r)
    for name, value in (extra or {}).items():
        message[name] = value
    return message


def _html_lines(text: str) -> str:
    return "".join(f"<div>{escape(line) or '<br>'}</div>" for line in text.split("\n"))


def gmail_reply(sender: str, original: bytes, top: str, signature: str, message_id: str,
                extra: dict[str, str] | None = None) -> bytes:
    """Gmail in Indonesian: "-- " signature, then "Pada ... menulis:" wrapped as Gmail wraps it,
    then the original quoted with "> "."""
    quoted = mails.parse(original)
    name, address = quoted["From"].addresses[0].display_name, quoted["From"].addresses[0].addr_spec
    body = mails.text_of(original).rstrip("\n")
    quote = "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))
    plain = (f"{top}\n\n-- \n{signature}\n\n"
             f"Pada Sen, 2 Nov 2026 pukul 16.20 {name} <\n{address}> menulis:\n\n{quote}\n")
    html = (f'<div dir="ltr">{_html_lines(top)}<br clear="all"><div><br></div>'
            f'<span class="gmail_signature_prefix">-- </span><br>'
            f'<div dir="ltr" class="gmail_signature">{_html_lines(signature)}</div></div><br>'
            f'<div class="gmail_quote"><div dir="ltr" class="gmail_attr">Pada Sen, 2 Nov 2026 '
            f'pukul 16.20 {escape(name)} &lt;<a href="mailto:{address}">{address}</a>&gt; '
            f'menulis:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px '
            f'0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            f'{_html_lines(body)}</blockquote></div>\n')
    message = _headers(EmailMessage(), sender, original, message_id, "Re: ", extra)
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    return message.as_bytes(policy=POLICY)


OUTLOOK_LABELS = {
    "en": ("From", "Sent", "To", "Subject", "Monday, November 2, 2026 5:02 PM"),
    "id": ("Dari", "Dikirim", "Kepada", "Subjek", "Senin, 02 November 2026 17.02"),
}


def outlook_reply(sender: str, original: bytes, top: str, signature: str, message_id: str,
                  language: str = "en", extra: dict[str, str] | None = None) -> bytes:
    """Outlook: signature without a "-- " line, a rule of underscores, a From/Sent/To/Subject
    block (in the client's language) and the original unquoted below it."""
    quoted = mails.parse(original)
    frm, sent, to, subject, date = OUTLOOK_LABELS[language]
    body = mails.text_of(original).rstrip("\n")
    header = (f"{frm}: {quoted['From']}\n{sent}: {date}\n{to}: {quoted['To']}\n"
              f"{subject}: {quoted['Subject']}")
    plain = f"{top}\n\n{signature}\n\n{'_' * 32}\n{header}\n\n{body}\n"
    html = (f'<html><body><div class="WordSection1">'
            + "".join(f'<p class="MsoNormal">{escape(line) or "&nbsp;"}</p>'
                      for line in f"{top}\n\n{signature}".split("\n"))
            + f'</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" '
            f'dir="ltr"><font face="Calibri" style="font-size:11pt"><b>{frm}:</b> '
            f'{escape(str(quoted["From"]))}<br><b>{sent}:</b> {date}<br><b>{to}:</b> '
            f'{escape(str(quoted["To"]))}<br><b>{subject}:</b> {escape(quoted["Subject"])}'
            f'</font><div>&nbsp;</div></div><div>{_html_lines(body)}</div></body></html>\n')
    message = _headers(EmailMessage(), sender, original, message_id, "RE: ",
                       {"Thread-Topic": quoted["Subject"], "Thread-Index": "AdtNabcDEF0123==",
                        "X-MS-Has-Attach": "", "Content-Language": f"{language}-ID",
                        **(extra or {})})
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    return message.as_bytes(policy=POLICY)


class LocalDesk:
    """The pipeline on a real database without the mail servers: the outbox rows are the mail.
    For tests about decisions, where IMAP and SMTP would add time and nothing else."""

    def __init__(self, db_url: str, tmp_path, **sections) -> None:
        from gateway.service import build_context
        from tests.conftest import make_settings
        self.settings = make_settings(tmp_path, db_url, **sections)
        self.ctx = build_context(self.settings, tmp_path)
        self.seen = 0
        self.outcome = None

    def deliver(self, raw: bytes) -> dict[str, list[bytes]]:
        """Process one mail; the mail it put in the outbox, by recipient, in order."""
        from gateway.intake.rounds import handle_raw
        from gateway.store import outbox
        self.last_raw = raw
        self.outcome = handle_raw(raw, self.ctx)
        items = outbox.list_items()[self.seen:]
        self.seen += len(items)
        received: dict[str, list[bytes]] = {}
        for item in items:
            received.setdefault(item.recipient, []).append(item.raw)
        return received

    def report(self, message_id: str = "<CAGx7rina0001@mail.gmail.com>", **kwargs) -> dict:
        """Rina's report: a new ticket and its notifications."""
        return self.deliver(mails.report(message_id=message_id, **kwargs))


def prepend(raw: bytes, *headers: str) -> bytes:
    """Headers added on top, as a receiving server adds its trace and Authentication-Results."""
    return "".join(f"{h}\r\n" for h in headers).encode() + raw
