"""Agents act by email: a ticket walks L0 -> L1 -> L2 -> resolved through replies composed like
Gmail (Indonesian) and Outlook replies, over a real IMAP server, a real SMTP sink, SQLite and
PostgreSQL. Every mail the reporter and the agents receive is checked word for word."""
from __future__ import annotations

import re

import pytest

from gateway import cli
from gateway.desk import cheatsheet
from gateway.desk import registry as commands
from gateway.domain import Level
from gateway.parsers import auth
from gateway.service import Service, build_context
from gateway.store import tickets
from tests import mails
from tests.conftest import SUPPORT, deliver, make_settings, write_config
from tests.integration.agent_replies import LocalDesk, gmail_reply, outlook_reply, prepend

pytestmark = pytest.mark.integration

SUPPORT_FROM = f"Layanan Dukungan Pengguna <{SUPPORT}>"
SECRET = "test-secret-0123456789abcdef"
REF = "LDP-000001"
REPORT_ID = "<CAGx7rina0001@mail.gmail.com>"
RINA_2_ID = "<CAGx7rina0002@mail.gmail.com>"
RINA, BUDI, SARI = "rina@pemkab-bogor.go.id", "budi@lkpp.example", "sari@lkpp.example"
ANDI, DEWI = "andi@telkom.example", "dewi@telkom.example"


class Desk:
    """The gateway on real IMAP, SMTP and database servers, fed one delivery at a time."""

    def __init__(self, imap_server, smtp_sink, db_url, tmp_path, **sections):
        self.imap, self.sink, self.tmp = imap_server, smtp_sink, tmp_path
        self.settings = make_settings(tmp_path, db_url, imap_server, smtp_sink, **sections)
        self.seen = self.events_seen = 0
        self.clock = None  # the system clock; a FixedClock freezes the timers' time

    def deliver(self, raw: bytes | None) -> dict[str, bytes]:
        """Deliver one mail (None: none), run the gateway once; the mail sent, one per
        recipient."""
        deliver(self.imap, self.settings.imap.folder, *([raw] if raw is not None else []))
        self.ctx = build_context(self.settings, self.tmp)
        self.ctx.clock = self.clock
        self.outcomes, _sent = Service(self.ctx).run_once()
        fresh, self.seen = self.sink.messages[self.seen:], len(self.sink.messages)
        received: dict[str, bytes] = {}
        for _sender, recipients, message in fresh:
            [recipient] = recipients
            assert recipient not in received, f"two mails to {recipient} in one step"
            received[recipient] = message
        return received

    def state(self) -> tuple:
        t = tickets.get_ticket(REF)
        return (t.level.value, t.team, t.status.value, t.assignee, t.category, t.priority.value)

    def new_events(self) -> list[tuple]:
        every = tickets.events(tickets.get_ticket(REF))
        fresh, self.events_seen = every[self.events_seen:], len(every)
        return [(e.kind, e.actor, e.detail, e.old_value, e.new_value) for e in fresh]


def nonce(raw: bytes) -> str:
    return auth.parse_token_id(mails.parse(raw)["Message-ID"]).nonce


def expect(received: dict[str, bytes], wanted: dict[str, tuple[str, str]]) -> None:
    """Exactly these recipients, each with this subject and this text, from the support address;
    agents' copies carry their own token, the reporter's are threaded under the reporter's mail
    and never name a token."""
    assert sorted(received) == sorted(wanted)
    for recipient, (subject, text) in wanted.items():
        message = mails.parse(received[recipient])
        assert (message["From"], message["Reply-To"]) == (SUPPORT_FROM, SUPPORT)
        assert message["Subject"] == subject
        assert mails.text_of(received[recipient]) == text
        if recipient == RINA:
            assert message["In-Reply-To"] == REPORT_ID
            assert "ldp." not in message["References"]
        else:
            assert auth.token_matches(message["Message-ID"], secret=SECRET,
                                      domain="lpse.example", ref=REF, email=recipient)


def check_events(desk: Desk, wanted: list[tuple]) -> None:
    """The events written since the last check, exactly."""
    assert desk.new_events() == wanted


# -- the walk L0 -> L1 -> L2 -> resolved ------------------------------------------------------
BUDI_1 = ("#ambil\n#kategori akun\n#balas\n\nSelamat siang Ibu Rina,\n\nMohon coba atur ulang "
          "kata sandi melalui menu \"Lupa Password\" di halaman login SPSE, lalu login kembali "
          "dengan kata sandi yang baru.\n\nSalam,")
BUDI_SIGNATURE = "Budi Santoso\nHelpdesk LPSE LKPP\nTelp. 021-1234-5678"
RINA_2 = "Sudah saya coba, tetap gagal. Sekarang muncul pesan \"akun Anda terkunci\"."
BUDI_3 = ("#tim telkom\n#eskalasi L1 Akun terkunci di server SPSE setelah 5 kali gagal login; "
          "perlu dibuka oleh tim teknis\n\nSudah saya cek di panel admin L0: status akun "
          "\"locked\" dan tidak bisa dibuka dari L0.\n\nSalam,")
ANDI_4 = ("#kategori cek-log-server\n#eskalasi L2 Reset password tidak membuka kunci akun: perlu "
          "perbaikan di modul reset akun\n\nLog server: akun dikunci modul anti-bruteforce; "
          "reset password tidak menghapus kuncinya.\n\nTerima kasih,")
DEWI_5 = ("#ambil\n#progres perbaikan Modul reset akun sedang kami kerjakan dan dijadwalkan rilis "
          "besok pagi.\n\nPatch ada di branch fix/reset-lock; perlu review sebelum rilis.")
DEWI_6 = ("#selesai Perbaikan sudah dirilis; akun Anda sudah dibuka dan dapat dipakai kembali.\n"
          "#balas\n\nMohon maaf atas ketidaknyamanannya, Ibu Rina. Silakan login kembali ke SPSE "
          "dengan kata sandi yang baru.\n\nSalam,")
DEWI_SIGNATURE = "Dewi Lestari\nDevelopment and Product - Telkom"


