"""One language at a time, end to end: over a real IMAP server, a real SMTP sink, SQLite and
PostgreSQL, an agent of an Indonesian desk who sends bad command lines gets a receipt that is
Indonesian word for word (no parser jargon, no English field or status names), an English agent
the same receipt in English, and the reporter's mail carries the ticket's state in the
reporter's language."""
from __future__ import annotations

import pytest

from gateway.service import Service, build_context
from tests import mails
from tests.conftest import TEAMS, deliver, make_settings
from tests.integration.agent_replies import gmail_reply
from tests.integration.test_agent_flow import BUDI_MAY, SARI_MAY
from tests.language_words import giveaways

pytestmark = pytest.mark.integration

RINA, BUDI, SARI = "rina@pemkab-bogor.go.id", "budi@lkpp.example", "sari@lkpp.example"
TEAM_NAMES = [team["name"] for team in TEAMS]


class Desk:
    """The gateway on the real servers, one delivery and one `run --once` at a time."""

    def __init__(self, imap_server, smtp_sink, db_url, tmp_path) -> None:
        self.imap, self.sink, self.tmp = imap_server, smtp_sink, tmp_path
        self.settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
        assert self.settings.support.language == "id"
        self.seen = 0

    def deliver(self, raw: bytes) -> dict[str, bytes]:
        deliver(self.imap, self.settings.imap.folder, raw)
        Service(build_context(self.settings, self.tmp)).run_once()
        fresh, self.seen = self.sink.messages[self.seen:], len(self.sink.messages)
        return {recipients[0]: message for _sender, recipients, message in fresh}


def scanned(text: str, language: str) -> set[str]:
    """The giveaway words of a mail, leaving out the configured team names (data, not text)."""
    for name in TEAM_NAMES:
        text = text.replace(name, " ")
    return giveaways(text, language)


BAD_BLOCK_ID = "#ambil\n#eskalsi L1 perlu tim teknis\n#buka\n#prioritas sangat"
RECEIPT_ID = """\
Perintah Anda pada tiket LDP-000001 TIDAK dijalankan: ada baris yang salah, jadi tidak ada yang diubah. Perbaiki baris bertanda KESALAHAN, lalu kirim ulang seluruh blok.

#ambil
  benar
#eskalsi L1 perlu tim teknis
  KESALAHAN: perintah #eskalsi tidak dikenal
#buka
  KESALAHAN: #buka tidak dapat dipakai pada tiket L0 yang keadaannya diproses (hanya tiket yang selesai atau ditutup yang dapat dibuka kembali); yang dapat dipakai: #balas, #catatan, #templat, #tugaskan, #ambil, #lepas, #ikuti, #berhenti-ikuti, #tim, #prioritas, #kategori, #aplikasi, #lpse, #tindakan, #progres, #terkait, #induk, #eskalasi, #tunda, #selesai, #tutup, #gabung, #cek, #bantuan
#prioritas sangat
  KESALAHAN: #prioritas perlu diikuti salah satu dari: rendah, normal, tinggi, mendesak

Keadaan tiket (tidak berubah):
Tingkat  : L0
Tim      : LKPP Level 0
Keadaan  : baru
Prioritas: normal
Kategori : -
Petugas  : -

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""" + "\n" + BUDI_MAY
BAD_BLOCK_EN = "#take\n#escalte L1 needs the technical team\n#reopen\n#priority very"
RECEIPT_EN = """\
Your commands on ticket LDP-000001 were NOT carried out: some lines are wrong, so nothing was changed. Fix the lines marked ERROR and send the whole block again.

#take
  OK
#escalte L1 needs the technical team
  ERROR: unknown command #escalte
#reopen
  ERROR: #reopen is not allowed on an L0 ticket in status open (only a resolved or closed ticket can be reopened); allowed there: #reply, #note, #template, #assign, #take, #unassign, #follow, #unfollow, #team, #priority, #category, #application, #lpse, #action, #progress, #related, #parent, #escalate, #pending, #resolve, #close, #merge, #check, #help
#priority very
  ERROR: #priority needs one of: low, normal, high, urgent

The ticket (unchanged):
Level    : L0
Team     : LKPP Level 0
Status   : new
Priority : normal
Category : -
Assignee : -

Commands (on the first lines of your reply): #reply #note #template #escalate #return #assign #take #unassign #follow #unfollow #team #priority #category #application #lpse #action #pending #progress #resolve #close #reopen #merge #related #parent #check #help. Send #help for details.
""" + "\n" + SARI_MAY


