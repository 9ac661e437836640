"""What a project page lists: every staged file of every version, with what its metadata
document says, read through the reading layer and cached.

Metadata documents never change once written, so each is read once per server. The project
index does change (a stage adds to it), so it is read again once it is older than the
server's ``ttl``. Regions are tried in the order given (the organisation's, or
``--regions``): a document comes from the first region whose index lists its file and that
answers with a valid one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.version import Version

from hatch_startifact.aws import Aws
from hatch_startifact.errors import DocumentError, NoSuchProjectError, StartifactError
from hatch_startifact.parallel import at_once
from hatch_startifact.reading.found import METADATA_LIMIT, Warn
from hatch_startifact.reading.reader import Reader
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.metadata import StagedFile, parse_metadata_document
from hatch_startifact.store.yanks import Yank

#: Metadata documents read at once while a page is built (the connections of one region).
WORKERS = 32


@dataclass(frozen=True)
class Link:
    """One file on a project page."""

    version: str
    staged: StagedFile
    #: the regions whose index lists the file, in the order they are tried
    regions: tuple[str, ...]
    #: the yank reason ("" when none was given); ``None`` when the version is not yanked
    yanked: str | None = None

    @property
    def filename(self) -> str:
        return self.staged.filename


@dataclass(frozen=True)
class Project:
    """A project page: its files, newest version first, and each region's bucket."""

    name: str
    links: tuple[Link, ...]
    buckets: Mapping[str, str] = field(hash=False)
    #: when the index was read (``time.monotonic()``)
    read_at: float = 0.0

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(link.version for link in self.links))

    def link(self, version: str, filename: str) -> Link | None:
        return next(
            (k for k in self.links if k.version == version and k.filename == filename), None
        )


class Catalogue:
    """Project pages from the stores, built once and kept while fresh (thread-safe)."""

    def __init__(
        self,
        reader: Reader,
        aws: Aws,
        layout: Layout,
        regions: Sequence[str],
        *,
        ttl: float = 10.0,
        warn: Warn | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reader = reader
        self._aws = aws
        self._layout = layout
        self._regions = tuple(regions)
        self._ttl = ttl
        self._warn = warn or (lambda message: None)
        self._clock = clock
        self._pages: dict[str, Project] = {}
        self._documents: dict[tuple[str, str, str], StagedFile] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def known(self) -> list[str]:
        """The projects whose pages this server has built: the only ones it can know of
        without permission to list the buckets."""
        with self._lock:
            return sorted(self._pages)

    def project(self, name: str) -> Project:
        """The page of ``name`` (a normalised project name), from the cache while fresh.

        :raises NoSuchProjectError: no region lists a version of it.
        :raises UnavailableError: no region could be read.
        """
        with self._lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:  # concurrent requests for one page wait for one build
            cached = self._pages.get(name)
            if cached is not None and self._clock() - cached.read_at < self._ttl:
                return cached
            page = self._build(name)
            with self._lock:
                self._pages[name] = page
            return page

    def _build(self, name: str) -> Project:
        read_at = self._clock()
        indexes = self._reader.indexes(name)
        order = [r for r in self._regions if r in indexes]
        buckets = {r: indexes[r][0] for r in order}
        listed: dict[tuple[str, str], list[str]] = {}
        yanked: set[str] = set()
        for region in order:
            index = indexes[region][1]
            yanked |= index.yanked
            for version, files in index.versions:
                for filename in files:
                    listed.setdefault((version, filename), []).append(region)
        if not listed:
            raise NoSuchProjectError(
                f"no such project {name!r}: nothing is staged for it in {', '.join(order)}"
            )
        # The documents and the yank markers in one batch: a page costs one wave of reads
        # (of WORKERS at a time), not a second one for the markers.
        work: list[tuple[str, str]] = [*listed, *((v, "") for v in sorted(yanked))]

        def read(item: tuple[str, str]) -> StagedFile | Yank:
            version, filename = item
            if filename:
                return self._document(name, version, filename, buckets, listed)
            return self._reader.yank_of(name, version, buckets)

        done = at_once(work, read, most=WORKERS, name="page")
        reasons = {
            v: "" if not isinstance(y, Yank) else y.reason for (v, f), y in done.items() if not f
        }
        links = []
        for (version, filename), regions in listed.items():
            staged = done[version, filename]
            if not isinstance(staged, StagedFile):
                self._warn(f"{name} {version} {filename} left out: {staged}")
                continue
            links.append(Link(version, staged, tuple(regions), reasons.get(version)))
        links.sort(key=lambda k: (Version(k.version), k.filename), reverse=True)
        return Project(name, tuple(links), buckets, read_at)

    def _document(
        self,
        name: str,
        version: str,
        filename: str,
        buckets: Mapping[str, str],
        listed: Mapping[tuple[str, str], list[str]],
    ) -> StagedFile:
        cached = self._documents.get((name, version, filename))
        if cached is not None:
            return cached
        key = self._layout.metadata_key(name, version, filename)
        problems = []
        for region in listed[version, filename]:
            try:
                data = self._aws.region(region).get_document(buckets[region], key, METADATA_LIMIT)
                if data is None:
                    raise DocumentError(f"s3://{buckets[region]}/{key} does not exist")
                staged = parse_metadata_document(data, name, version, filename)
            except (StartifactError, ValueError) as error:
                problems.append(f"{region}: {error}")
                continue
            with self._lock:
                self._documents[name, version, filename] = staged
            return staged
        raise DocumentError(f"no readable metadata document ({'; '.join(problems)})")
