"""#progres TAHAP teks from L2, over a real IMAP server, a real SMTP sink, SQLite and
PostgreSQL: analisa, perbaikan, rilis each send Rina (her follower in Cc) a mail naming the
stage in plain words;
a line without a stage is refused (nothing sent to Rina, no stage written); `ldp tickets show`
lists the three stages (JSON and table) and `ldp report` gives the hours per stage."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone

import pytest

from gateway import cli
from gateway.service import Service, build_context
from gateway.store import tickets
from gateway.store.models import EventRow
from tests import mails
from tests.conftest import deliver, write_config
from tests.integration.test_action_flow import reply
from tests.integration.test_agent_flow import ANDI, BUDI, DEWI, REF, REPORT_ID, RINA, Desk

pytestmark = pytest.mark.integration
FOLLOWER = "atasan@pemkab-bogor.go.id"  # Rina's report copies her head of unit: a follower


class CopiedDesk(Desk):
    """The walk's desk, where one mail may carry copies: each envelope recipient gets it."""

    def deliver(self, raw: bytes) -> dict[str, bytes]:
        deliver(self.imap, self.settings.imap.folder, raw)
        self.outcomes, _sent = Service(build_context(self.settings, self.tmp)).run_once()
        fresh, self.seen = self.sink.messages[self.seen:], len(self.sink.messages)
        return {recipient: message for _sender, recipients, message in fresh
                for recipient in recipients}


def stage_events() -> list[tuple[str | None, str | None]]:
    return [(e.old_value, e.new_value) for e in tickets.events(tickets.get_ticket(REF))
            if e.kind == "stage"]


def test_l2_progress_names_its_stage_and_the_report_times_each(imap_server, smtp_sink, db_url,
                                                                tmp_path, capsys):
    desk = CopiedDesk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.deliver(mails.report(message_id=REPORT_ID, headers={"Cc": FOLLOWER}))
    to_l1 = reply(desk, BUDI, "Budi Santoso", new[BUDI],
                  "#tim telkom\n#eskalasi L1 akun terkunci di server SPSE", 1)
    to_l2 = reply(desk, ANDI, "Andi Pratama", to_l1[ANDI],
                  "#eskalasi L2 perlu perbaikan modul reset akun", 2)

    # A line without a known stage: refused, the receipt lists the stages, Rina hears nothing.
    refused = reply(desk, DEWI, "Dewi Lestari", to_l2[DEWI], "#progres sedang dikerjakan", 3)
    assert sorted(refused) == [DEWI]
    assert ("  KESALAHAN: #progres perlu diawali tahap: analisa, perbaikan, pengujian, rilis; "
            "contoh: #progres analisa teks") in mails.text_of(refused[DEWI]).splitlines()
    assert stage_events() == []

    said = {}
    last = to_l2[DEWI]
    for n, (line, words) in enumerate([
            ("#progres analisa log server SPSE sedang diperiksa", "analisa masalah"),
            ("#progres perbaikan modul reset akun sedang diubah", "perbaikan"),
            ("#progress release build baru sudah terpasang", "rilis perbaikan")], start=4):
        got = reply(desk, DEWI, "Dewi Lestari", last, line, n)
        text = mails.text_of(got[RINA])
        assert got[FOLLOWER] == got[RINA]  # one mail, the follower in Cc
        assert mails.parse(got[RINA])["Cc"] == FOLLOWER
        assert f"Tahap penanganan: {words}\n" in text
        assert line.split(maxsplit=2)[2] in text  # the agent's text, without the stage word
        said[words] = text
        last = got[DEWI]
    assert stage_events() == [(None, "analysis"), ("analysis", "fixing"), ("fixing", "release")]

    # Fixed times for the three changes: 2 h in analysis, 3 h in fixing, then release.
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    ticket_id = tickets.get_ticket(REF).id
    for stage, hours_ago in (("analysis", 10), ("fixing", 8), ("release", 5)):
        EventRow.update(at=now - timedelta(hours=hours_ago)).where(
            EventRow.ticket == ticket_id, EventRow.kind == "stage",
            EventRow.new_value == stage).execute()

    config = write_config(tmp_path / "ldp.toml", desk.settings)
    capsys.readouterr()
    assert cli.main(["--config", str(config), "tickets", "show", REF, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["stages"]
    assert [(s["agent"], s["from"], s["stage"]) for s in shown] == [
        (DEWI, None, "analysis"), (DEWI, "analysis", "fixing"), (DEWI, "fixing", "release")]
    assert cli.main(["--config", str(config), "tickets", "show", REF]) == 0
    table = capsys.readouterr().out
    block = table.split("stages (#progress):\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split(": ", 1)[1] for line in block] == [
        "analysing the problem", "fixing the problem", "releasing the fix"]

    today = datetime.now(timezone.utc).date()
    period = ["--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))]
    assert cli.main(["--config", str(config), "report", *period, "--level", "L2",
                     "--format", "json"]) == 0
    [group] = json.loads(capsys.readouterr().out)["groups"]
    hours = group["stage_hours"]
    assert list(hours) == ["analysis", "fixing", "release"]
    assert (hours["analysis"], hours["fixing"]) == (2.0, 3.0)
    assert hours["release"] > 5.0  # still in release: counted to the end of the period
    assert cli.main(["--config", str(config), "report", *period, "--level", "L2",
                     "--format", "csv"]) == 0
    head, row = list(csv.reader(capsys.readouterr().out.splitlines()))
    column = head.index("Jam per tahap")
    assert row[column].startswith("analisa 2.0, perbaikan 3.0, rilis ")
