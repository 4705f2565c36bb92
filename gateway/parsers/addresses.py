"""Addresses read from the raw header, as RFC 5322 writes them; only display names are decoded.

RFC 2047 forbids encoded words in an address, so a header is parsed before anything in it is
decoded: `=?utf-8?q?budi=40lkpp=2Eexample?= <intern@lkpp.example>` is the address
intern@lkpp.example with the display name "budi@lkpp.example", never budi@lkpp.example. A
decoded display name is only ever text: it never yields an address, and it is reduced to one
line without control or bidi characters, so it can carry nothing into a header we write.

The standard library's `getaddresses` reads the raw value; it guesses on malformed input (an
address split over a stray parenthesis, two addresses without a comma), and where the mail
system that signed a mail may have read such a header otherwise, a guess can make one person
pass for another. So a header whose shape does not match what was read gives no address at
all: parentheses and quotes must balance, the number of addresses must be the number of
commas plus one, and every address must be a plain `local@domain` without encoded words. A
`From` must hold exactly one mailbox and no group, and appear once (`sender`).
"""
from __future__ import annotations

import re
from email.utils import getaddresses

from gateway.domain import Address
from gateway.parsers import encoded_words, safetext

# Headers that hold addresses; their values in `InboundMail.headers` are rebuilt from what was
# parsed (`shown`), so nothing reading them later finds an address an encoded word spelled.
ADDRESS_HEADERS = frozenset({
    "from", "sender", "reply-to", "to", "cc", "bcc", "resent-from", "resent-sender",
    "resent-to", "resent-cc", "resent-bcc", "resent-reply-to", "return-path", "errors-to",
    "delivered-to", "disposition-notification-to", "return-receipt-to",
})
MAX_ADDRESS_CHARS = 254  # RFC 5321's limit for a path's address
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]"
_LOCAL = rf'(?:{_ATEXT}+(?:\.{_ATEXT}+)*|"(?:[^"\\\s]|\\[^\s])+")'
_DOMAIN = r"[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*"
ADDR_SPEC = re.compile(rf"{_LOCAL}@{_DOMAIN}")
# The characters that shape an address list; everything else is skipped in one step.
_SHAPING = re.compile(r'\\.|["(),:]', re.S)
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def raw_text(value: object) -> str:
    """A raw header value as text: bytes outside ASCII (held as surrogates by the email
    package) read as UTF-8 (RFC 6532), undecodable ones as replacement characters."""
    text = str(value)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def parse_list(value: str) -> tuple[Address, ...]:
    """The mailboxes of one raw address header, lower-cased, each with its decoded display
    name; () when the header cannot be read without guessing (see the module docstring)."""
    return _parse(_unfold(value))


def sender(headers: list[tuple[str, tuple[Address, ...]]]) -> Address | None:
    """The one mailbox of the one From header, given as (raw value, `parse_list` of it), or
    None when there is not exactly one, or it is a group."""
    if len(headers) != 1:
        return None
    text, found = headers[0]
    if len(found) != 1 or _shape(_unfold(text))[2]:
        return None
    return found[0]


def shown(value: str, parsed: tuple[Address, ...]) -> str:
    """The header value as it is kept and shown: the parsed addresses with their display
    names, or, when none was parsed, the raw value on one line with nothing decoded."""
    if not parsed:
        return safetext.one_line(_unfold(value))
    return ", ".join(str(address) for address in parsed)


def display_name(raw_name: str) -> str:
    """A display name (or the comment standing for one) decoded, on one line."""
    return safetext.one_line(encoded_words.decode(raw_name))


def _parse(text: str) -> tuple[Address, ...]:
    balanced, expected, _grouped = _shape(text)
    if not balanced:
        return ()
    pairs = getaddresses([text])
    if len(pairs) != expected:
        # "rina@x.id <rina@x.id>" (an address as its own unquoted name, as some mailers
        # write it) reads as two; both readings give the same mailbox, so nothing is guessed.
        emails = {email.lower() for _name, email in pairs}
        if len(emails) != 1 or expected != 1:
            return ()
        pairs = [("", pairs[-1][1])]
    result = []
    for name, email in pairs:
        if not email and not name:
            continue  # an empty group, or the end of one
        if not _plain_address(email):
            return ()
        result.append(Address(email=email.lower(), name=display_name(name)))
    return tuple(result)


def _shape(text: str) -> tuple[bool, int, bool]:
    """(quotes and parentheses balance, addresses the commas call for, a group is named)."""
    depth, quoted, commas, colon = 0, False, 0, False
    for match in _SHAPING.finditer(text):
        char = match.group()
        if len(char) == 2:
            continue  # a quoted pair stands for itself
        if quoted:
            quoted = char != '"'
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False, 0, False
        elif depth:
            continue
        elif char == '"':
            quoted = True
        elif char == ",":
            commas += 1
        else:
            colon = True
    return depth == 0 and not quoted, commas + 1, colon


def _plain_address(email: str) -> bool:
    return (0 < len(email) <= MAX_ADDRESS_CHARS and "=?" not in email
            and ADDR_SPEC.fullmatch(email) is not None and "\ufffd" not in email
            and email == safetext.one_line(email))


def _unfold(value: str) -> str:
    return _FOLD.sub("", value or "")


def transport_form(email: str) -> str | None:
    """The address as plain SMTP carries it: an internationalised domain in its ASCII form
    (IDNA, rina@xn--dsa-bma.id); None when the local part is not ASCII (rína@...), which only
    a server speaking SMTPUTF8 would take."""
    local, _, domain = email.rpartition("@")
    if not local or not local.isascii():
        return None
    if domain.isascii():
        return email
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return None
