"""hatch_startifact.store.buckets: each region's bucket, read from its parameter, or hinted by
the configuration and checked against the parameter in the same round trip."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hatch_startifact.aws import Aws, Region
from hatch_startifact.errors import NotFoundError
from hatch_startifact.store.buckets import bucket_name, in_bucket
from tests.helpers import BUCKET_PARAMETER, aws_client, create_region

REGION = "eu-west-2"


@pytest.fixture
def region(mocked: None) -> Region:
    create_region(REGION)  # bucket staging-eu-west-2, named by /buckets/staging
    aws_client("s3", REGION).put_object(Bucket="staging-eu-west-2", Key="k", Body=b"real")
    return Aws().region(REGION)


def reader(region: Region, seen: list[str]) -> Callable[[str], bytes | None]:
    def read(bucket: str) -> bytes | None:
        seen.append(bucket)
        return region.get_document(bucket, "k", 100)

    return read


def test_without_a_hint_the_parameter_names_the_bucket(region: Region) -> None:
    seen: list[str] = []

    assert in_bucket(region, BUCKET_PARAMETER, None, reader(region, seen)) == (
        "staging-eu-west-2",
        b"real",
    )
    assert seen == ["staging-eu-west-2"]


def test_a_right_hint_is_used_once(region: Region) -> None:
    seen: list[str] = []

    result = in_bucket(region, BUCKET_PARAMETER, "staging-eu-west-2", reader(region, seen))

    assert result == ("staging-eu-west-2", b"real")
    assert seen == ["staging-eu-west-2"]


def test_a_stale_hint_is_dropped_and_the_bucket_named_is_read(region: Region) -> None:
    aws_client("s3", REGION).create_bucket(
        Bucket="old-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    aws_client("s3", REGION).put_object(Bucket="old-bucket", Key="k", Body=b"stale")
    seen: list[str] = []

    result = in_bucket(region, BUCKET_PARAMETER, "old-bucket", reader(region, seen))

    assert result == ("staging-eu-west-2", b"real")
    assert seen == ["old-bucket", "staging-eu-west-2"]


def test_a_hint_naming_a_bucket_that_is_gone_costs_nothing_but_a_second_read(
    region: Region,
) -> None:
    seen: list[str] = []

    result = in_bucket(region, BUCKET_PARAMETER, "no-such-bucket-here", reader(region, seen))

    assert result == ("staging-eu-west-2", b"real")
    assert seen == ["no-such-bucket-here", "staging-eu-west-2"]


def test_a_right_hint_whose_read_fails_raises_that_failure(region: Region) -> None:
    aws_client("s3", REGION).delete_object(Bucket="staging-eu-west-2", Key="k")
    aws_client("s3", REGION).delete_bucket(Bucket="staging-eu-west-2")

    with pytest.raises(NotFoundError, match="bucket 'staging-eu-west-2' does not exist"):
        in_bucket(region, BUCKET_PARAMETER, "staging-eu-west-2", reader(region, []))


def test_a_missing_parameter_is_an_error_naming_it_and_what_to_do(region: Region) -> None:
    aws_client("ssm", REGION).delete_parameter(Name=BUCKET_PARAMETER)

    with pytest.raises(NotFoundError) as raised:
        in_bucket(region, BUCKET_PARAMETER, "staging-eu-west-2", reader(region, []))

    with pytest.raises(NotFoundError) as without_hint:
        bucket_name(region, BUCKET_PARAMETER)
    assert str(raised.value) == str(without_hint.value)
    assert str(raised.value).startswith(
        "bucket name parameter /buckets/staging does not exist in eu-west-2: deploy the "
        "organisation template there"
    )
