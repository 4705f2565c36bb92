"""Review: the SMTP server takes a mail with followers in Cc for some recipients and refuses
others. A temporary refusal of the REPORTER (the mail's own addressee) must not count as the
reporter's mail sent: it goes again to the reporter alone, and the follower who had it is not
mailed twice."""
from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.store import guards, outbox, tickets
from gateway.store.database import utcnow
from gateway.store.models import OutboxRow
from gateway.service import Service, build_context
from tests.conftest import RefusingSink
from tests.integration.test_followers import PPK, RINA, Desk, envelopes

pytestmark = pytest.mark.integration


class BusySink(RefusingSink):
    """Refuses one recipient for now (4xx greylisting / mailbox busy) at RCPT."""

    busy = True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused and self.busy:
            return "450 4.2.1 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_reporter_refused_for_now_gets_the_acknowledgement_later_the_follower_once(
        imap_server, db_url, tmp_path):
    sink = BusySink().start()
    sink.refused = RINA
    try:
        desk = Desk(imap_server, sink, db_url, tmp_path)
        new = desk.report(Cc=PPK)
        # The server took the acknowledgement for the officer only.
        assert [r for r in envelopes(new) if PPK in r] == [[PPK]]
        [ack] = [i for i in outbox.list_items() if i.template == "reporter_ack"]
        assert ack.status != "sent", "the reporter never got it, yet the row is sent"
        assert ack.recipient == RINA  # only the reporter is left to send to
        # Counted once toward each address's cap of automatic mail, as before.
        since = utcnow() - timedelta(hours=1)
        assert guards.automatic_mail_count(RINA, ("reporter_ack",), since) == 1
        assert guards.automatic_mail_count(PPK, ("reporter_ack",), since) == 1
        # A later bounce of the officer's copy is still proven ours.
        assert guards.sent_to((ack.message_id,), (PPK, RINA)) == \
            {PPK: ack.message_id, RINA: ack.message_id}
        # The server takes Rina's mail now; the retry is due.
        sink.busy = False
        OutboxRow.update(next_attempt_at=utcnow() - timedelta(seconds=1)).where(
            OutboxRow.id == ack.id).execute()
        before = len(sink.messages)
        Service(build_context(desk.settings, tmp_path)).run_once()
        again = [recipients for _s, recipients, _m in sink.messages[before:]]
        assert again == [[RINA]]
        [ack] = [i for i in outbox.list_items() if i.template == "reporter_ack"]
        assert ack.status == "sent"
    finally:
        sink.stop()


def test_a_reporter_refused_for_good_beside_an_accepted_follower_is_a_dead_mail(
        imap_server, db_url, tmp_path):
    """The server refuses Rina for good and takes the officer's copy: the mail is not lost
    quietly, the ticket says the reporter's mail is dead (as it would without a follower)."""
    sink = RefusingSink().start()
    sink.refused = RINA
    try:
        desk = Desk(imap_server, sink, db_url, tmp_path)
        desk.report(Cc=PPK)
        kinds = [k for k, *_ in desk.kinds()]
        assert "mail_dead" in kinds
        [dead] = [e for e in tickets.events(desk.ticket()) if e.kind == "mail_dead"]
        assert RINA in dead.detail
    finally:
        sink.stop()
