"""Duplicates and incidents, over a real IMAP server (Dovecot), the real SMTP sink, `ldp run
--once` (`Service.run_once`) and both databases: `#gabung` merges a duplicate into another
ticket (its reporter and followers told and moved over, mail to either number landing on the
survivor), `#induk` makes reports children of an incident whose answers and resolution reach
each child's reporter on their own, `#terkait` links two tickets; what may not be done is
refused by name; and the report counts an incident once."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from gateway import cli
from gateway.service import build_context
from gateway.sla.clock import FixedClock
from gateway.sla.timers import run_timers
from gateway.store import followers, links, tickets
from gateway.store.models import TicketLinkRow
from tests import mails
from tests.conftest import write_config
from tests.integration.agent_replies import gmail_reply
from tests.integration.test_followers import Desk, envelopes, header, to

pytestmark = pytest.mark.integration

BUDI, SARI, ANDI = "budi@lkpp.example", "sari@lkpp.example", "andi@telkom.example"
RINA, JOKO, WALI = "rina@pemkab-bogor.go.id", "joko@sman1-bogor.sch.id", "wali@sman1-bogor.sch.id"
RINA_FROM, JOKO_FROM = f"Rina Wati <{RINA}>", f"Joko Susilo <{JOKO}>"
SIGNATURE = "Budi Santoso\nHelpdesk LPSE LKPP"
# The reporters of the incident's three children, each a school of its own.
CHILDREN = ("tu@sman1-depok.sch.id", "admin@smpn2-bekasi.sch.id", "ppk@sdn3-bogor.sch.id")


@pytest.fixture
def desk(imap_server, smtp_sink, db_url, tmp_path):
    return Desk(imap_server, smtp_sink, db_url, tmp_path)


def report(desk: Desk, sender: str, number: int, subject: str = "Tidak bisa login SPSE",
           **headers: str):
    return desk.deliver(mails.report(subject=subject, sender=sender, headers=headers,
                                     message_id=f"<report-{number}@mail.example>"))


def agent(desk: Desk, sender: str, notice: bytes, top: str, number: int):
    """An agent's reply to one of their notices (their reply token proves them)."""
    return desk.deliver(gmail_reply(sender, notice, top, SIGNATURE,
                                    f"<agent-{number}@mail.example>"))


def budi(desk: Desk, notice: bytes, top: str, number: int):
    return agent(desk, f"Budi Santoso <{BUDI}>", notice, top, number)


def status(ref: str) -> str:
    return tickets.get_ticket(ref).status.value


def shown(desk: Desk, tmp_path, ref: str, capsys, *extra: str) -> str:
    """`ldp tickets show REF` as printed."""
    config = write_config(tmp_path / "ldp.toml", desk.settings)
    capsys.readouterr()
    assert cli.main(["--config", str(config), "tickets", "show", ref, *extra]) == 0
    return capsys.readouterr().out