def test_a_ticket_walks_from_l0_to_l1_to_l2_to_resolved_by_agents_replies(
        imap_server, smtp_sink, db_url, tmp_path, capsys):
    """Take and answer at L0, escalate to Telkom L1, escalate to L2, progress, resolve: the
    ticket, its events and every mail after each step are exactly as the flow prescribes."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)

    # 0. Rina reports; the two L0 LKPP agents are notified, each with their own token.
    new = desk.deliver(mails.report(message_id=REPORT_ID))
    expect(new, {RINA: ACK, BUDI: NEW_TICKET_ID, SARI: NEW_TICKET_EN})
    assert desk.state() == ("L0", "l0-lkpp", "new", None, None, "normal")
    check_events(desk, [
        ("created", RINA, "new ticket at L0 for team l0-lkpp", None, None),
        ("routed", "router", "matched: no rule matched: default team; tried: none; "
         "team=l0-lkpp category=- priority=normal application=SPSE lpse=-", None, "l0-lkpp")])

    # 1. Budi (Gmail) takes it, sets the category and answers Rina.
    budi_1 = desk.deliver(gmail_reply("Budi Santoso <budi@lkpp.example>", new[BUDI], BUDI_1,
                                      BUDI_SIGNATURE, "<CAGx7budi0001@mail.gmail.com>"))
    expect(budi_1, {RINA: ANSWER, BUDI: RECEIPT_1})
    assert mails.parse(budi_1[RINA])["References"] == REPORT_ID
    assert desk.state() == ("L0", "l0-lkpp", "open", BUDI, "akun", "normal")
    check_events(desk, [
        ("agent_reply", BUDI, f"verified: reply token of {BUDI} for {REF} "
         f"(nonce {nonce(new[BUDI])})", None, None),
        ("take", BUDI, "#ambil: status new -> open; assignee - -> budi@lkpp.example",
         None, BUDI),
        ("category", BUDI, "#kategori akun: category - -> akun", None, "akun"),
        ("reply", BUDI, "#balas: the message went to the reporter", None, None)])

    # 2. Rina (Gmail) answers that it still fails: the assignee hears of it.
    rina_2 = desk.deliver(gmail_reply("Rina Wati <rina@pemkab-bogor.go.id>", budi_1[RINA],
                                      RINA_2, "Rina Wati\nPokja Pemilihan, Pemkab Bogor",
                                      RINA_2_ID))
    expect(rina_2, {BUDI: FOLLOW_UP})
    assert desk.state() == ("L0", "l0-lkpp", "open", BUDI, "akun", "normal")
    check_events(desk, [("reply", RINA, "reporter replied", None, None)])

    # 3. Budi (Outlook, English UI) hands it to Telkom and escalates it to L1, with a note.
    budi_3 = desk.deliver(outlook_reply(
        "Budi Santoso <budi@lkpp.example>", rina_2[BUDI], BUDI_3,
        "Budi Santoso\nHelpdesk LPSE LKPP | budi@lkpp.example",
        "<AM0PR04MB1234A@AM0PR04MB1234.eurprd04.prod.outlook.com>"))
    expect(budi_3, {RINA: ESCALATED_L1, ANDI: HANDOVER_L1, BUDI: RECEIPT_3})
    assert mails.parse(budi_3[RINA])["References"] == f"{REPORT_ID} {RINA_2_ID}"
    assert desk.state() == ("L1", "l1-telkom", "open", None, "akun", "normal")
    check_events(desk, [
        ("agent_reply", BUDI, f"verified: reply token of {BUDI} for {REF} "
         f"(nonce {nonce(rina_2[BUDI])})", None, None),
        ("team", BUDI, "#tim telkom: team l0-lkpp -> l0-telkom; assignee budi@lkpp.example -> -",
         "l0-lkpp", "l0-telkom"),
        ("escalate", BUDI, "#eskalasi L1 Akun terkunci di server SPSE setelah 5 kali gagal "
         "login; perlu dibuka oleh tim teknis: level L0 -> L1; team l0-telkom -> l1-telkom",
         "L0", "L1"),
        # L0 keeps its category in the history, whatever L1 sets.
        ("level_category", BUDI, "category at L0: akun", "L0", "akun"),
        ("note", BUDI, "(default: #note): kept as an internal note", None, None),
        # Budi took it at L0: the #tim line cleared the assignee, but he keeps the reporter.
        ("l0_keeper", BUDI, f"left L0: {BUDI} keeps the reporter", "l0-lkpp", BUDI)])

    # 4. Andi (Outlook, Indonesian UI) records the category and escalates to L2.
    andi_4 = desk.deliver(outlook_reply(
        "Andi Pratama <andi@telkom.example>", budi_3[ANDI], ANDI_4,
        "Andi Pratama\nTechnical Operation - Telkom",
        "<SG2PR06MB5678A@SG2PR06MB5678.apcprd06.prod.outlook.com>", language="id"))
    # Budi, who keeps the reporter at L0, hears of it with his own token.
    expect(andi_4, {RINA: ESCALATED_L2, DEWI: HANDOVER_L2, ANDI: RECEIPT_4, BUDI: KEEPER_L2})
    assert desk.state() == ("L2", "l2-telkom", "open", None, "cek-log-server", "normal")
    check_events(desk, [
        ("agent_reply", ANDI, f"verified: reply token of {ANDI} for {REF} "
         f"(nonce {nonce(budi_3[ANDI])})", None, None),
        ("category", ANDI, "#kategori cek-log-server: category akun -> cek-log-server",
         "akun", "cek-log-server"),
        ("escalate", ANDI, "#eskalasi L2 Reset password tidak membuka kunci akun: perlu "
         "perbaikan di modul reset akun: level L1 -> L2; team l1-telkom -> l2-telkom",
         "L1", "L2"),
        ("level_category", ANDI, "category at L1: cek-log-server", "L1", "cek-log-server"),
        ("note", ANDI, "(default: #note): kept as an internal note", None, None)])

    # 5. Dewi (Gmail) takes it and tells Rina about the progress; her note stays internal.
    dewi_5 = desk.deliver(gmail_reply("Dewi Lestari <dewi@telkom.example>", andi_4[DEWI],
                                      DEWI_5, DEWI_SIGNATURE, "<CAGx7dewi0005@mail.gmail.com>"))
    expect(dewi_5, {RINA: PROGRESS, DEWI: RECEIPT_5, BUDI: KEEPER_PROGRESS})
    assert desk.state() == ("L2", "l2-telkom", "open", DEWI, "cek-log-server", "normal")
    check_events(desk, [
        ("agent_reply", DEWI, f"verified: reply token of {DEWI} for {REF} "
         f"(nonce {nonce(andi_4[DEWI])})", None, None),
        ("take", DEWI, "#ambil: assignee - -> dewi@telkom.example", None, DEWI),
        ("progress", DEWI, "#progres perbaikan Modul reset akun sedang kami kerjakan dan "
         "dijadwalkan rilis besok pagi.: the reporter was told", None, None),
        ("stage", DEWI, "stage - -> fixing", None, "fixing"),
        ("note", DEWI, "(default: #note): kept as an internal note", None, None)])

    # 6. Dewi (Outlook) answers her own receipt: resolved, with a message for Rina.
    dewi_6 = desk.deliver(outlook_reply(
        "Dewi Lestari <dewi@telkom.example>", dewi_5[DEWI], DEWI_6, DEWI_SIGNATURE,
        "<SG2PR06MB9999D@SG2PR06MB9999.apcprd06.prod.outlook.com>"))
    expect(dewi_6, {RINA: RESOLVED, DEWI: RECEIPT_6, BUDI: KEEPER_RESOLVED})
    # L0 is told first: Budi's copy went to SMTP before Rina's resolution mail.
    order = [recipients[0] for _sender, recipients, _raw in smtp_sink.messages[-3:]]
    assert order.index(BUDI) < order.index(RINA), order
    assert desk.state() == ("L2", "l2-telkom", "resolved", DEWI, "cek-log-server", "normal")
    check_events(desk, [
        ("agent_reply", DEWI, f"verified: reply token of {DEWI} for {REF} "
         f"(nonce {nonce(dewi_5[DEWI])})", None, None),
        ("resolve", DEWI, "#selesai Perbaikan sudah dirilis; akun Anda sudah dibuka dan dapat "
         "dipakai kembali.: status open -> resolved; the reporter was told the resolution",
         "open", "resolved"),
        ("reply", DEWI, "#balas: the message went to the reporter", None, None)])

    # `ldp tickets show` lists the whole history in order.
    config = write_config(tmp_path / "ldp.toml", desk.settings)
    assert cli.main(["--config", str(config), "tickets", "show", REF]) == 0
    out = capsys.readouterr().out
    # The category each level gave it: L1's did not erase L0's; L2 still carries L1's.
    assert "category per level: L0: akun; L1: cek-log-server; L2: cek-log-server\n" in out
    shown = out.split("\nevents:\n")[1].splitlines()
    assert [re.sub(r"nonce [0-9a-f]{16}", "nonce *", re.sub(r"^  \S+ ", "", line))
            for line in shown] == SHOWN_EVENTS



# -- refusals, dry runs, the reference, HTML ---------------------------------------------------
def budi_says(notification: bytes, top: str, message_id: str = "<CAGx7budi0009@mail.gmail.com>",
              **kwargs) -> bytes:
    return gmail_reply("Budi Santoso <budi@lkpp.example>", notification, top, BUDI_SIGNATURE,
                       message_id, **kwargs)


def text(raws: list[bytes]) -> str:
    [raw] = raws
    return mails.text_of(raw)


def test_a_block_with_one_bad_line_applies_nothing_and_the_receipt_names_that_line(
        db_url, tmp_path):
    """#ambil and #balas are fine, #prioritas is not: nothing changes, nothing reaches the
    reporter, and Budi's receipt marks exactly the bad line."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    sent = desk.deliver(budi_says(new[BUDI][0], "#ambil\n#prioritas sangat-tinggi\n#balas\n\n"
                                  "Selamat siang Ibu Rina, mohon dicoba lagi."))
    assert (desk.outcome.disposition.value, desk.outcome.detail) == (
        "refused", "nothing applied: 1 of 3 lines refused: #prioritas sangat-tinggi "
        "(well-formed: #priority needs one of: low, normal, high, urgent)")
    assert sorted(sent) == [BUDI]
    assert mails.parse(sent[BUDI][0])["Subject"] == \
        "[LDP-000001] Perintah DITOLAK: Tidak bisa login SPSE"
    assert text(sent[BUDI]) == REFUSED_RECEIPT
    ticket = tickets.get_ticket(REF)
    assert (ticket.status.value, ticket.assignee, ticket.priority.value) == ("new", None, "normal")
    assert [(e.kind, e.actor) for e in tickets.events(ticket)][2:] == [("commands_refused", BUDI)]
    [_report, stored] = tickets.messages(ticket)
    assert (stored.kind, stored.visibility, stored.text) == (
        "refused", "internal", "Selamat siang Ibu Rina, mohon dicoba lagi.")


