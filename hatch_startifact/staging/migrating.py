"""Migrating what Startifact 1.x staged into this layout, in every region (docs/migrating.md).

Each region lists the 1.x keys (``{K}{P}@{V}``) and this layout's keys of the project, then,
for every 1.x version not yet migrated there: a server-side ``CopyObject`` of the artifact to
``{K}{p}/{v}/{F}`` (from the region's own 1.x artifact, else from another region's), with S3
computing its SHA-256; the metadata document (the 1.x metadata as user metadata, plus where it
came from); then the index, rewritten from a listing, and the version record, set as a stage
sets it. Every write is absent-only or derived from a listing, so a re-run after a crash or a
failed region completes it; the originals are never touched.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from packaging.version import Version

from hatch_startifact.aws import Aws, Listing, ObjectInfo, Region
from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import EXIT_OK, EXIT_PARTIAL, StartifactError, reason
from hatch_startifact.parallel import per_region
from hatch_startifact.staging.regional import record_latest, update_index
from hatch_startifact.store.buckets import in_bucket
from hatch_startifact.store.legacy import (
    LegacyLayout,
    legacy_filename,
    parse_legacy_metadata,
    parse_version,
    user_metadata,
)
from hatch_startifact.store.metadata import metadata_document, utc_now
from hatch_startifact.store.names import check_project

#: The metadata key naming the 1.x artifact a migrated file was copied from.
MIGRATED_FROM = "startifact.migrated.from"
METADATA_LIMIT = 1024 * 1024
#: Versions migrated at once in each region.
CONCURRENCY = 8
Report = Callable[["Moved"], None]


@dataclass(frozen=True)
class LegacyVersion:
    """One version Startifact 1.x staged, as it named it, and where its artifact is."""

    project: str  # as typed
    version: str  # as typed
    #: region -> (bucket, size) for every region holding the 1.x artifact
    held: dict[str, tuple[str, int]] = field(hash=False, compare=False)
    #: the regions holding its 1.x metadata object
    described: tuple[str, ...] = ()

    @property
    def normal_project(self) -> str:
        return check_project(self.project)[0] or self.project

    @property
    def normal_version(self) -> str:
        return str(parse_version(self.version))


@dataclass(frozen=True)
class Moved:
    """What migrating one version did in one region."""

    region: str
    project: str
    version: str
    filename: str
    status: str  # "copied", "already migrated", "would copy", "failed"
    detail: str = ""


@dataclass(frozen=True)
class MigrationReport:
    """Every version in every region, the records written and the versions left out."""

    moved: tuple[Moved, ...]
    #: (region, project) -> the version record written (``None`` when it was not)
    records: dict[tuple[str, str], str | None]
    #: why some 1.x keys were left out (a version PEP 440 cannot read)
    skipped: tuple[str, ...] = ()
    #: regions that could not be listed, with why
    unreachable: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        failed = self.unreachable or any(m.status == "failed" for m in self.moved)
        return EXIT_PARTIAL if failed else EXIT_OK


@dataclass(frozen=True)
class _Region:
    """A region's bucket and everything listed under the prefixes of the migration."""

    region: str
    bucket: str
    listing: Listing


def prefixes(layout: LegacyLayout, projects: Sequence[str] | None) -> list[str]:
    """What to list: the whole key prefix for every project, else each project's 1.x keys
    (as typed and as normalised) and this layout's keys of the normalised name."""
    if projects is None:
        return [layout.key_prefix]
    found: list[str] = []
    for project in projects:
        normal = check_project(project)[0] or project
        for prefix in (
            layout.project_prefix(project),
            layout.project_prefix(normal),
            f"{layout.key_prefix}{normal}/",
        ):
            if prefix not in found:
                found.append(prefix)
    return found


