"""Setting up the organisation: writing its configuration to every region (``startifact setup``).

Needs only the Configure grant (``ssm:GetParameter`` and ``ssm:PutParameter`` on the
configuration parameter). Checking each region's bucket name parameter and bucket needs more;
without it the check becomes a warning, never a failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hatch_startifact.aws import Aws
from hatch_startifact.config.organisation import (
    OrganisationConfig,
    check_key_prefix,
    check_parameter_name,
    check_parameter_prefix,
)
from hatch_startifact.config.regions import parse_regions, shuffled
from hatch_startifact.errors import AwsError, NotFoundError, UsageError
from hatch_startifact.parallel import per_region
from hatch_startifact.store.buckets import bucket_name
from hatch_startifact.store.documents import load


@dataclass(frozen=True)
class Existing:
    """What setup found of the current configuration."""

    document: dict[str, Any] | None
    unreadable: tuple[str, ...] = ()
    broken: str | None = None


@dataclass(frozen=True)
class RegionSetup:
    """What happened in one region."""

    region: str
    written: bool
    error: str | None = None
    warnings: tuple[str, ...] = ()


def read_existing(aws: Aws, parameter: str, regions: Sequence[str]) -> Existing:
    """The raw configuration document from the first region that has one, leniently.

    Setup must be able to repair a broken configuration, so a value that is not a JSON object
    is reported in `Existing.broken` and treated as absent. Regions that cannot be read are
    listed in `Existing.unreadable`, so the caller can refuse to overwrite blindly.
    """
    unreadable: list[str] = []
    for region in shuffled(regions):
        try:
            text = aws.read_parameter(region, parameter)
        except AwsError as error:
            unreadable.append(f"{region}: {error}")
            continue
        if text is None:
            continue
        try:
            document = load(text)
        except ValueError as error:
            return Existing(
                None, tuple(unreadable), f"{parameter} in {region} is not JSON ({error})"
            )
        if not isinstance(document, dict):
            return Existing(
                None, tuple(unreadable), f"{parameter} in {region} is not a JSON object"
            )
        return Existing(document, tuple(unreadable))
    return Existing(None, tuple(unreadable))


def build_config(
    existing: Mapping[str, Any] | None,
    *,
    regions: str | None,
    bucket_parameter: str | None,
    key_prefix: str | None,
    parameter_prefix: str | None,
) -> OrganisationConfig:
    """The configuration to write: flags over existing values, every problem reported at once.

    ``None`` means "keep the existing value" (or the default); ``""`` clears a prefix.
    """
    base = dict(existing or {})
    chosen_regions = regions if regions is not None else base.get("regions")
    bucket = bucket_parameter if bucket_parameter is not None else base.get("bucket_name_param")
    keys = key_prefix if key_prefix is not None else base.get("bucket_key_prefix", "")
    names = (
        parameter_prefix if parameter_prefix is not None else base.get("parameter_name_prefix", "")
    )
    problems: list[str] = []
    parsed: tuple[str, ...] = ()
    if chosen_regions is None:
        problems.append("--regions: missing (e.g. --regions us-east-1,eu-west-2)")
    else:
        parsed, region_problems = parse_regions(chosen_regions)
        problems.extend(f"--regions: {p}" for p in region_problems)
    if bucket is None:
        problems.append("--bucket-parameter: missing (e.g. --bucket-parameter /buckets/staging)")
    elif problem := check_parameter_name(bucket):
        problems.append(f"--bucket-parameter: {problem}")
    if problem := check_key_prefix(keys):
        problems.append(f"--key-prefix: {problem}")
    if problem := check_parameter_prefix(names):
        problems.append(f"--parameter-prefix: {problem}")
    if problems:
        raise UsageError("; ".join(problems))
    known = {"regions", "bucket_name_param", "bucket_key_prefix", "parameter_name_prefix"}
    extra = {k: v for k, v in base.items() if k not in {*known, "buckets"}}
    return OrganisationConfig(str(bucket), parsed, str(keys), str(names), extra)


def _check_bucket(aws: Aws, region: str, bucket_parameter: str) -> tuple[str | None, list[str]]:
    """The region's bucket name (``None`` when it could not be read), and warnings about the
    parameter and the bucket; never raises."""
    client = aws.region(region)
    try:
        bucket = bucket_name(client, bucket_parameter)
        if not client.bucket_exists(bucket):
            return bucket, [
                f"{region}: bucket {bucket!r} (from {bucket_parameter}) does not exist; "
                "create it before staging"
            ]
    except AwsError as error:  # AccessDenied included: setup needs only the Configure grant
        if isinstance(error, NotFoundError) and error.resource.startswith("arn:aws:ssm"):
            return None, [f"{region}: {error}"]
        return None, [f"could not verify the bucket in {region}: {error}"]
    return bucket, []


def write_region(
    aws: Aws, region: str, parameter: str, config: OrganisationConfig, warnings: list[str]
) -> RegionSetup:
    try:
        aws.region(region).put_parameter(parameter, config.to_json())
    except AwsError as error:
        return RegionSetup(region, False, str(error), tuple(warnings))
    return RegionSetup(region, True, warnings=tuple(warnings))


def write_everywhere(aws: Aws, parameter: str, config: OrganisationConfig) -> list[RegionSetup]:
    """Check each region's bucket, then write the configuration to every region of
    ``config`` in parallel, with the bucket names found (``buckets``, a hint for readers and
    stagers)."""
    checked = per_region(config.regions, lambda r: _check_bucket(aws, r, config.bucket_name_param))
    found = {r: c for r, c in checked.items() if not isinstance(c, Exception)}
    buckets = {r: bucket for r, (bucket, _) in found.items() if bucket is not None}
    hinted = replace(config, buckets=buckets)
    written = per_region(
        config.regions,
        lambda r: write_region(aws, r, parameter, hinted, found.get(r, (None, []))[1]),
    )
    return [_outcome(region, result) for region, result in written.items()]


def _outcome(region: str, result: RegionSetup | Exception) -> RegionSetup:
    if isinstance(result, Exception):  # a bug: still reported for its region alone
        return RegionSetup(region, False, f"unexpected {type(result).__name__}: {result}")
    return result