def test_check_is_a_dry_run_that_reports_what_would_happen_and_changes_nothing(
        db_url, tmp_path):
    """#cek with three good lines: the receipt shows the would-be state; ticket and events
    stay as they were and the reporter hears nothing."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    before = tickets.events(tickets.get_ticket(REF))
    sent = desk.deliver(budi_says(new[BUDI][0], "#cek\n#ambil\n#prioritas tinggi\n"
                                  "#selesai Kata sandi sudah direset"))
    assert desk.outcome.detail == "dry run (#check): would apply"
    assert sorted(sent) == [BUDI]
    assert mails.parse(sent[BUDI][0])["Subject"] == \
        "[LDP-000001] Uji coba perintah: Tidak bisa login SPSE"
    assert text(sent[BUDI]) == CHECK_RECEIPT
    ticket = tickets.get_ticket(REF)
    assert (ticket.status.value, ticket.assignee, ticket.priority.value) == ("new", None, "normal")
    assert tickets.events(ticket) == before


def test_help_answers_in_the_agents_language_indonesian_and_english(db_url, tmp_path):
    """#bantuan to Budi is the Indonesian reference, #help to Sari the English one; nothing
    else is sent and nothing changes."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    budi = desk.deliver(budi_says(new[BUDI][0], "#bantuan"))
    sari = desk.deliver(gmail_reply("Sari <sari@lkpp.example>", new[SARI][0], "#help",
                                    "Sari\nLKPP", "<CAGx7sari0001@mail.gmail.com>"))
    assert (sorted(budi), sorted(sari)) == ([BUDI], [SARI])
    assert mails.parse(budi[BUDI][0])["Subject"] == \
        "[LDP-000001] Daftar perintah: Tidak bisa login SPSE"
    # The commands of Budi's level (L0: no #kembalikan, no #progres), then the lists.
    l0 = cheatsheet.commands_for(Level.L0)
    assert text(budi[BUDI]) == ("Yang dapat Anda pakai sekarang, sebagai agen L0 di LKPP Level "
                                "0:\n\n" + commands.help_text("id", only=l0) + "\n\n"
                                "Kode #tindakan untuk L0:\n  analisa: Analisa masalah\n  "
                                "tanggapan: Memberi tanggapan\n  solusi-non-teknis: "
                                "Penyelesaian masalah non-teknis\n"
                                + BUDI_MAY.split("\n", 3)[3] + HELP_TAIL_ID[1:])
    assert mails.parse(sari[SARI][0])["Subject"] == \
        "[LDP-000001] Command reference: Tidak bisa login SPSE"
    assert text(sari[SARI]) == ("What you may use now, as an L0 agent of LKPP Level 0:\n\n"
                                + commands.help_text("en", only=l0) + "\n\n#action codes "
                                "for L0:\n  analisa: Analyse the problem\n  tanggapan: Give "
                                "feedback\n  solusi-non-teknis: Solve a non-technical problem\n"
                                + SARI_MAY.split("\n", 3)[3] + HELP_TAIL_EN[1:])
    assert tickets.get_ticket(REF).status.value == "new"
    assert [e.kind for e in tickets.events(tickets.get_ticket(REF))] == ["created", "routed"]


def test_commands_in_an_html_only_reply_are_shown_back_refused_never_run(db_url, tmp_path):
    """An HTML-only reply saying #selesai resolves nothing: the receipt says why per line."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    notification = mails.parse(new[BUDI][0])
    raw = mails.report(subject=f"Re: {notification['Subject']}", sender="Budi <budi@lkpp.example>",
                       message_id="<html-only@lkpp.example>",
                       in_reply_to=notification["Message-ID"],
                       html="<div>#selesai Sudah direset</div><div><br></div>"
                            "<div>Silakan dicoba.</div>")
    sent = desk.deliver(raw)
    assert desk.outcome.disposition.value == "refused"
    assert text(sent[BUDI]) == HTML_ONLY_RECEIPT
    assert tickets.get_ticket(REF).status.value == "new"


def test_a_command_hidden_in_the_html_part_is_never_read(db_url, tmp_path):
    """The plain part says thanks; a hidden #selesai in the HTML part does nothing: the
    reply is an internal note and the ticket is only opened."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    notification = mails.parse(new[BUDI][0])
    raw = mails.report(subject=f"Re: {notification['Subject']}", sender="Budi <budi@lkpp.example>",
                       message_id="<hidden@lkpp.example>", body="Sedang saya cek.\n",
                       in_reply_to=notification["Message-ID"],
                       html='<div style="display:none">#selesai Beres</div>'
                            '<div>Sedang saya cek.</div>')
    sent = desk.deliver(raw)
    assert sorted(sent) == [BUDI]
    ticket = tickets.get_ticket(REF)
    assert (ticket.status.value, ticket.assignee) == ("open", None)
    assert [(e.kind, e.detail) for e in tickets.events(ticket)][2:] == [
        ("agent_reply", "verified: reply token of budi@lkpp.example for LDP-000001 (nonce "
                        f"{nonce(new[BUDI][0])})"),
        ("note", "(default: #note): status new -> open; kept as an internal note")]
    assert tickets.messages(ticket)[1].text == "Sedang saya cek."


