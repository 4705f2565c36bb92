"""Memory while files travel: reading an agent's reply for its own files holds slices of a
megabyte, not the files (`own_files.parts`), and a notice carrying stored files holds their
base64 text twice at most (the pieces and the mail), never the file as a string or the mail
many times over (`compose`). tracemalloc counts Python's allocations exactly."""
from __future__ import annotations

import random
import tracemalloc
from email.message import EmailMessage
from email.policy import SMTP

from gateway.compose import Composer
from gateway.domain import Address, Notice, NoticeFile
from gateway.parsers import own_files


def peak(function, *arguments) -> int:
    tracemalloc.start()
    try:
        function(*arguments)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def reply(megabytes: int) -> bytes:
    message = EmailMessage()
    message["From"] = "budi@lkpp.example"
    message.set_content("#balas\n\nTerlampir.\n")
    message.add_attachment(random.Random(1).randbytes(megabytes << 20), "application", "zip",
                           filename="data.zip")
    return message.as_bytes(policy=SMTP)


def test_reading_a_replys_files_does_not_grow_with_the_files():
    small, large = reply(4), reply(16)
    small_peak, large_peak = peak(own_files.parts, small), peak(own_files.parts, large)
    assert large_peak < small_peak * 1.25 + 1_000_000, (small_peak, large_peak)
    assert large_peak < len(large) // 2


def test_a_notice_with_stored_files_holds_their_text_twice_at_most(tmp_path):
    composer = Composer(support_address="helpdesk@lpse.example", support_name="LDP",
                        domain="lpse.example", loop_marker="helpdesk@lpse.example",
                        file_path=lambda storage_id: tmp_path / storage_id)
    size = 8 << 20
    (tmp_path / "ab12").write_bytes(random.Random(2).randbytes(size))
    notice = Notice(template="reporter_ack", to=Address("rina@x.id", "Rina"), language="id",
                    ticket_ref="LDP-000001",
                    context={"ref": "LDP-000001", "reporter_name": "Rina", "status": "new",
                             "subject": "x"},
                    files=(NoticeFile("ab12", "data.zip", "application/zip", size),))
    encoded = size * 4 // 3 * 78 // 76  # base64 with a CRLF every 76 characters
    assert peak(composer.render, notice) < 2 * encoded + 2_000_000
