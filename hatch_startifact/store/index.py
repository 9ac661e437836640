"""The project index: what a reader GETs to find a project's versions and each version's files.

A stager has ``s3:ListBucket`` and ``s3:PutObject`` but no ``s3:GetObject``, so it never reads
the index: it rebuilds it from a listing of the project's keys (the objects themselves are the
source of truth) and writes it with ``IfMatch`` on the ETag it listed, or ``IfNoneMatch="*"``
when there was none. A stager that loses the race lists again and retries, so concurrent
stagers of one version (a wheel matrix) all end up in the index. A file appears once both it
and its metadata document exist. A version whose yank marker is listed is marked
``"yanked": true`` (an index without the field, as older versions wrote, yanks nothing), and
is never the latest.

Document (``{key_prefix}{P}/index.json``)::

    {"format": "startifact-index/1", "project": "my-lib",
     "versions": [{"version": "2.0.0", "files": ["a.tar.gz", "a.whl"]},          # newest first
                  {"version": "1.9.0", "files": ["a.tar.gz"], "yanked": true}, ...]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from packaging.version import Version

from hatch_startifact.aws import Listing
from hatch_startifact.store.documents import load
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.names import check_filename, parse_stored_version

FORMAT = "startifact-index/1"


@dataclass(frozen=True)
class ProjectIndex:
    """A project's staged versions (newest first), each with its file names (sorted), and
    which of them are yanked."""

    project: str
    versions: tuple[tuple[str, tuple[str, ...]], ...]
    yanked: frozenset[str] = field(default=frozenset())

    @classmethod
    def from_listing(cls, project: str, layout: Layout, listing: Listing) -> ProjectIndex:
        artifacts: set[tuple[str, str]] = set()
        documents: set[tuple[str, str]] = set()
        marked = {v for key in listing if (v := layout.parse_yank_key(project, key))}
        for key in listing:
            parsed = layout.parse_key(project, key)
            if parsed:
                version, filename, is_metadata = parsed
                (documents if is_metadata else artifacts).add((version, filename))
        files: dict[str, list[str]] = {}
        for version, filename in sorted(artifacts & documents):
            files.setdefault(version, []).append(filename)
        ordered = sorted(files, key=Version, reverse=True)
        versions = tuple((v, tuple(files[v])) for v in ordered)
        return cls(project, versions, frozenset(marked & set(files)))

    def to_json(self) -> bytes:
        versions = [
            {"version": v, "files": list(f), **({"yanked": True} if v in self.yanked else {})}
            for v, f in self.versions
        ]
        document = {"format": FORMAT, "project": self.project, "versions": versions}
        return json.dumps(document, indent=1, sort_keys=True).encode()

    @classmethod
    def parse(cls, data: bytes, project: str) -> ProjectIndex:
        """Parse an index read back from a bucket, distrusting every field.

        Entries that are not a valid version with valid file names are dropped.

        :raises ValueError: the document is not a project index for ``project``.
        """
        document = load(data)
        if not isinstance(document, dict) or document.get("project") != project:
            raise ValueError(f"not an index of project {project!r}")
        entries = document.get("versions")
        if not isinstance(entries, list):
            raise ValueError("'versions' is not a list")
        found: dict[str, tuple[str, ...]] = {}
        yanked: set[str] = set()
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
                continue
            names = entry.get("files")
            if parse_stored_version(entry["version"]) is None or not isinstance(names, list):
                continue
            good = sorted({n for n in names if isinstance(n, str) and check_filename(n)[0]})
            if good:
                found[entry["version"]] = tuple(good)
                if entry.get("yanked") is True:
                    yanked.add(entry["version"])
        ordered = sorted(found, key=Version, reverse=True)
        return cls(project, tuple((v, found[v]) for v in ordered), frozenset(yanked))

    def files(self, version: str) -> tuple[str, ...] | None:
        return dict(self.versions).get(version)

    def latest(self) -> str | None:
        """The version the record should hold: `choose_latest` of the versions not yanked."""
        return choose_latest(v for v, _ in self.versions if v not in self.yanked)


def choose_latest(versions: Iterable[str]) -> str | None:
    """The version the record should hold: the highest final release, else the highest of all.

    A pre-release or dev release never displaces a final release (docs/layout.md).
    """
    parsed = [Version(v) for v in versions]
    finals = [v for v in parsed if not v.is_prerelease]
    pool = finals or parsed
    return str(max(pool)) if pool else None
