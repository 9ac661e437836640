"""What staging reports: each file's outcome in each region, each region's outcome, the whole
stage's exit code; and the `Listener` that hears about them as they happen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from hatch_startifact.errors import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL

if TYPE_CHECKING:
    from hatch_startifact.staging.request import StageRequest


class Status(str, Enum):
    """What happened to one file in one region."""

    STAGED = "staged"
    ALREADY = "already staged"
    WOULD_STAGE = "would stage"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class FileResult:
    """One file in one region: its status, its size, and for a conflict why."""

    region: str
    filename: str
    status: Status
    size: int = 0
    detail: str = ""


@dataclass(frozen=True)
class RegionOutcome:
    """One region: its files, the version its record now names, or why it failed.

    :param error: ``None`` when the region succeeded; otherwise one line saying why.
    """

    region: str
    files: tuple[FileResult, ...] = ()
    latest: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class StageReport:
    """A whole stage: the project, the version and every region's outcome, in order."""

    project: str
    version: str
    dry_run: bool
    regions: tuple[RegionOutcome, ...]

    @property
    def failed_regions(self) -> list[str]:
        """The names of the regions that failed, in order."""
        return failed_regions(self.regions)

    @property
    def exit_code(self) -> int:
        """0 when every region succeeded, 3 when some failed, 1 when all failed or a
        concurrent stager staged other bytes (a conflict)."""
        conflict = any(f.status is Status.CONFLICT for r in self.regions for f in r.files)
        return exit_code(self.regions, conflict)


class Listener:
    """Told about progress as staging goes; the default hears nothing."""

    def begin(self, request: StageRequest, regions: Sequence[str]) -> None:
        """Staging of ``request`` to ``regions`` starts (files are checked and hashed)."""

    def file_done(self, result: FileResult) -> None:
        """One file in one region is done (staged, already staged, conflict)."""

    def region_failed(self, region: str, reason: str) -> None:
        """A region failed; the others go on."""

    def warning(self, text: str) -> None:
        """Something went wrong that does not change the outcome (a notification plugin)."""

    def progress(self, region: str, filename: str, transferred: int) -> None:
        """``transferred`` more bytes of a large file were uploaded to ``region``."""


@dataclass(frozen=True)
class YankReport:
    """A yank or unyank: the project, the version, and every region's outcome, in order
    (each region's `RegionOutcome.latest` is the version its record now names, ``None`` when
    every version is yanked and the record was removed)."""

    project: str
    version: str
    yanked: bool
    regions: tuple[RegionOutcome, ...]

    @property
    def failed_regions(self) -> list[str]:
        """The names of the regions that failed, in order."""
        return failed_regions(self.regions)

    @property
    def exit_code(self) -> int:
        """0 when every region succeeded, 3 when some failed, 1 when all failed."""
        return exit_code(self.regions)


def failed_regions(regions: Sequence[RegionOutcome]) -> list[str]:
    """The names of the regions that failed, in order."""
    return [r.region for r in regions if r.error]


def exit_code(regions: Sequence[RegionOutcome], conflict: bool = False) -> int:
    """0 when every region succeeded; 3 when some failed (a re-run completes them); 1 when
    all failed, or some failed and ``conflict`` (a re-run cannot help)."""
    failed = failed_regions(regions)
    if not failed:
        return EXIT_OK
    if conflict or len(failed) == len(regions):
        return EXIT_ERROR
    return EXIT_PARTIAL
