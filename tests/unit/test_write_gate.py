"""The SQLite write gate: one holder at a time, handed on first come, first served, and never
stranded by a waiter that gives up (the per-message time limit raises inside the wait)."""
from __future__ import annotations

import threading
import time

from gateway.store.database import WriteGate


def wait_for_waiters(gate: WriteGate, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(gate._waiters) < count:
        assert time.monotonic() < deadline, "waiters did not queue"
        time.sleep(0.001)


def test_the_gate_passes_in_arrival_order():
    gate = WriteGate()
    gate.acquire()
    order: list[int] = []

    def writer(n: int) -> None:
        gate.acquire()
        order.append(n)
        gate.release()

    threads = []
    for n in range(5):  # each one queued before the next starts: a known arrival order
        threads.append(threading.Thread(target=writer, args=(n,)))
        threads[-1].start()
        wait_for_waiters(gate, n + 1)
    assert order == [], "nobody enters while the gate is held"
    gate.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert not gate._busy and not gate._waiters


class GiveUp(Exception):
    pass


def test_a_waiter_that_gives_up_does_not_strand_the_gate(monkeypatch):
    gate = WriteGate()
    gate.acquire()
    entered = threading.Event()

    def patient() -> None:
        gate.acquire()
        entered.set()
        gate.release()

    original_wait = threading.Event.wait

    def impatient_wait(self, timeout=None):
        if threading.current_thread().name == "impatient":
            raise GiveUp()
        return original_wait(self, timeout)

    monkeypatch.setattr(threading.Event, "wait", impatient_wait)
    failures: list[BaseException] = []

    def impatient() -> None:
        try:
            gate.acquire()
        except GiveUp as exc:
            failures.append(exc)

    quitter = threading.Thread(target=impatient, name="impatient")
    quitter.start()
    quitter.join(5)
    assert failures and not gate._waiters, "the quitter left the queue"
    waiter = threading.Thread(target=patient)
    waiter.start()
    wait_for_waiters(gate, 1)
    gate.release()
    waiter.join(5)
    assert entered.is_set(), "the next in line got the gate"
    assert not gate._busy
