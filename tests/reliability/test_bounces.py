"""Promise 9 through the pipeline: every flufl.bounce sample with expected addresses is
recorded as machine mail, opens no ticket, sends nothing, and a permanent one suppresses
exactly its expected addresses while a temporary one suppresses none."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.domain import Disposition
from gateway.intake import handle_raw
from gateway.service import build_context
from gateway.store.models import OutboxRow, SuppressedAddressRow, TicketRow
from tests.conftest import CORPUS, make_settings

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


def test_every_flufl_bounce_is_machine_mail_and_permanent_ones_stop_automatic_mail(
        db_url, tmp_path):
    """One sample of each flufl.bounce format (all 113 in corpus_suite/): no ticket, no mail;
    suppressed addresses are exactly the permanent ones."""
    check_flufl_bounces(FLUFL, db_url, tmp_path)


def check_flufl_bounces(flufl: Path, db_url: str, tmp_path: Path) -> None:
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    expected_suppressed: set[str] = set()
    people = 0  # the two non-bounces flufl keeps as negative samples may open tickets
    for name, (addresses, kind) in sorted(expectations(flufl).items()):
        outcome = handle_raw((flufl / name).read_bytes(), ctx, source=name)
        if name in NOT_BOUNCES:
            people += outcome.disposition == Disposition.NEW_TICKET
            continue
        assert outcome.disposition == Disposition.MACHINE, (name, outcome)
        if kind == "permanent" and name not in NO_ADDRESS:
            expected_suppressed |= addresses
    assert TicketRow.select().count() == people
    assert OutboxRow.select().where(OutboxRow.template == "reporter_ack").count() == people
    suppressed = {row.email for row in SuppressedAddressRow.select()}
    assert suppressed == expected_suppressed