def test_a_duplicate_is_merged_and_mail_to_either_number_lands_on_the_survivor(
        desk, tmp_path, capsys):
    """Joko's report (with his colleague in Cc) is Rina's problem again: Budi's `#gabung
    LDP-1` closes LDP-000002, tells Joko in plain words (his colleague in Cc) and makes both
    followers of LDP-000001. From then on Joko's reply to that mail, his new mail naming the
    old number, his colleague's reply, Rina's reply and Budi's answer to his old notice of
    LDP-000002 all land on LDP-000001, and Budi's answer reaches Rina with Joko and his
    colleague in Cc."""
    first = report(desk, RINA_FROM, 1)
    second = report(desk, JOKO_FROM, 2, "SPSE tidak bisa dibuka", Cc=WALI)
    assert followers.current(tickets.get_ticket("LDP-000002"))[0].email == WALI

    merged = budi(desk, to(second, BUDI)[1], "#gabung LDP-1", 1)
    assert desk.outcome.disposition.value == "follow_up"
    assert envelopes(merged) == [[BUDI], [JOKO, WALI]]
    told = to(merged, JOKO)[1]
    assert (header(told, "To"), header(told, "Cc")) == (JOKO_FROM, WALI)
    assert header(told, "Subject") == ("[LDP-000002] Laporan Bapak/Ibu digabung ke tiket "
                                       "LDP-000001: SPSE tidak bisa dibuka")
    assert header(told, "In-Reply-To") == "<report-2@mail.example>"
    text = mails.text_of(told)
    assert ("Laporan Bapak/Ibu dengan nomor tiket LDP-000002 membahas masalah yang sama "
            "dengan tiket LDP-000001 (Tidak bisa login SPSE). Agar ditangani sekali saja, "
            "kedua laporan kami gabungkan: penanganannya berlanjut di tiket LDP-000001.") in text
    assert "\nTiket LDP-000001 sedang ditangani LKPP Level 0 (Tingkat 0).\n" in text
    receipt = mails.text_of(to(merged, BUDI)[1])
    assert ("#gabung LDP-1\n  keadaan: baru -> ditutup\n  digabung ke: - -> LDP-000001\n"
            in receipt)
    assert status("LDP-000002") == "closed" and status("LDP-000001") == "new"
    assert [f.email for f in followers.current(tickets.get_ticket("LDP-000001"))] == \
        [JOKO, WALI]
    kinds = [(e.kind, e.new_value) for e in tickets.events(tickets.get_ticket("LDP-000001"))]
    assert ("merged_in", "LDP-000002") in kinds and ("follower_added", JOKO) in kinds

    # Joko answers the merge mail; then writes anew, naming only his old number.
    answer = desk.deliver(gmail_reply(JOKO_FROM, told, "Baik. Di Firefox juga sama.", "Joko",
                                      "<joko-2@mail.example>"))
    assert desk.outcome.ticket_ref == "LDP-000001"
    assert envelopes(answer) == [[BUDI], [SARI]]
    assert header(to(answer, BUDI)[1], "Subject").startswith("[LDP-000001] ")
    desk.deliver(mails.report(subject="[LDP-000002] masih belum bisa", sender=JOKO_FROM,
                              message_id="<joko-3@mail.example>", body="Masih belum bisa.\n"))
    assert desk.outcome.ticket_ref == "LDP-000001"
    desk.deliver(gmail_reply(f"Wali Kelas <{WALI}>", told, "Saya juga mengalaminya.", "Wali",
                             "<wali-1@mail.example>"))
    assert desk.outcome.ticket_ref == "LDP-000001"
    desk.deliver(gmail_reply(RINA_FROM, to(first, RINA)[1], "Apakah ada kabar?", "Rina",
                             "<rina-2@mail.example>"))
    assert desk.outcome.ticket_ref == "LDP-000001"
    old = tickets.get_ticket("LDP-000002")
    assert [m.kind for m in tickets.messages(old) if m.direction == "inbound"] == \
        ["report", "command"]  # nothing more landed on the duplicate
    assert status("LDP-000002") == "closed"

    # Budi answers from his old notice of LDP-000002: the answer is LDP-000001's.
    reply = budi(desk, to(second, BUDI)[1], "#balas\n\nMohon maaf, server SPSE sedang kami "
                 "periksa.", 2)
    assert desk.outcome.ticket_ref == "LDP-000001"
    assert desk.outcome.disposition.value == "follow_up"
    assert envelopes(reply) == [[BUDI], [JOKO, RINA, WALI]]
    feedback = to(reply, RINA)[1]
    assert (header(feedback, "To"), header(feedback, "Cc")) == \
        (RINA_FROM, f"{JOKO_FROM}, {WALI}")
    assert header(feedback, "Subject").startswith("[LDP-000001] ")
    assert "server SPSE sedang kami periksa" in mails.text_of(feedback)

    data = json.loads(shown(desk, tmp_path, "LDP-000002", capsys, "--json"))
    assert data["links"] == {"merged_into": "LDP-000001", "merged_from": [], "parent": None,
                             "children": [], "related": []}
    assert "\n  merged into this one: LDP-000002\n" in \
        shown(desk, tmp_path, "LDP-000001", capsys)


