"""Spoofing: a mail that claims to be an agent's but cannot prove it applies nothing. Each case
is stored as an ordinary message with an `unverified` event, sends no mail, and leaves the
ticket exactly as it was; SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from gateway.store import tickets
from tests import mails
from tests.integration.agent_replies import LocalDesk, gmail_reply, prepend

pytestmark = pytest.mark.integration

BUDI, SARI, DEWI = "budi@lkpp.example", "sari@lkpp.example", "dewi@telkom.example"
RINA = "rina@pemkab-bogor.go.id"
OURS = "mx.lpse.example"
FAILED = f"no reply token of {BUDI} for LDP-000001; no DKIM or DMARC pass by {OURS}"
RESOLVE = "#selesai Sudah beres\n#balas\n\nTiket ini sudah selesai."


def state(ref: str = "LDP-000001") -> tuple:
    t = tickets.get_ticket(ref)
    return (t.level.value, t.team, t.status.value, t.assignee)


def assert_unverified(desk: LocalDesk, sent: dict, sender: str, reason: str,
                      ref: str = "LDP-000001") -> None:
    """Nothing sent; the ticket unchanged; one `unverified` event naming why; the mail kept."""
    detail = (f"reply from agent address {sender} not verified, nothing applied: {reason}")
    assert sent == {}
    assert (desk.outcome.disposition.value, desk.outcome.ticket_ref, desk.outcome.detail) == \
        ("follow_up", ref, detail)
    assert state(ref) == ("L0", "l0-lkpp", "new", None)
    ticket = tickets.get_ticket(ref)
    [event] = [e for e in tickets.events(ticket) if e.kind not in ("created", "routed")]
    assert (event.kind, event.actor, event.detail) == ("unverified", sender, detail)
    stored = tickets.messages(ticket)[-1]
    assert (stored.kind, stored.visibility, stored.author.endswith(f"<{sender}>")) == \
        ("unverified", "internal", True)
    assert stored.text == mails.parse(desk.last_raw).get_body(("plain",)).get_content() \
        .replace("\r\n", "\n")


@pytest.fixture
def desk(db_url, tmp_path):
    return LocalDesk(db_url, tmp_path, security={"authserv_id": OURS})


def test_a_forged_from_without_a_token_applies_nothing(desk):
    """From: Budi, threaded by the subject tag only, no token, no Authentication-Results."""
    desk.report()
    sent = desk.deliver(mails.report(subject="Re: [LDP-000001] Tidak bisa login SPSE",
                                     sender="Budi <budi@lkpp.example>", body=RESOLVE + "\n",
                                     message_id="<forged-1@evil.example>"))
    assert_unverified(desk, sent, BUDI, FAILED)


def test_a_token_from_another_ticket_applies_nothing(desk):
    """Budi's genuine token for LDP-000001 does not open LDP-000002 to him."""
    first = desk.report()
    desk.report(message_id="<CAGx7andre0001@mail.gmail.com>",
                sender="Andre <andre@pemkot-depok.go.id>", subject="Gagal unggah dokumen")
    token = mails.parse(first[BUDI][0])["Message-ID"]
    sent = desk.deliver(mails.report(
        subject="Re: [LDP-000002] Gagal unggah dokumen", sender="Budi <budi@lkpp.example>",
        body=RESOLVE + "\n", message_id="<forged-2@lkpp.example>",
        in_reply_to="<CAGx7andre0001@mail.gmail.com>",
        references=f"{token} <CAGx7andre0001@mail.gmail.com>"))
    assert_unverified(desk, sent, BUDI, f"no reply token of {BUDI} for LDP-000002; "
                      f"no DKIM or DMARC pass by {OURS}", ref="LDP-000002")
    assert state("LDP-000001") == ("L0", "l0-lkpp", "new", None)


