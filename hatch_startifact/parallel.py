"""Running one piece of work per region at once, in threads (never processes), so it works
under every multiprocessing start method and shares the clients of one `Aws`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def per_region(regions: Sequence[str], work: Callable[[str], T]) -> dict[str, T | Exception]:
    """``work(region)`` for every region at once; each result, or the exception it raised."""
    with ThreadPoolExecutor(max_workers=max(1, len(regions)), thread_name_prefix="region") as ex:
        futures = {region: ex.submit(work, region) for region in regions}
    results: dict[str, T | Exception] = {}
    for region, future in futures.items():
        error = future.exception()
        results[region] = error if isinstance(error, Exception) else future.result()
    return results