def incident_desk(desk: Desk):
    """The incident (Dodi's report, LDP-000001) escalated to L1, and three schools' reports
    (LDP-000002..4) made its children by Budi; returns Andi's hand-over notice."""
    first = report(desk, "Dodi <dodi@lpse.jabarprov.go.id>", 1, "SPSE mati")
    notices = {n: report(desk, f"Sekolah {n} <{email}>", n + 1, f"SPSE gangguan {n}")
               for n, email in enumerate(CHILDREN, start=1)}
    up = budi(desk, to(first, BUDI)[1],
              "#tim telkom\n#eskalasi L1 Server SPSE tidak merespons", 1)
    handover = to(up, ANDI)[1]
    for n, sent in notices.items():
        linked = budi(desk, to(sent, BUDI)[1], "#induk LDP-1", n + 1)
        assert desk.outcome.disposition.value == "follow_up"
        assert ("#induk LDP-1\n  keadaan: baru -> diproses\n  bagian dari insiden: - -> "
                "LDP-000001\n") in mails.text_of(to(linked, BUDI)[1])
    return handover


def test_an_incidents_answer_and_resolution_reach_each_childs_reporter_on_their_own(desk):
    """Andi (L1) answers the incident: Dodi and each school get the answer, each their own
    mail under their own ticket number and thread, no school seeing another's address; his
    resolution reaches them the same way, resolves the three children (naming Andi's team
    as who solved it) and his #tutup closes them."""
    handover = incident_desk(desk)
    andi = "Andi Wijaya <andi@telkom.example>"
    reply = agent(desk, andi, handover, "#balas\n\nServer SPSE sedang kami pulihkan.", 10)
    by_child = {email: to(reply, email) for email in CHILDREN}
    for n, email in enumerate(CHILDREN, start=1):
        recipients, mail = by_child[email]
        ref = f"LDP-00000{n + 1}"
        assert recipients == [email]  # never in one To/Cc with another reporter
        assert header(mail, "To") == f"Sekolah {n} <{email}>"
        assert header(mail, "Cc") is None
        assert header(mail, "Subject") == \
            f"[{ref}] Tanggapan atas laporan Bapak/Ibu: SPSE gangguan {n}"
        assert header(mail, "In-Reply-To") == f"<report-{n + 1}@mail.example>"
        assert "Server SPSE sedang kami pulihkan." in mails.text_of(mail)
        assert f"nomor tiket {ref}" in mails.text_of(mail)
        others = [e for e in CHILDREN if e != email] + ["dodi@lpse.jabarprov.go.id"]
        assert not any(o.encode() in mail for o in others)
    assert to(reply, "dodi@lpse.jabarprov.go.id")[0] == ["dodi@lpse.jabarprov.go.id"]
    # Andi's receipt names the children reached, by number only.
    assert ("\nTanggapan ini juga dikirim kepada pelapor 3 laporan yang menjadi bagian dari "
            "insiden ini, masing-masing dalam email tersendiri: LDP-000002, LDP-000003, "
            "LDP-000004\n") in mails.text_of(to(reply, ANDI)[1])
    assert [status(f"LDP-00000{n}") for n in (2, 3, 4)] == ["open"] * 3

    done = agent(desk, andi, handover, "#selesai Server SPSE sudah pulih.", 11)
    for n, email in enumerate(CHILDREN, start=1):
        recipients, mail = to(done, email)
        assert recipients == [email]
        assert header(mail, "Subject") == \
            f"[LDP-00000{n + 1}] Laporan Bapak/Ibu telah diselesaikan: SPSE gangguan {n}"
        text = mails.text_of(mail)
        assert "Penyelesaian:\nServer SPSE sudah pulih." in text
        assert ("Laporan Bapak/Ibu diselesaikan oleh Telkom Technical Operation "
                "(Tingkat 1).") in text
    assert [status(f"LDP-00000{n}") for n in (1, 2, 3, 4)] == ["resolved"] * 4
    child = tickets.get_ticket("LDP-000002")
    assert ("resolve", ANDI, "open", "resolved") in [
        (e.kind, e.actor, e.old_value, e.new_value) for e in tickets.events(child)]

    closed = agent(desk, andi, handover, "#tutup", 12)
    assert not any(email in r for r, _ in closed for email in CHILDREN)  # closing is quiet
    assert [status(f"LDP-00000{n}") for n in (1, 2, 3, 4)] == ["closed"] * 4