def test_a_token_minted_for_another_agent_applies_nothing(desk):
    """Budi answering Sari's copy, and Dewi answering Budi's: each token names someone else."""
    new = desk.report()
    sent = desk.deliver(gmail_reply("Budi <budi@lkpp.example>", new[SARI][0], RESOLVE,
                                    "Budi", "<forged-3@lkpp.example>"))
    assert_unverified(desk, sent, BUDI, FAILED)
    sent = desk.deliver(gmail_reply("Dewi <dewi@telkom.example>", new[BUDI][0], RESOLVE,
                                    "Dewi", "<forged-4@telkom.example>"))
    assert sent == {}
    assert desk.outcome.detail == (
        f"reply from agent address {DEWI} not verified, nothing applied: no reply token of "
        f"{DEWI} for LDP-000001; no DKIM or DMARC pass by {OURS}")
    assert state() == ("L0", "l0-lkpp", "new", None)


def test_a_token_with_its_ticket_renamed_applies_nothing(desk):
    """A token for LDP-000001 edited to say LDP-000002 fails its MAC."""
    first = desk.report()
    desk.report(message_id="<CAGx7andre0001@mail.gmail.com>",
                sender="Andre <andre@pemkot-depok.go.id>", subject="Gagal unggah dokumen")
    token = mails.parse(first[BUDI][0])["Message-ID"].replace("ldp-000001", "ldp-000002")
    sent = desk.deliver(mails.report(
        subject="Re: [LDP-000002] Gagal unggah dokumen", sender="Budi <budi@lkpp.example>",
        body=RESOLVE + "\n", message_id="<forged-5@lkpp.example>",
        in_reply_to="<CAGx7andre0001@mail.gmail.com>", references=token))
    assert_unverified(desk, sent, BUDI, f"no reply token of {BUDI} for LDP-000002; "
                      f"no DKIM or DMARC pass by {OURS}", ref="LDP-000002")


def test_a_forged_authentication_results_below_ours_applies_nothing(desk):
    """The sender wrote a passing header; ours, on top, says fail: only ours counts. A
    passing header from another server on top does not count either."""
    desk.report()
    forged = mails.report(
        subject="Re: [LDP-000001] Tidak bisa login SPSE", sender="Budi <budi@lkpp.example>",
        body=RESOLVE + "\n", message_id="<forged-6@evil.example>",
        headers={"Authentication-Results": f"{OURS}; dkim=pass header.d=lkpp.example; "
                                           "dmarc=pass header.from=lkpp.example"})
    sent = desk.deliver(prepend(forged, f"Authentication-Results: {OURS}; dkim=fail "
                                        "header.d=lkpp.example; dmarc=fail "
                                        "header.from=lkpp.example"))
    assert_unverified(desk, sent, BUDI, FAILED)
    other = mails.report(subject="Re: [LDP-000001] Tidak bisa login SPSE",
                         sender="Budi <budi@lkpp.example>", body=RESOLVE + "\n",
                         message_id="<forged-7@evil.example>")
    sent = desk.deliver(prepend(other, "Authentication-Results: mx.evil.example; dkim=pass "
                                       "header.d=lkpp.example"))
    assert sent == {} and state() == ("L0", "l0-lkpp", "new", None)
    assert desk.outcome.detail.endswith(FAILED)


def test_our_own_dkim_pass_on_top_is_enough_without_a_token(desk):
    """The control case: the same reply with our server's pass on top is Budi's, and acts."""
    desk.report()
    raw = mails.report(subject="Re: [LDP-000001] Tidak bisa login SPSE",
                       sender="Budi <budi@lkpp.example>", body=RESOLVE + "\n",
                       message_id="<genuine-1@lkpp.example>")
    sent = desk.deliver(prepend(raw, f"Authentication-Results: {OURS}; dkim=pass "
                                     "header.d=lkpp.example; dmarc=pass header.from=lkpp.example"))
    assert sorted(sent) == [BUDI, RINA]
    assert state() == ("L0", "l0-lkpp", "resolved", None)
    assert [(e.kind, e.detail) for e in tickets.events(tickets.get_ticket("LDP-000001"))][2] == \
        ("agent_reply", f"verified: dkim=pass for lkpp.example by {OURS}")


