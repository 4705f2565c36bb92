"""The per-message time limit stops slow work in the main thread and is a no-op elsewhere."""
from __future__ import annotations

import threading
import time

import pytest

from gateway.timelimit import MessageTimeout, time_limit


def test_slow_work_in_the_main_thread_is_stopped_with_a_clear_error():
    """A loop that would run for 10 s is stopped after 0.2 s with MessageTimeout."""
    with pytest.raises(MessageTimeout, match=r"processing took longer than 0.2 s"):
        with time_limit(0.2):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                pass


def test_fast_work_finishes_and_no_alarm_is_left_behind():
    """Work inside the limit returns normally, and no timer fires afterwards."""
    with time_limit(0.2):
        result = sum(range(1000))
    time.sleep(0.3)
    assert result == 499500


def test_outside_the_main_thread_the_limit_is_not_enforced():
    """A worker thread cannot take SIGALRM: its work runs to the end."""
    done = []

    def work():
        with time_limit(0.05):
            time.sleep(0.2)
            done.append(True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert done == [True]
