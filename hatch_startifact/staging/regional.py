"""Staging in one region: survey, upload, index, version record, in that order.

The index is written from the survey's listing and what this stage wrote, conditionally on
the index being as the survey listed it; only when another stager rewrote it meanwhile is it
rewritten from a new listing. A listing sent alongside the index write checks that the bucket
still holds our bytes under every key we wrote.

Every write is conditional or idempotent, so a run killed at any point leaves nothing that a
re-run cannot complete, and no version record naming a file the region does not hold.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from hatch_startifact.aws import Aws, Listing, ObjectInfo, Region
from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import AccessDeniedError, AwsError
from hatch_startifact.parallel import per_region
from hatch_startifact.staging.artifacts import Artifact, same_object
from hatch_startifact.staging.report import FileResult, Status
from hatch_startifact.store.buckets import in_bucket
from hatch_startifact.store.index import ProjectIndex, choose_latest
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.legacy import LegacyLayout, parse_version

INDEX_ATTEMPTS = 12
RECORD_ATTEMPTS = 5


@dataclass(frozen=True)
class Survey:
    """What a region holds before staging: its bucket and the project's listed keys."""

    region: str
    bucket: str
    listing: Listing
    #: Startifact 1.x's versions of the project, normal form -> as 1.x wrote it (listed
    #: under ``{key_prefix}{project}@``; empty when this role may not list there)
    legacy: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """Everything one region's staging needs that does not change between regions."""

    project: str
    version: str
    artifacts: Sequence[Artifact]
    documents: dict[str, bytes]  # filename -> metadata document
    layout: Layout


def survey(
    region: Region, bucket_param: str, layout: Layout, project: str, hint: str | None = None
) -> Survey:
    """Read the region's bucket name and list the project's keys (``s3:ListBucket`` only),
    at once when the organisation gives the bucket's name as a hint (`in_bucket`)."""
    prefix = layout.project_prefix(project)
    legacy = LegacyLayout(layout.key_prefix)

    def both(bucket: str) -> tuple[Listing, Mapping[str, str]]:
        # Startifact 1.x's keys of the project are listed at once, in the same round trip.
        with ThreadPoolExecutor(1, thread_name_prefix=f"{region.name}-1.x") as pool:
            old = pool.submit(region.list_objects, bucket, legacy.project_prefix(project))
            listing = region.list_objects(bucket, prefix)
            try:
                return listing, legacy_versions(legacy, project, old.result())
            except AccessDeniedError:  # a project-level role lists only {K}{P}/
                return listing, {}

    bucket, (listing, versions) = in_bucket(region, bucket_param, hint, both)
    return Survey(region.name, bucket, listing, versions)


def legacy_versions(layout: LegacyLayout, project: str, listing: Listing) -> dict[str, str]:
    """Startifact 1.x's versions of ``project`` in a listing: normal form -> as 1.x wrote it."""
    found = {}
    for key in listing:
        parsed = layout.parse_key(key)
        if parsed and parsed[0] == project and (version := parse_version(parsed[1])):
            found[str(version)] = parsed[1]
    return found


def survey_regions(
    aws: Aws, organisation: OrganisationConfig, regions: Sequence[str], project: str
) -> dict[str, Survey | Exception]:
    """`survey` every region at once; a region that failed maps to its error."""
    return per_region(
        regions,
        lambda r: survey(
            aws.region(r),
            organisation.bucket_name_param,
            organisation.layout,
            project,
            organisation.buckets.get(r),
        ),
    )


def conflicts(target: Target, found: Survey) -> list[str]:
    """File names already staged in the region with different bytes."""
    clashing = []
    for artifact in target.artifacts:
        key = target.layout.artifact_key(target.project, target.version, artifact.filename)
        info = found.listing.get(key)
        if info is not None and not same_object(artifact, info.size, info.etag):
            clashing.append(artifact.filename)
    return clashing


def planned(target: Target, found: Survey) -> list[FileResult]:
    """What staging would do in the region (for ``--dry-run``)."""
    results = []
    for artifact in target.artifacts:
        key = target.layout.artifact_key(target.project, target.version, artifact.filename)
        status = Status.ALREADY if key in found.listing else Status.WOULD_STAGE
        results.append(FileResult(found.region, artifact.filename, status, artifact.size))
    return results


