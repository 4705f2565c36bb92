"""Notifications to agents carry what the issue promises: the reporter's fresh text (without
the quoted history), the internal notes so far, the ticket's state and the one-line command
reference in the agent's own language."""
from __future__ import annotations

import pytest

from tests import mails
from tests.integration.agent_replies import LocalDesk, gmail_reply

pytestmark = pytest.mark.integration
BUDI, SARI, RINA = "budi@lkpp.example", "sari@lkpp.example", "rina@pemkab-bogor.go.id"


def test_a_reporter_reply_reaches_the_team_with_the_internal_notes(db_url, tmp_path):
    """Budi notes something internally; Rina's quoted reply reaches Sari (English) with the
    fresh text, Budi's note and the command line."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    desk.deliver(gmail_reply(f"Budi <{BUDI}>", new[BUDI][0],
                             "#catatan\n\nLog server normal, kemungkinan kata sandi kedaluwarsa.",
                             "Budi", "<note-1@lkpp.example>"))
    ack = mails.parse(new[RINA][0])
    sent = desk.deliver(gmail_reply(f"Rina Wati <{RINA}>", new[RINA][0],
                                    "Sudah saya coba lagi, tetap gagal.", "Rina",
                                    "<rina-2@mail.gmail.com>"))
    assert ack["Message-ID"]
    text = mails.text_of(sent[SARI][0])
    assert text == """\
There is a new reply on ticket LDP-000001 (L0, LKPP Level 0, status open).

From     : Rina Wati <rina@pemkab-bogor.go.id>
Subject  : Tidak bisa login SPSE
Assignee : -

--- Reply ---
Sudah saya coba lagi, tetap gagal.
--- End of reply ---

--- Internal notes ---
Budi <budi@lkpp.example>:
Log server normal, kemungkinan kata sandi kedaluwarsa.

--- End of notes ---

Commands (on the first lines of your reply): #reply #note #template #escalate #return #assign #take \
#unassign #follow #unfollow #team #priority #category #application #lpse #action #pending #progress #resolve #close #reopen #merge #related #parent #check #help. Send #help \
for details.
"""
    assert "Catatan internal" in mails.text_of(sent[BUDI][0])
    assert RINA not in sent
