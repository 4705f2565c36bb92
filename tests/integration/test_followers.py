"""Followers, over a real IMAP server (Dovecot), the real SMTP sink and both databases: the
people a reporter copies hear what the reporter hears, as Cc on the same mail (the Cc header
and the SMTP envelope), until they, the reporter or an agent take them off; what they write
never acts but `#berhenti-ikuti`; bounces and refusals of their address stop only their copy;
and a report copied to 5,000 addresses makes ten followers."""
from __future__ import annotations

import json

import pytest

from gateway import cli
from gateway.service import Service, build_context
from gateway.store import followers, outbox, tickets
from gateway.store.models import FollowerRow
from tests import mails
from tests.conftest import RefusingSink, deliver, make_settings, write_config
from tests.integration.agent_replies import gmail_reply
from tests.reliability.bounce_mail import dsn

pytestmark = pytest.mark.integration

REF = "LDP-000001"
RINA, BUDI, SARI = "rina@pemkab-bogor.go.id", "budi@lkpp.example", "sari@lkpp.example"
BOS, PPK = "bos@pemkab-bogor.go.id", "ppk@pemkab-bogor.go.id"
RINA_FROM = f"Rina Wati <{RINA}>"
BOS_FROM = f"Bambang Sutrisno <{BOS}>"
SIGNATURE = "Budi Santoso\nHelpdesk LPSE LKPP"


class Desk:
    """The gateway on the real servers, one delivery at a time; the mails each step sent."""

    def __init__(self, imap_server, sink, db_url, tmp_path, **sections):
        self.imap, self.sink, self.tmp = imap_server, sink, tmp_path
        self.settings = make_settings(tmp_path, db_url, imap_server, sink, **sections)
        self.seen = 0
        self.outcome = None

    def deliver(self, raw: bytes) -> list[tuple[list[str], bytes]]:
        """Deliver one mail and run the gateway once: [(envelope recipients, bytes)]."""
        deliver(self.imap, self.settings.imap.folder, raw)
        report, _sent = Service(build_context(self.settings, self.tmp)).run_once()
        [self.outcome] = report.outcomes
        fresh, self.seen = self.sink.messages[self.seen:], len(self.sink.messages)
        return [(recipients, message) for _sender, recipients, message in fresh]

    def report(self, **headers: str) -> list[tuple[list[str], bytes]]:
        return self.deliver(mails.report(sender=RINA_FROM, message_id="<rina-1@mail.example>",
                                         headers=headers))

    def budi(self, notice: bytes, top: str, number: int) -> list[tuple[list[str], bytes]]:
        return self.deliver(gmail_reply(f"Budi Santoso <{BUDI}>", notice, top, SIGNATURE,
                                        f"<budi-{number}@mail.example>"))

    def ticket(self):
        return tickets.get_ticket(REF)

    def followers(self) -> list[str]:
        return [f.email for f in followers.current(self.ticket())]

    def kinds(self) -> list[tuple[str, str, str | None, str | None]]:
        return [(e.kind, e.actor, e.old_value, e.new_value)
                for e in tickets.events(self.ticket())]


def to(sent: list[tuple[list[str], bytes]], address: str) -> tuple[list[str], bytes]:
    """The one mail whose envelope names `address`."""
    [found] = [(r, m) for r, m in sent if address in r]
    return found


def envelopes(sent) -> list[list[str]]:
    return sorted(sorted(recipients) for recipients, _ in sent)


def header(raw: bytes, name: str) -> str | None:
    value = mails.parse(raw)[name]
    return None if value is None else str(value)


@pytest.fixture
def desk(imap_server, smtp_sink, db_url, tmp_path):
    return Desk(imap_server, smtp_sink, db_url, tmp_path)


