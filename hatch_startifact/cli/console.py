"""What the command line prints: lines, warnings, errors, a progress bar and JSON.

Data goes to standard output; warnings, errors and the progress bar to standard error.
``--quiet`` leaves only errors; ``--json`` replaces the human lines with one JSON document.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, TextIO

from hatch_startifact.staging.regional import FileResult, Status
from hatch_startifact.staging.run import Listener, StageReport, StageRequest


def format_size(size: float) -> str:
    """Bytes in decimal units, as pip and twine print them (``1.5 MB``)."""
    if size < 1000:
        return f"{size:.0f} B"
    for unit in ("kB", "MB", "GB"):
        size /= 1000
        if round(size, 1) < 1000 or unit == "GB":
            break
    return f"{size:.1f} {unit}"


class Console:
    """Where every user-visible line goes."""

    def __init__(
        self,
        *,
        quiet: bool = False,
        json_mode: bool = False,
        verbose: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.quiet = quiet
        self.json_mode = json_mode
        self.verbose = verbose
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._lock = threading.Lock()

    @property
    def chatty(self) -> bool:
        return not (self.quiet or self.json_mode)

    def line(self, text: str) -> None:
        if self.chatty:
            with self._lock:
                print(text, file=self.out, flush=True)

    def warn(self, text: str) -> None:
        if not self.quiet:
            with self._lock:
                print(f"warning: {text}", file=self.err, flush=True)

    def error(self, text: str) -> None:
        with self._lock:
            print(f"error: {text}", file=self.err, flush=True)

    def emit_json(self, document: Any) -> None:
        print(json.dumps(document, indent=2), file=self.out, flush=True)

    def progress_bar(self, total: int) -> ProgressBar | None:
        """A bar on standard error, only when it is a terminal and output is wanted."""
        if self.chatty and total > 0 and self.err.isatty():
            return ProgressBar(self.err, total)
        return None


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


class StageConsole(Listener):
    """Prints one line per file and region as each finishes, and a bar for large uploads."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._bar: ProgressBar | None = None

    def begin(self, request: StageRequest, regions: Sequence[str]) -> None:
        if not request.dry_run:
            large = sum(a.size for a in request.artifacts if a.multipart)
            self._bar = self._console.progress_bar(large * len(regions))

    def file_done(self, result: FileResult) -> None:
        if self._bar:
            self._bar.clear()
        self._console.line(file_line(result))

    def warning(self, text: str) -> None:
        self._console.warn(text)

    def region_failed(self, region: str, reason: str) -> None:
        if self._bar:
            self._bar.clear()
        self._console.line(f"{'failed':<14}  {region:<14}  {reason}")

    def progress(self, region: str, filename: str, transferred: int) -> None:
        if self._bar:
            self._bar.advance(transferred)

    def close(self) -> None:
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
