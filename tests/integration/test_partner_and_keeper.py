"""Both organisations at each level, and L0 keeping the reporter, over a real IMAP server, a real
SMTP sink, SQLite and PostgreSQL.

The partner team of a level (same level, the other organisation) hears of a ticket the other
team holds: under partner = "inform" an [Info] copy with no reply token, a reply to which is
kept as an unverified message and applies nothing; under "act" the holding team's notice with
the agent's own token, and the same rights; under "none" nothing. Once a ticket has left L0, the
L0 agent who held it still answers the reporter and writes notes, and is told of a resolution
before the reporter, whose mail names the team and level that solved it."""
from __future__ import annotations

import hashlib
from email.message import EmailMessage

import pytest

from gateway.parsers import auth
from gateway.store import outbox, tickets
from tests import mails
from tests.conftest import AGENTS
from tests.integration.agent_replies import POLICY, LocalDesk, _headers, gmail_reply
from tests.integration.test_agent_flow import (ANDI, BUDI, DEWI, REF, REPORT_ID, RINA, SARI,
                                               SECRET, Desk)

pytestmark = pytest.mark.integration
LINA = "lina@lkpp.example"  # LKPP's L1 team: the partner of Telkom Technical Operation
WITH_LINA = [*AGENTS, {"email": LINA, "name": "Lina", "team": "l1-lkpp"}]
GUIDE = b"%PDF-1.7\n" + bytes(range(256)) * 400  # a 100 KB guide Andi sends Rina
UP_TO_TELKOM_L1 = "#ambil\n#tim telkom\n#eskalasi L1 Akun terkunci di server SPSE"


def desk_with(imap_server, smtp_sink, db_url, tmp_path, **partner) -> Desk:
    return Desk(imap_server, smtp_sink, db_url, tmp_path, agents=WITH_LINA, partner=partner)


def says(who: str, name: str, notification: bytes, top: str, message_id: str) -> bytes:
    return gmail_reply(f"{name} <{who}>", notification, top, name, message_id)


def is_token(message_id: str, email: str) -> bool:
    return auth.token_matches(message_id, secret=SECRET, domain="lpse.example", ref=REF,
                              email=email)


def to_telkom_l1(desk: Desk) -> tuple[dict, dict]:
    """Rina reports; Budi takes it, hands it to Telkom and escalates it to L1."""
    new = desk.deliver(mails.report(message_id=REPORT_ID))
    up = desk.deliver(says(BUDI, "Budi", new[BUDI], UP_TO_TELKOM_L1, "<budi-up@lkpp.example>"))
    return new, up


def test_the_lkpp_l1_team_gets_an_info_copy_without_a_token_and_its_reply_acts_on_nothing(
        imap_server, smtp_sink, db_url, tmp_path):
    """partner = inform (the default): escalated into l1-telkom, Lina (LKPP L1) gets an [Info]
    copy whose Message-ID carries no token and says it is for information; her reply to it,
    commands and all, is stored as an unverified message: no change, no mail, no event but
    `unverified`. Andi's #balas and #selesai reach her as [Info] copies too."""
    desk = desk_with(imap_server, smtp_sink, db_url, tmp_path)
    _new, up = to_telkom_l1(desk)
    assert sorted(up) == [ANDI, BUDI, LINA, RINA]
    info = mails.parse(up[LINA])
    assert info["Subject"] == ("[Info] [LDP-000001] Masuk ke L1 (Telkom Technical Operation): "
                               "Tidak bisa login SPSE")
    assert auth.parse_token_id(info["Message-ID"]) is None
    assert not any(auth.parse_token_id(r) for r in str(info["References"] or "").split())
    assert mails.text_of(up[LINA]).startswith(
        "HANYA SEBAGAI INFORMASI. Tim Anda, LKPP Level 1, adalah tim mitra di L1; tiket ini "
        "dipegang Telkom Technical Operation, dan hanya tim itu yang menindaklanjutinya. Balasan "
        "atas email ini disimpan sebagai pesan biasa dan tidak menjalankan apa pun.\n\n"
        "Tiket LDP-000001 masuk ke L1 (Telkom Technical Operation), dipindahkan oleh Budi "
        "<budi@lkpp.example>.\n")
    assert is_token(mails.parse(up[ANDI])["Message-ID"], ANDI)  # the holder's notice acts

    before = tickets.get_ticket(REF)
    events = len(tickets.events(before))
    sent = desk.deliver(says(LINA, "Lina", up[LINA], "#ambil\n#selesai Sudah beres\n#balas\n\n"
                             "Ibu Rina, akun sudah dibuka.", "<lina-1@lkpp.example>"))
    assert sent == {}
    assert tickets.get_ticket(REF) == before
    [event] = tickets.events(before)[events:]
    assert (event.kind, event.actor) == ("unverified", LINA)
    assert tickets.messages(before)[-1].kind == "unverified"

    # Andi answers the reporter with a guide attached, then resolves: Lina reads both, with
    # the file Rina was sent; Budi (the L0 keeper) too.
    reply = _headers(EmailMessage(), "Andi <andi@telkom.example>", up[ANDI],
                     "<andi-1@telkom.example>", "Re: ")
    reply.set_content("#balas\n\nIbu Rina, sedang kami cek. Panduan terlampir.\n")
    reply.add_attachment(GUIDE, "application", "pdf", filename="panduan.pdf")
    answer = desk.deliver(reply.as_bytes(policy=POLICY))
    assert sorted(answer) == [ANDI, BUDI, LINA, RINA]
    assert mails.parse(answer[LINA])["Subject"] == \
        "[Info] [LDP-000001] Tanggapan ke pelapor: Tidak bisa login SPSE"
    assert "Ibu Rina, sedang kami cek. Panduan terlampir." in mails.text_of(answer[LINA])
    for who in (RINA, LINA):
        files = [(p.get_filename(), hashlib.sha256(p.get_content()).hexdigest())
                 for p in mails.parse(answer[who]).iter_attachments()]
        assert files == [("panduan.pdf", hashlib.sha256(GUIDE).hexdigest())], who
    assert "Lampiran : panduan.pdf" in mails.text_of(answer[LINA])
    done = desk.deliver(says(ANDI, "Andi", up[ANDI], "#selesai Kunci akun sudah dibuka di "
                             "server.", "<andi-2@telkom.example>"))
    assert sorted(done) == [ANDI, BUDI, LINA, RINA]
    assert mails.parse(done[LINA])["Subject"] == \
        "[Info] [LDP-000001] Diselesaikan di L1: Tidak bisa login SPSE"
    assert auth.parse_token_id(mails.parse(done[LINA])["Message-ID"]) is None


