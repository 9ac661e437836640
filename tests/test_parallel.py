"""`at_once` and `per_region`: every item's result or exception, with a bound on threads."""

from __future__ import annotations

import threading
import time

from hatch_startifact.parallel import at_once, per_region


def test_every_item_gets_its_result_or_the_exception_it_raised() -> None:
    def work(n: int) -> int:
        if n == 3:
            raise ValueError("three")
        return n * n

    results = at_once([1, 2, 3], work)

    assert results[1] == 1
    assert results[2] == 4
    assert isinstance(results[3], ValueError)
    assert str(results[3]) == "three"


def test_at_most_most_items_run_at_once() -> None:
    running, peak, lock = 0, 0, threading.Lock()

    def work(n: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return n

    assert at_once(list(range(12)), work, most=3) == {n: n for n in range(12)}
    assert peak == 3


def test_no_items_is_no_results() -> None:
    assert at_once([], lambda n: n) == {}


def test_per_region_runs_every_region_at_once() -> None:
    barrier = threading.Barrier(3, timeout=5)  # fails unless all three run together

    assert per_region(["a", "b", "c"], lambda r: (barrier.wait(), r)[1]) == {
        "a": "a",
        "b": "b",
        "c": "c",
    }
