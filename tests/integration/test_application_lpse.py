"""The application and the LPSE a ticket concerns, over a real IMAP server, a real SMTP sink,
SQLite and PostgreSQL: intake sets both from the report (a Sleman officer's SIKaP mail by the
sender's domain; a vendor's e-Katalog mail by "LPSE Kota Yogyakarta" in its text), a routing
rule on the application sends the SIKaP ticket to Telkom's L0, an agent's #aplikasi and #lpse
change them (an unknown LPSE refused with the close ones), and `ldp tickets list` filters and
`ldp report` counts by both."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from gateway import cli
from gateway.store import tickets
from tests import mails
from tests.conftest import AGENTS, write_config
from tests.integration.test_action_flow import reply
from tests.integration.test_agent_flow import BUDI, Desk

pytestmark = pytest.mark.integration
TONO = "tono@telkom.example"  # an agent of Telkom's L0 team, where the SIKaP rule sends mail
SIKAP_RULE = {"name": "sikap-ke-telkom", "when": {"application": "SIKaP"}, "team": "l0-telkom",
              "tags": ["sikap"]}


def concerns(ref: str) -> tuple:
    ticket = tickets.get_ticket(ref)
    return ticket.team, ticket.application, ticket.lpse


def listed(capsys, config, *filters: str) -> list[str]:
    capsys.readouterr()
    assert cli.main(["--config", str(config), "tickets", "list", *filters, "--json"]) == 0
    return [t["ref"] for t in json.loads(capsys.readouterr().out)]


def test_intake_sets_them_rules_route_on_them_agents_change_them(imap_server, smtp_sink, db_url,
                                                                 tmp_path, capsys):
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path,
                agents=[*AGENTS, {"email": TONO, "name": "Tono", "team": "l0-telkom"}],
                routing={"default_team": "l0-lkpp"}, rules=[SIKAP_RULE])

    # A Sleman officer, from a subdomain of slemankab.go.id, about SIKaP: both set at intake,
    # and the rule on the application sends the ticket to Telkom's L0.
    sleman = desk.deliver(mails.report(
        sender="Pokja ULP <pokja@lpse.slemankab.go.id>", subject="Verifikasi SIKaP gagal",
        body="Selamat siang,\n\nData kualifikasi penyedia tidak tampil di SIKaP.\n",
        message_id="<sleman-0001@lpse.slemankab.go.id>"))
    assert {"pokja@lpse.slemankab.go.id", TONO} <= set(sleman)  # and L0 LKPP's [Info] copies
    assert concerns("LDP-000001") == ("l0-telkom", "SIKaP", "kab-sleman")
    notice = mails.text_of(sleman[TONO])  # the agent sees what intake found, to correct it
    assert "Kategori : -\nAplikasi : SIKaP\nLPSE     : LPSE Kabupaten Sleman\n" in notice
    [routed] = [e for e in tickets.events(tickets.get_ticket("LDP-000001")) if e.kind == "routed"]
    assert routed.detail.startswith("matched: sikap-ke-telkom;")
    assert routed.detail.endswith("application=SIKaP lpse=kab-sleman")

    # A vendor on a free mail domain about e-Katalog (not SIKaP), naming the LPSE in the text:
    # "other", Kota Yogyakarta, and no rule: the default team.
    vendor = desk.deliver(mails.report(
        sender="CV Maju <cvmaju@gmail.example>", subject="Produk tidak tampil di e-Katalog",
        body="Kami penyedia di wilayah LPSE Kota Yogyakarta. Sikap petugas sangat baik.\n",
        message_id="<vendor-0002@gmail.example>"))
    assert BUDI in vendor
    assert concerns("LDP-000002") == ("l0-lkpp", "other", "kota-yogyakarta")

    # Tono corrects both: the receipt shows each change, the events record them.
    done = reply(desk, TONO, "Tono", sleman[TONO], "#aplikasi spse\n#lpse LPSE Kab. Bantul", 1)
    receipt = mails.text_of(done[TONO]).splitlines()
    assert "#aplikasi spse" in receipt and "  aplikasi: SIKaP -> SPSE" in receipt
    assert "#lpse LPSE Kab. Bantul" in receipt and "  LPSE: kab-sleman -> kab-bantul" in receipt
    assert concerns("LDP-000001") == ("l0-telkom", "SPSE", "kab-bantul")
    events = [(e.kind, e.actor, e.old_value, e.new_value, e.arguments)
              for e in tickets.events(tickets.get_ticket("LDP-000001"))
              if e.kind in ("application", "lpse")]
    assert events == [("application", TONO, "SIKaP", "SPSE", "spse"),
                      ("lpse", TONO, "kab-sleman", "kab-bantul", "LPSE Kab. Bantul")]

    # An LPSE the list lacks: refused with the close ones, nothing changed, the reporter told
    # nothing.
    refused = reply(desk, TONO, "Tono", done[TONO], "#lpse LPSE Slemn", 2)
    assert sorted(refused) == [TONO]
    assert ("  KESALAHAN: LPSE 'LPSE Slemn' tidak ada dalam daftar LPSE; yang mirip: kab-sleman "
            "(LPSE Kabupaten Sleman). Tulis kodenya atau nama lengkapnya") in \
        mails.text_of(refused[TONO]).splitlines()
    assert concerns("LDP-000001") == ("l0-telkom", "SPSE", "kab-bantul")
    reply(desk, TONO, "Tono", refused[TONO], "#selesai akun diverifikasi ulang", 3)

    # The list filters by both, named as the list names them.
    config = write_config(tmp_path / "ldp.toml", desk.settings)
    assert listed(capsys, config, "--application", "SPSE") == ["LDP-000001"]
    assert listed(capsys, config, "--application", "lainnya") == ["LDP-000002"]
    assert listed(capsys, config, "--lpse", "LPSE Kota Yogyakarta") == ["LDP-000002"]
    assert listed(capsys, config, "--lpse", "bantulkab.go.id", "--application", "spse") == \
        ["LDP-000001"]
    assert listed(capsys, config, "--lpse", "kab-sleman") == []
    assert cli.main(["--config", str(config), "tickets", "list", "--lpse", "LPSE Slemn"]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "LPSE not in the list: LPSE Slemn (close ones: kab-sleman)")

    # `ldp tickets show` names them.
    assert cli.main(["--config", str(config), "tickets", "show", "LDP-000001"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert "application SPSE" in shown and "LPSE        kab-bantul (LPSE Kabupaten Bantul)" in shown

    # The report counts the tickets opened per application and per LPSE, per level and team.
    today = datetime.now(timezone.utc).date()
    period = ["--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))]
    assert cli.main(["--config", str(config), "report", *period, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    groups = {g["team"]: (g["applications"], g["lpse"]) for g in report["groups"]}
    assert groups == {"l0-lkpp": ([["other", 1]], [["kota-yogyakarta", 1]]),
                      "l0-telkom": ([["SPSE", 1]], [["kab-bantul", 1]])}
    assert report["applications"] == [
        {"name": "SPSE", "label": "", "opened": 1, "resolved": 1, "open": 0},
        {"name": "other", "label": "", "opened": 1, "resolved": 0, "open": 1}]
    assert report["lpse"] == [
        {"name": "kab-bantul", "label": "LPSE Kabupaten Bantul", "opened": 1, "resolved": 1,
         "open": 0},
        {"name": "kota-yogyakarta", "label": "LPSE Kota Yogyakarta", "opened": 1,
         "resolved": 0, "open": 1}]
    assert cli.main(["--config", str(config), "report", *period]) == 0
    table = capsys.readouterr().out.split("\n\n")
    assert [" ".join(line.split()) for line in table[-2].splitlines()] == [
        "Tiket per aplikasi (semua tingkat dan tim)",
        "Aplikasi Dibuka Selesai Masih terbuka", "SPSE 1 1 0", "lainnya 1 0 1"]
    assert [" ".join(line.split()) for line in table[-1].splitlines()] == [
        "Tiket per LPSE (semua tingkat dan tim)", "LPSE Nama Dibuka Selesai Masih terbuka",
        "kab-bantul LPSE Kabupaten Bantul 1 1 0", "kota-yogyakarta LPSE Kota Yogyakarta 1 0 1"]
    page = tmp_path / "report.html"
    assert cli.main(["--config", str(config), "report", *period, "--format", "html",
                     "--output", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert '<table id="applications">' in html and "<td>lainnya</td><td>1</td><td>0</td>" \
        "<td>1</td>" in html
    assert '<table id="lpse">' in html and "<td>kab-bantul</td><td>LPSE Kabupaten Bantul</td>" \
        "<td>1</td><td>1</td><td>0</td>" in html
    assert cli.main(["--config", str(config), "report", *period, "--format", "csv"]) == 0
    head, *rows = [line.split(",") for line in capsys.readouterr().out.splitlines()]
    columns = head.index("Dibuka per aplikasi"), head.index("Dibuka per LPSE")
    assert [(row[1], row[columns[0]], row[columns[1]]) for row in rows] == [
        ("l0-lkpp", "lainnya (1)", "kota-yogyakarta (1)"),
        ("l0-telkom", "SPSE (1)", "kab-bantul (1)")]
