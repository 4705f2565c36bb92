"""How the cost of a function grows with its input, measured in the same run: the tests' guard
against quadratic scans and backtracking regexes, without a wall-clock limit."""
from __future__ import annotations

import time

# No wall-clock limits here (a loaded machine would fail them): each body is timed at one size
# and at four times that size, best of five, in the same run. Linear work takes about 4 times
# as long; a backtracking regex or a quadratic scan takes 16 times or more.
SCALE = 4
LINEAR_ENOUGH = 12


def best_seconds(function, *args) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - start)
    return best


def growth(function, build) -> float:
    """How much longer `function` takes on a body four times as large. The smaller body is
    doubled until it takes at least 50 ms, so that the timer's noise does not decide."""
    n = 1
    small = best_seconds(function, *build(n))
    while small < 0.05 and n < 256:
        n *= 2
        small = best_seconds(function, *build(n))
    return best_seconds(function, *build(SCALE * n)) / small
