"""The order of escalation (issue 17, item 3), by agents' replies over a real IMAP server
(Dovecot), the real SMTP sink, SQLite and PostgreSQL: L0 -> L2 is refused with a receipt that
says why; a lead's `#eskalasi L2 darurat ...` jumps and is recorded as an emergency; another
agent's `darurat` is refused; #kembalikan needs a reason and the lower level is told it."""
from __future__ import annotations

import pytest

from gateway.desk.registry import command_words
from gateway.store import tickets
from tests import mails
from tests.conftest import AGENTS
from tests.integration.agent_replies import gmail_reply, outlook_reply
from tests.integration.test_agent_flow import REF, Desk

pytestmark = pytest.mark.integration

BUDI, SARI, RINA = "budi@lkpp.example", "sari@lkpp.example", "rina@pemkab-bogor.go.id"
LINA, YOGA, EKA = "lina@lkpp.example", "yoga@lkpp.example", "eka@lkpp.example"
# LKPP at every level: Lina leads L0, Yoga works at L1, Eka at L2.
ROSTER = [*AGENTS,
          {"email": LINA, "name": "Lina", "team": "l0-lkpp", "lead": True},
          {"email": YOGA, "name": "Yoga", "team": "l1-lkpp"},
          {"email": EKA, "name": "Eka", "team": "l2-lkpp", "language": "en"}]


def desk_for(imap_server, smtp_sink, db_url, tmp_path) -> Desk:
    return Desk(imap_server, smtp_sink, db_url, tmp_path, agents=ROSTER)


def reply(sender: str, name: str, notice: bytes, top: str, message_id: str) -> bytes:
    return gmail_reply(f"{name} <{sender}>", notice, top, f"{name}\nLKPP", message_id)


def text(raw: bytes) -> str:
    return mails.text_of(raw)


def events_since(count: int) -> list[tuple]:
    every = tickets.events(tickets.get_ticket(REF))[count:]
    return [(e.kind, e.actor, e.old_value, e.new_value, e.command, e.arguments) for e in every]


def event_count() -> int:
    return len(tickets.events(tickets.get_ticket(REF)))


def level_and_team() -> tuple[str, str]:
    ticket = tickets.get_ticket(REF)
    return ticket.level.value, ticket.team


def report(desk: Desk) -> dict[str, bytes]:
    new = desk.deliver(mails.report(message_id="<CAGx7rina0001@mail.gmail.com>"))
    assert sorted(new) == [BUDI, LINA, RINA, SARI]
    return new


# The cheat-sheet every receipt ends with, as the registry spells it.
COMMAND_LINE_ID = (f"Perintah (di baris paling atas balasan): {command_words('id')}. Kirim "
                   "#bantuan untuk penjelasan.\n")
UNCHANGED_L0 = ("Keadaan tiket (tidak berubah):\nTingkat  : L0\nTim      : LKPP Level 0\n"
                "Keadaan  : baru\nPrioritas: normal\nKategori : -\nPetugas  : -\n\n")
# What Budi (L0, not a lead) may use, as every refused block's receipt ends.
BUDI_MAY = ("\nYang dapat Anda pakai sekarang, sebagai agen L0 di LKPP Level 0:\n"
            "Perintah: #balas #catatan #templat #eskalasi #tugaskan #ambil #lepas #ikuti "
            "#berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #selesai #tutup #buka "
            "#gabung #terkait #induk #cek #bantuan\n"
            "Kode #tindakan: analisa, tanggapan, solusi-non-teknis\n"
            "Kategori untuk L0: pertanyaan-umum, akun, tender, email, spse, sikap, lainnya\n"
            "#eskalasi ke: L1 LKPP Level 1, L1 Telkom Technical Operation\n"
            "#kembalikan ke: -\n#tim ke: -\nJawaban baku untuk #templat: belum ada\n")
REFUSED_TOP = ("Perintah Anda pada tiket LDP-000001 TIDAK dijalankan: ada baris yang salah, jadi "
               "tidak ada yang diubah. Perbaiki baris bertanda KESALAHAN, lalu kirim ulang "
               "seluruh blok.\n\n")
JUMP_REFUSED = (REFUSED_TOP + "#eskalasi L2 server SPSE mati\n"
                "  KESALAHAN: tiket L0 naik satu tingkat demi satu tingkat: eskalasikan dulu ke "
                "L1, lalu L1 yang mengeskalasikan ke L2 (dalam keadaan darurat, lead dapat "
                "menulis #eskalasi L2 darurat <alasan>)\n\n" + UNCHANGED_L0 + COMMAND_LINE_ID
                + BUDI_MAY)


