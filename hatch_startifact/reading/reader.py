"""The reader: the latest version, staged versions and a version's files, read from every
region at once.

Everything works with the Read grant alone (``ssm:GetParameter``, ``s3:GetObject``): a reader
never lists a bucket. Regions are read in parallel and any failure costs a warning, not the
answer, so a region that is down, lacks its bucket name parameter or holds a tampered
document is passed over. What it finds is in `found`; which version is the latest, in
`latest`; versions Startifact 1.x staged, in `legacy`; verified downloads, in `downloads`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from packaging.version import Version

from hatch_startifact.aws import Aws
from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import (
    AccessDeniedError,
    DocumentError,
    IntegrityError,
    NoSuchProjectError,
    NoSuchVersionError,
    StartifactError,
    UnavailableError,
    reason,
)
from hatch_startifact.parallel import per_region
from hatch_startifact.reading.found import (
    INDEX_LIMIT,
    MARKER_LIMIT,
    METADATA_LIMIT,
    Indexed,
    Located,
    VersionInfo,
    VersionSummary,
    Warn,
    candidate_names,
)
from hatch_startifact.reading.latest import choose, not_yanked
from hatch_startifact.reading.legacy import LegacyReader
from hatch_startifact.store.buckets import in_bucket
from hatch_startifact.store.index import ProjectIndex
from hatch_startifact.store.legacy import parse_version
from hatch_startifact.store.metadata import StagedFile, parse_metadata_document
from hatch_startifact.store.names import is_normalised_version
from hatch_startifact.store.yanks import Yank, parse_marker


class Reader:
    """Reads what was staged, from the regions given, with failover."""

    def __init__(
        self,
        organisation: OrganisationConfig,
        regions: Sequence[str],
        aws: Aws,
        warn: Warn | None = None,
    ) -> None:
        self._org = organisation
        self._regions = tuple(regions)
        self._aws = aws
        self._layout = organisation.layout
        self._warn = warn or (lambda message: None)
        self._legacy = LegacyReader(organisation.layout, regions, aws, self._warn)

    def latest(self, project: str, *, typed: str | None = None) -> str:
        """The latest version: every region's version record, read at once with its index; the
        value a majority of the regions hold, else the highest (Startifact 1.x's rule), unless
        an index says it is yanked (see `indexes_and_latest`). A record Startifact 1.x wrote
        under the name as ``typed`` counts when there is none under the normalised name; its
        value is then as 1.x wrote it (``1.0.0-rc.1``)."""
        return self.indexes_and_latest(project, need_indexes=False, typed=typed)[1]

    def _record(self, region: str, project: str, typed: str | None = None) -> str | None:
        for candidate in candidate_names(project, typed):
            name = self._layout.version_parameter(candidate)
            value = self._aws.region(region).get_parameter(name)
            if value is None:
                continue
            if not is_normalised_version(value) and parse_version(value) is None:
                raise DocumentError(f"{name} in {region} holds {value!r}, which is not a version")
            return value
        return None

    def _index(self, region: str, project: str) -> tuple[str, ProjectIndex]:
        client = self._aws.region(region)
        key = self._layout.index_key(project)
        hint = self._org.buckets.get(region)
        try:
            bucket, data = in_bucket(
                client,
                self._org.bucket_name_param,
                hint,
                lambda b: client.get_document(b, key, INDEX_LIMIT),
            )
        except AccessDeniedError as error:
            if not error.resource.startswith("arn:aws:s3"):
                raise
            # Without s3:ListBucket, S3 answers a missing object with AccessDenied.
            self._warn(f"{region}: {error}; the project may simply not be staged there")
            bucket = error.resource.split(":::", 1)[1].split("/", 1)[0]
            data = None
        if data is None:
            return bucket, ProjectIndex(project, ())
        try:
            return bucket, ProjectIndex.parse(data, project)
        except ValueError as error:
            raise DocumentError(
                f"the index of {project} in {region} is unreadable ({error}); staging any "
                "version of the project there rewrites it"
            ) from None

    def indexes(self, project: str) -> dict[str, tuple[str, ProjectIndex]]:
        """Each answering region's bucket and project index; failures become warnings."""
        return self._indexes(project, per_region(self._regions, lambda r: self._index(r, project)))

    def _indexes(
        self, project: str, results: Mapping[str, tuple[str, ProjectIndex] | Exception]
    ) -> dict[str, tuple[str, ProjectIndex]]:
        good: dict[str, tuple[str, ProjectIndex]] = {}
        for region, result in results.items():
            if isinstance(result, Exception):
                self._warn(f"{region} skipped: {reason(result)}")
            else:
                good[region] = result
        if not good:
            raise UnavailableError(
                f"no region could be read for {project!r} (see the warnings): check your "
                "credentials and network, or name regions that answer with --regions"
            )
        return good

    def indexes_and_latest(
        self, project: str, *, need_indexes: bool = True, typed: str | None = None
    ) -> tuple[dict[str, tuple[str, ProjectIndex]], str]:
        """`indexes` and `latest` together: each region's version record is read while its
        index is, in the same round trip. Without ``need_indexes``, no index that could be
        read is not an error: the records alone choose (with nothing known to be yanked)."""
        indexes, records = self._indexes_and_records(project, typed)
        if need_indexes or any(not isinstance(i, Exception) for i in indexes.values()):
            good = self._indexes(project, indexes)
        else:
            self._warn(f"no index of {project} could be read: yanked versions are not known")
            good = {}
        try:
            chosen = choose(
                project,
                records,
                parameter=self._layout.version_parameter(project),
                regions=len(self._regions),
            )
        except NoSuchProjectError as error:
            return good, not_yanked(project, good, error, self._warn)
        return good, not_yanked(project, good, chosen, self._warn)

    def _indexes_and_records(
        self, project: str, typed: str | None
    ) -> tuple[dict[str, Indexed | Exception], dict[str, str | Exception | None]]:
        """Each region's index and version record, read at once."""

        def both(
            region: str,
        ) -> tuple[tuple[str, ProjectIndex] | Exception, str | Exception | None]:
            with ThreadPoolExecutor(1, thread_name_prefix=f"{region}-record") as pool:
                record = pool.submit(self._record, region, project, typed)
                try:
                    index: Indexed | Exception = self._index(region, project)
                except Exception as error:  # each failure is reported as per_region would
                    index = error
                return index, _outcome(record)

        results = per_region(self._regions, both)
        pairs = {r: p for r, p in results.items() if not isinstance(p, Exception)}
        records = {r: p[1] for r, p in pairs.items()}
        records.update({r: p for r, p in results.items() if isinstance(p, Exception)})
        indexes = {r: p[0] for r, p in pairs.items()}
        indexes.update({r: p for r, p in results.items() if isinstance(p, Exception)})
        return indexes, records

    def versions(self, project: str, *, typed: str | None = None) -> list[VersionSummary]:
        """Every staged version across the regions, newest first; with it, a version staged
        by Startifact 1.x that a version record names (a reader cannot list the others)."""
        files: dict[str, set[str]] = {}
        regions: dict[str, list[str]] = {}
        found, records = self._indexes_and_records(project, typed)
        indexes = self._indexes(project, found)
        for region, (_, index) in indexes.items():
            for version, names in index.versions:
                files.setdefault(version, set()).update(names)
                regions.setdefault(version, []).append(region)
        legacy = self._legacy.summaries(project, typed, records, set(files), indexes)
        if not files and not legacy:
            raise NoSuchProjectError(
                f"no such project {project!r}: nothing is staged for it in "
                f"{', '.join(self._regions)}"
            )
        ordered = sorted(files, key=Version, reverse=True)
        marked = {
            v: {r: b for r, (b, i) in indexes.items() if v in i.yanked}
            for v in ordered
            if any(v in i.yanked for _, i in indexes.values())
        }
        yanks = per_region(list(marked), lambda v: self.yank_of(project, v, marked[v]))
        summaries = [
            VersionSummary(
                v, tuple(sorted(files[v])), tuple(sorted(regions[v])), _yank(yanks.get(v))
            )
            for v in ordered
        ]
        return sorted([*summaries, *legacy], key=lambda s: Version(s.version), reverse=True)

    def yank_of(self, project: str, version: str, buckets: Mapping[str, str]) -> Yank:
        """Why ``version`` was yanked, from its marker in the first of ``buckets`` (region ->
        bucket) that gives a readable one; if none does, a reason saying so."""
        key = self._layout.yank_key(project, version)
        problems = []
        for region, bucket in buckets.items():
            try:
                data = self._aws.region(region).get_document(bucket, key, MARKER_LIMIT)
                if data is not None:
                    return parse_marker(data, project, version)
                problems.append(f"{region}: no marker (unyanked since the index was written?)")
            except (StartifactError, ValueError) as error:
                problems.append(f"{region}: {error}")
        return Yank(f"unknown: the yank marker could not be read ({'; '.join(problems)})", "")

    def info(
        self,
        project: str,
        version: str | None,
        *,
        typed: str | None = None,
        typed_version: str | None = None,
    ) -> VersionInfo:
        """A version's files (default: the latest), from the metadata documents every holding
        region agrees on."""
        return self.describe(
            self.locate(project, version, typed=typed, typed_version=typed_version)
        )

    def locate(
        self,
        project: str,
        version: str | None,
        *,
        typed: str | None = None,
        typed_version: str | None = None,
    ) -> Located:
        """Where a version's files are (default: the latest), from the project indexes; a
        version found in none of them is looked for in Startifact 1.x's layout, under the
        project and version as ``typed`` and as normalised."""
        if version is None:
            indexes, version = self.indexes_and_latest(project, typed=typed)
            typed_version = version
        else:
            indexes = self.indexes(project)
        version = _staged_form(version, indexes.values())
        holding = {r: b for r, (b, i) in indexes.items() if i.files(version)}
        if not holding:
            legacy = self._legacy.locate(project, typed, typed_version or version, indexes)
            if legacy is not None:
                return legacy
            staged = sorted(
                {v for _, i in indexes.values() for v, _ in i.versions}, key=Version, reverse=True
            )
            if not staged:
                raise NoSuchProjectError(
                    f"no such project {project!r}: nothing is staged for it in {', '.join(indexes)}"
                )
            raise NoSuchVersionError(
                f"{project} {version} is not staged (staged versions: "
                f"{', '.join(staged[:10])}{' ...' if len(staged) > 10 else ''})"
            )
        files: dict[str, list[str]] = {}
        for region in holding:
            for name in indexes[region][1].files(version) or ():
                files.setdefault(name, []).append(region)
        keys = {n: self._layout.artifact_key(project, version, n) for n in files}
        yanked = any(version in indexes[r][1].yanked for r in holding)
        return Located(
            project, version, holding, {n: tuple(r) for n, r in sorted(files.items())}, keys, yanked
        )

    def describe(self, located: Located) -> VersionInfo:
        """Read the metadata documents of every file of ``located`` in every region holding
        it, all at once, and keep what the regions agree on."""
        if located.legacy is not None:
            return self._legacy.describe(located, located.legacy)
        names = list(located.files)
        with ThreadPoolExecutor(1, thread_name_prefix="yank") as pool:
            yank = pool.submit(self._yank_of, located) if located.yanked else None
            described = per_region(names, lambda name: self._describe(located, name))
            yanked = yank.result() if yank else None
        if yanked is not None:
            by = f" by {yanked.yanked_by}" if yanked.yanked_by else ""
            at = f" at {yanked.yanked_at}" if yanked.yanked_at else ""
            self._warn(f"{located.project} {located.version} is yanked{by}{at}: {yanked.reason}")
        files, holders = [], {}
        for name in names:
            result = described[name]
            if isinstance(result, IntegrityError):
                raise result
            if isinstance(result, Exception):  # an index entry no region can back up
                self._warn(f"{name} left out: {reason(result)}")
                continue
            files.append(result[0])
            holders[name] = result[1]
        if not files:
            raise DocumentError(
                f"no file of {located.project} {located.version} has a readable metadata "
                "document in any region (see the warnings): ask an administrator to check them"
            )
        keys = {f.filename: located.keys[f.filename] for f in files}
        return VersionInfo(
            located.project,
            located.version,
            tuple(files),
            located.buckets,
            keys,
            holders,
            self._regions,
            yanked,
        )

    def _yank_of(self, located: Located) -> Yank:
        return self.yank_of(located.project, located.version, located.buckets)

    def _describe(self, located: Located, name: str) -> tuple[StagedFile, tuple[str, ...]]:
        project, version = located.project, located.version
        holding = {r: located.buckets[r] for r in located.files[name]}
        key = self._layout.metadata_key(project, version, name)

        def read(region: str) -> StagedFile:
            data = self._aws.region(region).get_document(holding[region], key, METADATA_LIMIT)
            if data is None:
                raise DocumentError(
                    f"s3://{holding[region]}/{key} does not exist (staging the same files "
                    "again writes it)"
                )
            try:
                return parse_metadata_document(data, project, version, name)
            except ValueError as error:
                raise DocumentError(
                    f"s3://{holding[region]}/{key} is not a valid metadata document: {error}"
                ) from None

        results = per_region(list(holding), read)
        good = {r: f for r, f in results.items() if isinstance(f, StagedFile)}
        for region, result in results.items():
            if isinstance(result, Exception):
                self._warn(f"{region}: {reason(result)}")
        if not good:
            raise DocumentError(f"no region has a readable metadata document for {name}")
        votes = Counter((f.sha256, f.size) for f in good.values())
        (winner, count), *rest = votes.most_common()
        if rest and rest[0][1] == count:
            raise IntegrityError(
                f"regions disagree about the SHA-256 of {name} "
                f"({', '.join(sorted(good))}); ask an administrator to check"
            )
        agreeing = tuple(sorted(r for r, f in good.items() if (f.sha256, f.size) == winner))
        for region in sorted(set(good) - set(agreeing)):
            self._warn(
                f"{region}: the metadata of {name} disagrees with the other regions; "
                "not using that region for it"
            )
        return good[agreeing[0]], agreeing


def _staged_form(version: str, indexes: Iterable[tuple[str, ProjectIndex]]) -> str:
    """The version as it was staged: ``1.0`` finds ``1.0.0`` (equal in PEP 440), if staged."""
    staged = {v for _, index in indexes for v, _ in index.versions}
    if version in staged:
        return version
    wanted = Version(version)
    return next((v for v in sorted(staged) if Version(v) == wanted), version)


def _yank(result: Yank | Exception | None) -> Yank | None:
    if isinstance(result, Exception):
        return Yank(f"unknown: {reason(result)}", "")
    return result


def _outcome(future: Future[str | None]) -> str | Exception | None:
    error = future.exception()
    return error if isinstance(error, Exception) else future.result()