def test_a_copied_superior_hears_the_acknowledgement_the_feedback_and_the_resolution_then_unfollows(
        desk, tmp_path, capsys):
    """Rina copies her superior (and, by habit, an agent and the desk itself): only the
    superior becomes a follower, and gets the acknowledgement, Budi's #balas and the
    resolution as Cc of Rina's own mails; his thanks on the resolved ticket reach Budi
    labelled as a follower's and reopen nothing; his `#berhenti-ikuti` takes him off, with a
    short confirmation, and the next answer goes to Rina alone."""
    new = desk.report(Cc=f"{BOS_FROM}, Budi Santoso <{BUDI}>, helpdesk@lpse.example, {RINA}")
    assert desk.followers() == [BOS]
    assert envelopes(new) == [[BOS, RINA], [BUDI], [SARI]]
    recipients, ack = to(new, RINA)
    assert (header(ack, "To"), header(ack, "Cc")) == (RINA_FROM, BOS_FROM)
    assert header(ack, "Subject") == \
        "[LDP-000001] Laporan Bapak/Ibu telah kami terima: Tidak bisa login SPSE"
    assert ("Salinan email ini juga dikirim kepada pengikut tiket: bos@pemkab-bogor.go.id. "
            "Pengikut yang tidak ingin lagi menerima salinan dapat membalas email ini dengan "
            "#berhenti-ikuti di baris pertama") in mails.text_of(ack)
    assert header(to(new, BUDI)[1], "Cc") is None  # the agents' notices copy nobody
    # ... but tell the agents who will read their answers.
    assert (f"\nPengikut : Bambang Sutrisno <{BOS}> (menerima salinan setiap email kepada "
            "pelapor)\n") in mails.text_of(to(new, BUDI)[1])
    assert ("follower_added", RINA, None, BOS) in desk.kinds()

    # `ldp tickets show` names him, in the table and in the JSON.
    config = write_config(tmp_path / "ldp.toml", desk.settings)
    capsys.readouterr()
    assert cli.main(["--config", str(config), "tickets", "show", REF, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["followers"]
    assert [(f["email"], f["name"], f["added_by"]) for f in shown] == \
        [(BOS, "Bambang Sutrisno", RINA)]
    assert cli.main(["--config", str(config), "tickets", "show", REF]) == 0
    assert f"\nfollowers (copied on the reporter's mail):\n  {BOS} (Bambang Sutrisno) {RINA} " \
        in capsys.readouterr().out

    answer = desk.budi(to(new, BUDI)[1], "#ambil\n#balas\n\nSelamat siang Ibu Rina, mohon "
                       "coba atur ulang kata sandi melalui menu Lupa Password.", 1)
    assert envelopes(answer) == [[BOS, RINA], [BUDI]]
    feedback = to(answer, RINA)[1]
    assert (header(feedback, "To"), header(feedback, "Cc")) == (RINA_FROM, BOS_FROM)
    assert "mohon coba atur ulang kata sandi" in mails.text_of(feedback)
    assert f"\nSalinan tanggapan juga dikirim kepada pengikut: {BOS}\n" in \
        mails.text_of(to(answer, BUDI)[1])

    resolved = desk.budi(to(answer, BUDI)[1], "#selesai Kata sandi sudah diatur ulang dan "
                         "akun sudah dapat dipakai.", 2)
    assert envelopes(resolved) == [[BOS, RINA], [BUDI]]
    resolution = to(resolved, RINA)[1]
    assert header(resolution, "Cc") == BOS_FROM
    assert "Kata sandi sudah diatur ulang" in mails.text_of(resolution)

    # His thanks: a follow-up for Budi, labelled as a follower's; the ticket stays resolved.
    thanks = desk.deliver(gmail_reply(BOS_FROM, resolution, "Terima kasih, sudah bisa.",
                                      "Bambang", "<bos-1@mail.example>"))
    assert envelopes(thanks) == [[BUDI]]
    assert header(thanks[0][1], "Subject") == (
        f"[LDP-000001] Balasan dari pengikut {BOS}, bukan pelapor: Tidak bisa login SPSE")
    assert "dari pengikut tiket, bukan pelapor" in mails.text_of(thanks[0][1])
    assert desk.ticket().status.value == "resolved"

    # #berhenti-ikuti: off the ticket, told so, and nothing more reaches him.
    stop = desk.deliver(gmail_reply(BOS_FROM, resolution, "#berhenti-ikuti", "Bambang",
                                    "<bos-2@mail.example>"))
    assert envelopes(stop) == [[BOS]]
    assert header(stop[0][1], "Subject") == ("[LDP-000001] Bapak/Ibu tidak lagi mengikuti "
                                             "tiket ini: Tidak bisa login SPSE")
    assert f"{BOS} tidak lagi mengikuti tiket LDP-000001" in mails.text_of(stop[0][1])
    assert desk.followers() == []
    assert ("follower_removed", BOS, BOS, None) in desk.kinds()
    assert desk.ticket().status.value == "resolved"

    later = desk.budi(to(resolved, BUDI)[1], "#balas\n\nIbu Rina, satu catatan lagi: mohon "
                      "ganti kata sandi setiap 90 hari.", 3)
    assert envelopes(later) == [[BUDI], [RINA]]
    assert header(to(later, RINA)[1], "Cc") is None
    assert "pengikut" not in mails.text_of(to(later, RINA)[1])


def test_agents_add_and_remove_followers_the_reporter_removes_one_and_a_follower_cannot_act(
        desk):
    """Budi's #ikuti adds the procurement officer (his receipt shows the change) and the next
    answer copies both followers; the superior's #selesai is not a command and his
    #berhenti-ikuti of someone else removes nobody; Rina removes the officer with
    #berhenti-ikuti; Budi's #unfollow removes the superior; the next answer goes to Rina alone;
    and #ikuti brings the superior back."""
    new = desk.report(Cc=BOS_FROM)
    added = desk.budi(to(new, BUDI)[1], f"#ikuti <{PPK}>", 1)
    assert envelopes(added) == [[BUDI]]
    assert f"#ikuti <{PPK}>\n  keadaan: baru -> diproses\n  pengikut: {BOS} -> {BOS}, {PPK}\n" \
        in mails.text_of(added[0][1])
    assert desk.followers() == [BOS, PPK]
    assert desk.kinds()[-1] == ("follow", BUDI, BOS, f"{BOS}, {PPK}")

    answer = desk.budi(added[0][1], "#balas\n\nIbu Rina, mohon kirim tangkapan layarnya.", 2)
    assert envelopes(answer) == [[BOS, PPK, RINA], [BUDI]]
    assert header(to(answer, RINA)[1], "Cc") == f"{BOS_FROM}, {PPK}"

    # The superior writes commands: none acts; the mail is a follow-up for the team.
    feedback = to(answer, RINA)[1]
    tried = desk.deliver(gmail_reply(BOS_FROM, feedback, "#selesai\n#berhenti-ikuti " + PPK,
                                     "Bambang", "<bos-1@mail.example>"))
    assert envelopes(tried) == [[BUDI], [SARI]]
    assert desk.outcome.disposition.value == "follow_up"
    assert desk.ticket().status.value == "open"
    tried = desk.deliver(gmail_reply(BOS_FROM, feedback, f"#berhenti-ikuti {PPK}", "Bambang",
                                     "<bos-2@mail.example>"))
    assert envelopes(tried) == [[BUDI], [SARI]]
    assert desk.followers() == [BOS, PPK]
    assert ("unfollow_refused", BOS, None, PPK) in desk.kinds()

    # Someone else answering the same mail asks the same: nothing is removed.
    stranger = desk.deliver(gmail_reply("Orang Lain <orang@lain.example>", feedback,
                                        f"#berhenti-ikuti {PPK}", "Orang",
                                        "<orang-1@mail.example>"))
    assert envelopes(stranger) == [[BUDI], [SARI]]
    assert desk.followers() == [BOS, PPK]

    # Rina takes the officer off.
    removed = desk.deliver(gmail_reply(RINA_FROM, feedback, f"#berhenti-ikuti {PPK}", "Rina",
                                       "<rina-2@mail.example>"))
    assert envelopes(removed) == [[RINA]]
    assert header(removed[0][1], "Subject") == (f"[LDP-000001] {PPK} tidak lagi mengikuti "
                                                "tiket ini: Tidak bisa login SPSE")
    assert desk.followers() == [BOS]
    assert ("follower_removed", RINA, PPK, None) in desk.kinds()

    # Budi takes the superior off.
    off = desk.budi(added[0][1], f"#unfollow {BOS}", 3)
    assert envelopes(off) == [[BUDI]]
    assert f"#unfollow {BOS}\n  pengikut: {BOS} -> -\n" in mails.text_of(off[0][1])
    assert desk.followers() == []

    last = desk.budi(added[0][1], "#balas\n\nTerima kasih, Ibu Rina.", 4)
    assert envelopes(last) == [[BUDI], [RINA]]
    assert header(to(last, RINA)[1], "Cc") is None
    # The rows keep who came and went, and who took them off.
    rows = FollowerRow.select().where(FollowerRow.ticket == desk.ticket().id).order_by(
        FollowerRow.id)
    assert [(r.email, r.added_by, r.removed_by) for r in rows] == [
        (BOS, RINA, BUDI), (PPK, BUDI, RINA)]

    # Following again after leaving: a new row, and the copies resume.
    again = desk.budi(added[0][1], f"#ikuti {BOS}", 5)
    assert desk.outcome.detail == f"applied for {BUDI}: #ikuti {BOS}"
    assert f"pengikut: - -> {BOS}" in mails.text_of(again[0][1])
    assert desk.followers() == [BOS]
    assert FollowerRow.select().where(FollowerRow.ticket == desk.ticket().id).count() == 3


def test_the_agents_commands_refuse_the_desk_the_reporter_and_a_malformed_address(desk):
    """#ikuti of an agent, of the support address, of the reporter, of a follower already, or
    of something that is not an address: the block is refused, nothing changes."""
    new = desk.report(Cc=BOS_FROM)
    notice = to(new, BUDI)[1]
    for number, (line, why) in enumerate([
            (f"#ikuti {SARI}", f"{SARI} adalah alamat layanan atau agen, bukan pengikut"),
            ("#ikuti helpdesk@lpse.example", "helpdesk@lpse.example adalah alamat layanan atau "
             "agen, bukan pengikut"),
            (f"#ikuti {RINA}", f"{RINA} adalah pelapor tiket ini dan sudah menerima emailnya"),
            (f"#ikuti {BOS}", f"{BOS} sudah mengikuti tiket ini"),
            ("#ikuti bukan-alamat", "#ikuti perlu diikuti satu alamat email"),
            (f"#berhenti-ikuti {PPK}", f"{PPK} tidak mengikuti tiket ini")], start=1):
        sent = desk.budi(notice, line, number)
        assert desk.outcome.disposition.value == "refused", line
        assert envelopes(sent) == [[BUDI]]
        assert f"KESALAHAN: {why}" in mails.text_of(sent[0][1]), line
    assert desk.followers() == [BOS]


def test_a_bounced_follower_is_left_off_without_holding_back_the_reporters_mail(desk):
    """A delivery report on the copy to the superior suppresses his address: Budi's answer
    then goes to Rina alone, and the ticket says why he was left off."""
    new = desk.report(Cc=BOS_FROM)
    ack_id = header(to(new, RINA)[1], "Message-ID")
    assert desk.deliver(dsn(BOS, returned_id=ack_id)) == []
    assert desk.outcome.disposition.value == "machine"
    assert ("address_bounced", "mailer-daemon", None, BOS) in desk.kinds()
    answer = desk.budi(to(new, BUDI)[1], "#balas\n\nIbu Rina, mohon dicoba lagi.", 1)
    assert envelopes(answer) == [[BUDI], [RINA]]
    assert header(to(answer, RINA)[1], "Cc") is None
    assert ("copy_suppressed", "gateway", None, BOS) in desk.kinds()
    assert desk.followers() == [BOS]  # still a follower: the suppression may end


def test_a_follower_the_server_refuses_at_rcpt_does_not_hold_back_the_reporters_mail(
        imap_server, db_url, tmp_path):
    """The SMTP server refuses the officer's address for good while it takes the mail for
    Rina: the acknowledgement is sent once (not retried, not dead), the refusal is on the
    ticket and suppresses his address, and the next answer goes to Rina alone."""
    sink = RefusingSink().start()
    sink.refused = PPK
    try:
        desk = Desk(imap_server, sink, db_url, tmp_path)
        new = desk.report(Cc=PPK)
        assert envelopes(new) == [[BUDI], [RINA], [SARI]]
        assert header(to(new, RINA)[1], "Cc") == PPK
        [ack] = [i for i in outbox.list_items()
                 if i.template == "reporter_ack"]
        assert (ack.recipient, ack.status, ack.attempts) == (f"{RINA}, {PPK}", "sent", 1)
        kinds = desk.kinds()
        assert ("recipient_refused", "smtp", None, PPK) in kinds
        assert ("address_bounced", "smtp", None, PPK) in kinds
        answer = desk.budi(to(new, BUDI)[1], "#balas\n\nIbu Rina, mohon dicoba lagi.", 1)
        assert envelopes(answer) == [[BUDI], [RINA]]
    finally:
        sink.stop()


def test_a_report_copied_to_5000_addresses_makes_ten_followers_and_mails_no_stranger(desk):
    """5,000 Cc addresses, her superior first: ten followers and an event that counts the
    rest. The automatic acknowledgement is copied only to the superior, of Rina's own domain
    (`loops.acknowledgement_copies = "same-domain"`): a forged report cannot make the desk
    mail strangers. Budi's answer, written by a person, reaches all ten."""
    many = ", ".join([BOS_FROM] + [f"orang{i}@instansi{i % 7}.example" for i in range(4999)])
    new = desk.report(Cc=many)
    assert desk.outcome.disposition.value == "new_ticket"
    assert desk.followers() == [BOS] + [f"orang{i}@instansi{i % 7}.example" for i in range(9)]
    recipients, ack = to(new, RINA)
    assert sorted(recipients) == sorted([RINA, BOS]) and len(new) == 3
    assert header(ack, "Cc") == BOS_FROM
    [capped] = [e for e in tickets.events(desk.ticket()) if e.kind == "followers_capped"]
    assert capped.new_value == "4990"
    assert capped.detail.startswith("4990 more addresses copied on the report are not "
                                    "followers (at most 10): orang9@instansi2.example, ")
    assert capped.detail.endswith(" and 4980 more")
    answer = desk.budi(to(new, BUDI)[1], "#balas\n\nSelamat siang Ibu Rina, sudah kami cek.", 1)
    recipients, feedback = to(answer, RINA)
    assert len(recipients) == 11 and len(header(feedback, "Cc").split(", ")) == 10


@pytest.mark.parametrize("policy", ["all", "none"])
def test_the_operator_chooses_who_the_acknowledgement_is_copied_to(
        imap_server, smtp_sink, db_url, tmp_path, policy):
    """"all": every follower gets the acknowledgement, strangers too; "none": only Rina."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path,
                loops={"acknowledgement_copies": policy})
    sent = desk.report(Cc=f"{BOS_FROM}, a@instansi1.example, b@instansi2.example")
    assert len(desk.followers()) == 3
    expected = [RINA, BOS, "a@instansi1.example", "b@instansi2.example"] \
        if policy == "all" else [RINA]
    assert sorted(to(sent, RINA)[0]) == sorted(expected)


def test_a_follower_counts_toward_the_automatic_mail_cap_like_everyone(
        imap_server, smtp_sink, db_url, tmp_path):
    """Three reporters copy the same superior, with at most two automatic mails an hour to
    any address: the third acknowledgement goes to its reporter without him in Cc, and the
    ticket says why."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path, loops={"auto_per_hour": 2})
    for number in range(1, 4):
        sent = desk.deliver(mails.report(
            sender=f"Pelapor {number} <pelapor{number}@pemkab-bogor.go.id>",
            subject=f"Laporan {number}", message_id=f"<p-{number}@mail.example>",
            headers={"Cc": BOS_FROM}))
        recipients, ack = to(sent, f"pelapor{number}@pemkab-bogor.go.id")
        if number < 3:
            assert sorted(recipients) == sorted([f"pelapor{number}@pemkab-bogor.go.id", BOS])
            assert header(ack, "Cc") == BOS_FROM
        else:
            assert recipients == ["pelapor3@pemkab-bogor.go.id"]
            assert header(ack, "Cc") is None
    third = tickets.get_ticket("LDP-000003")
    assert [f.email for f in followers.current(third)] == [BOS]  # a follower still
    [capped] = [e for e in tickets.events(third) if e.kind == "auto_mail_capped"]
    assert (capped.new_value, capped.detail) == (
        BOS, f"no automatic mail to {BOS}: 2 already this hour (cap 2); a possible mail loop")


def test_the_reporters_unfollow_on_a_closed_ticket_opens_no_new_ticket(desk):
    """A reply of the reporter to a closed ticket opens a new one, except `#berhenti-ikuti`:
    that only takes the follower off."""
    new = desk.report(Cc=BOS_FROM)
    closed = desk.budi(to(new, BUDI)[1], "#tutup", 1)
    assert envelopes(closed) == [[BUDI]] and desk.ticket().status.value == "closed"
    stop = desk.deliver(gmail_reply(RINA_FROM, to(new, RINA)[1], f"#berhenti-ikuti {BOS}",
                                    "Rina", "<rina-2@mail.example>"))
    assert envelopes(stop) == [[RINA]]
    assert desk.outcome.detail == f"{BOS} unfollowed by {RINA}"
    assert desk.followers() == [] and len(tickets.list_tickets()) == 1
