"""A per-message time limit: a mail that keeps the pipeline busy too long is stopped and
quarantined, so one hostile message cannot hold up a batch.

It uses SIGALRM, which only the main thread can receive; `ldp run` and `ldp ingest` process
mail there. Elsewhere (tests driving the service from a thread) the limit is not enforced.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


class MessageTimeout(Exception):
    """Processing one message took longer than the configured limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise MessageTimeout(f"processing took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
