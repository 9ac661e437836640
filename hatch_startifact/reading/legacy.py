"""Versions Startifact 1.x staged, in its layout, found with the Read grant alone.

1.x wrote ``{key_prefix}{P}@{V}`` with ``{key_prefix}{P}@{V}/metadata`` beside it, no SHA-256
and no project index, so a reader, who cannot list a bucket, finds such a version only when it
is named: by a version record, or by the user (under the project and version as typed and as
normalised).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from packaging.version import Version

from hatch_startifact.aws import Aws
from hatch_startifact.errors import AccessDeniedError, DocumentError, reason
from hatch_startifact.parallel import per_region
from hatch_startifact.reading.found import (
    METADATA_LIMIT,
    Indexed,
    Located,
    VersionInfo,
    VersionSummary,
    Warn,
    candidate_names,
)
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.legacy import (
    LegacyLayout,
    legacy_filename,
    parse_legacy_metadata,
    parse_version,
    user_metadata,
)
from hatch_startifact.store.metadata import StagedFile


class LegacyReader:
    """Finds and describes versions in Startifact 1.x's layout, from the regions given."""

    def __init__(self, layout: Layout, regions: Sequence[str], aws: Aws, warn: Warn) -> None:
        self._legacy = LegacyLayout(layout.key_prefix, layout.parameter_prefix)
        self._regions = tuple(regions)
        self._aws = aws
        self._warn = warn

    def summaries(
        self,
        project: str,
        typed: str | None,
        records: Mapping[str, str | Exception | None],
        staged: set[str],
        indexes: Mapping[str, Indexed],
    ) -> list[VersionSummary]:
        """The versions the records name that no index lists, found in the 1.x layout."""
        known = {Version(v) for v in staged}
        named = {v for v in records.values() if isinstance(v, str)}
        wanted = sorted({v for v in named if Version(v) not in known})
        summaries = []
        for value in wanted:
            located = self.locate(project, typed, value, indexes)
            if located is not None and located.legacy is not None:
                holders = tuple(sorted(located.files[located.legacy.filename]))
                summaries.append(
                    VersionSummary(
                        located.version, (located.legacy.filename,), holders, legacy=True
                    )
                )
        return summaries

    def locate(
        self, project: str, typed: str | None, version: str, indexes: Mapping[str, Indexed]
    ) -> Located | None:
        """``version`` as Startifact 1.x staged it, in every region that answered: the first
        of the project names (as typed, then normalised) and versions (as given, then in
        normal form) whose artifact a region holds; ``None`` when no region holds any."""
        parsed = parse_version(version)
        versions = candidate_names(str(parsed), version) if parsed is not None else (version,)
        candidates = [(p, v) for p in candidate_names(project, typed)[::-1] for v in versions[::-1]]
        buckets = {r: b for r, (b, _) in indexes.items()}
        found = per_region(list(buckets), lambda r: self._held(r, buckets[r], candidates))
        hits = {r: f for r, f in found.items() if isinstance(f, tuple)}
        for region, result in found.items():
            if isinstance(result, Exception):
                self._warn(f"{region}: {reason(result)}")
        if not hits or parsed is None:
            return None
        first = next(c for c in candidates if any(h[0] == c for h in hits.values()))
        holders = tuple(r for r in self._regions if r in hits and hits[r][0] == first)
        staged = hits[holders[0]][1]
        key = self._legacy.artifact_key(*first)
        return Located(
            project,
            str(parsed),
            {r: buckets[r] for r in holders},
            {staged.filename: holders},
            {staged.filename: key},
            legacy=staged,
        )

    def _held(
        self, region: str, bucket: str, candidates: Sequence[tuple[str, str]]
    ) -> tuple[tuple[str, str], StagedFile] | None:
        """The first of ``candidates`` whose 1.x artifact ``region`` holds, described."""
        client = self._aws.region(region)
        for name, version in candidates:
            try:
                stored = client.head_object(bucket, self._legacy.artifact_key(name, version))
            except AccessDeniedError:  # what a missing object is to a reader who cannot list
                stored = None
            if stored is None:
                continue
            key = self._legacy.metadata_key(name, version)
            try:
                data = client.get_document(bucket, key, METADATA_LIMIT)
            except AccessDeniedError:
                data = None
            try:
                metadata = parse_legacy_metadata(data) if data is not None else {}
            except ValueError as error:
                raise DocumentError(
                    f"s3://{bucket}/{key} is not Startifact 1.x metadata ({error})"
                ) from None
            filename, problem = legacy_filename(name, version, metadata)
            if problem:
                self._warn(f"{region}: s3://{bucket}/{key}: {problem}")
            staged = StagedFile(filename, stored.size, "", stored.modified, user_metadata(metadata))
            return (name, version), staged
        return None

    def describe(self, located: Located, staged: StagedFile) -> VersionInfo:
        """A version `locate` found, with its one file."""
        return VersionInfo(
            located.project,
            located.version,
            (staged,),
            located.buckets,
            located.keys,
            {staged.filename: located.files[staged.filename]},
            self._regions,
            legacy=True,
        )