def test_l1_resolution_tells_l0_first_and_the_reporter_who_solved_it(
        imap_server, smtp_sink, db_url, tmp_path):
    """Andi (Telkom L1) resolves: Budi's notice is queued before Rina's resolution mail, in the
    same lane of the outbox, and reaches the SMTP sink first; Rina's mail names Telkom
    Technical Operation at level 1, never the team's id."""
    desk = desk_with(imap_server, smtp_sink, db_url, tmp_path, L1="none")
    _new, up = to_telkom_l1(desk)
    assert sorted(up) == [ANDI, BUDI, RINA]  # partner = none: no copy for Lina
    seen = len(smtp_sink.messages)
    done = desk.deliver(says(ANDI, "Andi", up[ANDI], "#selesai Kunci akun sudah dibuka di "
                             "server.", "<andi-2@telkom.example>"))
    assert sorted(done) == [ANDI, BUDI, RINA]
    order = [recipients[0] for _s, recipients, _r in smtp_sink.messages[seen:]]
    assert order.index(BUDI) < order.index(RINA), order
    rows = {item.recipient: item for item in outbox.list_items()[-3:]}
    assert rows[BUDI].id < rows[RINA].id
    assert outbox.priority(rows[BUDI].template) == outbox.priority(rows[RINA].template) == 0
    keeper = mails.parse(done[BUDI])
    assert keeper["Subject"] == ("[LDP-000001] Diselesaikan di L1 oleh Telkom Technical "
                                 "Operation: Tidak bisa login SPSE")
    assert is_token(keeper["Message-ID"], BUDI)
    resolved = mails.text_of(done[RINA])
    assert "Laporan Bapak/Ibu diselesaikan oleh Telkom Technical Operation (Tingkat 1).\n" \
        in resolved
    assert "l1-telkom" not in resolved and "l1-telkom" not in mails.html_of(done[RINA])


