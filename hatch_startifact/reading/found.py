"""What a reader finds: a version located through the project indexes, described by its
metadata documents, summarised in a listing; and how much of each document it reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hatch_startifact.store.index import ProjectIndex
from hatch_startifact.store.metadata import StagedFile
from hatch_startifact.store.yanks import Yank

INDEX_LIMIT = 16 * 1024 * 1024
METADATA_LIMIT = 1024 * 1024
MARKER_LIMIT = 64 * 1024
Warn = Callable[[str], None]
#: A region's bucket and the project's index there.
Indexed = tuple[str, ProjectIndex]


@dataclass(frozen=True)
class VersionSummary:
    """One staged version: its file names, the regions whose index lists it, and its yank
    (``None`` unless some region's index says it is yanked)."""

    version: str
    files: tuple[str, ...]
    regions: tuple[str, ...]
    yank: Yank | None = None
    #: staged by Startifact 1.x, in its layout (no SHA-256, no index)
    legacy: bool = False


@dataclass(frozen=True)
class VersionInfo:
    """A staged version: its files (from their metadata documents) and where they are."""

    project: str
    version: str
    files: tuple[StagedFile, ...]
    #: region -> bucket, for every region whose index lists the version
    buckets: Mapping[str, str] = field(hash=False)
    #: file name -> S3 key (the same in every region)
    keys: Mapping[str, str] = field(hash=False)
    #: file name -> regions whose copy is described by a valid, agreeing metadata document
    holders: Mapping[str, tuple[str, ...]] = field(hash=False)
    #: every region asked
    asked: tuple[str, ...] = ()
    #: why, when and by whom the version was yanked; ``None`` when it is not
    yank: Yank | None = None
    #: staged by Startifact 1.x, in its layout: its files have no recorded SHA-256
    legacy: bool = False

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions holding every file of the version."""
        return tuple(r for r in self.buckets if all(r in h for h in self.holders.values()))

    @property
    def missing(self) -> tuple[str, ...]:
        """The regions asked that do not hold every file (or could not be read)."""
        return tuple(r for r in self.asked if r not in self.regions)


@dataclass(frozen=True)
class Located:
    """A version as the project indexes show it, before its metadata documents are read."""

    project: str
    version: str
    #: region -> bucket, for every region whose index lists the version
    buckets: Mapping[str, str] = field(hash=False)
    #: file name -> the regions whose index lists it
    files: Mapping[str, tuple[str, ...]] = field(hash=False)
    #: file name -> S3 key (the same in every region)
    keys: Mapping[str, str] = field(hash=False)
    #: whether some holding region's index says the version is yanked
    yanked: bool = False
    #: a version staged by Startifact 1.x: its one file, already described
    legacy: StagedFile | None = None


def candidate_names(normal: str, typed: str | None) -> tuple[str, ...]:
    """``normal``, and ``typed`` after it when it differs."""
    return (normal, typed) if typed and typed != normal else (normal,)