def stage_file(
    region: Region,
    target: Target,
    found: Survey,
    artifact: Artifact,
    progress: Callable[[int], None] | None,
) -> FileResult:
    """Upload one file and its metadata document unless identical ones are there already."""
    layout, name = target.layout, artifact.filename
    key = layout.artifact_key(target.project, target.version, name)
    if artifact.core_metadata is None:
        status = _stage_artifact(region, found, key, artifact, progress)
    else:
        with ThreadPoolExecutor(1, thread_name_prefix=f"{region.name}-core") as pool:
            # A wheel's core metadata is written while it uploads, before its document.
            core = pool.submit(_stage_core_metadata, region, target, found, artifact)
            status = _stage_artifact(region, found, key, artifact, progress)
            core.result()
    if status is Status.CONFLICT:
        return FileResult(
            region.name,
            name,
            Status.CONFLICT,
            artifact.size,
            "staged concurrently with different bytes",
        )
    meta_key = layout.metadata_key(target.project, target.version, name)
    if meta_key not in found.listing:
        # Absent-only write: the first stager's document stays, a re-run fills a gap.
        region.put_object(found.bucket, meta_key, target.documents[name])
    return FileResult(region.name, name, status, artifact.size)


def _stage_core_metadata(region: Region, target: Target, found: Survey, artifact: Artifact) -> None:
    assert artifact.core_metadata is not None
    key = target.layout.core_metadata_key(target.project, target.version, artifact.filename)
    if key not in found.listing:  # absent-only, as the document
        region.put_object(found.bucket, key, artifact.core_metadata, content_type="text/plain")


def _stage_artifact(
    region: Region,
    found: Survey,
    key: str,
    artifact: Artifact,
    progress: Callable[[int], None] | None,
) -> Status:
    """Upload the file unless the listing has it: `Status.STAGED`, `Status.ALREADY`, or
    `Status.CONFLICT` when another stager wrote different bytes meanwhile."""
    status = Status.ALREADY
    if key not in found.listing:
        if region.upload_artifact(
            found.bucket,
            key,
            artifact.path,
            size=artifact.size,
            sha256_base64=artifact.sha256_base64,
            part_sha256=artifact.part_sha256,
            progress=progress,
        ):
            status = Status.STAGED
        else:  # someone else wrote it between our listing and our upload
            info = region.list_objects(found.bucket, key).get(key)
            if info is None or not same_object(artifact, info.size, info.etag):
                return Status.CONFLICT
    return status


def update_index(
    region: Region, bucket: str, layout: Layout, project: str
) -> tuple[ProjectIndex, Listing]:
    """Rewrite the project index from a fresh listing until our write is the one that sticks;
    returns the index and the listing it was written from."""
    key = layout.index_key(project)
    for attempt in range(INDEX_ATTEMPTS):
        listing = region.list_objects(bucket, layout.project_prefix(project))
        index = ProjectIndex.from_listing(project, layout, listing)
        body = index.to_json()
        current = listing.get(key)
        if current and current.etag == hashlib.md5(body, usedforsecurity=False).hexdigest():
            return index, listing
        if region.put_object(bucket, key, body, etag=current.etag if current else None):
            return index, listing
        time.sleep(random.uniform(0, 0.05 * 2**attempt))  # another stager won: back off
    raise AwsError(
        f"could not update the index {key} in {region.name}: {INDEX_ATTEMPTS} "
        "concurrent writers won in a row; re-run to complete",
        region=region.name,
        resource=key,
    )


def record_latest(
    region: Region,
    bucket: str,
    layout: Layout,
    index: ProjectIndex,
    *,
    yanking: bool = False,
    legacy: Mapping[str, str] | None = None,
) -> str | None:
    """Point the version record at the highest staged version that is not yanked, from the
    region's own listing; remove it when every version is yanked. Returns the value.

    A stager may not read the record, so it derives the value from what the bucket holds and
    checks after writing: if a higher version landed meanwhile, or the value was yanked, it
    writes the new value instead. The last writer has always seen every version and every yank
    completed before its write. A stage finding every version yanked leaves the record to the
    yank (which removed it); ``yanking`` removes it.

    ``legacy`` (`Survey.legacy`) counts Startifact 1.x's versions of the project as staged,
    so the record never moves below one of them: when one is the highest, the record names it
    as 1.x wrote it (its readers find it; so do ours, in 1.x's layout).
    """
    name = layout.version_parameter(index.project)
    legacy = legacy or {}
    value = _latest(index, legacy)
    wrote = False
    for _ in range(RECORD_ATTEMPTS):
        if not index.versions:
            raise AwsError(
                f"{region.name} lists no complete version of {index.project}; re-run to "
                "complete it",
                region=region.name,
                resource=name,
            )
        if value is None and not (yanking or wrote):
            return None
        if value is None:
            _remove_record(region, name, index.project)
        else:
            region.put_parameter(name, value)
        wrote = True
        listing = region.list_objects(bucket, layout.project_prefix(index.project))
        index = ProjectIndex.from_listing(index.project, layout, listing)
        if _latest(index, legacy) == value:
            return value
        value = _latest(index, legacy)
    raise AwsError(
        f"the version record {name} in {region.name} kept changing under us; re-run to settle it",
        region=region.name,
        resource=name,
    )


