"""Agents at home in the desk (issue 18, item 5), over a real IMAP server (Dovecot), the real
SMTP sink, `ldp run --once`, SQLite and PostgreSQL: an agent's #bantuan to the support address
brings their cheat-sheet and opens no ticket, while a reporter's or a forged one is a ticket as
before; a #balas with #templat sends the reporter the operator's canned answer, filled in with
the ticket's fields, and an unknown name is refused with the answers listed; an agent added
with `ldp agents add` is welcomed once."""
from __future__ import annotations

import json

import pytest

from gateway import cli, config
from gateway.parsers import auth
from gateway.service import Service, build_context
from gateway.store import database, tickets
from tests import mails
from tests.conftest import deliver, write_config
from tests.integration.agent_replies import gmail_reply, prepend
from tests.integration.test_agent_flow import REF, REPORT_ID, Desk

pytestmark = pytest.mark.integration

BUDI, SARI, DEWI = "budi@lkpp.example", "sari@lkpp.example", "dewi@telkom.example"
RINA = "rina@pemkab-bogor.go.id"
OURS = "mx.lpse.example"
SECRET = "test-secret-0123456789abcdef"
PASS_LKPP = f"Authentication-Results: {OURS}; dkim=pass header.d=lkpp.example"


def help_mail(sender: str, word: str = "#bantuan", message_id: str = "<h-1@lkpp.example>",
              **headers) -> bytes:
    return mails.report(subject="bantuan", body=f"{word}\n\n-- \nBudi\n", sender=sender,
                        message_id=message_id, **headers)


def ticket_count() -> int:
    return len(tickets.list_tickets())


BUDI_SHEET = """\
Yang dapat Anda pakai sekarang, sebagai agen L0 di LKPP Level 0:

Perintah (tulis di baris paling atas balasan, satu per baris):
#balas                                    Kirim isi pesan ke pelapor; juga #reply
#catatan                                  Simpan isi pesan sebagai catatan internal; juga #note
#templat <nama>                           Sisipkan jawaban baku dengan nama itu ke pesan #balas; juga #template
#eskalasi [L1|L2] <alasan>                Naikkan tiket satu tingkat (lead dapat melompat: L2 darurat <alasan>); juga #escalate
"""
BUDI_LISTS = """\
Kode #tindakan untuk L0:
  analisa: Analisa masalah
  tanggapan: Memberi tanggapan
  solusi-non-teknis: Penyelesaian masalah non-teknis
Kategori untuk L0: pertanyaan-umum, akun, tender, email, spse, sikap, lainnya
#eskalasi ke: L1 Telkom Technical Operation
#kembalikan ke: -
#tim ke: -
Jawaban baku untuk #templat: belum ada
"""


