"""Issue 14, item 7: both databases store the same mail the same way, and attachment files
follow their transaction. A 1,000-character content type, file name and address are stored
whole on PostgreSQL as on SQLite; NUL in HTML is dropped on both; a message that fails after
its attachments were written leaves no file, and its retry from quarantine writes each once."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import subprocess
import sys
from datetime import timedelta

import pytest

from gateway.domain import Disposition, RoutingDecision
from gateway.parsers import mime
from gateway.service import Service, build_context, recover_attachments, retry_quarantined
from gateway.store import database, files, mailbox, tickets
from gateway.store.models import AttachmentRow, MessageRow, OutboxRow, TicketRow
from tests import mails
from tests.conftest import deliver, make_settings
from tests.reliability import refusal

pytestmark = pytest.mark.integration
LONG_ADDRESS = "a" * 242 + "@pemda.go.id"  # 254 characters: the longest address RFC 5321 allows
LONG_TYPE = "application/x-" + "b" * 986  # 1,000 characters
LONG_NAME = "c" * 996 + ".pdf"


def stored_files(tmp_path) -> list[str]:
    """Every file under the data folder's attachment folders, pending ones included."""
    data = tmp_path / "data"
    return sorted(str(p.relative_to(data)) for p in data.glob("attachments*/**/*")
                  if p.is_file())


def long_headers() -> bytes:
    raw = mails.report(subject="Header panjang", sender=f"Rina <{LONG_ADDRESS}>",
                       message_id="<long@x.id>",
                       attachments=[(LONG_NAME, "application/pdf", b"%PDF-1.4 isi")])
    # The attachment's type as a sender can write it: 1,000 characters.
    return raw.replace(b"Content-Type: application/pdf", f"Content-Type: {LONG_TYPE}".encode())


def test_a_1000_character_address_type_and_file_name_are_stored_whole_on_both(
        imap_server, smtp_sink, db_url, tmp_path):
    """PostgreSQL's VARCHAR(255) quarantined this mail, SQLite stored it: now both store what
    the parser read (the longest address there is, a 1,000-character type and file name)."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    deliver(imap_server, settings.imap.folder, long_headers())
    intake, _ = Service(build_context(settings, tmp_path)).run_once()

    assert [o.disposition for o in intake.outcomes] == [Disposition.NEW_TICKET]
    parsed = mime.parse(long_headers())
    ticket = tickets.get_ticket(intake.outcomes[0].ticket_ref)
    assert ticket.reporter.email == LONG_ADDRESS == parsed.sender.email
    [row] = AttachmentRow.select()
    assert (row.content_type, row.name) == (LONG_TYPE, parsed.attachments[0].name)
    assert len(row.content_type) == 1000
    assert MessageRow.get(MessageRow.message_id == "<long@x.id>").author_email == LONG_ADDRESS
    assert mailbox.list_quarantine() == []


def test_a_from_address_longer_than_any_real_one_is_quarantined_alike_on_both(
        imap_server, smtp_sink, db_url, tmp_path):
    """A 1,000-character address in From cannot be answered (RFC 5321: 254 at most): both
    databases quarantine the mail with the same reason, and no ticket exists."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    too_long = "a" * 988 + "@pemda.go.id"
    deliver(imap_server, settings.imap.folder,
            long_headers().replace(LONG_ADDRESS.encode(), too_long.encode()))
    intake, _ = Service(build_context(settings, tmp_path)).run_once()

    assert [o.disposition for o in intake.outcomes] == [Disposition.QUARANTINED]
    assert [item.error for item in mailbox.list_quarantine()] == [
        "no sender address in From"]
    assert TicketRow.select().count() == 0


