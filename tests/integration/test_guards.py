"""The store's reliability guards on both databases: the mailbox lease, the automatic-mail
count per address and the suppression list."""
from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.store import database, guards
from gateway.store.database import utcnow
from tests.conftest import make_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def db(db_url, tmp_path):
    from gateway.service import build_context
    return build_context(make_settings(tmp_path, db_url), tmp_path).db


def test_one_holder_at_a_time_and_takeover_after_expiry(db):
    """A holds the lease and renews it; B is refused until A's lease has expired."""
    now = utcnow()
    with database.transaction(db):
        assert guards.acquire_lease("inbox", "A", 10, now) is True
        assert guards.acquire_lease("inbox", "B", 10, now) is False
        assert guards.acquire_lease("inbox", "A", 10, now + timedelta(seconds=5)) is True
        assert guards.acquire_lease("inbox", "B", 10, now + timedelta(seconds=14)) is False
        assert guards.acquire_lease("inbox", "B", 10, now + timedelta(seconds=16)) is True
        assert guards.lease_holder("inbox", now + timedelta(seconds=16)) == "B"


def test_suppression_is_case_insensitive_and_recorded_once(db):
    """An address that bounced for good is suppressed once, whatever its case."""
    with database.transaction(db):
        assert guards.suppress("Rina@X.id", "550 user unknown") is True
        assert guards.suppress("rina@x.id", "again") is False
        assert guards.is_suppressed("RINA@x.ID") is True
        guards.unsuppress("rina@x.id")
        assert guards.is_suppressed("rina@x.id") is False
