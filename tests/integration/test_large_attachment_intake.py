"""A mail with a large attachment through the real intake: Dovecot (or pymap), SQLite and
PostgreSQL. The attachment file is byte-identical under a generated id with its safe name, size
and hash; the raw message is stored whole; the fetch does not format the literal for a log."""
from __future__ import annotations

import hashlib
import logging
import random

import pytest

from gateway import config
from gateway.domain import Disposition
from gateway.service import Service, build_context
from gateway.store.models import AttachmentRow, MessageRow
from gateway.transport.imap import Mailbox
from tests import mails
from tests.conftest import deliver, make_settings

pytestmark = pytest.mark.integration


def test_a_large_attachment_is_stored_byte_identical_with_the_whole_raw_message(
        imap_server, smtp_sink, db_url, tmp_path):
    """A 3 MB attachment named ../../rekaman.mp4: one ticket, one file in the attachment folder
    with exactly its bytes, the row's size and sha256 match, and the whole mail is kept in a
    second file there (a mail over 1 MiB keeps its original beside the attachments)."""
    data = random.Random(3).randbytes(3_000_000)
    raw = mails.report(message_id="<besar@x.id>",
                       attachments=[("../../rekaman.mp4", "video/mp4", data)])
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    deliver(imap_server, settings.imap.folder, raw)
    intake, _ = Service(build_context(settings, tmp_path)).run_once()

    assert [o.disposition for o in intake.outcomes] == [Disposition.NEW_TICKET]
    [row] = list(AttachmentRow.select())
    assert (row.name, row.content_type, row.size) == ("rekaman.mp4", "video/mp4", len(data))
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    folder = (tmp_path / "data" / "attachments").resolve()
    [message] = list(MessageRow.select())
    assert message.raw is None
    assert sorted(p.name for p in folder.iterdir()) == sorted([row.storage_id, message.raw_file])
    assert (folder / row.storage_id).read_bytes() == data
    stored = (folder / message.raw_file).read_bytes()
    # IMAP servers may store the mail with CRLF line endings; the bytes are the server's.
    assert stored.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert message.digest == hashlib.sha256(stored).hexdigest()


def test_fetching_a_large_mail_does_not_format_it_for_the_imap_debug_log(imap_server, tmp_path):
    """imapclient turns imaplib's debug level to 5, which builds a repr of every literal; the
    fetch turns it off unless the "imapclient.imaplib" logger wants DEBUG records."""
    raw = mails.report(attachments=[("a.bin", "application/octet-stream", b"x" * 1_500_000)])
    settings = make_settings(tmp_path, "sqlite://", imap_server)
    deliver(imap_server, settings.imap.folder, raw)
    with Mailbox(settings.imap) as box:
        assert box.client._imap.debug == 5  # what imapclient sets
        [(uid, body)] = list(box.fetch([w.uid for w in box.waiting(0)]))
        assert box.client._imap.debug == 0
        assert body.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    logger = logging.getLogger("imapclient.imaplib")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with Mailbox(settings.imap) as box:
            box.fetch_header(uid)
            assert box.client._imap.debug == 5
    finally:
        logger.setLevel(level)


def test_the_default_size_limit_takes_a_25_mb_attachment():
    """40 MiB: a 25 MB attachment is about 34 MB once base64-encoded, and is taken."""
    assert config.Imap().max_message_bytes == 40 * 1024 * 1024
    assert 25_000_000 * 4 / 3 * 78 / 76 < config.Imap().max_message_bytes
