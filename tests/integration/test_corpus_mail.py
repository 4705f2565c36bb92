"""Real-world mail from the vendored corpus goes through IMAP into tickets, stored correctly
and safely: HTML-only, iso-8859-1 quoted-printable, and a hostile attachment name."""
from __future__ import annotations

import pytest

from gateway.domain import Disposition
from gateway.service import Service, build_context
from gateway.store import tickets
from gateway.store.models import AttachmentRow
from tests.conftest import CORPUS, deliver, make_settings

pytestmark = pytest.mark.integration
RT = CORPUS / "request-tracker" / "t" / "data" / "emails"
HELPDESK = CORPUS / "django-helpdesk" / "tests" / "test_files"


def corpus_file(path):
    return path.read_bytes()


def ingest_via_imap(imap_server, smtp_sink, db_url, tmp_path, raw):
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    deliver(imap_server, settings.imap.folder, raw)
    intake, _sent = Service(build_context(settings, tmp_path)).run_once()
    return settings, intake.outcomes


def test_html_only_iso_8859_1_quoted_printable_mail_is_stored_as_readable_text(
        imap_server, smtp_sink, db_url, tmp_path):
    """RT's HTML-only iso-8859-1 QP mail becomes a ticket whose text is decoded and tag-free."""
    raw = corpus_file(RT / "text-html-with-umlaut")
    _settings, outcomes = ingest_via_imap(imap_server, smtp_sink, db_url, tmp_path, raw)
    assert [o.disposition for o in outcomes] == [Disposition.NEW_TICKET]
    [message] = tickets.messages(tickets.get_ticket(outcomes[0].ticket_ref))
    assert "Mit freundlichen Grüßen" in message.text
    assert "ist this kind of Messages, that causes rt to crash." in " ".join(message.text.split())
    assert "<" not in message.text and "=FC" not in message.text


def test_multipart_iso_8859_1_quoted_printable_text_is_decoded(
        imap_server, smtp_sink, db_url, tmp_path):
    """The plain part of an iso-8859-1 QP multipart/alternative mail is stored decoded."""
    raw = corpus_file(RT / "multipart-alternative-with-umlaut")
    _settings, outcomes = ingest_via_imap(imap_server, smtp_sink, db_url, tmp_path, raw)
    [message] = tickets.messages(tickets.get_ticket(outcomes[0].ticket_ref))
    assert "causes" in message.text and "=E4" not in message.text
    assert any(ch in message.text for ch in "äöüß")


def test_attachment_named_dot_dot_etc_passwd_stays_in_the_attachment_folder(
        imap_server, smtp_sink, db_url, tmp_path):
    """An attachment called ../../etc/passwd is stored under a generated id, named 'passwd'."""
    raw = corpus_file(HELPDESK / "blank-body-with-attachment.eml")
    assert b'filename="baf"' in raw
    raw = raw.replace(b'filename="baf"', b'filename="../../etc/passwd"')
    settings, outcomes = ingest_via_imap(imap_server, smtp_sink, db_url, tmp_path, raw)
    assert [o.disposition for o in outcomes] == [Disposition.NEW_TICKET]
    [row] = list(AttachmentRow.select())
    assert row.name == "passwd"
    folder = (tmp_path / "data" / "attachments").resolve()
    stored = folder / row.storage_id
    assert stored.read_bytes() == b"You shouldn't see this.\n"
    assert stored.resolve().parent == folder
    assert sorted(p.name for p in folder.iterdir()) == [row.storage_id]
    assert not (tmp_path / "etc").exists() and not (tmp_path / "data" / "etc").exists()