def test_a_refused_permission_names_the_rule_that_refused_it(db_url, tmp_path):
    """Sari (L0) may not record L2 progress; Andi (L1, proven by DKIM) may not take an L0
    ticket: each receipt says why in the agent's language, without the rule's name (the
    event keeps it)."""
    desk = LocalDesk(db_url, tmp_path, security={"authserv_id": "mx.lpse.example"})
    new = desk.report()
    sari = desk.deliver(gmail_reply("Sari <sari@lkpp.example>", new[SARI][0],
                                    "#progress Working on it", "Sari\nLKPP",
                                    "<CAGx7sari0002@mail.gmail.com>"))
    assert text(sari[SARI]) == SARI_REFUSED
    andi = desk.deliver(prepend(
        mails.report(subject="Re: [LDP-000001] Tidak bisa login SPSE", body="#ambil\n",
                     sender="Andi <andi@telkom.example>", message_id="<andi-1@telkom.example>"),
        "Authentication-Results: mx.lpse.example; dkim=pass header.d=telkom.example"))
    assert desk.outcome.disposition.value == "refused"
    assert "  KESALAHAN: andi@telkom.example adalah agen L1, sedangkan tiket ini berada di L0\n" \
        in text(andi[ANDI])
    # The event keeps the rule's name, for whoever reads the history.
    assert tickets.events(tickets.get_ticket(REF))[-1].detail == (
        "nothing applied: 1 of 1 lines refused: #ambil (own-level: andi@telkom.example is an "
        "L1 agent; the ticket is at L0)")
    assert tickets.get_ticket(REF).assignee is None


def test_a_return_to_l0_with_a_team_change_notifies_each_l0_agent_in_their_language(
        db_url, tmp_path):
    """Andi returns a Telkom L1 ticket to LKPP L0: Budi and Sari each get the hand-over with
    the reason and the history, in Indonesian and English; the reporter is not told."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    up = desk.deliver(budi_says(new[BUDI][0], "#tim telkom\n#eskalasi L1 Akun terkunci"))
    down = desk.deliver(outlook_reply(
        "Andi Pratama <andi@telkom.example>", up[ANDI][0],
        "#kembalikan L0 Bukan masalah server: identitas pelapor perlu diverifikasi dulu\n"
        "#tim lkpp\n\nAkun tidak terkunci di server.", "Andi Pratama\nTechnical Operation",
        "<SG2PR06MB5678R@SG2PR06MB5678.apcprd06.prod.outlook.com>"))
    assert sorted(down) == [ANDI, BUDI, SARI]
    assert mails.parse(down[SARI][0])["Subject"] == \
        "[LDP-000001] Returned to L0: Tidak bisa login SPSE"
    assert text(down[SARI]) == RETURNED_EN
    assert mails.parse(down[BUDI][0])["Subject"] == \
        "[LDP-000001] Dikembalikan ke L0: Tidak bisa login SPSE"
    assert text(down[BUDI]).startswith(
        "Tiket LDP-000001 dikembalikan dari L1 (Telkom Technical Operation) ke L0 "
        "(LKPP Level 0) oleh Andi <andi@telkom.example>.\n"
        "Alasan: Bukan masalah server: identitas pelapor perlu diverifikasi dulu\n")
    ticket = tickets.get_ticket(REF)
    assert (ticket.level.value, ticket.team, ticket.status.value) == ("L0", "l0-lkpp", "open")


def test_pending_tells_the_reporter_and_the_reporters_reply_reopens_it(db_url, tmp_path):
    """#tunda sends Rina the reason; her answer reopens the ticket and reaches Budi."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    pending = desk.deliver(budi_says(new[BUDI][0], "#ambil\n#tunda Mohon kirimkan tangkapan "
                                     "layar pesan galat yang muncul saat login."))
    assert mails.parse(pending[RINA][0])["Subject"] == \
        "[LDP-000001] Penanganan laporan Bapak/Ibu ditunda sementara: Tidak bisa login SPSE"
    assert text(pending[RINA]) == PENDING
    assert tickets.get_ticket(REF).status.value == "pending"
    answer = desk.deliver(gmail_reply("Rina Wati <rina@pemkab-bogor.go.id>", pending[RINA][0],
                                      "Terlampir tangkapan layarnya.", "Rina",
                                      "<CAGx7rina0003@mail.gmail.com>"))
    assert sorted(answer) == [BUDI]
    assert mails.parse(answer[BUDI][0])["Subject"] == \
        "[LDP-000001] Balasan pelapor: Tidak bisa login SPSE"
    ticket = tickets.get_ticket(REF)
    assert (ticket.status.value, ticket.assignee) == ("open", BUDI)
    assert [(e.kind, e.old_value, e.new_value) for e in tickets.events(ticket)][-1] == \
        ("reopened", "pending", "open")


def test_with_public_default_and_receipts_off_a_plain_reply_goes_to_the_reporter_alone(
        db_url, tmp_path):
    """default_visibility = public turns a reply without commands into an answer to the
    reporter; receipts = false sends the agent nothing back."""
    desk = LocalDesk(db_url, tmp_path, security={"default_visibility": "public",
                                                 "receipts": False})
    new = desk.report()
    sent = desk.deliver(budi_says(new[BUDI][0], "Selamat siang Ibu Rina,\n\nAkun Anda sudah "
                                  "kami buka kembali.\n\nSalam,"))
    assert sorted(sent) == [RINA]
    assert text(sent[RINA]) == ANSWER_PUBLIC_DEFAULT
    ticket = tickets.get_ticket(REF)
    assert [(e.kind, e.detail) for e in tickets.events(ticket)][-1] == (
        "reply", "(default: #reply): status new -> open; the message went to the reporter")
    assert (tickets.messages(ticket)[1].kind, tickets.messages(ticket)[1].visibility) == \
        ("feedback", "public")



def test_an_empty_outlook_reply_never_turns_the_quoted_notification_into_a_message(
        db_url, tmp_path):
    """With public default, an Outlook reply sent with nothing typed (and no signature) sends
    the reporter nothing: the unquoted notification below the header block is ours, with its
    internal notes, not the agent's words."""
    desk = LocalDesk(db_url, tmp_path, security={"default_visibility": "public"})
    new = desk.report()
    up = desk.deliver(budi_says(new[BUDI][0], "#tim telkom\n#eskalasi L1 Akun terkunci\n"
                                "#catatan\n\nCatatan internal: akun berstatus locked."))
    sent = desk.deliver(outlook_reply("Andi Pratama <andi@telkom.example>", up[ANDI][0], "", "",
                                      "<SG2PR06MB5678E@SG2PR06MB5678.apcprd06.prod.outlook.com>"))
    assert sent == {}
    assert desk.outcome.detail == "empty reply: nothing to do"
    ticket = tickets.get_ticket(REF)
    assert (ticket.level.value, ticket.status.value) == ("L1", "open")
    assert (tickets.messages(ticket)[-1].kind, tickets.messages(ticket)[-1].text) == \
        ("command", "")
    assert [e.kind for e in tickets.events(ticket) if e.kind != "l0_keeper"][-1] == "note"