def test_a_refused_block_is_answered_in_the_agents_language_word_for_word(
        imap_server, smtp_sink, db_url, tmp_path):
    """Budi (Indonesian) and Sari (English) each send a block with an unknown command, a
    transition the table forbids and a bad value: nothing changes, and each receipt names
    every line's problem in the agent's own language and nothing else."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.deliver(mails.report(message_id="<CAGx7rina0101@mail.gmail.com>"))
    budi = desk.deliver(gmail_reply("Budi <budi@lkpp.example>", new[BUDI], BAD_BLOCK_ID,
                                    "Budi\nLKPP", "<CAGx7budi0101@mail.gmail.com>"))
    assert sorted(budi) == [BUDI]
    assert mails.parse(budi[BUDI])["Subject"] == \
        "[LDP-000001] Perintah DITOLAK: Tidak bisa login SPSE"
    receipt = mails.text_of(budi[BUDI])
    assert receipt == RECEIPT_ID
    assert scanned(receipt, "id") == set()
    assert scanned(mails.html_of(budi[BUDI]), "id") == set()

    sari = desk.deliver(gmail_reply("Sari <sari@lkpp.example>", new[SARI], BAD_BLOCK_EN,
                                    "Sari\nLKPP", "<CAGx7sari0101@mail.gmail.com>"))
    assert sorted(sari) == [SARI]
    assert mails.parse(sari[SARI])["Subject"] == \
        "[LDP-000001] Commands REFUSED: Tidak bisa login SPSE"
    receipt = mails.text_of(sari[SARI])
    assert receipt == RECEIPT_EN
    assert scanned(receipt.replace("Tidak bisa login SPSE", ""), "en") == set()


def test_the_reporters_mail_states_the_ticket_in_the_reporters_language(
        imap_server, smtp_sink, db_url, tmp_path):
    """The acknowledgement and the on-hold notice to an Indonesian reporter end their facts
    with 'Keadaan : baru' and 'Keadaan : ditunda'; an English reporter reads 'Status : new'."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.deliver(mails.report(message_id="<CAGx7rina0201@mail.gmail.com>"))
    ack = mails.text_of(new[RINA])
    assert "\n\nNomor tiket : LDP-000001\nPerihal     : Tidak bisa login SPSE\n" \
           "Keadaan     : baru\n\n" in ack
    assert scanned(ack, "id") == set()

    held = desk.deliver(gmail_reply(
        "Budi <budi@lkpp.example>", new[BUDI],
        "#tunda Mohon kirimkan tangkapan layar pesan yang muncul saat masuk.",
        "Budi\nLKPP", "<CAGx7budi0201@mail.gmail.com>"))
    pending = mails.text_of(held[RINA])
    assert pending == PENDING_ID
    assert scanned(pending, "id") == set()

    english = desk.deliver(mails.report(
        subject="Cannot log in to SPSE", sender="John Smith <john@example.org>",
        body="Good morning, I cannot log in to the SPSE application since yesterday. "
             "The page says my password is wrong, but I have not changed it. Please help.\n",
        message_id="<john-0001@example.org>"))
    ack = mails.text_of(english["john@example.org"])
    assert "\n\nTicket  : LDP-000002\nSubject : Cannot log in to SPSE\nStatus  : new\n\n" in ack
    assert "\n\nYour report is being handled by LKPP Level 0 (Level 0).\n\n" in ack
    assert scanned(ack, "en") == set()


PENDING_ID = """\
Yth. Rina Wati,

Penanganan laporan Bapak/Ibu dengan nomor tiket LDP-000001 kami tunda sementara, dengan keterangan:

Mohon kirimkan tangkapan layar pesan yang muncul saat masuk.

Laporan Bapak/Ibu sedang ditangani LKPP Level 0 (Tingkat 0).

Nomor tiket : LDP-000001
Perihal     : Tidak bisa login SPSE
Keadaan     : ditunda

Bila keterangan di atas memerlukan tanggapan atau data dari Bapak/Ibu, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya; tiket ini akan segera kami tangani kembali.

Hormat kami,
Layanan Dukungan Pengguna
"""
