"""The wording of bounces: what non-standard delivery-failure notices say and where they say it.

Used by `bounce` for the formats without an RFC 3464 report (qmail, Exim, Exchange, GroupWise,
Yahoo, AOL, Lotus Notes, free text in English and Indonesian): is this a failure notice, where does
the notice end and the returned message begin, which addresses it names, and is it final.
"""
from __future__ import annotations

import html
import re

MAX_LINES = 400  # a notice is a few dozen lines; the rest is the returned message

# A practical address: no quoted local parts, no "=" or "/" (so "SMTP=user@x" yields user@x),
# a dotted domain; it cannot start inside a longer token, so "david...@gmail.com" is no address.
ADDR_RE = re.compile(r"(?<![\w.%+-])[\w%+-]+(?:\.[\w%+-]+)*"
                     r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
                     r"(?![\w-])(?!\.[a-z0-9])", re.I | re.ASCII)
SUBJECT_RE = re.compile(
    r"undeliver|returned mail|mail delivery (?:failed|failure|problem|warning)|"
    r"delivery (?:status notification|failure|failed|notification|report|problem|has failed)|"
    r"failure (?:notice|delivery)|non[- ]?delivery|nondeliverable|could not be delivered|"
    r"not delivered|mail error|message delayed|delayed mail|failed mail|rejected mail|"
    r"returned to sender|mail system error|delivery status|"
    # Indonesian (Outlook's "Tidak terkirim:", Gmail's "Pesan tidak terkirim", "sending failed").
    r"tidak terkirim|tidak (?:dapat|bisa) (?:dikirim|terkirim)|gagal (?:dikirim|terkirim)|"
    r"pengiriman (?:pesan )?gagal", re.I)
FORWARD_RE = re.compile(r"^\s*(?:fwd?|fw|tr|wg|rv|enc|vs|i)\s*:", re.I)
BODY_RE = re.compile(
    r"(?:could|can|cannot|can't|couldn't)\s*(?:not\s+)?be delivered|was not delivered|"
    r"were not delivered|not be delivered|unable to deliver|undeliverable|did not reach|"
    r"delivery (?:to the following|has failed|failed|failure)|failed recipient|"
    r"following address(?:\(es\)|es)? (?:had|failed)|permanent (?:fatal )?error|"
    r"(?:wasn't|was not|not) able to deliver|could not deliver|not yet been delivered|"
    r"delivery .{0,40}(?:delayed|postponed)|message delayed|returned to sender|user unknown|"
    r"no such user|mailbox (?:unavailable|full|is full)|quota exceeded|address rejected|"
    r"tidak terkirim|tidak (?:dapat|bisa) (?:dikirim|terkirim)|gagal (?:dikirim|terkirim)",
    re.I)
# The Indonesian alternatives of BODY_RE: mail systems that write Indonesian (Gmail, Outlook)
# send as MAILER-DAEMON or postmaster, so from anyone else these words are a person's.
INDONESIAN_BODY_RE = re.compile(
    r"tidak terkirim|tidak (?:dapat|bisa) (?:dikirim|terkirim)|gagal (?:dikirim|terkirim)", re.I)
# Where the notice ends: the copy of the returned message, a transcript, or a site's help text.
CUT_RE = re.compile(
    r"^[\s|>*=-]*(?:-+ ?)?(?:the )?(?:below (?:the next |this )?line is a copy|.{0,20}is a copy of|"
    r"(?:the )?original message|mensaje original|message header follows|header of the|"
    r"start of returned message|returned mail(?: follows| -)|unsent message below|"
    r"your message reads|a summary of the undelivered|a copy of the original|included is a copy|"
    r"message headers follow|the header and top|the first \d+ lines|message text follows|"
    r"attachment is a copy|-+ ?forwarded message|(?:-+ )?transcript of (?:the )?session|"
    r"-+ ?session transcript|-+ ?error detail|the following locator information|old message:|"
    r"received:|return-path:)", re.I)
HEADER_LINE_RE = re.compile(r"^[\s>*|-]*(from|to|cc|bcc|sent|date|subject|message-id|reply-to|"
                            r"sender|received)\s*:", re.I)