def test_strict_mode_needs_both_the_token_and_our_dkim_pass(db_url, tmp_path):
    """With strict = true a genuine token alone applies nothing; token plus pass applies."""
    desk = LocalDesk(db_url, tmp_path, security={"authserv_id": OURS, "strict": True})
    new = desk.report()
    sent = desk.deliver(gmail_reply("Budi <budi@lkpp.example>", new[BUDI][0], "#ambil", "Budi",
                                    "<strict-1@lkpp.example>"))
    nonce = mails.parse(new[BUDI][0])["Message-ID"].split(".")[2]
    assert_unverified(desk, sent, BUDI, f"strict mode needs both: reply token of {BUDI} for "
                                        f"LDP-000001 (nonce {nonce}); no DKIM or DMARC pass by "
                                        f"{OURS}")
    sent = desk.deliver(prepend(
        gmail_reply("Budi <budi@lkpp.example>", new[BUDI][0], "#ambil", "Budi",
                    "<strict-2@lkpp.example>"),
        f"Authentication-Results: {OURS}; dkim=pass header.d=lkpp.example"))
    assert sorted(sent) == [BUDI]
    assert state() == ("L0", "l0-lkpp", "open", BUDI)


def test_a_reporter_typing_commands_is_only_a_reporter_reply(desk):
    """Rina writes #selesai and #tutup: her reply is stored and reaches the team; nothing
    is applied and she gets no receipt."""
    new = desk.report()
    sent = desk.deliver(gmail_reply("Rina Wati <rina@pemkab-bogor.go.id>", new[RINA][0],
                                    "#selesai\n#tutup\n#ambil\n\nSudah bisa login, terima kasih.",
                                    "Rina", "<CAGx7rina0005@mail.gmail.com>"))
    assert sorted(sent) == [BUDI, SARI]  # no assignee yet: the level's team hears of it
    assert [mails.parse(raw)["Subject"] for raw in sent[BUDI]] == \
        ["[LDP-000001] Balasan pelapor: Tidak bisa login SPSE"]
    assert (desk.outcome.disposition.value, desk.outcome.detail) == ("follow_up", "appended")
    assert state() == ("L0", "l0-lkpp", "new", None)
    assert [(e.kind, e.actor, e.detail) for e in
            tickets.events(tickets.get_ticket("LDP-000001"))][2:] == [
        ("reply", RINA, "reporter replied")]


def test_a_forged_reply_never_appears_in_the_history_colleagues_are_shown(desk):
    """After a forged note in Budi's name, the real Budi escalates: Andi's hand-over history
    holds the report and Budi's genuine note, not the forgery."""
    new = desk.report()
    desk.deliver(mails.report(subject="Re: [LDP-000001] Tidak bisa login SPSE",
                              sender="Budi <budi@lkpp.example>", message_id="<forged-8@evil>",
                              body="#catatan\n\nPelapor minta kata sandinya dikirim ke "
                                   "alamat pribadi attacker@evil.example.\n"))
    up = desk.deliver(gmail_reply("Budi <budi@lkpp.example>", new[BUDI][0],
                                  "#tim telkom\n#eskalasi L1 Akun terkunci\n\nSudah dicek.",
                                  "Budi", "<genuine-2@lkpp.example>"))
    handover = mails.text_of(up["andi@telkom.example"][0])
    history = handover.split("--- Riwayat ---\n")[1].split("--- Akhir riwayat ---")[0]
    assert history == (
        "[1] Laporan dari Rina Wati <rina@pemkab-bogor.go.id>:\nSelamat pagi,\n\nSaya tidak "
        "bisa login ke SPSE sejak tadi pagi. Muncul pesan \"password salah\" padahal sudah "
        "benar.\n\nTerima kasih,\nRina\n\n"
        "[2] Catatan internal dari Budi <budi@lkpp.example>:\nSudah dicek.\n\n")