def test_an_address_over_the_b_tree_row_limit_is_stored_and_found_on_both(db_url, tmp_path):
    """1,000 four-byte characters (4,000 octets, over PostgreSQL's 2,704-octet B-tree entry):
    the ticket and its outbox row are stored, and both lookups by address find them."""
    from gateway.domain import RoutingDecision
    from gateway.store import guards
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    wide = "\U0001F600" * 1000 + "@pemda.go.id"
    mail = mime.parse(mails.report(sender="rina@pemda.go.id", message_id="<wide@x.id>"))
    mail = dataclasses.replace(mail, sender=dataclasses.replace(mail.sender, email=wide))
    with database.transaction(ctx.db):
        ticket = tickets.open_ticket(mail, RoutingDecision(team="l0-lkpp"), prefix="LDP",
                                     language="id")
        outbox_row = OutboxRow.create(ticket=ticket.id, message_id="<ack@x.id>",
                                      template="reporter_ack", sender="helpdesk@lpse.example",
                                      recipient=wide, subject="s", visibility="public",
                                      raw=b"x", status="pending",
                                      next_attempt_at=database.utcnow(),
                                      created_at=database.utcnow())
    with database.transaction(ctx.db):
        assert TicketRow.get(TicketRow.reporter_email == wide).id == ticket.id
        assert guards.automatic_mail_count(wide, ("reporter_ack",),
                                           database.utcnow() - timedelta(hours=1)) == 1
    assert outbox_row.recipient == wide


def test_nul_in_html_is_dropped_the_same_on_both(imap_server, smtp_sink, db_url, tmp_path):
    """PostgreSQL refuses NUL in text (the mail was quarantined there and stored by SQLite):
    the parser drops it, and both store the same HTML."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    # Base64, so that the NUL survives the IMAP server (Dovecot replaces a raw one).
    body = base64.b64encode(b"<p>Aplikasi\x00 error</p>").decode()
    raw = ("From: Rina <rina@pemkab-bogor.go.id>\r\nTo: helpdesk@lpse.example\r\n"
           "Subject: HTML\r\nMessage-ID: <nul@x.id>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
           f"\r\n{body}\r\n").encode()
    deliver(imap_server, settings.imap.folder, raw)
    intake, _ = Service(build_context(settings, tmp_path)).run_once()
    assert [o.disposition for o in intake.outcomes] == [Disposition.NEW_TICKET]
    assert MessageRow.get().html.strip() == "<p>Aplikasi error</p>"


def three_attachments(subject: str = "Lampiran tiga") -> tuple[bytes, list[bytes]]:
    payloads = [f"isi {name}".encode() * 100 for name in ("satu", "dua", "tiga")]
    raw = mails.report(subject=subject, message_id="<tiga@x.id>", attachments=[
        ("pertama.pdf", "application/pdf", payloads[0]),
        ("kedua.pdf", "application/pdf", payloads[1]),
        ("ketiga.pdf", "application/pdf", payloads[2])])
    return raw, payloads


def test_a_message_failing_after_its_files_were_written_leaves_none_and_its_retry_writes_once(
        imap_server, smtp_sink, db_url, tmp_path):
    """The database refuses the third attachment's row, after the first two files were
    written, on every try: quarantined, no file left (pending or in place). Once it takes it,
    `quarantine retry` stores the message with exactly three files, one per row."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"parse_worker": False})
    ctx = build_context(settings, tmp_path)
    refusal.refuse(ctx, "attachment", "name", "ketiga")
    raw, payloads = three_attachments()
    deliver(imap_server, settings.imap.folder, raw, mails.report(message_id="<ok@x.id>"))

    intake, _ = Service(ctx).run_once()

    assert [o.disposition for o in intake.outcomes] == \
        [Disposition.QUARANTINED, Disposition.NEW_TICKET]
    assert stored_files(tmp_path) == []
    assert AttachmentRow.select().count() == 0

    refusal.accept(ctx, "attachment")
    [held] = mailbox.list_quarantine()
    assert retry_quarantined(ctx, held.id).disposition == Disposition.NEW_TICKET
    assert retry_quarantined(ctx, held.id).disposition == Disposition.DUPLICATE
    rows = list(AttachmentRow.select().order_by(AttachmentRow.id))
    assert stored_files(tmp_path) == sorted(f"attachments/{r.storage_id}" for r in rows)
    folder = tmp_path / "data" / "attachments"
    assert [(folder / r.storage_id).read_bytes() for r in rows] == payloads
    assert [r.sha256 for r in rows] == [hashlib.sha256(p).hexdigest() for p in payloads]