# An address introduced by "from" is the sender, unless the alias expanded from it failed.
FROM_BEFORE_RE = re.compile(r"(?<!expanded )(?<!generated )\bfrom\s*:?\s*<?\s*$", re.I)
LIST_INTRO_RE = re.compile(r"following (?:recipients?|address(?:es|\(es\))?)\b.*:\s*$", re.I)
BARE_NAME_RE = re.compile(r"^[ \t]+([a-z0-9][\w.+-]{0,63})\s*$", re.I)
MACHINE_LOCALS = {"postmaster", "mailer-daemon", "mailerdaemon", "mdaemon", "abuse", "root"}
PERMANENT_RE = re.compile(r"permanent|given up|giving up|gave up|not going to try again|"
                          r"failed permanently|will not be retried|no further attempts", re.I)
WARNING_RE = re.compile(
    r"\bdelayed\b|\bdelay\b|not yet been delivered|will continue (?:to )?(?:try|attempt)|"
    r"will be retried|still being retried|warning only|warning message only|this is (?:just |only )"
    r"?a warning|attempts will continue|postponed|no action is required|need to resend|"
    r"do not resend|delivery warning|tertunda|ditunda|masih akan dicoba", re.I)


def subject_says_bounce(subject: str) -> bool:
    return bool(SUBJECT_RE.search(subject or ""))


def english_wording(notice: str) -> bool:
    """The notice says "not delivered" in a mail system's English, not only in Indonesian."""
    return any(not INDONESIAN_BODY_RE.fullmatch(m.group(0)) for m in BODY_RE.finditer(notice))


def is_forward(subject: str) -> bool:
    """A person forwarding a bounce to us is asking for help, not bouncing."""
    return bool(FORWARD_RE.match(subject or ""))


def cut_notice(text: str) -> str:
    """The notice alone: lines up to the returned message, transcript or help text."""
    kept = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n")):
        if number >= MAX_LINES or (number and CUT_RE.match(line)):
            break
        kept.append(line)
    return "\n".join(kept)


def permanent_from_text(subject: str, notice: str) -> bool:
    """False for a delay warning, True otherwise: a failure notice is final unless it says not."""
    text = f"{subject}\n{notice}"
    if PERMANENT_RE.search(text):
        return True
    return not WARNING_RE.search(text)


def html_text(text: str) -> str:
    """Readable text of an HTML notice: enough to find its wording and addresses."""
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", text)
    text = re.sub(r"(?i)<(?:br|/p|p|/div|div|tr|/tr|li)\b[^>]*>", "\n", text)
    return html.unescape(re.sub(r"<[^>]{0,1000}>", "", text))


def text_recipients(notice: str, exclude: set[str], domain: str) -> list[str]:
    """Failed addresses named in the notice, in order, without the reporter's or our own.

    Addresses on quoted header lines ("To:", "From:") describe the returned message; a "To:" one
    is used only when the notice names no address elsewhere (Yahoo's old format).
    """
    found: list[str] = []
    fallback: list[str] = []
    for line in notice.split("\n"):
        header = HEADER_LINE_RE.match(line)
        if header and header.group(1).lower() != "to":
            continue
        target = fallback if header else found
        for match in ADDR_RE.finditer(line):
            address = match.group(0).lower()
            if address in exclude or address.split("@")[0] in MACHINE_LOCALS:
                continue
            if FROM_BEFORE_RE.search(line[max(0, match.start() - 24):match.start()]):
                continue
            target.append(address)
    result = list(dict.fromkeys(found or fallback or _bare_names(notice, domain)))
    # Beside addresses elsewhere, those at the reporting site are its help or contact addresses.
    foreign = [a for a in result if not _at_domain(a, domain)]
    return foreign if foreign and domain else result


def _at_domain(address: str, domain: str) -> bool:
    host = address.rpartition("@")[2]
    return bool(domain) and (host == domain or host.endswith("." + domain))


def _bare_names(notice: str, domain: str) -> list[str]:
    """AOL lists bare screen names under "the following recipients:"; they live at its domain."""
    names: list[str] = []
    listing = False
    for line in notice.split("\n"):
        if LIST_INTRO_RE.search(line):
            listing = True
        elif listing and (match := BARE_NAME_RE.match(line)) and domain:
            names.append(f"{match.group(1).lower()}@{domain.lower()}")
        elif line.strip():
            listing = False
    return names
