"""Whether an agent's reply really comes from that agent: reply tokens and Authentication-Results.

Pure functions, standard library only; the caller passes the secret, the ids and the headers.

A reply token rides in the Message-ID of every notification we send to an agent:

    <ldp.{ref, lower case}.{nonce}.{mac}@{our domain}>

where `mac` is the first 32 hex digits (128 bits) of HMAC-SHA256(secret, "{REF}|{email}|{nonce}")
over the ticket's reference, the agent's address in lower case and a random nonce. A mail client
puts it back in In-Reply-To/References, and only someone who received that notification can know
it; recomputing it with the sender's address ties it to one agent and one ticket.

The alternative proof is the Authentication-Results header (RFC 8601) that our own receiving
server stamps: only the topmost one counts, and only when its authserv-id is ours, because any
header further down may have been written by the sender.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

MAC_HEX = 32  # 128 bits
NONCE_HEX = 16
TOKEN_ID = re.compile(r"<ldp\.([a-z0-9_-]{1,64})\.([0-9a-f]{%d})\.([0-9a-f]{%d})@([^<>@\s]{1,255})>"
                      % (NONCE_HEX, MAC_HEX))
# A header longer than this is not one our server wrote; it is not parsed at all.
MAX_HEADER_CHARS = 8192
_PAIR = re.compile(r'([A-Za-z0-9_.-]+(?:/[0-9]+)?)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;"]+)')
_DOMAIN_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")


@dataclass(frozen=True)
class TokenId:
    """The parts of a token Message-ID."""

    ref: str
    nonce: str
    mac: str
    domain: str


@dataclass(frozen=True)
class AuthResult:
    """One `method=result` clause with its properties (`header.d`, `header.from`, ...)."""

    method: str
    result: str
    properties: Mapping[str, str]


@dataclass(frozen=True)
class AuthenticationResults:
    authserv_id: str
    results: tuple[AuthResult, ...]


@dataclass(frozen=True)
class Verdict:
    """Whether a reply counts as the agent's, and the sentence saying how or why not."""

    verified: bool
    reason: str
    token_id: str | None = None
    passed: str | None = None  # "dkim" or "dmarc"


# -- tokens ------------------------------------------------------------------------------------
def mac(secret: str, ref: str, email: str, nonce: str) -> str:
    message = f"{ref.upper()}|{email.strip().lower()}|{nonce}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:MAC_HEX]


def token_message_id(secret: str, domain: str, ref: str, email: str,
                     nonce: str | None = None) -> str:
    """A fresh Message-ID carrying `email`'s reply token for ticket `ref`."""
    nonce = nonce or secrets.token_hex(NONCE_HEX // 2)
    return f"<ldp.{ref.lower()}.{nonce}.{mac(secret, ref, email, nonce)}@{_id_domain(domain)}>"


def parse_token_id(message_id: str) -> TokenId | None:
    match = TOKEN_ID.fullmatch((message_id or "").strip().lower())
    return TokenId(*match.groups()) if match else None


def token_matches(message_id: str, *, secret: str, domain: str, ref: str, email: str) -> bool:
    """True when `message_id` is a token we minted for `email` on ticket `ref`."""
    token = parse_token_id(message_id)
    if not secret or token is None or token.ref != ref.lower() or \
            token.domain != _id_domain(domain):
        return False
    return hmac.compare_digest(token.mac, mac(secret, ref, email, token.nonce))


def find_token(message_ids: Iterable[str], *, secret: str, domain: str, ref: str,
               email: str) -> str | None:
    """The first of `message_ids` that is `email`'s token for ticket `ref`, or None."""
    return next((m for m in message_ids if token_matches(
        m, secret=secret, domain=domain, ref=ref, email=email)), None)


# -- Authentication-Results --------------------------------------------------------------------
def parse_authentication_results(value: str) -> AuthenticationResults | None:
    """One Authentication-Results value, comments removed; None when it has no authserv-id."""
    if not value or len(value) > MAX_HEADER_CHARS:
        return None
    clauses = _split_clauses(_strip_comments(" ".join(value.split())))
    head = clauses[0].split() if clauses else []
    if not head:
        return None
    results = []
    for clause in clauses[1:]:
        pairs = _PAIR.findall(clause)
        if not pairs:
            continue  # "none", or a clause we cannot read: it proves nothing
        method, result = pairs[0]
        results.append(AuthResult(method.split("/")[0].lower(), _unquote(result).lower(),
                                  {k.lower(): _unquote(v).lower() for k, v in pairs[1:]}))
    return AuthenticationResults(head[0].lower(), tuple(results))


def domain_pass(headers: Sequence[str], authserv_id: str, domain: str) -> str | None:
    """"dkim" or "dmarc" when the topmost Authentication-Results is ours and shows a pass for
    `domain` (dkim by header.d, dmarc by header.from), else None."""
    if not authserv_id or not headers:
        return None
    parsed = parse_authentication_results(headers[0])
    if parsed is None or parsed.authserv_id != authserv_id.lower():
        return None
    domain = _bare_domain(domain)
    wanted = {"dkim": "header.d", "dmarc": "header.from"}
    for method in ("dkim", "dmarc"):
        for result in parsed.results:
            if result.method == method and result.result == "pass" and \
                    _bare_domain(result.properties.get(wanted[method], "")) == domain:
                return method
    return None


def authenticate(*, email: str, ref: str, referenced_ids: Sequence[str],
                 auth_headers: Sequence[str], secret: str, domain: str, authserv_id: str,
                 strict: bool = False) -> Verdict:
    """Does this reply count as `email`'s on ticket `ref`? A token or a DKIM/DMARC pass by our
    own server is enough; `strict` demands both."""
    token = find_token(referenced_ids, secret=secret, domain=domain, ref=ref, email=email)
    passed = domain_pass(auth_headers, authserv_id, email.rpartition("@")[2])
    # The nonce names the notification answered; the MAC stays out of events and logs.
    token_text = (f"reply token of {email} for {ref} (nonce {parse_token_id(token).nonce})"
                  if token else f"no reply token of {email} for {ref}")
    auth_text = (f"{passed}=pass for {email.rpartition('@')[2]} by {authserv_id}" if passed
                 else f"no DKIM or DMARC pass by {authserv_id or '(authserv_id not set)'}")
    verified = bool(token and passed) if strict else bool(token or passed)
    if verified:
        reason = " and ".join(t for t, ok in ((token_text, token), (auth_text, passed)) if ok)
    else:
        mode = "strict mode needs both: " if strict else ""
        reason = f"{mode}{token_text}; {auth_text}"
    return Verdict(verified, reason, token, passed)


def _strip_comments(text: str) -> str:
    """Text without RFC 5322 comments (nested parentheses), keeping quoted strings whole."""
    out, depth, quoted, escaped = [], 0, False, False
    for char in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif quoted:
            quoted = char != '"'
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            quoted = char == '"'
            out.append(char)
    return "".join(out)


def _split_clauses(text: str) -> list[str]:
    """Split on the semicolons outside quoted strings."""
    clauses, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            clauses.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    clauses.append("".join(current).strip())
    return clauses


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _id_domain(domain: str) -> str:
    """The domain as it appears in our Message-IDs: lower case, nothing a header could break on."""
    return _DOMAIN_UNSAFE.sub("", domain).lower()


def _bare_domain(value: str) -> str:
    """`header.d`/`header.from` values may carry an `@` (header.i style) or a final dot."""
    return value.strip().rpartition("@")[2].rstrip(".").lower()