def discover(
    listings: Sequence[_Region], layout: LegacyLayout, projects: Sequence[str] | None
) -> tuple[list[LegacyVersion], list[str]]:
    """The 1.x versions the listings hold (of ``projects`` as typed or normalised, or all),
    and a sentence for each 1.x key left out."""
    wanted = None
    if projects is not None:
        wanted = {p for name in projects for p in (name, check_project(name)[0] or name)}
    held: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}
    described: dict[tuple[str, str], list[str]] = {}
    skipped: set[str] = set()
    for found in listings:
        for key, info in found.listing.items():
            if key.endswith("/metadata"):
                parsed = layout.parse_key(key[: -len("/metadata")])
                if parsed:
                    described.setdefault(parsed, []).append(found.region)
                continue
            parsed = layout.parse_key(key)
            if parsed is None or (wanted is not None and parsed[0] not in wanted):
                continue
            if parse_version(parsed[1]) is None:
                skipped.add(
                    f"{key}: {parsed[1]!r} is not a version PEP 440 can read; it stays where "
                    "it is (stage it again under a PEP 440 version to move it)"
                )
                continue
            held.setdefault(parsed, {})[found.region] = (found.bucket, info.size)
    versions = [
        LegacyVersion(p, v, regions, tuple(described.get((p, v), ())))
        for (p, v), regions in sorted(held.items())
    ]
    versions.sort(key=lambda v: (v.normal_project, Version(v.normal_version)))
    return versions, sorted(skipped)


