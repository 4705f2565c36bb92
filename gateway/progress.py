"""Progress of long work on stderr, so a person never waits on a silent command.

A line every `interval` seconds (5 by default; `ldp --progress-interval`), or a bar redrawn in
place when stderr is a terminal. Quiet under `ldp --quiet` and in `--json` modes: a disabled
Progress prints nothing. The clock and the interval are injectable, so a test sees the lines
without waiting for seconds to pass.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Callable, TextIO

from gateway.text.messages import t

DEFAULT_INTERVAL = 5.0
TERMINAL_INTERVAL = 0.5  # a bar in a terminal is redrawn more often than a line is printed
BAR_WIDTH = 24


@dataclass
class Progress:
    enabled: bool = True
    interval: float | None = None  # None: DEFAULT_INTERVAL, or TERMINAL_INTERVAL on a terminal
    stream: TextIO | None = None  # None: sys.stderr when used
    clock: Callable[[], float] = time.monotonic
    _last: dict[str, float] = field(default_factory=dict)

    @property
    def out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stderr

    @property
    def terminal(self) -> bool:
        try:
            return self.out.isatty()
        except (AttributeError, ValueError):
            return False

    def every(self) -> float:
        if self.interval is not None:
            return self.interval
        return TERMINAL_INTERVAL if self.terminal else DEFAULT_INTERVAL

    def due(self, topic: str, first: bool = False) -> bool:
        """Whether a line on `topic` is due now; `first`: the first one is due at once."""
        if not self.enabled:
            return False
        now = self.clock()
        last = self._last.get(topic)
        if last is None:
            self._last[topic] = now
            return first
        if now - last < self.every():
            return False
        self._last[topic] = now
        return True

    def say(self, line: str) -> None:
        """Print a line now (when enabled)."""
        if self.enabled:
            self._write(line + "\n")

    def note(self, topic: str, line: Callable[[], str]) -> None:
        """A line on `topic` at once, then at most once an interval (e.g. waiting for a lease).
        `line` is only called when a line is printed."""
        if self.due(topic, first=True):
            self.say(line())

    def counter(self, key: str, total: int) -> "Counter":
        """Counts work done out of `total`, reported with the catalogue's line `key`."""
        now = self.clock()
        return Counter(self, key, total, now, now)

    def _write(self, text: str) -> None:
        try:
            self.out.write(text)
            self.out.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not stop the work
            self.enabled = False


@dataclass
class Counter:
    progress: Progress
    key: str
    total: int
    started: float
    last: float  # when a line was last due
    done: int = 0
    shown: int | None = None  # `done` when last shown; None: nothing shown yet

    def advance(self, count: int = 1) -> None:
        self.done += count
        progress = self.progress
        now = progress.clock()
        if progress.enabled and now - self.last >= progress.every():
            self.last = now
            self._show()

    def finish(self) -> None:
        """Shows the final state, if any state was shown (short work stays silent), and
        ends a bar's line."""
        if self.shown is None:
            return
        if self.shown != self.done:
            self._show()
        if self.progress.terminal and self.progress.enabled:
            self.progress._write("\n")

    def line(self) -> str:
        percent = 100 * self.done // self.total if self.total else 100
        elapsed = round(self.progress.clock() - self.started)
        return t(self.key, done=self.done, total=self.total, percent=percent, elapsed=elapsed)

    def _show(self) -> None:
        progress = self.progress
        if not progress.enabled:
            return
        self.shown = self.done
        if progress.terminal:
            filled = BAR_WIDTH * self.done // self.total if self.total else BAR_WIDTH
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            progress._write(f"\r[{bar}] {self.line()}\x1b[K")
        else:
            progress.say(self.line())


QUIET = Progress(enabled=False)
