"""Yanking and unyanking a version in every region, in parallel (docs/yanking.md).

In each region: list the project (as a stage's survey does), write the yank's event to the
history, write the marker (yank) or delete it (unyank), rewrite the index from a fresh listing
(`update_index`, conditional as for a stage), then settle the version record on the highest
version not yanked, or remove it when none is left (`record_latest`). Each step is idempotent,
so a region that failed is completed by running the same command again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from hatch_startifact.aws import Aws, Region
from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import AccessDeniedError, NoSuchVersionError, reason
from hatch_startifact.parallel import per_region
from hatch_startifact.staging.regional import (
    Survey,
    record_latest,
    survey_regions,
    update_index,
)
from hatch_startifact.staging.report import RegionOutcome, YankReport
from hatch_startifact.store.index import ProjectIndex
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.metadata import utc_now
from hatch_startifact.store.yanks import Yank, event_document, event_name


def change(
    project: str,
    version: str,
    yank: Yank | None,
    organisation: OrganisationConfig,
    regions: Sequence[str],
    aws: Aws,
    by: str,
) -> YankReport:
    """Yank ``version`` (``yank`` says why, when and by whom) or, with ``yank=None``, unyank
    it, in every region; ``by`` is who unyanks.

    :raises NoSuchVersionError: no region that answered holds the version; nothing written.
    """
    layout = organisation.layout
    surveyed = survey_regions(aws, organisation, regions, project)
    good = {r: s for r, s in surveyed.items() if isinstance(s, Survey)}
    _require_staged(project, version, layout, good)
    done = per_region(
        list(good),
        lambda r: _change_region(aws.region(r), good[r], layout, project, version, yank, by),
    )
    outcomes = []
    for region in regions:
        result = done.get(region, surveyed[region])
        if isinstance(result, Exception):
            outcomes.append(RegionOutcome(region, error=reason(result)))
        else:
            outcomes.append(
                RegionOutcome(region, latest=result if isinstance(result, str) else None)
            )
    return YankReport(project, version, yank is not None, tuple(outcomes))


def _require_staged(project: str, version: str, layout: Layout, good: dict[str, Survey]) -> None:
    indexes = [ProjectIndex.from_listing(project, layout, s.listing) for s in good.values()]
    if any(index.files(version) for index in indexes):
        return
    staged = sorted({v for index in indexes for v, _ in index.versions}, reverse=True)
    where = ", ".join(good) or "no region"
    if not staged:
        raise NoSuchVersionError(
            f"{project} {version} is not staged in any region that answered ({where}): "
            "nothing is staged for the project there"
        )
    raise NoSuchVersionError(
        f"{project} {version} is not staged in any region that answered ({where}); staged "
        f"versions: {', '.join(staged[:10])}{' ...' if len(staged) > 10 else ''}"
    )


def _change_region(
    region: Region,
    found: Survey,
    layout: Layout,
    project: str,
    version: str,
    yank: Yank | None,
    by: str,
) -> str | None:
    marker = layout.yank_key(project, version)
    if yank is not None or marker in found.listing:
        action = "yank" if yank else "unyank"
        at = yank.yanked_at if yank else utc_now()
        event = layout.yank_event_key(project, version, event_name(action))
        body = event_document(action, project, version, at, by, yank.reason if yank else None)
        with _owner_only(region.name, "s3:PutObject", action):
            region.put_object(found.bucket, event, body)
            if yank is not None:
                region.put_object(found.bucket, marker, yank.marker(project, version), replace=True)
        if yank is None:
            with _owner_only(region.name, "s3:DeleteObject", action):
                region.delete_object(found.bucket, marker)
    index, _ = update_index(region, found.bucket, layout, project)
    return record_latest(region, found.bucket, layout, index, yanking=True, legacy=found.legacy)


@contextmanager
def _owner_only(region: str, action: str, what: str) -> Iterator[None]:
    """AccessDenied on the yank keys, said as what it is: the caller is not an Owner."""
    try:
        yield
    except AccessDeniedError as error:
        raise AccessDeniedError(
            f"access denied in {region}: {action} on {error.resource} is not allowed, so this "
            f"role may not {what}: that needs the project's Owner policy, or AllowYank",
            region=region,
            resource=error.resource,
        ) from error
