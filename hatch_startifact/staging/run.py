"""Staging files to every region in parallel, with honest per-region results.

Three phases, regions in parallel within each (threads: it works under every
multiprocessing start method because it uses none):

1. survey: read each region's bucket name and list the project's keys. A file staged with
   different bytes in *any* region refuses the whole stage before anything is written.
2. stage: upload what is missing (conditionally), write metadata documents and rewrite the
   project index, each region on its own workers.
3. record: once every region is done, move each successful region's version record forward,
   unless a concurrent stager won a file somewhere (then no record moves).

A region that fails in either phase is reported with its reason; the others complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from hatch_startifact.aws import Aws
from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import ConflictError, InvalidInputError, reason
from hatch_startifact.parallel import per_region
from hatch_startifact.staging.regional import (
    Survey,
    Target,
    conflicts,
    planned,
    record_latest,
    stage_region,
    survey_regions,
)
from hatch_startifact.staging.report import (
    FileResult,
    Listener,
    RegionOutcome,
    StageReport,
    Status,
)
from hatch_startifact.staging.request import StageRequest
from hatch_startifact.store.index import ProjectIndex
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.metadata import metadata_document, utc_now

#: The most files in flight at once across all regions.
MAX_WORKERS = 48


#: S3's longest key (bytes of UTF-8) and SSM's longest parameter name (characters).
MAX_KEY_BYTES = 1024
MAX_PARAMETER_NAME = 1011


def check_lengths(request: StageRequest, layout: Layout) -> list[str]:
    """Keys and the record name that S3 or SSM would refuse for their length."""
    problems = []
    for artifact in request.artifacts:
        key = layout.metadata_key(request.project, request.version, artifact.filename)
        if len(key.encode()) > MAX_KEY_BYTES:
            problems.append(
                f"{artifact.filename}: its metadata key would be {len(key.encode())} bytes "
                f"long, over S3's {MAX_KEY_BYTES}; use a shorter project name, version or "
                "file name"
            )
    record = layout.version_parameter(request.project)
    if len(record) > MAX_PARAMETER_NAME:
        problems.append(
            f"project {request.project}: its version record name would be {len(record)} "
            f"characters long, over SSM's {MAX_PARAMETER_NAME}; use a shorter project name"
        )
    return problems


def stage(
    request: StageRequest,
    organisation: OrganisationConfig,
    regions: Sequence[str],
    aws: Aws,
    listener: Listener | None = None,
    concurrency: int = 8,
    surveyed: Mapping[str, Survey | Exception] | None = None,
) -> StageReport:
    """Stage ``request`` to ``regions``; see the module docstring for the order of things.

    :param surveyed: each region's survey of the project, if the caller took it already (a
        survey lists the whole project, whatever the version, so it can be taken while the
        plugins choose the version); taken here otherwise.
    """
    layout = organisation.layout
    too_long = check_lengths(request, layout)
    if too_long:  # before anything is written
        raise InvalidInputError(too_long)
    listener = listener or Listener()
    listener.begin(request, regions)
    if surveyed is None:
        surveyed = survey_regions(aws, organisation, regions, request.project)
    outcomes = {
        r: RegionOutcome(r, error=reason(s))
        for r, s in surveyed.items()
        if isinstance(s, Exception)
    }
    for region, outcome in outcomes.items():
        listener.region_failed(region, outcome.error or "")
    good = {r: s for r, s in surveyed.items() if isinstance(s, Survey)}
    staged_at = utc_now()
    target = Target(
        request.project,
        request.version,
        request.artifacts,
        {
            a.filename: metadata_document(
                request.project,
                request.version,
                a,
                request.metadata_of(a.filename),
                staged_at,
                a.core,
                a.requires_python,
            )
            for a in request.artifacts
        },
        layout,
    )
    _refuse_conflicts(request, target, good)
    if request.dry_run:
        for region, found in good.items():
            outcomes[region] = RegionOutcome(region, tuple(planned(target, found)))
            for result in outcomes[region].files:
                listener.file_done(result)
    else:
        outcomes.update(_stage_surveyed(target, good, aws, listener, concurrency))
    ordered = tuple(outcomes[r] for r in regions)
    return StageReport(request.project, request.version, request.dry_run, ordered)


def _refuse_conflicts(request: StageRequest, target: Target, good: Mapping[str, Survey]) -> None:
    clashes: dict[str, list[str]] = {}
    for region, found in good.items():
        for name in conflicts(target, found):
            clashes.setdefault(name, []).append(region)
    if clashes:
        what = "; ".join(f"{name} in {', '.join(sorted(rs))}" for name, rs in clashes.items())
        raise ConflictError(
            f"refusing to stage {request.project} {request.version}: already staged with "
            f"different bytes ({what}); staged versions are immutable, so release a new version"
        )


def _stage_surveyed(
    target: Target, good: Mapping[str, Survey], aws: Aws, listener: Listener, concurrency: int
) -> dict[str, RegionOutcome]:
    # `concurrency` files per region at once, each region with its own workers (so adding
    # regions does not slow each one down, and a hung region holds up only its own), within
    # one bound for the whole run (never hundreds of uploads at once).
    workers = max(1, min(concurrency, MAX_WORKERS // max(1, len(good))))

    def files(region: str) -> tuple[list[FileResult], ProjectIndex]:
        with ThreadPoolExecutor(workers, thread_name_prefix=f"{region}-file") as pool:
            return stage_region(
                aws.region(region),
                target,
                good[region],
                pool,
                progress=lambda name, n: listener.progress(region, name, n),
                on_file=listener.file_done,
            )

    staged = per_region(list(good), files)
    outcomes: dict[str, RegionOutcome] = {}
    indexed: dict[str, ProjectIndex] = {}
    for region, result in staged.items():
        if isinstance(result, Exception):
            outcomes[region] = RegionOutcome(region, error=reason(result))
        else:
            results, indexed[region] = result
            outcomes[region] = RegionOutcome(region, tuple(results))
    clashed = sorted(
        {
            (o.region, f.filename)
            for o in outcomes.values()
            for f in o.files
            if f.status is Status.CONFLICT
        }
    )
    if clashed:
        # Lost a race somewhere: this stage's version is not the one stored everywhere, so no
        # region's record moves to it, not even where this stager's bytes won.
        where = ", ".join(f"{name} in {region}" for region, name in clashed)
        lost = (
            f"another stager staged {target.version} concurrently with different bytes "
            f"({where}); the version record was not moved in any region"
        )
        for region in indexed:
            outcomes[region] = replace(outcomes[region], error=lost)
    else:
        recorded = per_region(
            list(indexed),
            lambda r: record_latest(
                aws.region(r), good[r].bucket, target.layout, indexed[r], legacy=good[r].legacy
            ),
        )
        for region, latest in recorded.items():
            if isinstance(latest, Exception):
                outcomes[region] = replace(outcomes[region], error=reason(latest))
            else:
                outcomes[region] = replace(outcomes[region], latest=latest)
    for outcome in outcomes.values():
        if outcome.error:
            listener.region_failed(outcome.region, outcome.error)
    return outcomes
