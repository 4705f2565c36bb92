"""`ldp report` over a seeded month: every figure checked against values worked out by hand,
the formats, the mail, and the HTML report rendered by headless Chromium with its charts."""
from __future__ import annotations

import base64
import os
import re
import shutil
import struct
import subprocess
from datetime import date

import pytest

from gateway import cli
from gateway.sla import render, report
from gateway.store import database
from tests.conftest import make_settings, write_config
from tests.integration.sla_seed import seed

pytestmark = pytest.mark.integration
LEAVE = {"collective_leave": ["2026-03-23"]}  # cuti bersama after Idul Fitri
EMPTY_BACKLOG = {"<1d": 0, "1-3d": 0, "3-7d": 0, "7-30d": 0, ">30d": 0}
# Worked out by hand (business hours, Mon-Fri 08:00-16:00 WIB):
# 1: first response 1 h, resolved 4 h.  2: first response 1.5 h; resolution Tue 14-16 (2) +
# Wed 08-09 (1), pending Wed 09:00 to Thu 10:00, Thu 10-12 (2) = 5 h; reopened once.
# 3 (high): Wed 15-16 (1), Thu 19 March Nyepi, Fri 08-09 (1): first response 2 h (target 2,
# met); Fri 8 h, weekend, Mon 23 collective leave, Tue 08-10 (2): 11 h (target 8, missed).
# 7 (opened in February): resolution Fri 09-16 (7) + Mon 08-09 (1) = 8 h.
# 4 (now L1): first response 4 h, four full days 32 h; L0-L1, L1-L2 and a return.
# Backlog at 1 April 00:00 WIB: 5 opened 30 March 10:00 (1.6 days), 6 opened 20 February.
EXPECTED = [
    {"level": "L0", "team": "l0-lkpp", "opened": 3, "affected": 0, "resolved": 4, "escalated_l0_l1": 0,
     "escalated_l1_l2": 0, "returned": 0, "reopened": 1, "first_response_median": 1.5,
     "first_response_p90": 2.0, "resolution_median": 6.5, "resolution_p90": 11.0,
     "sla_compliance": 85.7, "backlog": EMPTY_BACKLOG,
     "top_categories": [["akun", 2], ["spse", 1]], "actions": [], "stage_hours": {},
     "applications": [["-", 3]], "lpse": [["-", 3]]},
    {"level": "L0", "team": "l0-telkom", "opened": 1, "affected": 0, "resolved": 0, "escalated_l0_l1": 0,
     "escalated_l1_l2": 0, "returned": 0, "reopened": 0, "first_response_median": None,
     "first_response_p90": None, "resolution_median": None, "resolution_p90": None,
     "sla_compliance": None, "backlog": {**EMPTY_BACKLOG, "1-3d": 1, ">30d": 1},
     "top_categories": [["email", 1]], "actions": [], "stage_hours": {},
     "applications": [["-", 1]], "lpse": [["-", 1]]},
    {"level": "L1", "team": "l1-telkom", "opened": 1, "affected": 0, "resolved": 1, "escalated_l0_l1": 1,
     "escalated_l1_l2": 1, "returned": 1, "reopened": 0, "first_response_median": 4.0,
     "first_response_p90": 4.0, "resolution_median": 32.0, "resolution_p90": 32.0,
     "sla_compliance": 100.0, "backlog": EMPTY_BACKLOG, "top_categories": [["akun", 1]],
     "actions": [], "stage_hours": {}, "applications": [["-", 1]], "lpse": [["-", 1]]},
]


@pytest.fixture
def month(db_url, tmp_path):
    from gateway.service import build_context
    settings = make_settings(tmp_path, db_url, sla=LEAVE)
    ctx = build_context(settings, tmp_path)
    seed(ctx.db)
    return ctx


def build(ctx, **filters):
    with database.transaction(ctx.db):
        return report.build(ctx.settings, date(2026, 3, 1), date(2026, 3, 31), **filters)


def test_figures_match_the_hand_computed_values(month):
    """Per level and team: counts, medians and 90th percentiles, compliance, backlog, categories."""
    assert build(month).rows() == EXPECTED


def test_filters_by_level_and_team(month):
    """--level L1 keeps the L1 row; --team l0-telkom keeps that team's row."""
    assert build(month, level="L1").rows() == EXPECTED[2:]
    assert build(month, team="l0-telkom").rows() == EXPECTED[1:2]


def test_csv_in_indonesian(month):
    """The CSV has Indonesian headings (support.language = id) and one line per group."""
    lines = render.as_csv(build(month, level="L1")).splitlines()
    assert lines == [
        "Tingkat,Tim,Dibuka,Laporan terdampak,Selesai,Eskalasi L0-L1,Eskalasi L1-L2,Dikembalikan,Dibuka ulang,"
        "Tanggapan pertama median (jam),Tanggapan pertama P90 (jam),Penyelesaian median (jam),"
        "Penyelesaian P90 (jam),Kepatuhan SLA (%),Antrean menurut umur,Kategori teratas,Tindakan,"
        "Jam per tahap,Dibuka per aplikasi,Dibuka per LPSE",
        "L1,l1-telkom,1,0,1,1,1,1,0,4.0,4.0,32.0,32.0,100.0,<1d:0 1-3d:0 3-7d:0 7-30d:0 >30d:0,"
        "akun (1),-,-,- (1),- (1)"]


