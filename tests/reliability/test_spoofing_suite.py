"""Promise 10, spoofing: 24 attempts to act as an agent — forged From, display-name tricks,
tokens from other tickets or agents, replayed and edited tokens, forged Authentication-Results,
Resent-From, Sender, commands in quoted text, below the body or in HTML comments. None
applies: the ticket keeps its state and the reporter receives nothing. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from gateway.store import tickets
from tests import mails
from tests.integration.agent_replies import LocalDesk, gmail_reply, prepend

pytestmark = pytest.mark.integration

BUDI, SARI, RINA = "budi@lkpp.example", "sari@lkpp.example", "rina@pemkab-bogor.go.id"
OURS = "mx.lpse.example"
RESOLVE = "#selesai Sudah beres\n#balas\n\nTiket ini sudah selesai."
SUBJECT = "Re: [LDP-000001] Tidak bisa login SPSE"


def forged(sender="Budi <budi@lkpp.example>", body=RESOLVE, headers=None, **kwargs) -> bytes:
    return mails.report(subject=SUBJECT, sender=sender, body=body + "\n", headers=headers,
                        message_id=kwargs.pop("message_id", "<forged@evil.example>"), **kwargs)


def token_of(new: dict, agent: str = BUDI) -> str:
    return mails.parse(new[agent][0])["Message-ID"]


def ar(result: str) -> str:
    return f"Authentication-Results: {OURS}; {result}"


# Each attempt builds its mail from the notifications of a fresh ticket (new[agent] = raws).
ATTEMPTS = {
    "forged-from-no-token": lambda new: forged(),
    "forged-from-upper-case": lambda new: forged(sender="BUDI <BUDI@LKPP.EXAMPLE>"),
    "display-name-is-the-agent-address": lambda new: forged(
        sender='"budi@lkpp.example" <evil@evil.example>'),
    "display-name-trick-with-angle": lambda new: forged(
        sender='"Budi <budi@lkpp.example>" <evil@evil.example>'),
    "plus-tagged-agent-address": lambda new: forged(sender="budi+x@lkpp.example",
                                                    in_reply_to=token_of(new)),
    "sender-header-names-the-agent": lambda new: forged(
        sender="evil@evil.example", headers={"Sender": BUDI}, in_reply_to=token_of(new)),
    "resent-from-names-the-agent": lambda new: forged(
        sender="evil@evil.example", headers={"Resent-From": BUDI}, in_reply_to=token_of(new)),
    "reply-to-trick-no-token": lambda new: forged(headers={"Reply-To": "evil@evil.example"}),
    "sari-replays-budis-token": lambda new: forged(sender=f"Sari <{SARI}>",
                                                   in_reply_to=token_of(new)),
    "reporter-replays-budis-token": lambda new: forged(sender=f"Rina <{RINA}>",
                                                       in_reply_to=token_of(new)),
    "stranger-replays-budis-token": lambda new: forged(sender="evil@evil.example",
                                                       in_reply_to=token_of(new)),
    "token-mac-truncated": lambda new: forged(
        in_reply_to=token_of(new).split("@")[0][:-6] + "@lpse.example>"),
    "agent-address-in-a-comment": lambda new: forged(
        sender="evil@evil.example (budi@lkpp.example)", in_reply_to=token_of(new)),
    "token-on-another-domain": lambda new: forged(
        in_reply_to=token_of(new).split("@")[0] + "@evil.example>"),
    "token-only-in-the-body": lambda new: forged(body=RESOLVE + "\n" + token_of(new)),
    "forged-authentication-results-below-ours": lambda new: prepend(
        forged(headers={"Authentication-Results": f"{OURS}; dkim=pass header.d=lkpp.example"}),
        ar("dkim=fail header.d=lkpp.example")),
    "passing-results-from-another-server-on-top": lambda new: prepend(
        forged(), "Authentication-Results: mx.evil.example; dkim=pass header.d=lkpp.example"),
    "our-results-pass-for-another-domain": lambda new: prepend(
        forged(), ar("dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example")),
    "our-results-pass-for-a-look-alike-domain": lambda new: prepend(
        forged(), ar("dkim=pass header.d=lkpp.example.evil.example")),
    "pass-hidden-in-a-comment": lambda new: prepend(
        forged(), ar("dkim=fail (dkim=pass header.d=lkpp.example) header.d=lkpp.example")),
    "reporter-types-commands": lambda new: forged(sender=f"Rina Wati <{RINA}>"),
    "commands-only-in-quoted-text": lambda new: gmail_reply(
        f"Budi <{BUDI}>", new[BUDI][0], "Saya cek dulu ya.\n\n> #selesai Sudah beres",
        "Budi", "<quoted@lkpp.example>"),
    "commands-below-the-body": lambda new: gmail_reply(
        f"Budi <{BUDI}>", new[BUDI][0], "Saya cek dulu ya.\n#selesai Sudah beres\n#balas",
        "Budi", "<below@lkpp.example>"),
    "commands-in-an-html-comment": lambda new: html_only(new),
}


def html_only(new: dict) -> bytes:
    original = mails.parse(new[BUDI][0])
    return mails.report(subject=SUBJECT, sender=f"Budi <{BUDI}>", message_id="<html@lkpp>",
                        in_reply_to=original["Message-ID"],
                        html="<!-- #selesai Sudah beres\n#balas --><p>Saya cek dulu ya.</p>")


@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_spoofing_attempt_applies_nothing(name, db_url, tmp_path):
    """The attempt leaves the ticket unresolved, unassigned at L0, and mails the reporter
    nothing; attempts without Budi's own token leave the status exactly as it was."""
    desk = LocalDesk(db_url, tmp_path, security={"authserv_id": OURS})
    new = desk.report()
    before = tickets.get_ticket("LDP-000001")
    sent = desk.deliver(ATTEMPTS[name](new))
    after = tickets.get_ticket("LDP-000001")
    assert RINA not in sent, f"{name}: the reporter was mailed"
    assert (after.level, after.team, after.assignee, after.priority, after.category) == \
        (before.level, before.team, before.assignee, before.priority, before.category)
    assert after.status.value in ("new", "open")
    kinds = [e.kind for e in tickets.events(after)]
    assert "resolved" not in kinds and "status" not in kinds, kinds
    assert not any(e.new_value == "resolved" for e in tickets.events(after))


def test_there_are_at_least_twenty_attempts():
    """The suite keeps its promise of twenty or more distinct attempts."""
    assert len(ATTEMPTS) >= 20
