"""How staging is shown, the same by both front ends: a line per file and region as each is
done, a line per failed region, a progress bar for large uploads, and a closing summary.

The front end draws through a `Screen` (the command line's console, or Hatch's ``app``);
`StageDisplay` decides what to draw.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Protocol, TextIO

from hatch_startifact.staging.report import FileResult, Listener, StageReport, Status
from hatch_startifact.staging.request import StageRequest


class Screen(Protocol):
    """Where a front end draws lines of each kind, and a progress bar if it can."""

    def info(self, text: str) -> None:
        """An ordinary line (a file already staged, the summary)."""

    def success(self, text: str) -> None:
        """A file staged."""

    def problem(self, text: str) -> None:
        """A file in conflict, or a region that failed (the others go on)."""

    def warning(self, text: str) -> None:
        """Something that does not change the outcome."""

    def progress_bar(self, total: int) -> ProgressBar | None:
        """A bar for ``total`` bytes, or ``None`` where none can be drawn."""


def format_size(size: float) -> str:
    """Bytes in decimal units, as pip and twine print them (``1.5 MB``)."""
    if size < 1000:
        return f"{size:.0f} B"
    for unit in ("kB", "MB", "GB"):
        size /= 1000
        if round(size, 1) < 1000 or unit == "GB":
            break
    return f"{size:.1f} {unit}"


class ProgressBar:
    """A single-line bar, redrawn at most ten times a second, safe from many threads."""

    WIDTH = 30

    def __init__(self, stream: TextIO, total: int) -> None:
        self._stream = stream
        self._total = total
        self._done = 0
        self._drawn = 0.0
        self._lock = threading.Lock()

    def advance(self, amount: int) -> None:
        with self._lock:
            self._done = min(self._total, self._done + amount)
            now = time.monotonic()
            if now - self._drawn >= 0.1 or self._done == self._total:
                self._drawn = now
                filled = self.WIDTH * self._done // self._total
                self._stream.write(
                    f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                    f"{100 * self._done // self._total:3d}% "
                    f"{format_size(self._done)} / {format_size(self._total)}"
                )
                self._stream.flush()

    def clear(self) -> None:
        with self._lock:
            self._stream.write("\r\033[K")
            self._stream.flush()


class StageDisplay(Listener):
    """Shows each file and region as it finishes, with a bar for large uploads."""

    def __init__(self, screen: Screen) -> None:
        self._screen = screen
        self._bar: ProgressBar | None = None

    def begin(self, request: StageRequest, regions: Sequence[str]) -> None:
        large = sum(a.size for a in request.artifacts if a.multipart) * len(regions)
        if large and not request.dry_run:
            self._bar = self._screen.progress_bar(large)

    def file_done(self, result: FileResult) -> None:
        self._clear()
        show = {Status.STAGED: self._screen.success, Status.CONFLICT: self._screen.problem}.get(
            result.status, self._screen.info
        )
        show(file_line(result))

    def warning(self, text: str) -> None:
        self._screen.warning(text)

    def region_failed(self, region: str, reason: str) -> None:
        self._clear()
        self._screen.problem(f"{'failed':<14}  {region:<14}  {reason}")

    def progress(self, region: str, filename: str, transferred: int) -> None:
        if self._bar:
            self._bar.advance(transferred)

    def close(self) -> None:
        """Take the bar off the screen (after the last file, or a failure)."""
        self._clear()

    def _clear(self) -> None:
        if self._bar:
            self._bar.clear()


def file_line(result: FileResult) -> str:
    size = f" ({format_size(result.size)})" if result.status is Status.STAGED else ""
    detail = f": {result.detail}" if result.detail else ""
    return f"{result.status.value:<14}  {result.region:<14}  {result.filename}{size}{detail}"


def summarise(report: StageReport) -> tuple[str | None, str | None]:
    """The closing summary line, and an error line naming every failed region and why."""
    counts: dict[str, int] = {}
    for result in (f for r in report.regions for f in r.files):
        counts[result.status.value] = counts.get(result.status.value, 0) + 1
    done = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    ok = [r for r in report.regions if not r.error]
    what = f"{report.project} {report.version}"
    summary = None
    if report.dry_run:
        size = sum(f.size for r in ok for f in r.files if f.status is Status.WOULD_STAGE)
        summary = (
            f"Dry run for {what} in {len(ok)} region(s): {done or 'nothing'} "
            f"({format_size(size)} to upload); nothing was written."
        )
    elif ok:
        latest = sorted({r.latest for r in ok if r.latest})
        summary = (
            f"Staged {what} in {len(ok)} of {len(report.regions)} region(s): "
            f"{done}; latest version: {', '.join(latest) or 'unchanged'}."
        )
    failed = [r for r in report.regions if r.error]
    error = None
    if failed:
        reasons = "; ".join(f"{r.region}: {r.error}" for r in failed)
        error = (
            f"{len(failed)} of {len(report.regions)} region(s) failed ({reasons}); "
            "fix the cause and re-run the same command to complete them"
        )
    return summary, error
