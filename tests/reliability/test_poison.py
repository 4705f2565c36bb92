"""Promise 4, poison isolation: a message that makes parsing fail, first in a batch of 100,
is quarantined with its bytes and error while the other 99 are stored, and `ldp quarantine
retry` stores it once fixed; hostile shapes (100-deep MIME nesting, a 5 MB header line, 10,000
links) are finished or quarantined and the batch goes on."""
from __future__ import annotations

import pytest

from gateway.domain import Disposition
from gateway.parsers import mime
from gateway.service import Service, build_context, retry_quarantined
from gateway.store import mailbox, tickets
from gateway.store.models import TicketRow
from tests import mails
from tests.conftest import deliver, folder_uids, make_settings

pytestmark = pytest.mark.integration


def nested(depth: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\nhalo dari dalam\r\n"
    for i in range(depth):
        body = (f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode()
                + body + f"\r\n--b{i}--\r\n".encode())
    return (b"From: a@pemda.go.id\r\nTo: helpdesk@lpse.example\r\nSubject: bersarang\r\n"
            b"Message-ID: <nested@pemda.go.id>\r\nMIME-Version: 1.0\r\n" + body)


HUGE_HEADER = (b"From: b@pemda.go.id\r\nTo: helpdesk@lpse.example\r\nSubject: " + b"a" * 5_000_000
               + b"\r\nMessage-ID: <huge@pemda.go.id>\r\n\r\nhalo\r\n")
LINKS = (b"From: c@pemda.go.id\r\nTo: helpdesk@lpse.example\r\nSubject: tautan\r\n"
         b"Message-ID: <links@pemda.go.id>\r\nContent-Type: text/html\r\n\r\n"
         + b"".join(b'<a href="http://x.id/%d">t%d</a> ' % (i, i) for i in range(10_000)))


def test_a_poison_message_first_in_a_batch_of_100_is_quarantined_and_99_are_stored(
        imap_server, smtp_sink, db_url, tmp_path, monkeypatch):
    """The first of 100 crashes the parser: quarantined with its bytes and error; the 99 after
    it (three of them hostile shapes) become tickets; retry stores it after the fix."""
    # The crash is patched into this process's parser, so the parse worker stays off here;
    # tests/integration/test_parse_worker.py covers a worker that fails.
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"batch_size": 25, "parse_worker": False},
                             loops={"new_tickets_per_hour": 0})  # 97 mails of one reporter
    poison = mails.report(subject="RACUN", message_id="<poison@x.id>")
    normal = [mails.report(subject=f"Laporan {i}", message_id=f"<ok-{i}@x.id>")
              for i in range(96)]
    real_parse = mime.parse

    def parse(raw):
        if b"Subject: RACUN" in raw:
            raise RecursionError("maximum recursion depth exceeded while parsing")
        return real_parse(raw)

    monkeypatch.setattr(mime, "parse", parse)
    deliver(imap_server, settings.imap.folder, poison, nested(100), HUGE_HEADER, LINKS, *normal)
    intake, _ = Service(build_context(settings, tmp_path)).run_once()

    dispositions = [o.disposition for o in intake.outcomes]
    assert dispositions == [Disposition.QUARANTINED] + [Disposition.NEW_TICKET] * 99
    assert TicketRow.select().count() == 99
    [held] = mailbox.list_quarantine()
    assert held.raw == poison
    assert held.error.startswith("RecursionError: maximum recursion depth exceeded while parsing")
    assert folder_uids(imap_server, settings.imap.folder) == []
    huge = [t for t in tickets.list_tickets() if t.reporter.email == "b@pemda.go.id"][0]
    assert huge.subject == "a" * 1000

    monkeypatch.setattr(mime, "parse", real_parse)
    outcome = retry_quarantined(build_context(settings, tmp_path), held.id)
    assert outcome.disposition == Disposition.NEW_TICKET
    assert tickets.get_ticket(outcome.ticket_ref).subject == "RACUN"
    assert mailbox.list_quarantine() == []
