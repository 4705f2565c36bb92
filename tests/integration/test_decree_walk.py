"""Issue 17's "done when", in one walk over a real IMAP server (Dovecot), the real SMTP sink,
SQLite and PostgreSQL: Rina's ticket goes L0 -> L1 (restart-layanan SPSE recorded, perbaikan-bug
refused at L1, an agent whose assignment letter has ended refused) -> L2 (progress analisa ->
perbaikan -> rilis, perbaikan-bug SIKaP recorded) -> resolved; an L0 -> L2 jump is refused for an
agent and allowed to a lead with `darurat`; `ldp tickets show` and `ldp report` for the period
count each action under its level, code and application, the hours in each stage, and the
LPSE."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from gateway import cli
from gateway.store import tickets, worklog
from gateway.store.models import EventRow
from tests import mails
from tests.conftest import AGENTS, write_config
from tests.integration.agent_replies import gmail_reply
from tests.integration.test_agent_flow import REF, REPORT_ID, Desk

pytestmark = pytest.mark.integration

RINA, BUDI = "rina@pemkab-bogor.go.id", "budi@lkpp.example"
ANDI, DEWI = "andi@telkom.example", "dewi@telkom.example"
LINA, TONO = "lina@lkpp.example", "tono@telkom.example"
# Lina leads L0; Tono works at Telkom's L1 on a letter that ended in 2020.
ROSTER = [*AGENTS,
          {"email": LINA, "name": "Lina", "team": "l0-lkpp", "lead": True},
          {"email": TONO, "name": "Tono", "team": "l1-telkom", "assignment": "SP-01/TLK/2020",
           "assigned_from": "2020-01-01", "assigned_until": "2020-12-31"}]
SECOND = "LDP-000002"


def step(desk: Desk, sender: str, notice: bytes, top: str, n: int) -> dict[str, bytes]:
    name = sender.split("@")[0].title()
    return desk.deliver(gmail_reply(f"{name} <{sender}>", notice, top, f"{name}\nLDP",
                                    f"<CAGx7walk{n:04d}@mail.gmail.com>"))


def refused(sent: dict[str, bytes], agent: str, why: str) -> None:
    """Only the agent hears back, with a refusal receipt that says why."""
    assert sorted(sent) == [agent]
    assert "DITOLAK" in mails.parse(sent[agent])["Subject"]
    assert why in mails.text_of(sent[agent])


def where(ref: str = REF) -> tuple[str, str, str]:
    ticket = tickets.get_ticket(ref)
    return ticket.level.value, ticket.team, ticket.status.value


def test_one_ticket_walks_the_decree_and_the_report_counts_its_work(
        imap_server, smtp_sink, db_url, tmp_path, capsys):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path, agents=ROSTER)
    new = desk.deliver(mails.report(message_id=REPORT_ID, body=(
        "Selamat pagi,\n\nSaya panitia di LPSE Kab. Bogor. Sejak tadi pagi saya tidak bisa "
        "login ke SPSE: muncul pesan akun terkunci.\n\nTerima kasih,\nRina Wati")))
    assert where() == ("L0", "l0-lkpp", "new")
    # Intake read what the ticket concerns from the mail (the operator's list, gateway/routing/
    # lpse.toml: "Kab." spelt out); nobody has set either by hand.
    ticket = tickets.get_ticket(REF)
    assert (ticket.application, ticket.lpse) == ("SPSE", "kab-bogor")

    # L0 -> L2 in one step: refused for an agent, with the reason; the ticket stays at L0.
    refused(step(desk, BUDI, new[BUDI], "#eskalasi L2 modul reset rusak", 1), BUDI,
            "tiket L0 naik satu tingkat demi satu tingkat: eskalasikan dulu ke L1")
    assert where() == ("L0", "l0-lkpp", "new")

    # L0 -> L1 (Telkom's Technical Operation).
    to_l1 = step(desk, BUDI, new[BUDI],
                 "#tim telkom\n#eskalasi L1 akun terkunci di server SPSE", 2)
    assert where() == ("L1", "l1-telkom", "open")

    # Tono's letter has ended: his action is refused and nothing is written.
    refused(step(desk, TONO, to_l1[TONO], "#tindakan restart-layanan SPSE", 3), TONO,
            "surat penugasan SP-01/TLK/2020 milik tono@telkom.example berlaku 2020-01-01 "
            "sampai 2020-12-31 dan sudah berakhir")
    ticket_id = tickets.get_ticket(REF).id
    assert worklog.of_ticket(ticket_id) == []

    # Andi restarts SPSE (recorded); a bug fix is not L1's work (refused, codes listed).
    done = step(desk, ANDI, to_l1[ANDI], "#tindakan restart-layanan SPSE layanan web", 4)
    refused(step(desk, ANDI, done[ANDI], "#tindakan perbaikan-bug SIKaP modul reset", 5), ANDI,
            "tindakan 'perbaikan-bug' bukan pekerjaan L1; kode untuk L1: analisa, tanggapan, "
            "restart-layanan")
    to_l2 = step(desk, ANDI, done[ANDI], "#eskalasi L2 perlu perbaikan modul reset akun", 6)
    assert where() == ("L2", "l2-telkom", "open")

    # L2: analysis, fixing (with the bug fix recorded), release, resolved.
    last = to_l2[DEWI]
    for n, top in enumerate(["#progres analisa log server diperiksa",
                             "#progres perbaikan modul reset diubah\n"
                             "#tindakan perbaikan-bug SIKaP kunci akun tidak dihapus",
                             "#progres rilis build baru terpasang",
                             "#selesai akun sudah dibuka kembali"], start=7):
        sent = step(desk, DEWI, last, top, n)
        assert RINA in sent and "DITOLAK" not in mails.parse(sent[DEWI])["Subject"]
        last = sent[DEWI]
    assert where() == ("L2", "l2-telkom", "resolved")
    assert [(w.level, w.team, w.agent, w.code, w.application)
            for w in worklog.of_ticket(ticket_id)] == [
        ("L1", "l1-telkom", ANDI, "restart-layanan", "SPSE"),
        ("L2", "l2-telkom", DEWI, "perbaikan-bug", "SIKaP")]

    # Fixed times for the stages: 2 h in analysis, 3 h in fixing, 1 h in release.
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    for stage, hours_ago in (("analysis", 6), ("fixing", 4), ("release", 1)):
        EventRow.update(at=now - timedelta(hours=hours_ago)).where(
            EventRow.ticket == ticket_id, EventRow.kind == "stage",
            EventRow.new_value == stage).execute()
    EventRow.update(at=now).where(EventRow.ticket == ticket_id,
                                  EventRow.kind == "resolve").execute()

    # A second report: Budi's jump is refused, Lina's emergency jump is allowed and recorded.
    other = desk.deliver(mails.report(message_id="<CAGx7rina0009@mail.gmail.com>",
                                      subject="Server SPSE mati"))
    # Budi names its LPSE by hand (intake found none in the mail).
    step(desk, BUDI, other[BUDI], "#lpse LPSE Sleman\n#aplikasi SPSE", 19)
    assert (tickets.get_ticket(SECOND).application, tickets.get_ticket(SECOND).lpse) == \
        ("SPSE", "kab-sleman")
    refused(step(desk, BUDI, other[BUDI], "#eskalasi L2 darurat server mati", 20), BUDI,
            "hanya lead yang boleh melompati tingkat dalam keadaan darurat")
    jumped = step(desk, LINA, other[LINA],
                  "#tim telkom\n#eskalasi L2 darurat server mati total", 21)
    assert "lompatan darurat oleh lead" in mails.text_of(jumped[LINA])
    assert where(SECOND)[:2] == ("L2", "l2-telkom")
    assert [(e.kind, e.actor) for e in tickets.events(tickets.get_ticket(SECOND))
            if e.kind == "emergency_jump"] == [("emergency_jump", LINA)]

    config = write_config(tmp_path / "ldp.toml", desk.settings)
    capsys.readouterr()
    assert cli.main(["--config", str(config), "tickets", "show", REF, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(a["level"], a["code"], a["application"]) for a in shown["actions"]] == [
        ("L1", "restart-layanan", "SPSE"), ("L2", "perbaikan-bug", "SIKaP")]
    assert [s["stage"] for s in shown["stages"]] == ["analysis", "fixing", "release"]
    assert (shown["application"], shown["lpse"], shown["lpse_name"]) == (
        "SPSE", "kab-bogor", "LPSE Kabupaten Bogor")

    today = datetime.now(timezone.utc).date()
    period = ["--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))]
    assert cli.main(["--config", str(config), "report", *period, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    groups = {(g["level"], g["team"]): g for g in report["groups"]}
    assert groups[("L1", "l1-telkom")]["actions"] == [["restart-layanan", "SPSE", 1]]
    assert groups[("L2", "l2-telkom")]["actions"] == [["perbaikan-bug", "SIKaP", 1]]
    assert groups[("L2", "l2-telkom")]["stage_hours"] == {"analysis": 2.0, "fixing": 3.0,
                                                          "release": 1.0}
    # The tickets per LPSE and per application, over every level and team.
    assert [(c["name"], c["opened"], c["resolved"], c["open"]) for c in report["lpse"]] == [
        ("kab-bogor", 1, 1, 0), ("kab-sleman", 1, 0, 1)]
    assert [(c["name"], c["opened"], c["resolved"], c["open"])
            for c in report["applications"]] == [("SPSE", 2, 1, 1)]
    assert cli.main(["--config", str(config), "tickets", "list", "--lpse", "LPSE Kabupaten Bogor",
                     "--json"]) == 0
    assert [t["ref"] for t in json.loads(capsys.readouterr().out)] == [REF]
