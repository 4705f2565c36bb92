"""Progress lines: when they appear (a fake clock, no sleeping), what they say, and silence."""
from __future__ import annotations

import io

from gateway.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_line_every_interval_and_the_final_state(monkeypatch):
    monkeypatch.setenv("LDP_LANG", "en")
    clock, out = Clock(), io.StringIO()
    counter = Progress(interval=5, stream=out, clock=clock).counter("progress_intake", 2000)
    for _ in range(10):  # 10 batches of 200, 2 s apart
        clock.now += 2
        counter.advance(200)
    counter.finish()
    assert out.getvalue().splitlines() == [
        "intake: 600/2000 messages processed (30 %), 6 s",
        "intake: 1200/2000 messages processed (60 %), 12 s",
        "intake: 1800/2000 messages processed (90 %), 18 s",
        "intake: 2000/2000 messages processed (100 %), 20 s"]


def test_short_work_is_silent_and_quiet_is_silent(monkeypatch):
    monkeypatch.setenv("LDP_LANG", "en")
    clock, out = Clock(), io.StringIO()
    counter = Progress(interval=5, stream=out, clock=clock).counter("progress_rules", 3)
    for _ in range(3):
        clock.now += 1
        counter.advance()
    counter.finish()
    quiet = Progress(enabled=False, interval=0, stream=out, clock=clock)
    counter = quiet.counter("progress_rules", 3)
    for _ in range(3):
        clock.now += 10
        counter.advance()
    counter.finish()
    quiet.note("lease", lambda: "never")
    quiet.say("never")
    assert out.getvalue() == ""


def test_a_note_comes_at_once_then_once_an_interval(monkeypatch):
    clock, out = Clock(), io.StringIO()
    progress = Progress(interval=5, stream=out, clock=clock)
    for step in range(12):
        progress.note("lease", lambda: f"waiting {step}")
        clock.now += 1
    assert out.getvalue().splitlines() == ["waiting 0", "waiting 5", "waiting 10"]


def test_a_terminal_gets_a_bar_redrawn_in_place(monkeypatch):
    monkeypatch.setenv("LDP_LANG", "id")
    clock, out = Clock(), Terminal()
    counter = Progress(stream=out, clock=clock).counter("progress_rules", 4)
    for _ in range(4):
        clock.now += 1
        counter.advance()
    counter.finish()
    assert out.getvalue() == (
        "\r[######------------------] rules test: 1/4 email diperiksa (25 %), 1 dtk\x1b[K"
        "\r[############------------] rules test: 2/4 email diperiksa (50 %), 2 dtk\x1b[K"
        "\r[##################------] rules test: 3/4 email diperiksa (75 %), 3 dtk\x1b[K"
        "\r[########################] rules test: 4/4 email diperiksa (100 %), 4 dtk\x1b[K\n")