BAD_LINES = [
    ("#kategori cetak-ulang", "#kategori cetak-ulang",
     "kategori 'cetak-ulang' tidak dikenal di L0 (kategori yang ada: pertanyaan-umum, akun, "
     "tender, email, spse, sikap, lainnya)"),
    ("#eskalasi", "#eskalasi", "#eskalasi perlu diikuti alasannya"),
    ("#tim lkpp", "#tim lkpp", "tiket sudah dipegang tim LKPP (l0-lkpp)"),
    ("#tugaskan andi@telkom.example", "#tugaskan andi@telkom.example",
     "andi@telkom.example bukan agen L0"),
    ("#eskalasi L1 Perlu tim teknis", "#eskalasi L1 Perlu tim teknis",
     "tim l1-lkpp tidak memiliki agen: tidak ada yang akan melihat tiket di sana"),
    ("#balas", "#balas", "#balas perlu isi pesan di bawah baris perintah"),
    ("#balas\n#catatan\n\nIsi pesan.", "#catatan",
     "#catatan bertentangan dengan #balas di atasnya: isi pesan dikirim ke pelapor (#balas) "
     "atau disimpan sebagai catatan internal (#catatan), tidak keduanya"),
    ("#buka", "#buka",
     "#buka tidak dapat dipakai pada tiket L0 yang keadaannya baru (hanya tiket yang selesai "
     "atau ditutup yang dapat dibuka kembali); yang dapat dipakai: #balas, #catatan, "
     "#templat, #tugaskan, #ambil, #lepas, #ikuti, #berhenti-ikuti, #tim, #prioritas, #kategori, "
     "#aplikasi, #lpse, #tindakan, #progres, #terkait, #induk, #eskalasi, #tunda, #selesai, "
     "#tutup, #gabung, #cek, #bantuan"),
]


def test_each_kind_of_bad_line_is_refused_with_its_own_reason(db_url, tmp_path):
    """Category, missing reason, same team, assignee, a team nobody reads, an empty or doubly
    aimed message, a transition the table forbids: each receipt names the line and why."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    for number, (block, line, reason) in enumerate(BAD_LINES):
        sent = desk.deliver(budi_says(new[BUDI][0], block, f"<bad-{number}@mail.gmail.com>"))
        assert desk.outcome.disposition.value == "refused", block
        receipt = text(sent[BUDI])
        assert f"\n{line}\n  KESALAHAN: {reason}\n" in receipt, receipt
        assert receipt.count("KESALAHAN:") == 1  # that line alone
    ticket = tickets.get_ticket(REF)
    assert (ticket.level.value, ticket.team, ticket.status.value) == ("L0", "l0-lkpp", "new")
    assert [e.kind for e in tickets.events(ticket)] == \
        ["created", "routed"] + ["commands_refused"] * len(BAD_LINES)


# -- what each person receives, word for word ------------------------------------------------
ACK = ('[LDP-000001] Laporan Bapak/Ibu telah kami terima: Tidak bisa login SPSE',
       mails.RINA_ACK_TEXT)
NEW_TICKET_ID = ('[LDP-000001] Tiket baru L0: Tidak bisa login SPSE', """\
Tiket baru LDP-000001 masuk ke LKPP Level 0 (L0).

Pelapor  : Rina Wati <rina@pemkab-bogor.go.id>
Perihal  : Tidak bisa login SPSE
Keadaan  : baru
Prioritas: normal
Kategori : -
Aplikasi : SPSE
LPSE     : -

--- Laporan ---
Selamat pagi,

Saya tidak bisa login ke SPSE sejak tadi pagi. Muncul pesan "password salah" padahal sudah benar.

Terima kasih,
Rina

--- Akhir laporan ---

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""")
NEW_TICKET_EN = ('[LDP-000001] New L0 ticket: Tidak bisa login SPSE', """\
New ticket LDP-000001 for LKPP Level 0 (L0).

Reporter : Rina Wati <rina@pemkab-bogor.go.id>
Subject  : Tidak bisa login SPSE
Status   : new
Priority : normal
Category : -
App      : SPSE
LPSE     : -

--- Report ---
Selamat pagi,

Saya tidak bisa login ke SPSE sejak tadi pagi. Muncul pesan "password salah" padahal sudah benar.

Terima kasih,
Rina

--- End of report ---

Commands (on the first lines of your reply): #reply #note #template #escalate #return #assign #take #unassign #follow #unfollow #team #priority #category #application #lpse #action #pending #progress #resolve #close #reopen #merge #related #parent #check #help. Send #help for details.
""")
ANSWER = ('[LDP-000001] Tanggapan atas laporan Bapak/Ibu: Tidak bisa login SPSE', """\
Yth. Rina Wati,

Berikut tanggapan petugas kami atas laporan Bapak/Ibu dengan nomor tiket LDP-000001:

Selamat siang Ibu Rina,

Mohon coba atur ulang kata sandi melalui menu "Lupa Password" di halaman login SPSE, lalu login kembali dengan kata sandi yang baru.

Laporan Bapak/Ibu sedang ditangani LKPP Level 0 (Tingkat 0).

Nomor tiket : LDP-000001
Perihal     : Tidak bisa login SPSE
Keadaan     : diproses

Untuk menanggapi, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya.

Hormat kami,
Layanan Dukungan Pengguna
""")
RECEIPT_1 = ('[LDP-000001] Perintah dijalankan: Tidak bisa login SPSE', """\
Perintah Anda pada tiket LDP-000001 telah dijalankan.

#ambil
  keadaan: baru -> diproses
  petugas: - -> budi@lkpp.example
#kategori akun
  kategori: - -> akun
#balas
  isi pesan dikirim ke pelapor

Keadaan tiket sekarang:
Tingkat  : L0
Tim      : LKPP Level 0
Keadaan  : diproses
Prioritas: normal
Kategori : akun
Petugas  : budi@lkpp.example

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""")
FOLLOW_UP = ('[LDP-000001] Balasan pelapor: Tidak bisa login SPSE', """\
Ada balasan baru dari pelapor pada tiket LDP-000001 (L0, LKPP Level 0, keadaan diproses).

Dari     : Rina Wati <rina@pemkab-bogor.go.id>
Perihal  : Tidak bisa login SPSE
Petugas  : budi@lkpp.example

--- Balasan ---
Sudah saya coba, tetap gagal. Sekarang muncul pesan "akun Anda terkunci".
--- Akhir balasan ---

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""")
ESCALATED_L1 = ('[LDP-000001] Laporan Bapak/Ibu diteruskan ke tim teknis: Tidak bisa login SPSE', """\
Yth. Rina Wati,

Laporan Bapak/Ibu dengan nomor tiket LDP-000001 memerlukan penanganan lebih lanjut, sehingga telah kami teruskan ke tim teknis kami. Kami akan mengabari Bapak/Ibu melalui email bila ada perkembangan.

Laporan Bapak/Ibu sedang ditangani Telkom Technical Operation (Tingkat 1).

Nomor tiket : LDP-000001
Perihal     : Tidak bisa login SPSE
Keadaan     : diproses

Untuk menambahkan keterangan atau lampiran, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya.

Hormat kami,
Layanan Dukungan Pengguna
""")
HANDOVER_L1 = ('[LDP-000001] Eskalasi ke L1: Tidak bisa login SPSE', """\
Tiket LDP-000001 dieskalasi dari L0 (LKPP Level 0) ke L1 (Telkom Technical Operation) oleh Budi <budi@lkpp.example>.
Alasan: Akun terkunci di server SPSE setelah 5 kali gagal login; perlu dibuka oleh tim teknis