def test_the_report_counts_an_incident_once(desk, tmp_path, capsys):
    """Four reports, three of them the incident's children, and a duplicate merged away (its
    English reporter told in English):
    the timers judge the incident alone, and the report shows one ticket opened (at L1, where
    the incident is) with four affected reports, and nothing at L0."""
    handover = incident_desk(desk)
    # A month on, the service-level timers judge the incident alone: the children run no
    # clocks of their own.
    month_on = FixedClock(datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=30))
    fired = run_timers(build_context(desk.settings, tmp_path), month_on).fired
    assert {ref for ref, _stage, _target in fired} == {"LDP-000001"}
    # The duplicate is written in English: its reporter is told in English.
    sixth = desk.deliver(mails.report(
        subject="SPSE is down again", sender=RINA_FROM, message_id="<report-6@mail.example>",
        body="Hello,\n\nThe SPSE website is down again since this morning and we cannot "
             "upload our bid documents. Could you please help us?\n\nThank you,\nRina\n"))
    merged = budi(desk, to(sixth, BUDI)[1], "#gabung LDP-1", 20)
    assert status("LDP-000005") == "closed"
    told = to(merged, RINA)[1]
    assert header(told, "Subject") == \
        "[LDP-000005] Your report now continues as ticket LDP-000001: SPSE is down again"
    assert ("Your report, ticket LDP-000005, is about the same problem as ticket LDP-000001 "
            "(SPSE mati). So that it is handled once, we have merged the two: the work "
            "continues on ticket LDP-000001.") in mails.text_of(told)
    assert "\nTicket LDP-000001 is handled by Telkom Technical Operation (Level 1).\n" in \
        mails.text_of(told)
    agent(desk, "Andi <andi@telkom.example>", handover, "#selesai Sudah pulih.", 21)
    config = write_config(tmp_path / "ldp.toml", desk.settings)
    today = (datetime.now(timezone.utc) + timedelta(hours=7)).date().isoformat()
    capsys.readouterr()
    assert cli.main(["--config", str(config), "report", "--from", today, "--to", today,
                     "--format", "json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    assert [(g["level"], g["team"], g["opened"], g["affected"], g["resolved"])
            for g in groups] == [("L1", "l1-telkom", 1, 4, 1)]


def test_what_may_not_be_linked_is_refused_by_name_and_changes_nothing(desk):
    """Merging a ticket into itself, into an unknown number or into a merged ticket, a cycle
    of incidents, a merge into a lower level, and a merge of a ticket the agent does not hold:
    each refused with its reason in the receipt, and no link written."""
    first = report(desk, RINA_FROM, 1)
    second = report(desk, JOKO_FROM, 2)
    third = report(desk, "Ani <ani@kemenkes.go.id>", 3)
    fourth = report(desk, "Dodi <dodi@lpse.jabarprov.go.id>", 4)

    def refused(sent, line: str) -> None:
        assert desk.outcome.disposition.value == "refused"
        [receipt] = [m for r, m in sent if r in ([BUDI], [ANDI])]
        assert f"KESALAHAN: {line}\n" in mails.text_of(receipt)

    refused(budi(desk, to(first, BUDI)[1], "#gabung LDP-1", 1),
            "#gabung menunjuk tiket ini sendiri (LDP-000001)")
    refused(budi(desk, to(first, BUDI)[1], "#gabung LDP-99", 2), "tidak ada tiket LDP-000099")
    refused(budi(desk, to(first, BUDI)[1], "#gabung", 3),
            "#gabung perlu diikuti satu nomor tiket, misalnya LDP-123")
    budi(desk, to(second, BUDI)[1], "#gabung LDP-1", 4)
    refused(budi(desk, to(third, BUDI)[1], "#gabung LDP-2", 5),
            "tiket LDP-000002 sudah digabung ke LDP-000001: tulis #gabung LDP-000001")
    budi(desk, to(third, BUDI)[1], "#induk LDP-1", 6)
    refused(budi(desk, to(first, BUDI)[1], "#induk LDP-3", 7),
            "tiket ini sudah menjadi induk dari LDP-000003: tiket tidak dapat menjadi bagian "
            "dari insidennya sendiri")
    refused(budi(desk, to(first, BUDI)[1], "#gabung LDP-4", 8),
            "tiket ini adalah insiden dengan 1 laporan terkait: gabungkan laporan-laporannya, "
            "bukan insidennya")

    up = budi(desk, to(fourth, BUDI)[1], "#tim telkom\n#eskalasi L1 Perlu pemeriksaan server",
              9)
    refused(budi(desk, to(fourth, BUDI)[1], "#gabung LDP-3", 10),
            "budi@lkpp.example adalah agen L0, sedangkan tiket ini berada di L1")
    refused(agent(desk, "Andi <andi@telkom.example>", to(up, ANDI)[1], "#gabung LDP-3", 11),
            "tiket LDP-000003 berada di L0, di bawah tiket ini (L1): penggabungan tidak "
            "menurunkan tiket; tautkan dengan #terkait")
    related = agent(desk, "Andi <andi@telkom.example>", to(up, ANDI)[1], "#terkait LDP-3", 12)
    assert desk.outcome.disposition.value == "follow_up"
    assert to(related, ANDI)
    assert [(r.ticket_id, r.other_id, r.kind) for r in
            TicketLinkRow.select().order_by(TicketLinkRow.id)] == \
        [(2, 1, "merged"), (3, 1, "parent"), (4, 3, "related")]
    assert links.of(tickets.get_ticket("LDP-000003")).related == ("LDP-000004",)
    # LDP-000001 is still new: every line written on it was refused.
    assert [status(f"LDP-00000{n}") for n in (1, 2, 3, 4)] == ["new", "closed", "open", "open"]


# A canned answer as operators write them: it greets the reporter and names their report.
GREETING = ("Yth. {{ reporter_name or \"Bapak/Ibu\" }} ({{ reporter_email }}),\n"
            "laporan {{ ref }} \"{{ subject }}\" sedang kami tangani.\n")


def test_an_incidents_canned_answer_is_filled_in_for_each_childs_reporter(
        imap_server, smtp_sink, db_url, tmp_path):
    """A #templat in the incident's #balas is filled in with each child's own fields: a school
    is greeted by its own name, address, number and subject, and never reads the name, the
    address or the subject of the incident's reporter (Dodi) or of another school."""
    folder = tmp_path / "answers"
    (folder / "id").mkdir(parents=True)
    (folder / "id" / "salam.txt").write_text(GREETING, encoding="utf-8")
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path, answers={"dir": str(folder)})
    handover = incident_desk(desk)
    reply = agent(desk, "Andi Wijaya <andi@telkom.example>", handover,
                  "#balas\n#templat salam\n\nServer SPSE sedang kami pulihkan.", 10)
    assert desk.outcome.disposition.value == "follow_up"
    dodi = mails.text_of(to(reply, "dodi@lpse.jabarprov.go.id")[1])
    assert 'Yth. Dodi (dodi@lpse.jabarprov.go.id),\nlaporan LDP-000001 "SPSE mati"' in dodi
    for n, email in enumerate(CHILDREN, start=1):
        recipients, mail = to(reply, email)
        assert recipients == [email]
        text = mails.text_of(mail)
        assert (f'Yth. Sekolah {n} ({email}),\nlaporan LDP-00000{n + 1} "SPSE gangguan {n}" '
                "sedang kami tangani.") in text
        assert "Server SPSE sedang kami pulihkan." in text
        others = [e for e in CHILDREN if e != email] + ["dodi@lpse.jabarprov.go.id"]
        assert not any(o.encode() in mail for o in others)
        assert "Dodi" not in text and "SPSE mati" not in text
