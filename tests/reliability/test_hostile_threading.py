"""Issue 14, item 1: one mail never stalls intake. A References of 130,000 IDs (too many SQL
variables on SQLite), a Message-ID of 860 four-byte characters spelled in encoded words (over
PostgreSQL's B-tree row limit), and any other refusal of the database caused by one message:
each followed by 100 ordinary mails, all stored by ONE `ldp run --once`, on both databases."""
from __future__ import annotations

import base64
import os
import random
import subprocess
import sys

import pytest

from gateway.domain import Disposition
from gateway.parsers import mime, threading
from gateway.intake.poison import EVENT, POISON_ATTEMPTS
from gateway.service import Service, build_context, retry_quarantined
from gateway.store import database, mailbox, tickets
from gateway.store.models import EventRow, MessageRow, TicketRow
from tests import mails
from tests.reliability import refusal
from tests.conftest import deliver, folder_uids, make_settings, write_config

pytestmark = pytest.mark.integration
REPORTER = "Rina Wati <rina@pemkab-bogor.go.id>"


def ordinary(count: int = 100) -> list[bytes]:
    return [mails.report(subject=f"Laporan {i}", message_id=f"<ok-{i}@pemda.go.id>",
                         sender=f"pelapor{i}@pemda.go.id") for i in range(count)]


def with_ids(header: str, count: int, parent: str) -> bytes:
    """A reply whose `header` names `count` IDs, `parent` where a reader looks for it: the
    last of References (the newest), the first of In-Reply-To."""
    noise = [f"<r{i}.{os.urandom(4).hex()}@elsewhere.example>" for i in range(count - 1)]
    ids = "\r\n ".join(noise + [parent] if header == "References" else [parent] + noise)
    return (f"From: {REPORTER}\r\nTo: helpdesk@lpse.example\r\nSubject: Re: Tidak bisa login\r\n"
            f"Message-ID: <hostile@pemkab-bogor.go.id>\r\n{header}: {ids}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nMasih belum bisa login.\r\n").encode()


def long_message_id(encoding: str) -> bytes:
    """A Message-ID of 860 four-byte characters, spelled in encoded words (3,461 octets).
    Different characters (seeded): PostgreSQL compresses a repetitive one below its limit."""
    rng = random.Random(860)
    value = "<" + "".join(chr(rng.randrange(0x20000, 0x2A6DF)) for _ in range(860)) \
        + "@pemkab-bogor.go.id>"
    words = []
    for start in range(0, len(value), 5):
        chunk = value[start:start + 5].encode()
        text = base64.b64encode(chunk).decode() if encoding == "b" else \
            "".join(f"={byte:02X}" for byte in chunk)
        words.append(f"=?utf-8?{encoding}?{text}?=")
    folded = "\r\n ".join(words)
    return (f"From: {REPORTER}\r\nTo: helpdesk@lpse.example\r\nSubject: Laporan panjang\r\n"
            f"Message-ID: {folded}\r\n\r\nHalo, aplikasi error.\r\n").encode()


