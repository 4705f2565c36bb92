"""Review: the outbox keeps each agent's copy of a notice with its files (some 14 MB when a
report carries 10 MB). `ldp outbox list` and `ldp tickets show` show rows, never their bytes:
they must not read every row's mail into memory (a few reports with files to a team of
twenty made gigabytes)."""
from __future__ import annotations

import tracemalloc

import pytest

from gateway import cli
from gateway.store import tickets
from tests.conftest import write_config
from tests.integration.test_followers import REF, Desk
from tests.integration.test_claim_memory import queue

pytestmark = pytest.mark.integration

ROWS, SIZE = 6, 8 << 20


def peak(function, *arguments) -> int:
    tracemalloc.start()
    try:
        function(*arguments)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_listing_the_outbox_and_showing_a_ticket_read_no_mail_bytes(
        imap_server, smtp_sink, db_url, tmp_path, capsys):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    desk.report()
    ticket = tickets.get_ticket(REF)
    from gateway.store import database
    with database.transaction(database.connect(db_url, tmp_path)):
        queue(ROWS, SIZE, ticket)
    config = str(write_config(tmp_path / "ldp.toml", desk.settings))
    capsys.readouterr()
    for command in (["outbox", "list"], ["tickets", "show", REF]):
        used = peak(cli.main, ["--config", config, *command])
        assert used < SIZE, (command, used)
    shown = capsys.readouterr().out
    assert shown.count("agent@lkpp.example") == 0 and "agent0@lkpp.example" in shown