def test_an_l0_agent_cannot_jump_to_l2_and_the_receipt_says_why(
        imap_server, smtp_sink, db_url, tmp_path):
    """Budi's `#eskalasi L2 ...` on an L0 ticket: refused, his receipt says (in his language)
    that the ticket goes one level at a time and what a lead may do; Sari's English receipt
    says the same in English; the ticket stays at L0 and nobody else hears of it."""
    desk = desk_for(imap_server, smtp_sink, db_url, tmp_path)
    new = report(desk)
    before = event_count()
    sent = desk.deliver(reply(BUDI, "Budi", new[BUDI], "#eskalasi L2 server SPSE mati",
                              "<budi-1@mail.gmail.com>"))
    assert sorted(sent) == [BUDI]
    assert mails.parse(sent[BUDI])["Subject"] == \
        "[LDP-000001] Perintah DITOLAK: Tidak bisa login SPSE"
    assert text(sent[BUDI]) == JUMP_REFUSED
    sent = desk.deliver(reply(SARI, "Sari", new[SARI], "#escalate L2 SPSE server is down",
                              "<sari-1@mail.gmail.com>"))
    assert sorted(sent) == [SARI]
    assert ("#escalate L2 SPSE server is down\n"
            "  ERROR: an L0 ticket goes up one level at a time: escalate it to L1 first, and L1 "
            "escalates it to L2 (in an emergency a lead may write #escalate L2 emergency "
            "<reason>)\n") in text(sent[SARI])
    assert level_and_team() == ("L0", "l0-lkpp")
    # Only the refusals: no escalate, no emergency event.
    assert [e[0] for e in events_since(before)] == ["commands_refused", "commands_refused"]


def test_a_non_leads_emergency_is_refused(imap_server, smtp_sink, db_url, tmp_path):
    """Budi is not a lead: his `darurat` is refused and the ticket stays at L0."""
    desk = desk_for(imap_server, smtp_sink, db_url, tmp_path)
    new = report(desk)
    sent = desk.deliver(reply(BUDI, "Budi", new[BUDI], "#eskalasi L2 darurat server down",
                              "<budi-2@mail.gmail.com>"))
    assert sorted(sent) == [BUDI]
    assert text(sent[BUDI]) == (
        REFUSED_TOP + "#eskalasi L2 darurat server down\n"
        "  KESALAHAN: hanya lead yang boleh melompati tingkat dalam keadaan darurat; "
        "budi@lkpp.example bukan lead\n\n" + UNCHANGED_L0 + COMMAND_LINE_ID + BUDI_MAY)
    assert level_and_team() == ("L0", "l0-lkpp")
    refused = tickets.events(tickets.get_ticket(REF))[-1]
    assert (refused.kind, refused.detail) == (
        "commands_refused", "nothing applied: 1 of 1 lines refused: #eskalasi L2 darurat server "
        "down (emergency-lead: only a lead may jump a level in an emergency; budi@lkpp.example "
        "is not a lead)")


def test_a_leads_emergency_jump_goes_to_l2_and_is_recorded_as_one(
        imap_server, smtp_sink, db_url, tmp_path):
    """Lina (lead) writes `#eskalasi L2 darurat server down`: the ticket goes from L0 straight
    to LKPP L2; her receipt and Eka's hand-over say it was an emergency jump; the events say
    so in their fields (the #escalate's arguments, and an `emergency_jump` L0 -> L2)."""
    desk = desk_for(imap_server, smtp_sink, db_url, tmp_path)
    new = report(desk)
    before = event_count()
    sent = desk.deliver(reply(LINA, "Lina", new[LINA], "#eskalasi L2 darurat server down",
                              "<lina-1@mail.gmail.com>"))
    # Eka holds it now; Dewi is L2's partner team (an [Info] copy); Rina hears of the move.
    assert sorted(sent) == ["dewi@telkom.example", EKA, LINA, RINA]
    assert level_and_team() == ("L2", "l2-lkpp")
    assert ("#eskalasi L2 darurat server down\n"
            "  tingkat: L0 -> L2\n"
            "  tim: l0-lkpp -> l2-lkpp\n"
            "  keadaan: baru -> diproses\n"
            "  lompatan darurat oleh lead: tiket melewati satu tingkat\n") in text(sent[LINA])
    assert text(sent[EKA]).startswith(
        "Ticket LDP-000001 was escalated from L0 (LKPP Level 0) to L2 (LKPP Level 2) by "
        "Lina <lina@lkpp.example>.\n"
        "This was an emergency jump by a lead: the ticket skipped a level.\n"
        "Reason: server down\n")
    assert events_since(before) == [
        ("agent_reply", LINA, None, None, None, None),
        ("escalate", LINA, "L0", "L2", "escalate", "L2 emergency server down"),
        ("emergency_jump", LINA, "L0", "L2", None, "server down"),
        ("l0_keeper", LINA, "l0-lkpp", None, None, None)]