def test_an_agents_help_outside_a_ticket_is_their_cheat_sheet_and_no_ticket(
        imap_server, smtp_sink, db_url, tmp_path):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path, security={"authserv_id": OURS})

    # Budi (L0), proven by our server's DKIM pass: his sheet, in Indonesian, and no ticket.
    sent = desk.deliver(prepend(help_mail(f"Budi <{BUDI}>"), PASS_LKPP))
    assert sorted(sent) == [BUDI]
    sheet = mails.parse(sent[BUDI])
    assert sheet["Subject"] == "Daftar perintah Layanan Dukungan Pengguna"
    assert sheet["In-Reply-To"] == "<h-1@lkpp.example>"
    text = mails.text_of(sent[BUDI])
    assert text.startswith(BUDI_SHEET)
    assert BUDI_LISTS in text
    assert "#progres" not in text and "#kembalikan [" not in text  # L2's, and nowhere to go
    assert text.endswith("Kirim #bantuan ke helpdesk@lpse.example kapan saja untuk daftar ini.\n")
    assert ticket_count() == 0
    # The sheet carries the desk's reply token for Budi: answering it proves him again.
    assert auth.token_matches(sheet["Message-ID"], secret=SECRET, domain="lpse.example",
                              ref="desk", email=BUDI)
    again = desk.deliver(gmail_reply(f"Budi <{BUDI}>", sent[BUDI], "#help", "Budi",
                                     "<h-2@lkpp.example>"))
    assert sorted(again) == [BUDI] and mails.text_of(again[BUDI]).startswith(BUDI_SHEET)
    assert ticket_count() == 0

    # Dewi (L2) sees L2's work: #progres and the L2 codes; #kembalikan may go to any level below.
    sent = desk.deliver(prepend(help_mail(f"Dewi <{DEWI}>", message_id="<h-3@telkom.example>"),
                                f"Authentication-Results: {OURS}; dkim=pass "
                                "header.d=telkom.example"))
    dewi = mails.text_of(sent[DEWI])
    assert "#progres <tahap> <teks>" in dewi
    assert "  perbaikan-bug SPSE|SIKaP: Perbaikan bug aplikasi\n" in dewi
    assert ("#eskalasi ke: -\n#kembalikan ke: L1 Telkom Technical Operation, L0 LKPP Level 0\n"
            "#tim ke: -\n") in dewi
    assert "#eskalasi [" not in dewi  # nothing above L2
    assert ticket_count() == 0

    # Sari writes #help in English and reads it in English.
    sent = desk.deliver(prepend(help_mail(f"Sari <{SARI}>", "#help", "<h-4@lkpp.example>"),
                                PASS_LKPP))
    assert mails.parse(sent[SARI])["Subject"] == \
        "Command reference of Layanan Dukungan Pengguna"
    assert "#action codes for L0:\n  analisa: Analyse the problem\n" in \
        mails.text_of(sent[SARI])
    assert ticket_count() == 0


def test_a_reporters_or_a_forged_agents_help_is_a_ticket_and_no_cheat_sheet(
        imap_server, smtp_sink, db_url, tmp_path):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path, security={"authserv_id": OURS})
    sent = desk.deliver(help_mail(f"Rina Wati <{RINA}>", message_id="<r-1@mail.gmail.com>"))
    assert sorted(sent) == [BUDI, RINA, SARI]  # the acknowledgement and the team's notices
    assert "Daftar perintah" not in mails.parse(sent[RINA])["Subject"]
    assert "Kode #tindakan" not in mails.text_of(sent[RINA])
    assert ticket_count() == 1

    # From: Dewi, but nothing proves it (no token, our server saw no DKIM pass): a report,
    # acknowledged to the address as any report is, and the L0 team told; no sheet.
    forged = prepend(help_mail(f"Dewi <{DEWI}>", message_id="<f-1@evil.example>"),
                     f"Authentication-Results: {OURS}; dkim=fail header.d=telkom.example")
    sent = desk.deliver(forged)
    assert sorted(sent) == sorted([BUDI, SARI, DEWI])
    assert ticket_count() == 2
    assert all("Daftar perintah" not in mails.parse(raw)["Subject"] for raw in sent.values())
    assert all("Kode #tindakan" not in mails.text_of(raw) for raw in sent.values())

    # An agent's proven mail with other commands is no #help either: a ticket, as before.
    sent = desk.deliver(prepend(mails.report(body="#bantuan\n#ambil\n", sender=f"Dewi <{DEWI}>",
                                             message_id="<h-5@telkom.example>"),
                                f"Authentication-Results: {OURS}; dkim=pass "
                                "header.d=telkom.example"))
    assert ticket_count() == 3
    assert all("Kode #tindakan" not in mails.text_of(raw) for raw in sent.values())


