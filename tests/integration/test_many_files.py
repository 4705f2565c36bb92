"""Review: a report's count of files is as hostile as their size. 1,500 one-byte files fit
the 10 MB a notice carries; opened together to render each agent's notice they pass the
1,024 open files a service gets by default (systemd's soft limit), and the notice must still
go out (listing the files), not fail the message."""
from __future__ import annotations

import resource

import pytest

from gateway.store import outbox, tickets
from tests import mails
from tests.integration.test_followers import BUDI, Desk

pytestmark = pytest.mark.integration

COUNT = 1500


@pytest.fixture
def low_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_report_with_1500_tiny_files_reaches_the_agents(imap_server, smtp_sink, db_url,
                                                          tmp_path, low_file_limit):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    files = [(f"f{i}.txt", "application/octet-stream", bytes([i % 256])) for i in range(COUNT)]
    sent = desk.deliver(mails.report(message_id="<many@mail.example>", attachments=files))
    assert desk.outcome.disposition.value == "new_ticket", desk.outcome
    assert len(tickets.ticket_files(desk.ticket())) == COUNT
    [notice] = [raw for recipients, raw in sent if recipients == [BUDI]]
    text = mails.text_of(notice)
    # Listed, with the command that fetches them, and why they are not attached.
    assert f"Tidak dilampirkan: ada {COUNT} berkas, melebihi batas 100 berkas per email" in text
    assert f"ldp attachments get LDP-000001" in text
    assert all(i.status == "sent" for i in outbox.list_items())
