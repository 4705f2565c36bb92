"""Issue 14, item 9: a forged bounce cannot silence a reporter. A bounce suppresses an address
only when it reports on mail we sent to that address (our Message-ID in the report, that
recipient in our outbox); a suppression expires, ends when the address writes to us again, and
`ldp suppressions list|remove` shows and lifts it."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from gateway.outgoing import loops
from gateway.domain import Disposition
from gateway.intake.rounds import handle_raw
from gateway.service import build_context
from gateway.store import database
from gateway.store.models import EventRow, OutboxRow, SuppressedAddressRow
from tests import mails
from tests.conftest import make_settings, write_config
from tests.integration.test_cli import ldp
from tests.reliability.bounce_mail import dsn, plain_bounce, sent_mail

pytestmark = pytest.mark.integration
RINA = "rina@pemkab-bogor.go.id"


def acks_to(address: str) -> list[OutboxRow]:
    return list(OutboxRow.select().where(OutboxRow.template == "reporter_ack",
                                         OutboxRow.recipient == address))


def desk(db_url, tmp_path, **loops):
    ctx = build_context(make_settings(tmp_path, db_url, loops=loops), tmp_path)
    handle_raw(mails.report(message_id="<rina-1@mail.gmail.com>"), ctx)
    handle_raw(mails.report(sender="Joko <joko@pemkot.example>", subject="Akun terkunci",
                            message_id="<joko-1@mail.example>"), ctx)
    return ctx


FORGERIES = {
    # A report naming Rina that names no mail at all.
    "no-message-id": lambda ack_rina, ack_joko: dsn(RINA),
    # A Message-ID we never used.
    "unknown-message-id": lambda ack_rina, ack_joko: dsn(RINA, returned_id="<a1@evil.example>"),
    # Our real acknowledgement to Joko: we sent it, but not to Rina.
    "our-mail-to-someone-else": lambda ack_rina, ack_joko: dsn(RINA, returned_id=ack_joko),
    "in-reply-to-someone-elses-mail": lambda ack_rina, ack_joko: dsn(
        RINA, returned_id=ack_joko, where="in-reply-to"),
    # Rina's own Message-ID: hers, not ours.
    "the-reporters-own-message": lambda ack_rina, ack_joko: dsn(
        RINA, returned_id="<rina-1@mail.gmail.com>", where="references"),
    "plain-text-notice": lambda ack_rina, ack_joko: plain_bounce(RINA, "<zz@evil.example>"),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forged_bounce_suppresses_nothing_and_the_reporter_still_hears_from_us(
        name, db_url, tmp_path):
    """A bounce naming Rina that reports on no mail of ours to Rina is machine mail and
    suppresses nothing: her next report is acknowledged."""
    ctx = desk(db_url, tmp_path)
    [ack_rina], [ack_joko] = acks_to(RINA), acks_to("joko@pemkot.example")
    outcome = handle_raw(FORGERIES[name](ack_rina.message_id, ack_joko.message_id), ctx)
    assert outcome.disposition == Disposition.MACHINE
    assert SuppressedAddressRow.select().count() == 0
    handle_raw(mails.report(subject="Masih tidak bisa login", message_id="<rina-2@x.id>"), ctx)
    assert len(acks_to(RINA)) == 2
    assert not EventRow.select().where(EventRow.kind == "auto_mail_suppressed").exists()


@pytest.mark.parametrize("where", ["headers", "message", "in-reply-to", "references"])
def test_a_bounce_of_our_own_mail_suppresses_until_the_address_writes_again(
        where, db_url, tmp_path):
    """Our acknowledgement to Rina bounced for good (its Message-ID in the returned headers,
    a returned copy, In-Reply-To or References): no more automatic mail to her, until she
    writes again, which lifts it (an event) and is acknowledged."""
    ctx = desk(db_url, tmp_path)
    [ack] = acks_to(RINA)
    handle_raw(dsn(RINA, returned_id=ack.message_id, where=where), ctx)
    [row] = SuppressedAddressRow.select()
    assert row.email == RINA and ack.message_id in row.reason
    # Another bounce does not lift it (nor renew it: it is in force) ...
    handle_raw(dsn(RINA, returned_id=ack.message_id, where=where,
                   message_id="<dsn-2@mx.example>"), ctx)
    assert SuppressedAddressRow.select().count() == 1
    # ... Rina writing again does.
    handle_raw(mails.report(subject="Mohon bantuan lagi", message_id="<rina-3@x.id>"), ctx)
    assert SuppressedAddressRow.select().count() == 0
    assert len(acks_to(RINA)) == 2
    [lifted] = EventRow.select().where(EventRow.kind == "suppression_lifted")
    assert lifted.new_value == RINA


def test_a_temporary_failure_of_our_mail_suppresses_nothing(db_url, tmp_path):
    ctx = desk(db_url, tmp_path)
    [ack] = acks_to(RINA)
    handle_raw(dsn(RINA, returned_id=ack.message_id, action="delayed", status="4.2.2"), ctx)
    assert SuppressedAddressRow.select().count() == 0


def test_a_suppression_expires_after_the_configured_days(db_url, tmp_path):
    """With suppress_days = 3: a suppression two days old still holds, one four days old has
    expired, so Rina's next report is acknowledged; a new bounce renews the old row."""
    ctx = desk(db_url, tmp_path, suppress_days=3)
    sent_mail("<ldp.x.1@lpse.example>", "dina@desa.example")
    handle_raw(dsn("dina@desa.example", returned_id="<ldp.x.1@lpse.example>"), ctx)
    now = database.utcnow()
    SuppressedAddressRow.update(created_at=now - timedelta(days=2)).execute()
    handle_raw(mails.report(sender="dina@desa.example", message_id="<dina-0@x.id>",
                            headers={"Auto-Submitted": "auto-replied"}), ctx)
    assert loops.may_send_automatic(ctx.settings, None, "dina@desa.example") is False
    SuppressedAddressRow.update(created_at=now - timedelta(days=4)).execute()
    assert loops.may_send_automatic(ctx.settings, None, "dina@desa.example") is True
    handle_raw(dsn("dina@desa.example", returned_id="<ldp.x.1@lpse.example>",
                   message_id="<dsn-3@mx.example>"), ctx)
    [row] = SuppressedAddressRow.select()
    assert row.created_at > now - timedelta(minutes=5)


