"""Assignments (issue 17, item 4), by agents' replies over a real IMAP server (Dovecot), the real
SMTP sink, SQLite and PostgreSQL: an agent whose assignment letter (surat penugasan) has ended
replies `#ambil` and gets a refusal receipt naming the letter and its days, and the ticket is
unchanged; an agent whose letter is in force takes it; `ldp agents list` shows both."""
from __future__ import annotations

import json

import pytest

from gateway import cli
from gateway.store import tickets
from tests import mails
from tests.conftest import AGENTS, write_config
from tests.integration.agent_replies import gmail_reply
from tests.integration.test_agent_flow import REF, Desk

pytestmark = pytest.mark.integration

BUDI, SARI, RINA = "budi@lkpp.example", "sari@lkpp.example", "rina@pemkab-bogor.go.id"
ENDED = {"assignment": "SP-03/LKPP/2020", "assigned_from": "2020-01-01",
         "assigned_until": "2020-12-31"}
IN_FORCE = {"assignment": "SP-09/LKPP/2026", "assigned_from": "2020-01-01",
            "assigned_until": "2999-12-31"}
ROSTER = [{**AGENTS[0], **ENDED}, {**AGENTS[1], **IN_FORCE}, *AGENTS[2:]]


def reply(sender: str, name: str, notice: bytes, top: str, message_id: str) -> bytes:
    return gmail_reply(f"{name} <{sender}>", notice, top, f"{name}\nLKPP", message_id)


def fields() -> tuple:
    t = tickets.get_ticket(REF)
    return (t.level.value, t.team, t.status.value, t.assignee)


def test_an_ended_assignment_is_refused_and_one_in_force_acts(
        imap_server, smtp_sink, db_url, tmp_path, capsys, monkeypatch):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path, agents=ROSTER)
    new = desk.deliver(mails.report(message_id="<CAGx7rina0001@mail.gmail.com>"))
    assert sorted(new) == [BUDI, RINA, SARI]
    before, count = fields(), len(tickets.events(tickets.get_ticket(REF)))

    sent = desk.deliver(reply(BUDI, "Budi", new[BUDI], "#ambil", "<budi-1@mail.gmail.com>"))
    assert sorted(sent) == [BUDI]  # only the refusal receipt: the reporter hears nothing
    assert mails.parse(sent[BUDI])["Subject"] == \
        "[LDP-000001] Perintah DITOLAK: Tidak bisa login SPSE"
    assert ("#ambil\n  KESALAHAN: surat penugasan SP-03/LKPP/2020 milik budi@lkpp.example "
            "berlaku 2020-01-01 sampai 2020-12-31 dan sudah berakhir (hari ini ") \
        in mails.text_of(sent[BUDI])
    assert fields() == before == ("L0", "l0-lkpp", "new", None)
    events = tickets.events(tickets.get_ticket(REF))[count:]
    assert [e.kind for e in events] == ["commands_refused"]
    assert "(assignment: budi@lkpp.example's assignment letter SP-03/LKPP/2020 ran from " \
           "2020-01-01 to 2020-12-31 and has ended" in events[0].detail

    # #bantuan stays open to him: a query, answered, nothing refused.
    sent = desk.deliver(reply(BUDI, "Budi", new[BUDI], "#bantuan", "<budi-2@mail.gmail.com>"))
    assert sorted(sent) == [BUDI]
    assert "DITOLAK" not in mails.parse(sent[BUDI])["Subject"]
    assert fields() == before

    sent = desk.deliver(reply(SARI, "Sari", new[SARI], "#take", "<sari-1@mail.gmail.com>"))
    assert fields() == ("L0", "l0-lkpp", "open", SARI)
    assert "REFUSED" not in mails.parse(sent[SARI])["Subject"]

    config = write_config(tmp_path / "ldp.toml", desk.settings)
    monkeypatch.setenv("LDP_LANG", "en")
    assert cli.main(["--config", str(config), "agents", "list", "--json"]) == 0
    listed = {row["email"]: row for row in json.loads(capsys.readouterr().out)}
    assert listed[BUDI] == {"email": BUDI, "name": "Budi", "team": "l0-lkpp", "level": "L0",
                            "role": "agent", "lead": False, **ENDED, "valid": False}
    assert listed[SARI] == {"email": SARI, "name": "Sari", "team": "l0-lkpp", "level": "L0",
                            "role": "agent", "lead": False, **IN_FORCE, "valid": True}
    assert cli.main(["--config", str(config), "agents", "list"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["email", "name", "team", "level", "role", "lead", "assignment",
                                "assigned_from", "assigned_until", "valid", "today"]
    budi = next(line for line in table if line.startswith(BUDI))
    assert budi.split() == [BUDI, "Budi", "l0-lkpp", "L0", "agent", "SP-03/LKPP/2020",
                            "2020-01-01", "2020-12-31", "no"]


LINA = "lina@lkpp.example"  # lead of l0-lkpp
ENDING = {"assignment": "SP-05/LKPP/2026", "assigned_from": "2026-01-01",
          "assigned_until": "2026-06-30"}


def test_the_leads_are_reminded_once_fourteen_days_before_a_letter_ends(
        imap_server, smtp_sink, db_url, tmp_path):
    """Budi's letter ends on 2026-06-30: on 2026-06-15 (15 days before) nobody is told; on
    2026-06-16 Lina, the lead of his team, gets one reminder naming the letter and the day, and
    Budi himself gets none; the next days (and a restart) tell her nothing more; a renewed
    letter with a new last day is announced again when it comes close."""
    from datetime import date

    from gateway.sla.assignments import remind_leads
    from gateway.store import database

    roster = [{**AGENTS[0], **ENDING},
              {"email": LINA, "name": "Lina", "team": "l0-lkpp", "lead": True, **IN_FORCE},
              *AGENTS[1:]]
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path, agents=roster)
    import asyncio

    from gateway.outgoing.sender import send_due
    from gateway.service import build_context
    ctx = build_context(desk.settings, tmp_path)

    def on(day: date) -> int:
        # The timers' step on a given day (run_timers uses the real one), then the one send
        # path hands the outbox to the SMTP sink.
        with database.transaction(ctx.db):
            told = remind_leads(ctx, today=lambda _agent: day)
        asyncio.run(send_due(ctx))
        return told

    assert on(date(2026, 6, 15)) == 0
    assert smtp_sink.messages == []
    assert on(date(2026, 6, 16)) == 1
    [(_sender, recipients, raw)] = smtp_sink.messages
    assert recipients == [LINA]
    assert mails.parse(raw)["Subject"] == \
        "Surat penugasan SP-05/LKPP/2026 untuk Budi berakhir 2026-06-30"
    assert mails.text_of(raw).startswith(
        "Surat penugasan SP-05/LKPP/2026 untuk Budi (budi@lkpp.example, tim l0-lkpp) berakhir "
        "pada 2026-06-30, 14 hari lagi.")
    assert on(date(2026, 6, 17)) == 0 and on(date(2026, 6, 30)) == 0
    assert on(date(2026, 7, 1)) == 0  # ended: the assignment rule refuses him now
    assert len(smtp_sink.messages) == 1

    renewed = [{**AGENTS[0], **ENDING, "assigned_until": "2026-12-31"}, *roster[1:]]
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path, agents=renewed)
    ctx = build_context(desk.settings, tmp_path)
    assert on(date(2026, 12, 20)) == 1
    assert len(smtp_sink.messages) == 2