Pelapor  : Rina Wati <rina@pemkab-bogor.go.id>
Perihal  : Tidak bisa login SPSE
Tingkat  : L1
Tim      : Telkom Technical Operation
Keadaan  : diproses
Prioritas: normal
Kategori : akun
Petugas  : -

--- Riwayat ---
[1] Laporan dari Rina Wati <rina@pemkab-bogor.go.id>:
Selamat pagi,

Saya tidak bisa login ke SPSE sejak tadi pagi. Muncul pesan "password salah" padahal sudah benar.

Terima kasih,
Rina

[2] Tanggapan ke pelapor dari Budi Santoso <budi@lkpp.example>:
Selamat siang Ibu Rina,

Mohon coba atur ulang kata sandi melalui menu "Lupa Password" di halaman login SPSE, lalu login kembali dengan kata sandi yang baru.

[3] Balasan dari Rina Wati <rina@pemkab-bogor.go.id>:
Sudah saya coba, tetap gagal. Sekarang muncul pesan "akun Anda terkunci".

[4] Catatan internal dari Budi Santoso <budi@lkpp.example>:
Sudah saya cek di panel admin L0: status akun "locked" dan tidak bisa dibuka dari L0.

--- Akhir riwayat ---

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""")
RECEIPT_3 = ('[LDP-000001] Perintah dijalankan: Tidak bisa login SPSE', """\
Perintah Anda pada tiket LDP-000001 telah dijalankan.

#tim telkom
  tim: l0-lkpp -> l0-telkom
  petugas: budi@lkpp.example -> -
#eskalasi L1 Akun terkunci di server SPSE setelah 5 kali gagal login; perlu dibuka oleh tim teknis
  tingkat: L0 -> L1
  tim: l0-telkom -> l1-telkom
