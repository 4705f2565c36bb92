"""What the running gateway hands the pipeline, the desk and the timers: built once at start-up
by `service.build_context`, passed down by argument, never reached for.

It carries dependencies only (the settings, the template composer, the database handle, the
compiled routing rules, where files go, and whether intake is storing a backlog); no callbacks
into the layers above. The database handle is the one `store.database.connect` bound the models
to at start-up; every transaction names it.
"""
from __future__ import annotations

from dataclasses import dataclass
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