def test_an_agents_help_with_a_report_below_it_is_that_report(
        imap_server, smtp_sink, db_url, tmp_path):
    """Dewi, proven, writes "#bantuan" ("help") on top of a problem of her own: the problem
    is a ticket the L0 team reads, not dropped for a cheat-sheet."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path, security={"authserv_id": OURS})
    body = "#bantuan\n\nSaya tidak bisa login ke SPSE sejak pagi, akun terkunci.\n\n-- \nDewi\n"
    sent = desk.deliver(prepend(mails.report(subject="Akun terkunci", body=body,
                                             sender=f"Dewi <{DEWI}>",
                                             message_id="<h-9@telkom.example>"),
                                f"Authentication-Results: {OURS}; dkim=pass "
                                "header.d=telkom.example"))
    assert ticket_count() == 1
    assert sorted(sent) == sorted([BUDI, SARI, DEWI])
    assert all("Daftar perintah" not in mails.parse(raw)["Subject"] for raw in sent.values())
    assert "Saya tidak bisa login ke SPSE sejak pagi" in mails.text_of(sent[SARI])


RESET = """\
Yth. {{ reporter_name or "Bapak/Ibu" }},

Terima kasih atas laporan {{ ref }} ("{{ subject }}"). Silakan atur ulang kata sandi lewat menu
"Lupa Password" di halaman login SPSE.{% if category %} (kategori: {{ category }}){% endif %}

Salam,
{{ agent_name }}, {{ support_name }}
"""


def answers_folder(tmp_path):
    folder = tmp_path / "answers"
    (folder / "id").mkdir(parents=True)
    (folder / "en").mkdir()
    (folder / "id" / "reset-sandi.txt").write_text(RESET, encoding="utf-8")
    (folder / "en" / "reset-sandi.txt").write_text("Dear {{ reporter_name }}, reset it.\n",
                                                   encoding="utf-8")
    (folder / "id" / "akun-terkunci.txt").write_text("Akun {{ reporter_email }} terkunci.\n",
                                                     encoding="utf-8")
    (folder / "id" / "rusak.txt").write_text("{{ ().__class__ }}\n", encoding="utf-8")
    return folder


def test_a_canned_answer_reaches_the_reporter_filled_in_and_an_unknown_one_is_refused(
        imap_server, smtp_sink, db_url, tmp_path):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path,
                answers={"dir": str(answers_folder(tmp_path))})
    new = desk.deliver(mails.report(message_id=REPORT_ID))

    # An unknown name: refused, the answers there are listed, the reporter hears nothing.
    sent = desk.deliver(gmail_reply(f"Budi <{BUDI}>", new[BUDI], "#balas\n#templat lupa-sandi",
                                    "Budi", "<t-1@lkpp.example>"))
    assert sorted(sent) == [BUDI]
    receipt = mails.text_of(sent[BUDI])
    assert mails.parse(sent[BUDI])["Subject"].startswith("[LDP-000001] Perintah DITOLAK")
    assert ("#templat lupa-sandi\n  KESALAHAN: jawaban baku 'lupa-sandi' tidak ada; jawaban "
            "yang ada: akun-terkunci, reset-sandi, rusak\n") in receipt
    # Every refusal ends with what Budi may use now.
    assert "Yang dapat Anda pakai sekarang, sebagai agen L0 di LKPP Level 0:\nPerintah: #balas " \
        in receipt
    assert "Jawaban baku untuk #templat: akun-terkunci, reset-sandi, rusak\n" in receipt
    assert tickets.get_ticket(REF).status.value == "new"

    # A template that reaches for Python's insides is refused by the sandbox.
    sent = desk.deliver(gmail_reply(f"Budi <{BUDI}>", new[BUDI], "#balas\n#templat rusak",
                                    "Budi", "<t-2@lkpp.example>"))
    assert sorted(sent) == [BUDI]
    assert "KESALAHAN: jawaban baku 'rusak' tidak dapat disusun (not allowed: access to " \
           "attribute '__class__' of 'tuple' object is unsafe.); beri tahu pengelola" \
        in mails.text_of(sent[BUDI])

    # Without #balas the answer would stay internal: refused.
    sent = desk.deliver(gmail_reply(f"Budi <{BUDI}>", new[BUDI], "#templat reset-sandi",
                                    "Budi", "<t-3@lkpp.example>"))
    assert "KESALAHAN: #templat hanya dipakai bersama #balas" in mails.text_of(sent[BUDI])

    # The answer, filled in with the ticket's fields as the reply found them, then Budi's own
    # line below the block.
    sent = desk.deliver(gmail_reply(
        f"Budi <{BUDI}>", new[BUDI], "#ambil\n#balas\n#templat reset-sandi\n\n"
        "Kalau masih gagal, balas email ini.", "Budi", "<t-4@lkpp.example>"))
    assert sorted(sent) == [BUDI, RINA]
    rina = mails.text_of(sent[RINA])
    assert ("Yth. Rina Wati,\n\nTerima kasih atas laporan LDP-000001 (\"Tidak bisa login "
            "SPSE\"). Silakan atur ulang kata sandi lewat menu\n\"Lupa Password\" di halaman "
            "login SPSE.\n\nSalam,\nBudi, Layanan Dukungan Pengguna\n\n"
            "Kalau masih gagal, balas email ini.") in rina
    assert "{{" not in rina
    # The ticket keeps what the reporter was sent.
    feedback = [m for m in tickets.messages(tickets.get_ticket(REF)) if m.kind == "feedback"]
    assert feedback[-1].text.startswith("Yth. Rina Wati,\n\nTerima kasih atas laporan LDP-000001")
    assert tickets.get_ticket(REF).status.value == "open"


WELCOME_START = """\
Halo Nina,