(otomatis: #catatan)
  isi pesan disimpan sebagai catatan internal

Keadaan tiket sekarang:
Tingkat  : L1
Tim      : Telkom Technical Operation
Keadaan  : diproses
Prioritas: normal
Kategori : akun
Petugas  : -

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""")
ESCALATED_L2 = ('[LDP-000001] Laporan Bapak/Ibu diteruskan ke tim teknis: Tidak bisa login SPSE', """\
Yth. Rina Wati,

Laporan Bapak/Ibu dengan nomor tiket LDP-000001 memerlukan penanganan lebih lanjut, sehingga telah kami teruskan ke tim pengembang aplikasi kami. Kami akan mengabari Bapak/Ibu melalui email bila ada perkembangan.

Laporan Bapak/Ibu sedang ditangani Telkom Development and Product (Tingkat 2).

Nomor tiket : LDP-000001
Perihal     : Tidak bisa login SPSE
Keadaan     : diproses

Untuk menambahkan keterangan atau lampiran, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya.

Hormat kami,
Layanan Dukungan Pengguna
""")
HANDOVER_L2 = ('[LDP-000001] Eskalasi ke L2: Tidak bisa login SPSE', """\
Tiket LDP-000001 dieskalasi dari L1 (Telkom Technical Operation) ke L2 (Telkom Development and Product) oleh Andi <andi@telkom.example>.
Alasan: Reset password tidak membuka kunci akun: perlu perbaikan di modul reset akun

Pelapor  : Rina Wati <rina@pemkab-bogor.go.id>
Perihal  : Tidak bisa login SPSE
Tingkat  : L2
Tim      : Telkom Development and Product
Keadaan  : diproses
Prioritas: normal
Kategori : cek-log-server
Petugas  : -

--- Riwayat ---
[1] Laporan dari Rina Wati <rina@pemkab-bogor.go.id>:
Selamat pagi,

Saya tidak bisa login ke SPSE sejak tadi pagi. Muncul pesan "password salah" padahal sudah benar.

Terima kasih,
Rina

[2] Tanggapan ke pelapor dari Budi Santoso <budi@lkpp.example>:
Selamat siang Ibu Rina,

Mohon coba atur ulang kata sandi melalui menu "Lupa Password" di halaman login SPSE, lalu login kembali dengan kata sandi yang baru.

[3] Balasan dari Rina Wati <rina@pemkab-bogor.go.id>:
Sudah saya coba, tetap gagal. Sekarang muncul pesan "akun Anda terkunci".

[4] Catatan internal dari Budi Santoso <budi@lkpp.example>:
Sudah saya cek di panel admin L0: status akun "locked" dan tidak bisa dibuka dari L0.

[5] Catatan internal dari Andi Pratama <andi@telkom.example>:
Log server: akun dikunci modul anti-bruteforce; reset password tidak menghapus kuncinya.

--- Akhir riwayat ---

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""")
RECEIPT_4 = ('[LDP-000001] Perintah dijalankan: Tidak bisa login SPSE', """\
Perintah Anda pada tiket LDP-000001 telah dijalankan.

#kategori cek-log-server
  kategori: akun -> cek-log-server
#eskalasi L2 Reset password tidak membuka kunci akun: perlu perbaikan di modul reset akun
  tingkat: L1 -> L2
  tim: l1-telkom -> l2-telkom
(otomatis: #catatan)
  isi pesan disimpan sebagai catatan internal

Keadaan tiket sekarang:
Tingkat  : L2
Tim      : Telkom Development and Product
Keadaan  : diproses
Prioritas: normal
Kategori : cek-log-server
Petugas  : -

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""")
PROGRESS = ('[LDP-000001] Perkembangan penanganan laporan Bapak/Ibu: Tidak bisa login SPSE', """\
Yth. Rina Wati,

Ada perkembangan dalam penanganan laporan Bapak/Ibu dengan nomor tiket LDP-000001:

Tahap penanganan: perbaikan

Modul reset akun sedang kami kerjakan dan dijadwalkan rilis besok pagi.

Laporan Bapak/Ibu sedang ditangani Telkom Development and Product (Tingkat 2).

Nomor tiket : LDP-000001
Perihal     : Tidak bisa login SPSE
Keadaan     : diproses

Kami akan mengabari Bapak/Ibu kembali bila ada perkembangan berikutnya. Untuk menambahkan keterangan, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya.

Hormat kami,
Layanan Dukungan Pengguna
""")
RECEIPT_5 = ('[LDP-000001] Perintah dijalankan: Tidak bisa login SPSE', """\
Perintah Anda pada tiket LDP-000001 telah dijalankan.

#ambil
  petugas: - -> dewi@telkom.example
#progres perbaikan Modul reset akun sedang kami kerjakan dan dijadwalkan rilis besok pagi.
  kemajuan dikirim ke pelapor
(otomatis: #catatan)
  isi pesan disimpan sebagai catatan internal

Keadaan tiket sekarang:
Tingkat  : L2
Tim      : Telkom Development and Product
Keadaan  : diproses
Prioritas: normal
Kategori : cek-log-server
Petugas  : dewi@telkom.example

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""")
RESOLVED = ('[LDP-000001] Laporan Bapak/Ibu telah diselesaikan: Tidak bisa login SPSE', """\
Yth. Rina Wati,

Laporan Bapak/Ibu dengan nomor tiket LDP-000001 telah kami selesaikan.

Penyelesaian:
Perbaikan sudah dirilis; akun Anda sudah dibuka dan dapat dipakai kembali.

Mohon maaf atas ketidaknyamanannya, Ibu Rina. Silakan login kembali ke SPSE dengan kata sandi yang baru.

Laporan Bapak/Ibu diselesaikan oleh Telkom Development and Product (Tingkat 2).

Nomor tiket : LDP-000001
Perihal     : Tidak bisa login SPSE
Keadaan     : selesai

Bila masalah Bapak/Ibu belum teratasi, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya dan tiket ini akan kami buka kembali.

Hormat kami,
Layanan Dukungan Pengguna
""")
RECEIPT_6 = ('[LDP-000001] Perintah dijalankan: Tidak bisa login SPSE', """\
Perintah Anda pada tiket LDP-000001 telah dijalankan.

#selesai Perbaikan sudah dirilis; akun Anda sudah dibuka dan dapat dipakai kembali.
  keadaan: diproses -> selesai
  penyelesaian dikirim ke pelapor
#balas
  isi pesan dikirim ke pelapor

Keadaan tiket sekarang:
Tingkat  : L2
Tim      : Telkom Development and Product
Keadaan  : selesai
Prioritas: normal
Kategori : cek-log-server
Petugas  : dewi@telkom.example

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""")

# `ldp tickets show` without the time column; nonces vary from run to run.
KEEPER_TAIL = """
Pelapor  : Rina Wati <rina@pemkab-bogor.go.id>
Perihal  : Tidak bisa login SPSE
Tingkat  : L2
Tim      : Telkom Development and Product
Keadaan  : {status}

Anda memegang tiket ini di L0 dan tetap menjadi penghubung pelapor: Anda masih dapat \
menanggapi pelapor (#balas) dan menulis catatan internal (#catatan) dengan membalas email ini. \
Perintah lainnya tetap pada Telkom Development and Product (L2).
"""
KEEPER_L2 = ('[LDP-000001] Kini di L2 (Telkom Development and Product): Tidak bisa login SPSE',
             """\
Tiket LDP-000001 dipindahkan dari L1 (Telkom Technical Operation) ke L2 (Telkom Development \
and Product) oleh Andi <andi@telkom.example>.

#kategori cek-log-server
#eskalasi L2 Reset password tidak membuka kunci akun: perlu perbaikan di modul reset akun
""" + KEEPER_TAIL.format(status="diproses"))
KEEPER_PROGRESS = ('[LDP-000001] Kabar dari L2: Tidak bisa login SPSE', """\
Dewi <dewi@telkom.example> (Telkom Development and Product, L2) menulis kepada pelapor tiket \
LDP-000001.

#ambil
#progres perbaikan Modul reset akun sedang kami kerjakan dan dijadwalkan rilis besok pagi.
""" + KEEPER_TAIL.format(status="diproses"))
KEEPER_RESOLVED = ('[LDP-000001] Diselesaikan di L2 oleh Telkom Development and Product: '
                   'Tidak bisa login SPSE', """\
Tiket LDP-000001 diselesaikan di L2 oleh Dewi <dewi@telkom.example> (Telkom Development and \
Product). Anda diberi tahu lebih dahulu daripada pelapor.

#selesai Perbaikan sudah dirilis; akun Anda sudah dibuka dan dapat dipakai kembali.
#balas

--- Tanggapan ke pelapor ---
Mohon maaf atas ketidaknyamanannya, Ibu Rina. Silakan login kembali ke SPSE dengan kata sandi \
yang baru.
--- Akhir ---
""" + KEEPER_TAIL.format(status="selesai"))

SHOWN_EVENTS = [
    "created        rina@pemkab-bogor.go.id: new ticket at L0 for team l0-lkpp",
    "routed         router: matched: no rule matched: default team; tried: none; "
    "team=l0-lkpp category=- priority=normal application=SPSE lpse=-",
    "agent_reply    budi@lkpp.example: verified: reply token of budi@lkpp.example for "
    "LDP-000001 (nonce *)",
    "take           budi@lkpp.example: #ambil: status new -> open; assignee - -> "
    "budi@lkpp.example",
    "category       budi@lkpp.example: #kategori akun: category - -> akun",
    "reply          budi@lkpp.example: #balas: the message went to the reporter",
    "reply          rina@pemkab-bogor.go.id: reporter replied",
    "agent_reply    budi@lkpp.example: verified: reply token of budi@lkpp.example for "
    "LDP-000001 (nonce *)",
    "team           budi@lkpp.example: #tim telkom: team l0-lkpp -> l0-telkom; assignee "
    "budi@lkpp.example -> -",
    "escalate       budi@lkpp.example: #eskalasi L1 Akun terkunci di server SPSE setelah 5 "
    "kali gagal login; perlu dibuka oleh tim teknis: level L0 -> L1; team l0-telkom -> "
    "l1-telkom",
    "level_category budi@lkpp.example: category at L0: akun",
    "note           budi@lkpp.example: (default: #note): kept as an internal note",
    "l0_keeper      budi@lkpp.example: left L0: budi@lkpp.example keeps the reporter",
    "agent_reply    andi@telkom.example: verified: reply token of andi@telkom.example for "
    "LDP-000001 (nonce *)",
    "category       andi@telkom.example: #kategori cek-log-server: category akun -> "
    "cek-log-server",
    "escalate       andi@telkom.example: #eskalasi L2 Reset password tidak membuka kunci "
    "akun: perlu perbaikan di modul reset akun: level L1 -> L2; team l1-telkom -> l2-telkom",
    "level_category andi@telkom.example: category at L1: cek-log-server",
    "note           andi@telkom.example: (default: #note): kept as an internal note",
    "agent_reply    dewi@telkom.example: verified: reply token of dewi@telkom.example for "
    "LDP-000001 (nonce *)",
    "take           dewi@telkom.example: #ambil: assignee - -> dewi@telkom.example",
    "progress       dewi@telkom.example: #progres perbaikan Modul reset akun sedang kami "
    "kerjakan dan dijadwalkan rilis besok pagi.: the reporter was told",
    "stage          dewi@telkom.example: stage - -> fixing",
    "note           dewi@telkom.example: (default: #note): kept as an internal note",
    "agent_reply    dewi@telkom.example: verified: reply token of dewi@telkom.example for "
    "LDP-000001 (nonce *)",
    "resolve        dewi@telkom.example: #selesai Perbaikan sudah dirilis; akun Anda sudah "
    "dibuka dan dapat dipakai kembali.: status open -> resolved; the reporter was told the "
    "resolution",
    "reply          dewi@telkom.example: #balas: the message went to the reporter",
]

# What an L0 agent may use, as every refused block's receipt ends (`desk.cheatsheet`).
BUDI_MAY = """\
Yang dapat Anda pakai sekarang, sebagai agen L0 di LKPP Level 0:
Perintah: #balas #catatan #templat #eskalasi #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan
Kode #tindakan: analisa, tanggapan, solusi-non-teknis
Kategori untuk L0: pertanyaan-umum, akun, tender, email, spse, sikap, lainnya
#eskalasi ke: L1 Telkom Technical Operation
#kembalikan ke: -
#tim ke: -
Jawaban baku untuk #templat: belum ada
"""
SARI_MAY = """\
What you may use now, as an L0 agent of LKPP Level 0:
Commands: #reply #note #template #escalate #assign #take #unassign #follow #unfollow #team #priority #category #application #lpse #action #pending #resolve #close #reopen #merge #related #parent #check #help
#action codes: analisa, tanggapan, solusi-non-teknis
Categories for L0: pertanyaan-umum, akun, tender, email, spse, sikap, lainnya
#escalate to: L1 Telkom Technical Operation
#return to: -
#team to: -
Canned answers for #template: none yet
"""
REFUSED_RECEIPT = """\
Perintah Anda pada tiket LDP-000001 TIDAK dijalankan: ada baris yang salah, jadi tidak ada yang diubah. Perbaiki baris bertanda KESALAHAN, lalu kirim ulang seluruh blok.

#ambil
  benar
#prioritas sangat-tinggi
  KESALAHAN: #prioritas perlu diikuti salah satu dari: rendah, normal, tinggi, mendesak
#balas
  benar

Keadaan tiket (tidak berubah):
Tingkat  : L0
Tim      : LKPP Level 0
Keadaan  : baru
Prioritas: normal
Kategori : -
Petugas  : -

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""" + "\n" + BUDI_MAY
CHECK_RECEIPT = """\
Uji coba (#cek) pada tiket LDP-000001: tidak ada yang diubah. Tanpa #cek, blok ini akan dijalankan seperti berikut.

#cek
  uji coba: tidak ada yang diubah
#ambil
  keadaan: baru -> diproses
  petugas: - -> budi@lkpp.example
#prioritas tinggi
  prioritas: normal -> tinggi
#selesai Kata sandi sudah direset
  keadaan: diproses -> selesai
  penyelesaian dikirim ke pelapor

Keadaan tiket bila dijalankan:
Tingkat  : L0
Tim      : LKPP Level 0
Keadaan  : selesai
Prioritas: tinggi
Kategori : -
Petugas  : budi@lkpp.example

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
"""
HELP_TAIL_ID = """

Perintah hanya dibaca dari baris paling atas balasan Anda atas email dari Layanan Dukungan Pengguna, dari bagian teks biasa, bukan dari kutipan atau dari HTML saja. Tanpa #balas atau #catatan, isi balasan disimpan sebagai catatan internal.
"""
HELP_TAIL_EN = """

Commands are read only from the first lines of your reply to a mail from Layanan Dukungan Pengguna, in its plain-text part: never from quoted text or from HTML alone. Without #reply or #note, the message is kept as an internal note.
"""
HTML_ONLY_RECEIPT = """\
Perintah Anda pada tiket LDP-000001 TIDAK dijalankan: ada baris yang salah, jadi tidak ada yang diubah. Perbaiki baris bertanda KESALAHAN, lalu kirim ulang seluruh blok.

#selesai Sudah direset
  KESALAHAN: perintah hanya dibaca dari bagian teks biasa sebuah balasan, sedangkan balasan ini hanya berisi HTML
(otomatis: #catatan)
  benar

Keadaan tiket (tidak berubah):
Tingkat  : L0
Tim      : LKPP Level 0
Keadaan  : baru
Prioritas: normal
Kategori : -
Petugas  : -

Perintah (di baris paling atas balasan): #balas #catatan #templat #eskalasi #kembalikan #tugaskan #ambil #lepas #ikuti #berhenti-ikuti #tim #prioritas #kategori #aplikasi #lpse #tindakan #tunda #progres #selesai #tutup #buka #gabung #terkait #induk #cek #bantuan. Kirim #bantuan untuk penjelasan.
""" + "\n" + BUDI_MAY
SARI_REFUSED = """\
Your commands on ticket LDP-000001 were NOT carried out: some lines are wrong, so nothing was changed. Fix the lines marked ERROR and send the whole block again.

#progress Working on it
  ERROR: #progress is for L2 agents; sari@lkpp.example is an L0 agent

The ticket (unchanged):
Level    : L0
Team     : LKPP Level 0
Status   : new
Priority : normal
Category : -
Assignee : -

Commands (on the first lines of your reply): #reply #note #template #escalate #return #assign #take #unassign #follow #unfollow #team #priority #category #application #lpse #action #pending #progress #resolve #close #reopen #merge #related #parent #check #help. Send #help for details.
""" + "\n" + SARI_MAY
RETURNED_EN = """\
Ticket LDP-000001 was returned from L1 (Telkom Technical Operation) to L0 (LKPP Level 0) by Andi <andi@telkom.example>.
Reason: Bukan masalah server: identitas pelapor perlu diverifikasi dulu

Reporter : Rina Wati <rina@pemkab-bogor.go.id>
Subject  : Tidak bisa login SPSE
Level    : L0
Team     : LKPP Level 0
Status   : open
Priority : normal
Category : -
Assignee : -

--- History ---
[1] Report from Rina Wati <rina@pemkab-bogor.go.id>:
Selamat pagi,

Saya tidak bisa login ke SPSE sejak tadi pagi. Muncul pesan "password salah" padahal sudah benar.

Terima kasih,
Rina

[2] Internal note from Andi Pratama <andi@telkom.example>:
Akun tidak terkunci di server.

--- End of history ---

Commands (on the first lines of your reply): #reply #note #template #escalate #return #assign #take #unassign #follow #unfollow #team #priority #category #application #lpse #action #pending #progress #resolve #close #reopen #merge #related #parent #check #help. Send #help for details.
"""
PENDING = """\
Yth. Rina Wati,

Penanganan laporan Bapak/Ibu dengan nomor tiket LDP-000001 kami tunda sementara, dengan keterangan:

Mohon kirimkan tangkapan layar pesan galat yang muncul saat login.

Laporan Bapak/Ibu sedang ditangani LKPP Level 0 (Tingkat 0).

Nomor tiket : LDP-000001
Perihal     : Tidak bisa login SPSE
Keadaan     : ditunda

Bila keterangan di atas memerlukan tanggapan atau data dari Bapak/Ibu, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya; tiket ini akan segera kami tangani kembali.

Hormat kami,
Layanan Dukungan Pengguna
"""
ANSWER_PUBLIC_DEFAULT = """\
Yth. Rina Wati,

Berikut tanggapan petugas kami atas laporan Bapak/Ibu dengan nomor tiket LDP-000001:

Selamat siang Ibu Rina,

Akun Anda sudah kami buka kembali.

Laporan Bapak/Ibu sedang ditangani LKPP Level 0 (Tingkat 0).

Nomor tiket : LDP-000001
Perihal     : Tidak bisa login SPSE
Keadaan     : diproses

Untuk menanggapi, silakan balas email ini tanpa menghapus [LDP-000001] dari subjeknya.

Hormat kami,
Layanan Dukungan Pengguna
"""


def test_lepas_leaves_the_ticket_to_its_team_and_records_the_command(db_url, tmp_path):
    """#ambil then, in a later reply, #lepas: the ticket is unassigned again, the receipt shows
    the change, and the event names its command in the structured fields."""
    desk = LocalDesk(db_url, tmp_path)
    new = desk.report()
    desk.deliver(budi_says(new[BUDI][0], "#ambil"))
    sent = desk.deliver(budi_says(new[BUDI][0], "#lepas",
                                  message_id="<CAGx7budi0010@mail.gmail.com>"))
    assert desk.outcome.detail == f"applied for {BUDI}: #lepas"
    assert sorted(sent) == [BUDI]
    assert "#lepas\n  petugas: budi@lkpp.example -> -\n" in text(sent[BUDI])
    ticket = tickets.get_ticket(REF)
    assert (ticket.status.value, ticket.assignee) == ("open", None)
    last = tickets.events(ticket)[-1]
    assert (last.kind, last.actor, last.command, last.arguments, last.old_value,
            last.new_value) == ("unassign", BUDI, "unassign", None, BUDI, None)
    assert last.detail == "#lepas: assignee budi@lkpp.example -> -"