def _latest(index: ProjectIndex, legacy: Mapping[str, str]) -> str | None:
    """The record's value: the index's latest, or a higher 1.x version as 1.x wrote it."""
    ours = index.latest()
    if not legacy or (ours is None and index.versions):  # every version of ours is yanked
        return ours
    staged = {v for v, _ in index.versions if v not in index.yanked}
    chosen = choose_latest(staged | set(legacy))
    return chosen if chosen is None or chosen in staged else legacy[chosen]


def _remove_record(region: Region, name: str, project: str) -> None:
    try:
        region.delete_parameter(name)
    except AccessDeniedError as error:
        raise AccessDeniedError(
            f"every version of {project} is yanked now, but {name} in {region.name} may still "
            f"name one and this role may not delete it ({error}); ask an Owner to run "
            "`startifact yank` again",
            region=region.name,
            resource=name,
        ) from error


def stage_region(
    region: Region,
    target: Target,
    found: Survey,
    pool: Executor,
    progress: Callable[[str, int], None] | None = None,
    on_file: Callable[[FileResult], None] | None = None,
) -> tuple[list[FileResult], ProjectIndex]:
    """Stage every file in one region, then rewrite the index (the record is the caller's:
    it moves only once every region is known to be free of conflicts)."""

    def reporter(artifact: Artifact) -> Callable[[int], None] | None:
        if progress is None:
            return None
        return lambda transferred: progress(artifact.filename, transferred)

    futures = [
        pool.submit(stage_file, region, target, found, a, reporter(a)) for a in target.artifacts
    ]
    results = []
    for future in futures:
        result = future.result()
        results.append(result)
        if on_file:
            on_file(result)
    with ThreadPoolExecutor(1) as checker:  # the check's listing overlaps the index write
        listed = checker.submit(
            region.list_objects, found.bucket, target.layout.project_prefix(target.project)
        )
        index, relisted = write_index(region, target, found, results)
        listing = relisted if relisted is not None else listed.result()
    return [_as_listed(result, target, listing) for result in results], index


def write_index(
    region: Region, target: Target, found: Survey, results: list[FileResult]
) -> tuple[ProjectIndex, Listing | None]:
    """Write the index of what the survey listed and this stage now holds, without listing
    again: only if nobody rewrote the index since the survey (``IfMatch`` on the ETag it
    listed). If somebody did, `update_index` lists and retries; its listing is returned too.
    """
    layout, project = target.layout, target.project
    held = dict(found.listing)
    for result in results:
        if result.status in (Status.STAGED, Status.ALREADY):
            artifact = next(a for a in target.artifacts if a.filename == result.filename)
            document = target.documents[artifact.filename]
            held[layout.artifact_key(project, target.version, artifact.filename)] = ObjectInfo(
                artifact.size, artifact.etag
            )
            held[layout.metadata_key(project, target.version, artifact.filename)] = ObjectInfo(
                len(document), hashlib.md5(document, usedforsecurity=False).hexdigest()
            )
    index = ProjectIndex.from_listing(project, layout, held)
    body = index.to_json()
    current = found.listing.get(layout.index_key(project))
    if current and current.etag == hashlib.md5(body, usedforsecurity=False).hexdigest():
        return index, None
    key = layout.index_key(project)
    if region.put_object(found.bucket, key, body, etag=current.etag if current else None):
        return index, None
    return update_index(region, found.bucket, layout, project)


def _as_listed(result: FileResult, target: Target, listing: Listing) -> FileResult:
    """``result``, or a conflict when the bucket now lists other bytes under the file's key.

    S3 applies ``IfNoneMatch`` atomically, so this cannot happen there; a server that does not
    (SeaweedFS 4.48 once answered two racing conditional multipart completions with 200)
    would otherwise let a stager report bytes as staged that were replaced.
    """
    if result.status not in (Status.STAGED, Status.ALREADY):
        return result
    artifact = next(a for a in target.artifacts if a.filename == result.filename)
    info = listing.get(
        target.layout.artifact_key(target.project, target.version, artifact.filename)
    )
    if info is not None and same_object(artifact, info.size, info.etag):
        return result
    return replace(
        result,
        status=Status.CONFLICT,
        detail="replaced by another stager's bytes after our write (the server does not apply "
        "If-None-Match atomically)",
    )
