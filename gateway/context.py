"""What the running gateway hands the pipeline, the desk and the timers: built once at start-up
by `service.build_context`, passed down by argument, never reached for.

It carries dependencies only (the settings, the template composer, the database handle, the
compiled routing rules, where files go, and whether intake is storing a backlog); no callbacks
into the layers above. The database handle is the one `store.database.connect` bound the models
to at start-up; every transaction names it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from gateway import config as config_module
from gateway.compose import Composer


@dataclass
class Context:
    """Everything `pipeline.process`, the desk and the timers need."""

    settings: config_module.Settings
    composer: Composer
    db: Any
    rules: Sequence[Any] = ()
    attachments_dir: Path | None = None
    data_dir: Path | None = None
    # True while a backlog is being stored: agents' notices are then queued unrendered.
    defer_rendering: Callable[[], bool] | None = None
    # Where the timers and the closing rules read the time: None is the system clock; a test
    # gives a clock that only moves when told (`sla.clock.FixedClock`).
    clock: Any = None

    def now(self) -> datetime:
        """Naive UTC, as the database stores times."""
        if self.clock is not None:
            return self.clock.now()
        return datetime.now(timezone.utc).replace(tzinfo=None)