Anda kini terdaftar sebagai agen L1 di Layanan Dukungan Pengguna, tim LKPP Level 1. Tiket untuk \
tim Anda datang lewat email; Anda menanganinya dengan membalas email itu, dengan perintah di \
baris paling atas balasan.

Yang dapat Anda pakai sekarang, sebagai agen L1 di LKPP Level 1:
"""


def test_an_agent_added_with_ldp_agents_add_is_welcomed_once(
        imap_server, smtp_sink, db_url, tmp_path, capsys):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    path = write_config(tmp_path / "ldp.toml", desk.settings)
    deliver(imap_server, desk.settings.imap.folder)  # the mailbox exists, empty

    def run_once() -> list:
        settings = config.load(path)
        Service(build_context(settings, tmp_path)).run_once()
        fresh, desk.seen = smtp_sink.messages[desk.seen:], len(smtp_sink.messages)
        return fresh

    # The first run finds the roster the desk already had: recorded, nobody mailed.
    assert run_once() == []
    assert cli.main(["--config", str(path), "agents", "add", "nina@lkpp.example", "--name",
                     "Nina", "--team", "l1-lkpp", "--assignment", "SP-07/LKPP/2026",
                     "--from", "2026-01-01", "--until", "2999-12-31"]) == 0
    capsys.readouterr()
    [(_sender, recipients, raw)] = run_once()
    assert recipients == ["nina@lkpp.example"]
    assert mails.parse(raw)["Subject"] == "Selamat datang di Layanan Dukungan Pengguna"
    text = mails.text_of(raw)
    assert text.startswith(WELCOME_START)
    assert "  restart-layanan SPSE|SIKaP: Restart layanan aplikasi\n" in text
    assert "Surat penugasan: SP-07/LKPP/2026, sampai 2999-12-31 (berlaku hari ini)\n" in text
    assert auth.token_matches(mails.parse(raw)["Message-ID"], secret=SECRET,
                              domain="lpse.example", ref="desk", email="nina@lkpp.example")
    assert run_once() == []  # once
    assert cli.main(["--config", str(path), "agents", "list", "--json"]) == 0
    listed = {row["email"]: row for row in json.loads(capsys.readouterr().out)}
    assert listed["nina@lkpp.example"]["assignment"] == "SP-07/LKPP/2026"
    with database.transaction(build_context(config.load(path), tmp_path).db):
        from gateway.store import welcome
        assert welcome.welcomed() == {"*", BUDI, SARI, "andi@telkom.example", DEWI,
                                      "nina@lkpp.example"}