def test_suppressions_list_and_remove_on_the_command_line(db_url, tmp_path):
    """`ldp suppressions list --json` shows the address, since and until when, and why;
    `remove` lifts it; removing an unknown address is one line and exit 66, in both
    languages; the table says when there is none."""
    settings = make_settings(tmp_path, db_url, loops={"suppress_days": 30})
    write_config(tmp_path / "ldp.toml", settings)
    ctx = build_context(settings, tmp_path)
    sent_mail("<ldp.x.2@lpse.example>", "dina@desa.example")
    handle_raw(dsn("Dina@Desa.example", returned_id="<ldp.x.2@lpse.example>"), ctx)
    code, out, err = ldp(tmp_path, "suppressions", "list", "--json")
    assert (code, err) == (0, "")
    [item] = json.loads(out)
    assert sorted(item) == ["address", "expires", "reason", "since"]
    assert item["address"] == "dina@desa.example"
    assert item["reason"].startswith("permanent bounce of <ldp.x.2@lpse.example>: ")
    since = datetime.fromisoformat(item["since"].rstrip("Z"))
    assert item["expires"] == (since + timedelta(days=30)).isoformat() + "Z"
    code, out, err = ldp(tmp_path, "suppressions", "list")
    assert code == 0 and "dina@desa.example" in out and "expires" in out.splitlines()[0]
    assert ldp(tmp_path, "suppressions", "remove", "nobody@x.example") == (
        66, "", "error: nobody@x.example is not suppressed\n")
    assert ldp(tmp_path, "suppressions", "remove", "nobody@x.example",
               env={"LDP_LANG": "id"}) == (66, "", "galat: nobody@x.example tidak diblokir\n")
    assert ldp(tmp_path, "suppressions", "remove", "DINA@desa.example") == (
        0, "automatic mail to dina@desa.example resumes\n", "")
    assert ldp(tmp_path, "suppressions", "list", env={"LDP_LANG": "id"}) == (
        0, "tidak ada alamat yang diblokir dari email otomatis\n", "")
    assert ldp(tmp_path, "suppressions", "list", "--json") == (0, "[]\n", "")
