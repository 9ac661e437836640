"""The reading side: the latest version, staged versions, a version's files, verified downloads.

Everything works with the Read grant alone (``ssm:GetParameter``, ``s3:GetObject``): a reader
never lists a bucket. Regions are tried in a shuffled order and any failure moves on to the
next region, so a region that is down, lacks its bucket name parameter or holds a tampered
object costs a warning, not the download.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from packaging.version import Version

from hatch_startifact.aws import Aws
from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import (
    AccessDeniedError,
    AllYankedError,
    DocumentError,
    IntegrityError,
    NoSuchProjectError,
    NoSuchVersionError,
    StartifactError,
    UnavailableError,
)
from hatch_startifact.parallel import per_region
from hatch_startifact.store.buckets import in_bucket
from hatch_startifact.store.index import ProjectIndex, choose_latest
from hatch_startifact.store.legacy import (
    LegacyLayout,
    legacy_filename,
    parse_legacy_metadata,
    parse_version,
    user_metadata,
)
from hatch_startifact.store.metadata import StagedFile, parse_metadata_document
from hatch_startifact.store.names import is_normalised_version
from hatch_startifact.store.yanks import Yank, parse_marker

INDEX_LIMIT = 16 * 1024 * 1024
METADATA_LIMIT = 1024 * 1024
MARKER_LIMIT = 64 * 1024
Warn = Callable[[str], None]
#: A region's bucket and the project's index there.
Indexed = tuple[str, "ProjectIndex"]


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
        self._legacy = LegacyLayout(
            organisation.layout.key_prefix, organisation.layout.parameter_prefix
        )
        self._warn = warn or (lambda message: None)

    def latest(self, project: str, *, typed: str | None = None) -> str:
        """The latest version: every region's version record, read at once with its index; the
        value a majority of the regions hold, else the highest (Startifact 1.x's rule), unless
        an index says it is yanked (see `indexes_and_latest`). A record Startifact 1.x wrote
        under the name as ``typed`` counts when there is none under the normalised name; its
        value is then as 1.x wrote it (``1.0.0-rc.1``)."""
        return self.indexes_and_latest(project, need_indexes=False, typed=typed)[1]

    def _record(self, region: str, project: str, typed: str | None = None) -> str | None:
        for candidate in _names(project, typed):
            name = self._layout.version_parameter(candidate)
            value = self._aws.region(region).get_parameter(name)
            if value is None:
                continue
            if not is_normalised_version(value) and parse_version(value) is None:
                raise DocumentError(f"{name} in {region} holds {value!r}, which is not a version")
            return value
        return None

    def _choose(self, project: str, records: Mapping[str, str | Exception | None]) -> str:
        name = self._layout.version_parameter(project)
        answers = {r: v for r, v in records.items() if not isinstance(v, Exception)}
        failures = [str(v) for v in records.values() if isinstance(v, Exception)]
        votes = Counter(v for v in answers.values() if v)
        if votes and votes.most_common(1)[0][1] >= len(self._regions) // 2 + 1:
            return votes.most_common(1)[0][0]
        if votes:
            return max(votes, key=Version)
        if answers:
            raise NoSuchProjectError(
                f"no such project {project!r}: no region has a version record {name}"
                + (f" ({'; '.join(failures)})" if failures else "")
            )
        raise UnavailableError(
            f"could not read {name} from any region ({'; '.join(failures)}): check your "
            "credentials and network, or name regions that answer with --regions"
        )

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
                self._warn(f"{region} skipped: {_reason(result)}")
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
            chosen = self._choose(project, records)
        except NoSuchProjectError as error:
            return good, self._not_yanked(project, good, error)
        return good, self._not_yanked(project, good, chosen)

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

    def _not_yanked(
        self, project: str, indexes: Mapping[str, Indexed], chosen: str | NoSuchProjectError
    ) -> str:
        """``chosen``, unless an index says it is yanked (a region whose record could not be
        moved): then the highest version not yanked, with a warning."""
        yanked = {v for _, index in indexes.values() for v in index.yanked}
        if isinstance(chosen, str) and chosen not in yanked:
            return chosen
        staged = {v for _, index in indexes.values() for v, _ in index.versions}
        fallback = choose_latest(staged - yanked)
        if fallback is None and staged and staged <= yanked:
            listed = sorted(staged, key=Version, reverse=True)
            raise AllYankedError(
                f"every version of {project} is yanked ({', '.join(listed[:10])}"
                f"{' ...' if len(listed) > 10 else ''}): there is no latest version; name a "
                "version to download it anyway, or unyank one with `startifact unyank`"
            )
        if isinstance(chosen, Exception):
            raise chosen
        if fallback is None:
            return chosen
        self._warn(
            f"the version record of {project} names {chosen}, which is yanked; using "
            f"{fallback}, the highest version not yanked (yanking {chosen} again moves the "
            "record in every region)"
        )
        return fallback

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
        legacy = self._legacy_versions(project, typed, records, set(files), indexes)
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

    def _legacy_versions(
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
            located = self._locate_legacy(project, typed, value, indexes)
            if located is not None and located.legacy is not None:
                holders = tuple(sorted(located.files[located.legacy.filename]))
                summaries.append(
                    VersionSummary(
                        located.version, (located.legacy.filename,), holders, legacy=True
                    )
                )
        return summaries

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
            legacy = self._locate_legacy(project, typed, typed_version or version, indexes)
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
            return self._describe_legacy(located, located.legacy)
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
                self._warn(f"{name} left out: {_reason(result)}")
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

    def _describe_legacy(self, located: Located, staged: StagedFile) -> VersionInfo:
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

    def _locate_legacy(
        self, project: str, typed: str | None, version: str, indexes: Mapping[str, Indexed]
    ) -> Located | None:
        """``version`` as Startifact 1.x staged it, in every region that answered: the first
        of the project names (as typed, then normalised) and versions (as given, then in
        normal form) whose artifact a region holds; ``None`` when no region holds any."""
        parsed = parse_version(version)
        versions = _names(str(parsed), version) if parsed is not None else (version,)
        candidates = [(p, v) for p in _names(project, typed)[::-1] for v in versions[::-1]]
        buckets = {r: b for r, (b, _) in indexes.items()}
        found = per_region(list(buckets), lambda r: self._legacy_in(r, buckets[r], candidates))
        hits = {r: f for r, f in found.items() if isinstance(f, tuple)}
        for region, result in found.items():
            if isinstance(result, Exception):
                self._warn(f"{region}: {_reason(result)}")
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

    def _legacy_in(
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
                self._warn(f"{region}: {_reason(result)}")
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


def _names(normal: str, typed: str | None) -> tuple[str, ...]:
    """``normal``, and ``typed`` after it when it differs."""
    return (normal, typed) if typed and typed != normal else (normal,)


def _yank(result: Yank | Exception | None) -> Yank | None:
    if isinstance(result, Exception):
        return Yank(f"unknown: {_reason(result)}", "")
    return result


def _outcome(future: Future[str | None]) -> str | Exception | None:
    error = future.exception()
    return error if isinstance(error, Exception) else future.result()


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, StartifactError) else f"{type(error).__name__}: {error}"