def test_with_partner_act_the_lkpp_l1_agent_answers_the_reporter(
        imap_server, smtp_sink, db_url, tmp_path):
    """partner L1 = act: Lina gets the hand-over Andi gets, with her own token (no [Info]);
    her #balas reaches Rina, and Andi may assign the ticket to her."""
    desk = desk_with(imap_server, smtp_sink, db_url, tmp_path, L1="act")
    _new, up = to_telkom_l1(desk)
    notice = mails.parse(up[LINA])
    assert notice["Subject"] == mails.parse(up[ANDI])["Subject"] == \
        "[LDP-000001] Eskalasi ke L1: Tidak bisa login SPSE"
    assert is_token(notice["Message-ID"], LINA)
    sent = desk.deliver(says(LINA, "Lina", up[LINA], "#balas\n\nIbu Rina, kami dari LKPP L1 "
                             "sedang membantu.", "<lina-1@lkpp.example>"))
    assert desk.outcomes.outcomes[0].detail == f"applied for {LINA}: #balas"
    # Rina, the L0 keeper, Lina's receipt, and Andi's team, whose partner acted.
    assert sorted(sent) == [ANDI, BUDI, LINA, RINA]
    assert "Ibu Rina, kami dari LKPP L1 sedang membantu." in mails.text_of(sent[RINA])
    # The answer is the partner team's: Andi's team hears of it, with his own token.
    done = desk.deliver(says(LINA, "Lina", up[LINA], "#selesai Akun sudah dibuka.",
                             "<lina-2@lkpp.example>"))
    assert sorted(done) == [ANDI, BUDI, LINA, RINA]
    assert mails.parse(done[ANDI])["Subject"] == \
        "[LDP-000001] Diselesaikan di L1: Tidak bisa login SPSE"
    assert is_token(mails.parse(done[ANDI])["Message-ID"], ANDI)
    assert mails.text_of(done[ANDI]).startswith(
        "Tim Anda, Telkom Technical Operation, menangani tiket L1 bersama LKPP Level 1: Anda "
        "dapat menindaklanjuti tiket ini dengan membalas email ini berisi perintah.\n\n"
        "Tiket LDP-000001 diselesaikan di L1 oleh Lina <lina@lkpp.example>.\n")
    # Who solved it: Lina's team, the partner that acted.
    assert "Laporan Bapak/Ibu diselesaikan oleh LKPP Level 1 (Tingkat 1).\n" in \
        mails.text_of(done[RINA])
    desk.deliver(says(ANDI, "Andi", up[ANDI], "#buka", "<andi-4@telkom.example>"))
    desk.deliver(says(ANDI, "Andi", up[ANDI], f"#tugaskan {LINA}", "<andi-3@telkom.example>"))
    assert tickets.get_ticket(REF).assignee == LINA


def test_inform_refuses_a_partner_agent_who_answers_an_older_acting_notice(db_url, tmp_path):
    """Lina held the ticket (LKPP L1) and got a notice with her token, then handed it to
    Telkom: answering that older notice with #balas is refused by the partner-team rule (a token
    proves who she is, not what she may do); her receipt says why and Rina hears nothing."""
    desk = LocalDesk(db_url, tmp_path, agents=WITH_LINA)
    new = desk.report(message_id=REPORT_ID)
    up = desk.deliver(says(BUDI, "Budi", new[BUDI][0], "#eskalasi L1 Perlu tim teknis",
                           "<budi-up@lkpp.example>"))
    assert is_token(mails.parse(up[LINA][0])["Message-ID"], LINA)  # she holds it now
    across = desk.deliver(says(LINA, "Lina", up[LINA][0], "#tim telkom",
                               "<lina-1@lkpp.example>"))
    # Andi's hand-over, Lina's receipt, and the L0 team that keeps the reporter (nobody had
    # taken it at L0).
    assert sorted(across) == [ANDI, BUDI, LINA, SARI]
    sent = desk.deliver(says(LINA, "Lina", up[LINA][0], "#balas\n\nIbu Rina, mohon tunggu.",
                             "<lina-2@lkpp.example>"))
    assert desk.outcome.disposition.value == "refused"
    assert sorted(sent) == [LINA]
    assert ("KESALAHAN: lina@lkpp.example berada di l1-lkpp, tim mitra di L1: tiket ini "
            "dipegang l1-telkom, dan hanya tim itu yang dapat menindaklanjutinya"
            in mails.text_of(sent[LINA][0]))
    assert tickets.events(tickets.get_ticket(REF))[-1].detail.endswith(
        "(partner-team: lina@lkpp.example is in l1-lkpp, the partner team at L1: the ticket "
        "is held by l1-telkom, which alone acts on it)")


