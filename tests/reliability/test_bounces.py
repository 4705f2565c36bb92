"""Promise 9 through the pipeline: every flufl.bounce sample with expected addresses is
recorded as machine mail, opens no ticket and sends nothing. None of them reports on mail we
sent, so none suppresses an address (a forged bounce silences nobody, issue 14 item 9); once our
outbox holds the mail each one reports on, a permanent one suppresses exactly its expected
addresses and a temporary one none.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.domain import Disposition
from gateway.intake.rounds import handle_raw
from gateway.parsers import bounce
from gateway.parsers.mime import parse
from gateway.service import build_context
from gateway.store.models import OutboxRow, SuppressedAddressRow, TicketRow
from tests.conftest import CORPUS, make_settings
from tests.reliability.bounce_mail import sent_mail

pytestmark = pytest.mark.integration
FLUFL = CORPUS / "flufl-bounce"
# Explained in tests/unit/test_bounce.py: a person's reply, an auto-reply, a local part only.
NOT_BOUNCES = {"tests/data/groupwise_03.txt", "tests/data/qmail_08.txt"}
NO_ADDRESS = {"tests/data/yale_01.txt"}


def expectations(flufl: Path) -> dict[str, tuple[set[str], str]]:
    rows: dict[str, tuple[set[str], str]] = {}
    for line in (flufl / "EXPECTED-flufl-bounce.tsv").read_text().splitlines():
        if line.startswith(("#", "file\t")) or not line.strip():
            continue
        name, _detector, addresses, kind = line.split("\t")
        known, _ = rows.get(name, (set(), kind))
        rows[name] = (known | {a.lower() for a in addresses.split()}, kind)
    return rows


@pytest.mark.parametrize("ours", [False, True], ids=["not-our-mail", "our-mail"])
def test_every_flufl_bounce_is_machine_mail_and_only_bounces_of_our_mail_suppress(
        ours, db_url, tmp_path):
    """One sample of each flufl.bounce format (all 113 in corpus_suite/): no ticket, no mail.
    Suppressed addresses: none, when the bounced mail is not ours; exactly the permanent ones
    whose report names the bounced Message-ID, when it is."""
    suppressed = check_flufl_bounces(FLUFL, db_url, tmp_path, ours)
    assert (len(suppressed) > 0) == ours


def check_flufl_bounces(flufl: Path, db_url: str, tmp_path: Path, ours: bool) -> set[str]:
    """Store every sample; returns the addresses suppressed."""
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    expected_suppressed: set[str] = set()
    people = 0  # the two non-bounces flufl keeps as negative samples may open tickets
    used: set[str] = set()
    for name, (addresses, kind) in sorted(expectations(flufl).items()):
        raw = (flufl / name).read_bytes()
        reported = bounce.reported_ids(parse(raw))
        if ours and reported and reported[0] not in used:
            used.add(reported[0])  # the mail it reports on: ours, to each expected address
            sent_mail(reported[0], *sorted(addresses))
        outcome = handle_raw(raw, ctx, source=name)
        if name in NOT_BOUNCES:
            people += outcome.disposition == Disposition.NEW_TICKET
            continue
        assert outcome.disposition == Disposition.MACHINE, (name, outcome)
        if ours and reported and kind == "permanent" and name not in NO_ADDRESS \
                and addresses:
            expected_suppressed |= addresses
    assert TicketRow.select().count() == people
    assert OutboxRow.select().where(OutboxRow.template == "reporter_ack",
                                    OutboxRow.status == "pending").count() == people
    suppressed = {row.email for row in SuppressedAddressRow.select()}
    assert suppressed == expected_suppressed
    return suppressed
