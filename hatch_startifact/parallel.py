"""Running one piece of work per region at once, in threads (never processes), so it works
under every multiprocessing start method and shares the clients of one `Aws`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def at_once(
    items: Sequence[T], work: Callable[[T], R], *, most: int | None = None, name: str = "work"
) -> dict[T, R | Exception]:
    """``work(item)`` for every item, at most ``most`` at a time (all at once by default); each
    result, or the exception it raised."""
    workers = max(1, min(most or len(items), len(items)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as ex:
        futures = {item: ex.submit(work, item) for item in items}
    results: dict[T, R | Exception] = {}
    for item, future in futures.items():
        error = future.exception()
        results[item] = error if isinstance(error, Exception) else future.result()
    return results


def per_region(regions: Sequence[str], work: Callable[[str], R]) -> dict[str, R | Exception]:
    """``work(region)`` for every region at once; each result, or the exception it raised."""
    return at_once(regions, work, name="region")