def run_once(settings, tmp_path) -> subprocess.CompletedProcess:
    config = write_config(tmp_path / "ldp.toml", settings)
    env = {**os.environ, "LDP_CONFIG": str(config)}
    return subprocess.run([sys.executable, "-m", "gateway", "run", "--once"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)


def assert_the_100_are_tickets(settings, tmp_path, imap_server) -> None:
    ctx = build_context(settings, tmp_path)
    with database.transaction(ctx.db):
        reporters = {t.reporter.email for t in tickets.list_tickets()}
    assert {f"pelapor{i}@pemda.go.id" for i in range(100)} <= reporters
    assert folder_uids(imap_server, settings.imap.folder) == []


@pytest.mark.parametrize("header, count", [("References", 130_000), ("In-Reply-To", 130_000)])
def test_a_reply_naming_130000_ids_threads_by_its_last_ones_and_100_mails_follow(
        imap_server, smtp_sink, db_url, tmp_path, header, count):
    """The reporter's first report, then a reply whose References (or In-Reply-To) names
    130,000 IDs, that report's among the ones a reader looks at, then 100 mails: one `run --once` exits 0,
    the reply is a follow-up on the report's ticket, the 100 are tickets."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    first = mails.report(sender=REPORTER, message_id="<first@pemkab-bogor.go.id>")
    deliver(imap_server, settings.imap.folder, first,
            with_ids(header, count, "<first@pemkab-bogor.go.id>"), *ordinary())

    done = run_once(settings, tmp_path)

    assert done.returncode == 0, done.stderr[-2000:]
    assert_the_100_are_tickets(settings, tmp_path, imap_server)
    [ticket] = [t for t in tickets.list_tickets() if t.reporter.email == "rina@pemkab-bogor.go.id"]
    assert [(m.kind, m.message_id) for m in tickets.messages(ticket)] == [
        ("report", "<first@pemkab-bogor.go.id>"), ("reply", "<hostile@pemkab-bogor.go.id>")]
    assert TicketRow.select().count() == 101


@pytest.mark.parametrize("encoding", ["b", "q"])
def test_a_message_id_of_860_four_byte_characters_is_no_id_and_100_mails_follow(
        imap_server, smtp_sink, db_url, tmp_path, encoding):
    """Its Message-ID is longer than RFC 5322's 998-octet line: the mail is known by the hash
    of its bytes (no index sees the ID), becomes a ticket, and so do the 100 behind it."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    hostile = long_message_id(encoding)
    assert len(mime.parse(hostile).headers["message-id"][0].encode()) > 3000
    deliver(imap_server, settings.imap.folder, hostile, *ordinary())

    done = run_once(settings, tmp_path)

    assert done.returncode == 0, done.stderr[-2000:]
    assert_the_100_are_tickets(settings, tmp_path, imap_server)
    [row] = MessageRow.select().where(MessageRow.subject == "Laporan panjang")
    assert row.message_id is None and row.message_key.startswith("sha256:")
    assert mailbox.list_quarantine() == []


def test_a_message_the_database_keeps_refusing_is_quarantined_after_3_tries_as_poison(
        imap_server, smtp_sink, db_url, tmp_path):
    """Whatever a mail carries that the database refuses (here a trigger refuses it, as an
    index or a limit would): it is tried POISON_ATTEMPTS times, quarantined with the poison
    reason and a `poison_message` event, the 100 behind it are stored in the same run, and
    `ldp quarantine retry` stores it once the database takes it."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"parse_worker": False})
    ctx = build_context(settings, tmp_path)
    refusal.refuse(ctx, "message", "subject", "RACUN")
    hostile = mails.report(subject="RACUN", sender=REPORTER, message_id="<poison@x.id>")
    deliver(imap_server, settings.imap.folder, hostile, *ordinary())

    intake, _ = Service(ctx).run_once()

    assert [o.disposition for o in intake.outcomes] == \
        [Disposition.QUARANTINED] + [Disposition.NEW_TICKET] * 100
    [held] = mailbox.list_quarantine()
    assert held.raw == hostile
    assert held.error.startswith(f"poison message: failed {POISON_ATTEMPTS} times, last: "
                                 "database refused: ")
    [event] = EventRow.select().where(EventRow.kind == EVENT)
    assert event.ticket_id is None and event.new_value == str(held.id)
    assert TicketRow.select().count() == 100
    assert folder_uids(imap_server, settings.imap.folder) == []
    assert folder_uids(imap_server, settings.imap.quarantine_folder) != []

    refusal.accept(ctx, "message")
    outcome = retry_quarantined(ctx, held.id)
    assert outcome.disposition == Disposition.NEW_TICKET
    assert tickets.get_ticket(outcome.ticket_ref).subject == "RACUN"


def test_threading_reads_the_last_50_references_and_ignores_ids_over_998_octets():
    """Pure: In-Reply-To first, then References from the newest back, at most 50 of them;
    an ID longer than RFC 5322's line limit is never looked up."""
    refs = " ".join(f"<r{i}@x.id>" for i in range(1000))
    long_id = "<" + "\u00e9" * 500 + "@x.id>"  # 500 characters, 1,006 octets
    raw = (f"From: a@x.id\r\nSubject: s\r\nMessage-ID: {long_id}\r\n"
           f"In-Reply-To: <direct@x.id> {long_id}\r\nReferences: {refs}\r\n\r\nx\r\n").encode()
    mail = mime.parse(raw)
    assert mail.message_id is None
    ids = threading.referenced_ids(mail)
    assert ids == ("<direct@x.id>", *(f"<r{i}@x.id>" for i in range(999, 949, -1)))
    assert threading.THREAD_LOOKUP_REFERENCES == 50