def test_the_l0_agent_answers_the_reporter_on_an_l2_ticket_but_cannot_resolve_or_escalate(
        imap_server, smtp_sink, db_url, tmp_path):
    """Budi took the ticket at L0; at L2 he answers his keeper notice: #balas reaches Rina,
    #catatan is kept; #selesai and #eskalasi are refused with a receipt, changing nothing."""
    desk = desk_with(imap_server, smtp_sink, db_url, tmp_path)
    _new, up = to_telkom_l1(desk)
    l2 = desk.deliver(says(ANDI, "Andi", up[ANDI], "#eskalasi Perlu perbaikan modul",
                           "<andi-up@telkom.example>"))
    assert sorted(l2) == [ANDI, BUDI, DEWI, RINA]
    keeper = l2[BUDI]
    assert is_token(mails.parse(keeper)["Message-ID"], BUDI)
    answer = desk.deliver(says(BUDI, "Budi", keeper, "#balas\n\nIbu Rina, tiket Ibu sedang "
                               "ditangani tim pengembang; saya pantau terus.",
                               "<budi-l2@lkpp.example>"))
    # Rina hears Budi; Dewi, who holds the ticket at L2, is told what Rina was told.
    assert sorted(answer) == [BUDI, DEWI, RINA]
    assert "Ibu Rina, tiket Ibu sedang ditangani tim pengembang; saya pantau terus." in \
        mails.text_of(answer[RINA])
    assert "Laporan Bapak/Ibu sedang ditangani Telkom Development and Product (Tingkat 2)." \
        in mails.text_of(answer[RINA])
    told = mails.text_of(answer[DEWI])
    assert "Budi <budi@lkpp.example> dari L0, yang tetap menjadi penghubung pelapor, " \
        "menanggapi pelapor tiket LDP-000001." in told
    assert "--- Tanggapan ke pelapor ---\nIbu Rina, tiket Ibu sedang ditangani tim " \
        "pengembang; saya pantau terus.\n--- Akhir ---" in told
    assert is_token(mails.parse(answer[DEWI])["Message-ID"], DEWI)
    noted = desk.deliver(says(BUDI, "Budi", keeper, "#catatan\n\nPelapor sudah saya hubungi.",
                              "<budi-note@lkpp.example>"))
    assert tickets.messages(tickets.get_ticket(REF))[-1].kind == "note"
    assert sorted(noted) == [BUDI, DEWI]
    assert "menulis catatan internal pada tiket LDP-000001" in mails.text_of(noted[DEWI])
    # Rina's own reply on the L2 ticket reaches the L2 team and Budi, who keeps her.
    reply = desk.deliver(mails.report(subject="Re: [LDP-000001] Tidak bisa login SPSE",
                                      body="Baik pak, saya tunggu kabarnya.\n",
                                      message_id="<rina-2@mail.gmail.com>",
                                      in_reply_to=REPORT_ID, references=REPORT_ID))
    assert sorted(reply) == [BUDI, DEWI]
    assert "Baik pak, saya tunggu kabarnya." in mails.text_of(reply[BUDI])
    assert is_token(mails.parse(reply[BUDI])["Message-ID"], BUDI)
    state = desk.state()
    for number, line in enumerate(("#selesai Sudah beres", "#eskalasi L2 lagi",
                                   "#kembalikan L0 Saya ambil lagi", "#ambil")):
        refused = desk.deliver(says(BUDI, "Budi", keeper, line, f"<budi-bad-{number}@lkpp>"))
        assert sorted(refused) == [BUDI], line
        assert "KESALAHAN: budi@lkpp.example adalah agen L0, sedangkan tiket ini berada di L2" \
            in mails.text_of(refused[BUDI]), line
    assert desk.state() == state


def test_another_l0_agent_is_not_the_keeper_of_budis_ticket(db_url, tmp_path):
    """Sari (same L0 team) answers an old notice of hers on the L1 ticket Budi keeps: refused,
    her receipt names the keeper."""
    desk = LocalDesk(db_url, tmp_path, agents=WITH_LINA, partner={"L1": "none"})
    new = desk.report(message_id=REPORT_ID)
    desk.deliver(says(BUDI, "Budi", new[BUDI][0], UP_TO_TELKOM_L1, "<budi-up@lkpp.example>"))
    sent = desk.deliver(says(SARI, "Sari", new[SARI][0], "#reply\n\nHello Mrs Rina.",
                             "<sari-1@lkpp.example>"))
    assert sorted(sent) == [SARI]
    assert ("ERROR: sari@lkpp.example is an L0 agent; the ticket is at L1, where only its L0 "
            "keeper (budi@lkpp.example) may still answer the reporter, add notes or change followers"
            in mails.text_of(sent[SARI][0]))


def test_the_acknowledgement_names_a_team_without_a_name_in_plain_words(db_url, tmp_path):
    """A team configured without a name is "our Level 0 team" to the reporter, never its id.
    (A named team: "LKPP Level 0 (Tingkat 0)", in tests/mails.py's RINA_ACK_TEXT.)"""
    nameless = [{"id": "l0-lkpp", "level": "L0", "organisation": "LKPP"}]
    desk = LocalDesk(db_url, tmp_path, teams=nameless, agents=[AGENTS[0]])
    raw = desk.report()[RINA][0]
    assert "\nLaporan Bapak/Ibu sedang ditangani tim Tingkat 0 kami.\n" in mails.text_of(raw)
    assert "l0-lkpp" not in mails.text_of(raw) and "l0-lkpp" not in mails.html_of(raw)
