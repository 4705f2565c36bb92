"""#progres TAHAP teks (`desk.stages`, the step `work.progress`): a known stage in either
language is accepted and moves nothing; a line without one is refused naming the stages."""
from __future__ import annotations

import pytest

from gateway.desk import stages
from gateway.domain import Level
from tests.conftest import AGENTS
from tests.unit.test_action_catalogue import plan

DEWI = next(a["email"] for a in AGENTS if a["team"] == "l2-telkom")


@pytest.mark.parametrize(("text", "stage", "note"), [
    ("analisa log server diperiksa", "analysis", "log server diperiksa"),
    ("Perbaikan: modul reset diubah", "fixing", "modul reset diubah"),
    ("testing on staging", "testing", "on staging"),
    ("rilis build 4.5 terpasang", "release", "build 4.5 terpasang"),
])
def test_a_stage_word_in_either_language_is_read(text, stage, note):
    assert stages.read(text) == (stage, note)


@pytest.mark.parametrize(("text", "error"), [
    ("sedang diuji", LookupError), ("", LookupError), ("rilis", ValueError),
])
def test_a_line_without_a_stage_or_text_is_not_read(text, error):
    with pytest.raises(error):
        stages.read(text)


def test_a_progress_line_with_a_stage_is_accepted_and_changes_no_field():
    result = plan("#progres perbaikan modul reset diubah", DEWI, Level.L2, "l2-telkom")
    assert result.ok and result.changes == {}
    assert [s.command.text for s in result.steps] == ["perbaikan modul reset diubah"]


def test_a_progress_line_without_a_known_stage_is_refused_listing_the_stages():
    result = plan("#progres sedang kami kerjakan", DEWI, Level.L2, "l2-telkom")
    [step] = result.steps
    assert not result.ok and step.error.code == "unknown_stage"
    assert step.error.text("id") == (
        "#progress perlu diawali tahap: analisa, perbaikan, pengujian, rilis; "
        "contoh: #progres analisa teks")
    assert step.error.text("en") == (
        "#progress needs a stage first: analysis, fixing, testing, release; "
        "for example: #progress analysis text")


def test_a_stage_without_text_needs_a_progress_note():
    result = plan("#progress release", DEWI, Level.L2, "l2-telkom")
    assert not result.ok and result.steps[0].error.code == "needs_progress"