def test_return_needs_a_reason_and_tells_the_lower_level_why(
        imap_server, smtp_sink, db_url, tmp_path):
    """Budi escalates one step (L1, allowed); Yoga's bare #kembalikan is refused; with a
    reason the ticket goes back to LKPP L0 and each L0 agent's hand-over carries it."""
    desk = desk_for(imap_server, smtp_sink, db_url, tmp_path)
    new = report(desk)
    up = desk.deliver(reply(BUDI, "Budi", new[BUDI], "#eskalasi L1 akun terkunci",
                            "<budi-3@mail.gmail.com>"))
    assert level_and_team() == ("L1", "l1-lkpp")
    bare = desk.deliver(reply(YOGA, "Yoga", up[YOGA], "#kembalikan", "<yoga-1@mail.gmail.com>"))
    assert sorted(bare) == [YOGA]
    assert "#kembalikan\n  KESALAHAN: #kembalikan perlu diikuti alasannya\n" in text(bare[YOGA])
    assert level_and_team() == ("L1", "l1-lkpp")
    down = desk.deliver(reply(YOGA, "Yoga", up[YOGA],
                              "#kembalikan Bukan masalah teknis: pelapor salah kata sandi",
                              "<yoga-2@mail.gmail.com>"))
    assert level_and_team() == ("L0", "l0-lkpp")
    assert {BUDI, SARI, LINA} <= set(down)
    for agent in (BUDI, LINA):
        assert text(down[agent]).startswith(
            "Tiket LDP-000001 dikembalikan dari L1 (LKPP Level 1) ke L0 (LKPP Level 0) oleh "
            "Yoga <yoga@lkpp.example>.\n"
            "Alasan: Bukan masalah teknis: pelapor salah kata sandi\n"), agent
    assert text(down[SARI]).startswith(
        "Ticket LDP-000001 was returned from L1 (LKPP Level 1) to L0 (LKPP Level 0) by "
        "Yoga <yoga@lkpp.example>.\n"
        "Reason: Bukan masalah teknis: pelapor salah kata sandi\n")


def test_the_category_is_kept_per_level_and_shown_per_level(
        imap_server, smtp_sink, db_url, tmp_path, capsys, monkeypatch):
    """L0 says `akun`, L1 says `restart-layanan` and hands the ticket back down, L0 says
    `tender`: each move's `level_category` event keeps the category of the level it left, and
    `ldp tickets show` lists one per level, in the operator's language."""
    from gateway import cli
    from tests.conftest import write_config
    desk = desk_for(imap_server, smtp_sink, db_url, tmp_path)
    new = report(desk)
    up = desk.deliver(reply(BUDI, "Budi", new[BUDI], "#kategori akun\n#eskalasi L1 akun terkunci",
                            "<budi-4@mail.gmail.com>"))
    before = event_count()
    down = desk.deliver(reply(YOGA, "Yoga", up[YOGA],
                              "#kategori restart-layanan\n#kembalikan layanan sudah dinyalakan "
                              "ulang; mohon konfirmasi ke pelapor", "<yoga-3@mail.gmail.com>"))
    assert level_and_team() == ("L0", "l0-lkpp")
    assert ("level_category", YOGA, "L1", "restart-layanan", None, None) in events_since(before)
    desk.deliver(reply(BUDI, "Budi", down[BUDI], "#kategori tender", "<budi-5@mail.gmail.com>"))
    kept = [(e.old_value, e.new_value) for e in tickets.events(tickets.get_ticket(REF))
            if e.kind == "level_category"]
    assert kept == [("L0", "akun"), ("L1", "restart-layanan")]
    assert tickets.get_ticket(REF).category == "tender"
    config = write_config(tmp_path / "ldp.toml", desk.settings)
    capsys.readouterr()
    monkeypatch.setenv("LDP_LANG", "en")
    assert cli.main(["--config", str(config), "tickets", "show", REF]) == 0
    assert "category per level: L0: tender; L1: restart-layanan\n" in capsys.readouterr().out
    monkeypatch.setenv("LDP_LANG", "id")
    assert cli.main(["--config", str(config), "tickets", "show", REF]) == 0
    assert "kategori per tingkat: L0: tender; L1: restart-layanan\n" in \
        capsys.readouterr().out
