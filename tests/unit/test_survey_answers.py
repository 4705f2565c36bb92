"""The reporter's answer to the closing mail's one question, read strictly (`parsers.survey`):
a digit 1 to 4 standing alone and a short comment that asks nothing; the IKM conversion; and
when a resolved ticket is due to close (`sla.closing.due_at`, three working days)."""
from __future__ import annotations

from datetime import datetime

import pytest

from gateway.config import Team
from gateway.domain import Level
from gateway.parsers.survey import MAX_COMMENT, Answer, ikm, read
from gateway.sla.calendar import for_team
from gateway.sla.closing import due_at
from tests.conftest import make_settings


@pytest.mark.parametrize("text, answer", [
    ("4", Answer(4, "")),
    ("4 terima kasih", Answer(4, "terima kasih")),
    ("  3.  Baik, cukup cepat\n", Answer(3, "Baik, cukup cepat")),
    ("1 tidak baik", Answer(1, "tidak baik")),
    ("4 sangat baik, terima kasih sekali lagi", Answer(4, "sangat baik, terima kasih sekali lagi")),
    ("3 not quite good, slow", Answer(3, "not quite good, slow")),
    ("4 sudah bisa lagi, terima kasih", Answer(4, "sudah bisa lagi, terima kasih")),
    ("4 sudah normal kembali", Answer(4, "sudah normal kembali")),
    ("2) kurang baik, lama dibalas", Answer(2, "kurang baik, lama dibalas")),
    ("4 - mantap\n\nSalam,\nRina", Answer(4, "mantap Salam, Rina")),
    ("4 thanks, quick and clear", Answer(4, "thanks, quick and clear")),
    ("4 sangat baik \u202etxt.exe", Answer(4, "sangat baik txt.exe")),  # bidi control gone
    ("3 {0.__class__} {{ 7*7 }} %s", Answer(3, "{0.__class__} {{ 7*7 }} %s")),  # only text
])
def test_a_digit_from_one_to_four_and_a_short_comment_is_an_answer(text, answer):
    assert read(text) == answer


@pytest.mark.parametrize("text", [
    "", "terima kasih", "nilai 4", "0", "5", "45", "10", "4.5", "3,5", "4/4", "4-5", "4 5",
    "four", "\u0664",  # an Arabic-Indic four is no ASCII digit
    "3 tapi bagaimana cara ganti email",  # asks something
    "4 terima kasih. Satu lagi, apakah bisa ganti email?",
    "1 masih belum bisa login",  # the problem is not gone
    "2 sekarang muncul error 500", "4 thanks, but it still fails", "3 how do I reset it",
    "4 tidak bisa upload dokumen", "4 " + "bagus " * (MAX_COMMENT // 6 + 1),
    # A low score whose words say the problem is there, in the ways people write it: a reply
    # that must reach an agent (reopen or a new ticket), not the report's comments.
    "1 ngga bisa login", "1 gabisa login", "1 tdk dapat login", "1 tidak berhasil upload",
    "1 tidak berfungsi", "1 belom bisa", "1 gak dapat masuk", "1 server down lagi",
    "1 akun terblokir", "1 data penawaran hilang", "1 not fixed", "1 not resolved yet",
    "2 it is down", "1 muncul kembali",
])
def test_anything_else_is_not_an_answer(text):
    assert read(text) is None


def test_the_ikm_score_is_the_mean_times_25():
    assert ikm([4]) == 100.0
    assert ikm([1, 2, 3, 4]) == 62.5
    assert ikm([3, 3, 4]) == 83.3
    assert ikm([]) is None


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour - 7, minute)


@pytest.mark.parametrize("resolved, due", [
    (wib(2, 10), wib(5, 10)),  # Monday 10:00: Thursday 10:00
    (wib(12, 10), wib(17, 10)),  # Thursday 10:00: the weekend skipped, Tuesday 10:00
    (wib(6, 18), wib(11, 16)),  # Friday after hours: Monday, Tuesday, Wednesday, to 16:00
    (wib(16, 10), wib(20, 10)),  # Nyepi (Thursday 19 March) is no working day: Friday
])
def test_a_resolved_ticket_is_due_three_working_days_later(resolved, due, tmp_path):
    settings = make_settings(tmp_path, "sqlite:///:memory:")
    calendar = for_team(Team("t", Level.L0, "LKPP"), settings)
    assert due_at(calendar, resolved, 3) == due