def test_an_unexpected_error_after_the_files_were_written_leaves_none(
        imap_server, smtp_sink, db_url, tmp_path, monkeypatch):
    """The other road to quarantine: an error that is not the database's (the last guard)."""
    from gateway import outgoing
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             imap={"parse_worker": False})
    real_enqueue = outgoing.enqueue

    def enqueue(ctx, ticket, notice, auto=False):
        if ticket is not None and ticket.subject == "Lampiran tiga":
            raise RuntimeError("template exploded")
        return real_enqueue(ctx, ticket, notice, auto)

    monkeypatch.setattr(outgoing, "enqueue", enqueue)
    deliver(imap_server, settings.imap.folder, three_attachments()[0])
    intake, _ = Service(build_context(settings, tmp_path)).run_once()
    assert [o.disposition for o in intake.outcomes] == [Disposition.QUARANTINED]
    assert stored_files(tmp_path) == []
    assert TicketRow.select().count() == 0


def test_files_a_dead_gateway_left_pending_go_into_place_or_away(db_url, tmp_path):
    """Killed between a commit and its moves: the file a committed row names goes into place,
    a file of an uncommitted message is deleted, at the next start."""
    settings = make_settings(tmp_path, db_url)
    ctx = build_context(settings, tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    raw, payloads = three_attachments()
    mail = mime.parse(raw)
    committed = tickets.attachment_id(mail.dedup_key, 0)
    with database.transaction(ctx.db):  # the row committed, its file still pending
        row = tickets.add_message(None, mail, kind="report")
        database.insert(AttachmentRow, message=row, storage_id=committed, name="pertama.pdf",
                        content_type="application/pdf", size=len(payloads[0]),
                        sha256=hashlib.sha256(payloads[0]).hexdigest())
    pending = files.pending_dir(ctx.attachments_dir, int(dead))
    pending.mkdir(parents=True)
    (pending / committed).write_bytes(payloads[0])
    (pending / ("0" * 32)).write_bytes(b"never committed")

    assert recover_attachments(ctx) == 1
    assert stored_files(tmp_path) == [f"attachments/{committed}"]
    assert (ctx.attachments_dir / committed).read_bytes() == payloads[0]


def test_an_original_a_dead_gateway_left_pending_goes_into_place(db_url, tmp_path):
    """A large mail's original (message.raw_file) follows its row as an attachment does: the
    row committed, the gateway killed before the move, the next start puts the file in place
    and `tickets.original` gives the mail back byte for byte."""
    settings = make_settings(tmp_path, db_url)
    ctx = build_context(settings, tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    raw = mails.report(subject="Log besar", message_id="<orig-dead@x.id>",
                       body="".join(f"baris {i}: sandi salah\n" for i in range(80_000)))
    assert len(raw) > tickets.ORIGINAL_FILE_BYTES
    mail = mime.parse(raw)
    original = tickets.original_id(mail.dedup_key)
    with database.transaction(ctx.db):  # the row committed, its original still pending
        ticket = tickets.open_ticket(mail, RoutingDecision(team="l0-lkpp"), prefix="LDP", language="id")
        database.insert(MessageRow, ticket=ticket.id, direction="inbound", visibility="public",
                        kind="report", message_key=mail.dedup_key, raw=None, raw_file=original,
                        digest=mail.digest, created_at=database.utcnow())
    pending = files.pending_dir(ctx.attachments_dir, int(dead))
    pending.mkdir(parents=True)
    (pending / original).write_bytes(raw)

    assert recover_attachments(ctx) == 1
    assert stored_files(tmp_path) == [f"attachments/{original}"]
    with database.transaction(ctx.db):
        assert tickets.original(tickets.get_ticket(ticket.ref), 1, ctx.attachments_dir) == raw
