"""Each region's bucket: its name is the value of the organisation's bucket name parameter."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from hatch_startifact.aws import Region, ssm_arn
from hatch_startifact.errors import AwsError, NoSuchBucketError, NotFoundError

T = TypeVar("T")


def bucket_name(region: Region, parameter: str) -> str:
    """The name of ``region``'s bucket, read from the bucket name ``parameter``.

    :raises NotFoundError: the parameter does not exist in the region.
    :raises AwsError: it could not be read.
    """
    bucket = region.get_parameter(parameter)
    if bucket is None:
        raise NotFoundError(
            f"bucket name parameter {parameter} does not exist in {region.name}: deploy the "
            f"organisation template there (startifact iam template), or leave {region.name} "
            "out of the organisation's regions (startifact setup --regions)",
            region=region.name,
            resource=ssm_arn(region.name, parameter),
        )
    return bucket


def in_bucket(
    region: Region, parameter: str, hint: str | None, work: Callable[[str], T]
) -> tuple[str, T]:
    """``work(bucket)`` in ``region``'s bucket: ``(bucket, result)``.

    With a ``hint`` (the bucket ``startifact setup`` found there), the parameter is read while
    ``work(hint)`` runs, in one round trip instead of two; if the parameter names another
    bucket, that result is dropped and ``work`` runs again on the bucket named. ``work`` must
    only read.

    :raises NotFoundError: the parameter does not exist in the region.
    :raises AwsError: the parameter could not be read, or ``work`` failed.
    """
    if hint is None:
        bucket = bucket_name(region, parameter)
        return bucket, _named(region, parameter, work, bucket)
    with ThreadPoolExecutor(1, thread_name_prefix=f"{region.name}-bucket") as pool:
        named = pool.submit(bucket_name, region, parameter)
        try:
            early: T | Exception = _named(region, parameter, work, hint)
        except AwsError as error:  # a stale hint may name a bucket that is gone
            early = error
        bucket = named.result()
    if bucket != hint:
        return bucket, _named(region, parameter, work, bucket)
    if isinstance(early, Exception):
        raise early
    return bucket, early


def _named(region: Region, parameter: str, work: Callable[[str], T], bucket: str) -> T:
    """``work(bucket)``; a missing bucket is named with the parameter that names it."""
    try:
        return work(bucket)
    except NoSuchBucketError as error:
        raise NoSuchBucketError(
            f"bucket {bucket!r} does not exist in {region.name}, where {parameter} names it: "
            f"correct {parameter} there, or create the bucket",
            region=region.name,
            resource=error.resource,
        ) from None