class Migration:
    """One run of ``startifact migrate``: list every region, then migrate each in parallel."""

    def __init__(self, organisation: OrganisationConfig, regions: Sequence[str], aws: Aws) -> None:
        self._org = organisation
        self._regions = tuple(regions)
        self._aws = aws
        self._layout = organisation.layout
        self._legacy = LegacyLayout(organisation.layout.key_prefix)

    def run(
        self, projects: Sequence[str] | None, *, dry_run: bool = False, report: Report | None = None
    ) -> MigrationReport:
        wanted = prefixes(self._legacy, projects)
        listed = per_region(self._regions, lambda r: self._list(r, wanted))
        good = [f for f in listed.values() if isinstance(f, _Region)]
        unreachable = {r: reason(e) for r, e in listed.items() if isinstance(e, Exception)}
        versions, skipped = discover(good, self._legacy, projects)
        documents = self._metadata(versions, {f.region: f for f in good})
        results = per_region(
            [f.region for f in good],
            lambda r: self._region(
                next(f for f in good if f.region == r), versions, documents, dry_run, report
            ),
        )
        moved: list[Moved] = []
        records: dict[tuple[str, str], str | None] = {}
        for region, result in results.items():
            if isinstance(result, Exception):
                unreachable[region] = reason(result)
                continue
            moved.extend(result[0])
            records.update(result[1])
        return MigrationReport(tuple(moved), records, tuple(skipped), unreachable)

    def _list(self, region: str, wanted: Sequence[str]) -> _Region:
        client = self._aws.region(region)

        def listing(bucket: str) -> Listing:
            found: dict[str, ObjectInfo] = {}
            for prefix in wanted:
                found.update(client.list_objects(bucket, prefix))
            return found

        bucket, listed = in_bucket(
            client, self._org.bucket_name_param, self._org.buckets.get(region), listing
        )
        return _Region(region, bucket, listed)

    def _metadata(
        self, versions: Sequence[LegacyVersion], regions: dict[str, _Region]
    ) -> dict[LegacyVersion, dict[str, str] | Exception]:
        """Each version's 1.x metadata, read from one region holding it (``{}`` if none)."""

        def read(version: LegacyVersion) -> dict[str, str]:
            problems = []
            for region in version.described:
                key = self._legacy.metadata_key(version.project, version.version)
                try:
                    client = self._aws.region(region)
                    data = client.get_document(regions[region].bucket, key, METADATA_LIMIT)
                    return parse_legacy_metadata(data) if data is not None else {}
                except (StartifactError, ValueError) as error:
                    problems.append(f"{region}: {error}")
            if problems:
                raise StartifactError(f"its 1.x metadata could not be read ({'; '.join(problems)})")
            return {}

        with ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="metadata") as pool:
            futures = {v: pool.submit(read, v) for v in versions}
        return {v: _outcome(f) for v, f in futures.items()}

    def _region(
        self,
        found: _Region,
        versions: Sequence[LegacyVersion],
        documents: dict[LegacyVersion, dict[str, str] | Exception],
        dry_run: bool,
        report: Report | None,
    ) -> tuple[list[Moved], dict[tuple[str, str], str | None]]:
        client = self._aws.region(found.region)
        moved: list[Moved] = []

        def one(version: LegacyVersion) -> Moved:
            result = self._version(client, found, version, documents[version], dry_run)
            if report:
                report(result)
            return result

        with ThreadPoolExecutor(CONCURRENCY, thread_name_prefix=found.region) as pool:
            moved.extend(pool.map(one, versions))
        records: dict[tuple[str, str], str | None] = {}
        if dry_run:
            return moved, records
        for project in sorted({v.normal_project for v in versions}):
            mine = [m for m in moved if m.project == project]
            records[found.region, project] = None
            if any(m.status == "failed" for m in mine):
                continue  # as a stage: no record naming what the region may not hold
            try:
                index, _ = update_index(client, found.bucket, self._layout, project)
                value = record_latest(client, found.bucket, self._layout, index)
            except StartifactError as error:
                failed = Moved(found.region, project, "", "", "failed", reason(error))
                moved.append(failed)
                if report:
                    report(failed)
                continue
            records[found.region, project] = value
        return moved, records

    def _version(
        self,
        client: Region,
        found: _Region,
        version: LegacyVersion,
        metadata: dict[str, str] | Exception,
        dry_run: bool,
    ) -> Moved:
        project, normal = version.normal_project, version.normal_version
        if isinstance(metadata, Exception):
            return Moved(found.region, project, normal, "", "failed", reason(metadata))
        filename, problem = legacy_filename(version.project, version.version, metadata)
        key = self._layout.artifact_key(project, normal, filename)
        document_key = self._layout.metadata_key(project, normal, filename)
        source_key = self._legacy.artifact_key(version.project, version.version)
        if key in found.listing and document_key in found.listing:
            return Moved(found.region, project, normal, filename, "already migrated")
        source = found.region if found.region in version.held else sorted(version.held)[0]
        detail = f"from s3://{version.held[source][0]}/{source_key}" + (
            f" in {source}" if source != found.region else ""
        )
        if problem:
            detail += f" ({problem})"
        if dry_run:
            return Moved(found.region, project, normal, filename, "would copy", detail)
        try:
            sha256 = self._copy(client, found, key, version.held[source][0], source_key)
            size = version.held[source][1]
            document = metadata_document(
                project,
                normal,
                _Copied(filename, size, sha256),
                {**user_metadata(metadata), MIGRATED_FROM: f"startifact-1:{source_key}"},
                utc_now(),
            )
            client.put_object(found.bucket, document_key, document)
        except StartifactError as error:
            return Moved(found.region, project, normal, filename, "failed", reason(error))
        return Moved(found.region, project, normal, filename, "copied", detail)

    def _copy(
        self, client: Region, found: _Region, key: str, source_bucket: str, source_key: str
    ) -> str:
        """The copy's SHA-256 (hex): S3's, from the copy; else read back, streamed."""
        checksum = None
        if key not in found.listing:
            checksum = client.copy_object(found.bucket, key, source_bucket, source_key)
        else:  # copied by a run that stopped before writing the document
            stored = client.head_object(found.bucket, key)
            if stored and stored.checksum_type != "COMPOSITE":
                checksum = stored.sha256_base64
        if checksum is not None:
            return base64.b64decode(checksum).hex()
        digest = hashlib.sha256()
        client.download(found.bucket, key, digest.update)
        return digest.hexdigest()


@dataclass(frozen=True)
class _Copied:
    filename: str
    size: int
    sha256: str


def _outcome(future: Future[dict[str, str]]) -> dict[str, str] | Exception:
    error = future.exception()
    return error if isinstance(error, Exception) else future.result()
