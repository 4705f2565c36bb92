"""`ldp report`'s satisfaction block over the seeded month (SQLite and PostgreSQL): per level
and team that resolved the tickets, the IKM score (mean of the 1-4 answers x 25), the number of
answers in the period, the comments; filters apply; a reporter's comment stays text in every
format (one line in the table, escaped in HTML, a plain string in JSON)."""
from __future__ import annotations

import json
from datetime import date

import pytest

from gateway.sla import render, report
from gateway.store import database, surveys, tickets
from tests.conftest import make_settings
from tests.integration.sla_seed import seed, wib

pytestmark = pytest.mark.integration
HOSTILE = '<script>alert(1)</script> {0.__class__} {{ 7*7 }} =cmd|"/C calc"!A0'


@pytest.fixture
def answered(db_url, tmp_path):
    """Answers in March to tickets 1 and 2 (L0 LKPP) and 4 (L1 Telkom), one in April."""
    from gateway.service import build_context
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    seed(ctx.db)
    with database.transaction(ctx.db):
        for ref, score, comment, at in (
                ("LDP-000001", 4, "cepat, terima kasih", wib(3, 6, 9)),
                ("LDP-000002", 3, "", wib(3, 10, 9)),
                ("LDP-000004", 2, HOSTILE, wib(3, 17, 9)),
                ("LDP-000007", 1, "di luar periode", wib(4, 2, 9))):
            ticket = tickets.get_ticket(ref)
            surveys.ask(ticket, at)
            surveys.answer(surveys.latest(ticket.id), score, comment, None, at)
    return ctx


def build(ctx, **filters):
    with database.transaction(ctx.db):
        return report.build(ctx.settings, date(2026, 3, 1), date(2026, 3, 31), **filters)


def test_the_ikm_score_count_and_comments_per_level_and_team(answered):
    assert [s.figures() for s in build(answered).satisfaction] == [
        {"level": "L0", "team": "l0-lkpp", "answers": 2, "ikm": 87.5,
         "comments": [{"ref": "LDP-000001", "score": 4, "comment": "cepat, terima kasih"}]},
        {"level": "L1", "team": "l1-telkom", "answers": 1, "ikm": 50.0,
         "comments": [{"ref": "LDP-000004", "score": 2, "comment": HOSTILE}]}]
    assert [s.team for s in build(answered, level="L1").satisfaction] == ["l1-telkom"]
    assert [s.team for s in build(answered, team="l0-lkpp").satisfaction] == ["l0-lkpp"]


def test_a_comment_stays_text_in_every_format(answered):
    figures = build(answered)
    assert render.as_table(figures).splitlines()[-6:] == [
        "Kepuasan pelapor (IKM: rata-rata jawaban 1-4 x 25)",
        "L0  l0-lkpp  IKM 87.5  (2 jawaban)",
        "L1  l1-telkom  IKM 50.0  (1 jawaban)",
        "Komentar pelapor",
        "L0  l0-lkpp  LDP-000001  4  cepat, terima kasih",
        f"L1  l1-telkom  LDP-000004  2  {HOSTILE}"]
    page = render.as_html(figures)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {0.__class__} {{ 7*7 }}" in page
    assert json.loads(render.as_json(figures))["satisfaction"][1]["comments"][0]["comment"] \
        == HOSTILE
