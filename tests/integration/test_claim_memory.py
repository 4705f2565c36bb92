"""Review: a notice with 10 MB of files goes to every agent of a team (and of its partner
team), each copy rendered with the bytes: twenty agents make twenty rows of some 14 MB. The
sender claims up to SEND_BATCH (100) rows at a time and holds every claimed row's bytes (then
hands them all to the SMTP worker): one claim must hold a bounded number of bytes, whatever the
rows hold, and still claim every row in turn (one at least, however large)."""
from __future__ import annotations

import pytest

from gateway.domain import Address, Notice, OutgoingMail, Visibility
from gateway.outgoing.sender import SEND_BATCH
from gateway.store import database, outbox

pytestmark = pytest.mark.integration

ROW_BYTES = 14 << 20  # one agent's copy of a notice carrying 10 MB of files, base64


def queue(count: int, size: int, ticket=None) -> None:
    body = b"x" * size
    for number in range(count):
        notice = Notice(template="agent_new_ticket", to=Address(f"agent{number}@lkpp.example"),
                        language="id", context={}, message_id=f"<n{number}@lpse.example>")
        mail = OutgoingMail(message_id=notice.message_id, sender="helpdesk@lpse.example",
                            recipients=(notice.to.email,), subject="s", raw=body,
                            template=notice.template, text="", visibility=Visibility.INTERNAL)
        outbox.enqueue(notice, ticket, "helpdesk@lpse.example", "internal", mail=mail)


def test_one_claim_holds_a_bounded_number_of_bytes_and_every_row_is_claimed(db_url, tmp_path):
    db = database.connect(db_url, tmp_path)
    database.migrate(db)
    with database.transaction(db):
        queue(20, ROW_BYTES)
    claimed, claims = [], 0
    while True:
        with database.transaction(db):
            items = outbox.claim_due(SEND_BATCH, lease=60, claimer="test")
        if not items:
            break
        claims += 1
        held = sum(len(i.raw) for i in items)
        assert len(items) == 1 or held <= outbox.CLAIM_BYTES, (len(items), held)
        claimed += [i.id for i in items]
    assert len(claimed) == len(set(claimed)) == 20
    assert claims > 1


def test_a_row_larger_than_the_claim_limit_is_still_claimed(db_url, tmp_path):
    db = database.connect(db_url, tmp_path)
    database.migrate(db)
    with database.transaction(db):
        queue(1, 0)
        outbox.OutboxRow.update(raw=b"y" * (outbox.CLAIM_BYTES + 1)).execute()
    with database.transaction(db):
        [item] = outbox.claim_due(SEND_BATCH, lease=60, claimer="test")
    assert len(item.raw) == outbox.CLAIM_BYTES + 1
