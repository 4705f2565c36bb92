"""#tindakan (#action): agents record the decree's work per level, over a real IMAP server, a
real SMTP sink, SQLite and PostgreSQL. An L1 agent restarts SPSE (recorded), may not fix a bug
(refused, with the codes L1 may use), an L2 agent fixes a bug in SIKaP (recorded); `ldp tickets
show` lists both and `ldp report` counts them by level, team, code and application."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from gateway import cli
from gateway.store import worklog
from gateway.store import tickets
from tests import mails
from tests.conftest import write_config
from tests.integration.agent_replies import gmail_reply
from tests.integration.test_agent_flow import ANDI, BUDI, DEWI, REF, REPORT_ID, Desk

pytestmark = pytest.mark.integration

L1_CODES = ("analisa, tanggapan, restart-layanan, konfigurasi-mail-server, perbaikan-data, "
            "preferensi-akun, cek-log-server, deploy-build")


def reply(desk: Desk, sender: str, name: str, original: bytes, top: str, n: int) -> dict:
    return desk.deliver(gmail_reply(f"{name} <{sender}>", original, top, name,
                                    f"<CAGx7act{n:04d}@mail.gmail.com>"))


def test_actions_are_recorded_refused_shown_and_counted(imap_server, smtp_sink, db_url,
                                                        tmp_path, capsys):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.deliver(mails.report(message_id=REPORT_ID))
    to_l1 = reply(desk, BUDI, "Budi Santoso", new[BUDI],
                  "#tim telkom\n#eskalasi L1 akun terkunci di server SPSE", 1)

    # L1: restart the SPSE services, recorded with its note; the ticket itself does not move.
    done = reply(desk, ANDI, "Andi Pratama", to_l1[ANDI],
                 "#tindakan restart-layanan spse layanan web dimulai ulang", 2)
    assert "#tindakan restart-layanan spse layanan web dimulai ulang\n" \
        "  tindakan dicatat di log pekerjaan\n" in mails.text_of(done[ANDI])
    assert desk.state()[:3] == ("L1", "l1-telkom", "open")
    [entry] = worklog.of_ticket(tickets.get_ticket(REF).id)
    assert (entry.agent, entry.team, entry.level, entry.code, entry.application,
            entry.note) == (ANDI, "l1-telkom", "L1", "restart-layanan", "SPSE",
                            "layanan web dimulai ulang")

    # L1 may not fix a bug: refused, the receipt lists the codes L1 may use, nothing written.
    refused = reply(desk, ANDI, "Andi Pratama", done[ANDI],
                    "#tindakan perbaikan-bug SIKaP modul reset", 3)
    assert sorted(refused) == [ANDI]
    assert "TIDAK dijalankan" in mails.text_of(refused[ANDI])
    assert ("  KESALAHAN: tindakan 'perbaikan-bug' bukan pekerjaan L1; kode untuk L1: "
            f"{L1_CODES}") in mails.text_of(refused[ANDI]).splitlines()
    assert len(worklog.of_ticket(tickets.get_ticket(REF).id)) == 1

    # A code that needs its application, without one: refused too.
    missing = reply(desk, ANDI, "Andi Pratama", done[ANDI], "#tindakan perbaikan-data", 4)
    assert "perlu nama aplikasinya (SPSE atau SIKaP)" in mails.text_of(missing[ANDI])
    assert len(worklog.of_ticket(tickets.get_ticket(REF).id)) == 1

    # L2: the bug fixed in SIKaP, with the English alias.
    to_l2 = reply(desk, ANDI, "Andi Pratama", done[ANDI],
                  "#eskalasi L2 perlu perbaikan modul reset akun", 5)
    reply(desk, DEWI, "Dewi Lestari", to_l2[DEWI], "#action perbaikan-bug SIKaP modul reset",
          6)
    work = worklog.of_ticket(tickets.get_ticket(REF).id)
    assert [(w.level, w.team, w.agent, w.code, w.application) for w in work] == [
        ("L1", "l1-telkom", ANDI, "restart-layanan", "SPSE"),
        ("L2", "l2-telkom", DEWI, "perbaikan-bug", "SIKaP")]

    # `ldp tickets show`: both actions, as JSON and as the table.
    config = write_config(tmp_path / "ldp.toml", desk.settings)
    capsys.readouterr()
    assert cli.main(["--config", str(config), "tickets", "show", REF, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["actions"]
    assert [(a["level"], a["team"], a["agent"], a["code"], a["application"], a["note"])
            for a in shown] == [
        ("L1", "l1-telkom", ANDI, "restart-layanan", "SPSE", "layanan web dimulai ulang"),
        ("L2", "l2-telkom", DEWI, "perbaikan-bug", "SIKaP", "modul reset")]
    assert cli.main(["--config", str(config), "tickets", "show", REF]) == 0
    table = capsys.readouterr().out
    assert f"L1 l1-telkom {ANDI}: restart-layanan SPSE layanan web dimulai ulang" in table
    assert f"L2 l2-telkom {DEWI}: perbaikan-bug SIKaP modul reset" in table

    # `ldp report` for the period counts them under the level, team, code and application.
    today = datetime.now(timezone.utc).date()
    period = ["--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))]
    assert cli.main(["--config", str(config), "report", *period, "--format", "json"]) == 0
    groups = {(g["level"], g["team"]): g["actions"]
              for g in json.loads(capsys.readouterr().out)["groups"]}
    assert groups[("L1", "l1-telkom")] == [["restart-layanan", "SPSE", 1]]
    assert groups[("L2", "l2-telkom")] == [["perbaikan-bug", "SIKaP", 1]]
    assert all(actions == [] for key, actions in groups.items()
               if key not in {("L1", "l1-telkom"), ("L2", "l2-telkom")})
    assert cli.main(["--config", str(config), "report", *period, "--level", "L2",
                     "--format", "json"]) == 0
    assert [(g["level"], g["team"], g["actions"])
            for g in json.loads(capsys.readouterr().out)["groups"]] == [
        ("L2", "l2-telkom", [["perbaikan-bug", "SIKaP", 1]])]
    assert cli.main(["--config", str(config), "report", *period, "--format", "csv"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert csv[0].endswith(",Tindakan,Jam per tahap,Dibuka per aplikasi,Dibuka per LPSE")
    assert [line.rsplit(",", 4)[1] for line in csv[1:] if line.startswith("L1,l1-telkom")] == \
        ["restart-layanan SPSE (1)"]
    assert [line.rsplit(",", 4)[1] for line in csv[1:] if line.startswith("L2,l2-telkom")] == \
        ["perbaikan-bug SIKaP (1)"]
