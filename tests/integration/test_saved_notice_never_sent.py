"""Review, end to end (Dovecot, SMTP sink, both databases): Budi saves the notice he got and
attaches it to his #balas as notice.eml (application/octet-stream, as a client attaches a file
from disk), beside his spreadsheet. The saved notice holds his reply token and the desk's own
text: only the spreadsheet reaches Rina, and her mail holds no token of his."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.parsers import auth
from tests import mails
from tests.integration.agent_replies import POLICY, _headers
from tests.integration.test_agent_flow import BUDI, RINA, Desk
from tests.integration.test_attachments import XLSX, XLSX_BYTES, files_of, report_with_files, sha

pytestmark = pytest.mark.integration


def test_a_notice_saved_and_attached_as_a_file_never_reaches_the_reporter(
        imap_server, smtp_sink, db_url, tmp_path):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.deliver(report_with_files())
    notice = new[BUDI]
    token_id = mails.parse(notice)["Message-ID"].strip()
    assert auth.parse_token_id(token_id) is not None  # the notice carries Budi's token
    message = _headers(EmailMessage(), "Budi Santoso <budi@lkpp.example>", notice,
                       "<CAGx7budi0002@mail.gmail.com>", "Re: ")
    message.set_content("#balas\n\nIbu Rina, terlampir data yang sudah diperbaiki.\n")
    message.add_attachment(XLSX_BYTES, *XLSX.split("/"), filename="koreksi-akun.xlsx")
    message.add_attachment(notice, "application", "octet-stream", filename="notice.eml")
    answered = desk.deliver(message.as_bytes(policy=POLICY))
    assert files_of(answered[RINA]) == {
        "koreksi-akun.xlsx": (XLSX, sha(XLSX_BYTES), None, "attachment")}
    assert token_id.strip("<>").encode() not in answered[RINA]