def configured(ctx, tmp_path, language="en"):
    path = write_config(tmp_path / "ldp.toml", ctx.settings)
    text = path.read_text().replace('language = "id"\nticket_prefix',
                                    f'language = "{language}"\nticket_prefix', 1)
    path.write_text(text + '[sla]\ncollective_leave = ["2026-03-23"]\n')
    return path


def test_the_command_prints_an_english_table(month, tmp_path, capsys):
    """`ldp report --level L0 --team l0-telkom` prints the table with English labels."""
    path = configured(month, tmp_path)
    assert cli.main(["--config", str(path), "report", "--from", "2026-03-01", "--to",
                     "2026-03-31", "--team", "l0-telkom"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == ["Service report 2026-03-01 to 2026-03-31", "Level                      L0",
                         "Team                       l0-telkom", "Opened                     1"]
    assert lines[-6:] == ["Backlog by age             <1d:0 1-3d:1 3-7d:0 7-30d:0 >30d:1",
                          "Top categories             email (1)",
                          "Actions                    -",
                          "Hours per stage            -",
                          "Opened per application     - (1)",
                          "Opened per LPSE            - (1)"]


def test_json_output_is_the_figures(month, tmp_path, capsys):
    """--format json prints the period and the same figures."""
    import json
    path = configured(month, tmp_path)
    cli.main(["--config", str(path), "report", "--from", "2026-03-01", "--to", "2026-03-31",
              "--format", "json"])
    assert json.loads(capsys.readouterr().out) == {"from": "2026-03-01", "to": "2026-03-31",
                                                   "groups": EXPECTED, "satisfaction": [],
                                                   "applications": [], "lpse": []}


def test_mail_sends_the_report_with_the_html_attached(month, tmp_path, smtp_sink, capsys):
    """--mail TO queues the report in the outbox and sends it: table as text, HTML attached."""
    import email
    from email.policy import default
    settings = make_settings(tmp_path, month.settings.database.url, smtp_srv=smtp_sink, sla=LEAVE)
    path = configured(type("C", (), {"settings": settings})(), tmp_path)
    assert cli.main(["--config", str(path), "report", "--from", "2026-03-01", "--to",
                     "2026-03-31", "--mail", "kepala@lkpp.example"]) == 0
    assert capsys.readouterr().out.endswith(" to kepala@lkpp.example: 1 sent, 0 deferred\n")
    (_, recipients, raw), = smtp_sink.messages
    message = email.message_from_bytes(raw, policy=default)
    attachment, = message.iter_attachments()
    assert (recipients, message["Subject"], attachment.get_filename()) == (
        ["kepala@lkpp.example"], "LDP service report 2026-03-01 to 2026-03-31",
        "report-2026-03-01-2026-03-31.html")
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n").startswith(
        "Service report 2026-03-01 to 2026-03-31\nLevel ")
    assert attachment.get_content().count('src="data:image/png;base64,') == 3


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or \
        shutil.which("google-chrome")


def _png_size(data_uri: str) -> tuple[int, int]:
    png = base64.b64decode(data_uri.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_html_report_renders_in_headless_chromium_with_its_charts(month, tmp_path):
    """Chromium loads the offline HTML file; its DOM has the table and three PNG charts."""
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required under CI (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    page = tmp_path / "report.html"
    page.write_text(render.as_html(build(month)), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'c'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120).stdout
    charts = dict(re.findall(r'<img id="(chart-[a-z]+)" alt="[^"]*" src="([^"]+)"', dom))
    assert sorted(charts) == ["chart-compliance", "chart-resolution", "chart-weekly"]
    assert [_png_size(charts[k]) for k in sorted(charts)] == [(630, 166), (630, 288), (630, 288)]
    assert "<h1>Laporan layanan 2026-03-01 s.d. 2026-03-31</h1>" in dom
    assert dom.count("<tr><td>") == 3
    shot = tmp_path / "shot.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=900,1600",
                    page.as_uri()], capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The bars' blue (#4c78a8) on the screen shows Chromium drew the embedded images.
    assert _has_colour(shot, (0x4C, 0x78, 0xA8)) is True


def _has_colour(path, rgb: tuple[int, int, int]) -> bool:
    import matplotlib.image
    pixels = (matplotlib.image.imread(str(path))[:, :, :3] * 255).round().astype(int)
    return bool(((abs(pixels - rgb) <= 2).all(axis=2)).any())
