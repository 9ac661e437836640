"""hatch_startifact.admin.setup: building and writing the organisation configuration."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from hatch_startifact.admin.setup import (
    Existing,
    RegionSetup,
    build_config,
    read_existing,
    write_everywhere,
)
from hatch_startifact.aws import Aws
from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import UsageError
from tests.helpers import (
    REGIONS,
    MakeOrganisation,
    aws_client,
    boto3_session,
    register,
    ssm_error,
    write_configuration,
)

EXISTING = {
    "bucket_name_param": "/buckets/old",
    "bucket_key_prefix": "old/",
    "parameter_name_prefix": "/old",
    "regions": "us-east-1",
    "save_ok": True,
}


@pytest.fixture
def session(mocked: None) -> boto3.Session:
    return boto3_session()


@pytest.fixture
def aws(session: boto3.Session) -> Iterator[Aws]:
    aws = Aws(session)
    yield aws
    aws.close()


def parameter(region: str, name: str = "/startifact") -> str | None:
    ssm = aws_client("ssm", region)
    try:
        return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


#: A ``before-send`` handler denying the call.
denied = ssm_error("AccessDeniedException")


# ---- build_config -------------------------------------------------------------------------


def test_build_config_takes_flags_over_existing_values_and_keeps_the_rest() -> None:
    config = build_config(
        EXISTING,
        regions="eu-west-2, us-east-1",
        bucket_parameter=None,
        key_prefix="new/",
        parameter_prefix=None,
    )

    assert config == OrganisationConfig(
        "/buckets/old", ("eu-west-2", "us-east-1"), "new/", "/old", {"save_ok": True}
    )


def test_build_config_clears_prefixes_given_as_empty_strings() -> None:
    config = build_config(
        EXISTING, regions=None, bucket_parameter=None, key_prefix="", parameter_prefix=""
    )

    assert (config.bucket_key_prefix, config.parameter_name_prefix) == ("", "")


def test_build_config_keeps_unknown_keys_in_the_written_document() -> None:
    config = build_config(
        {**EXISTING, "future": {"nested": [1]}},
        regions=None,
        bucket_parameter="/buckets/new",
        key_prefix=None,
        parameter_prefix=None,
    )

    assert json.loads(config.to_json()) == {
        "bucket_name_param": "/buckets/new",
        "bucket_key_prefix": "old/",
        "parameter_name_prefix": "/old",
        "regions": "us-east-1",
        "save_ok": True,
        "future": {"nested": [1]},
    }


def test_build_config_without_existing_values_defaults_prefixes_to_empty() -> None:
    config = build_config(
        None,
        regions="us-east-1",
        bucket_parameter="/buckets/staging",
        key_prefix=None,
        parameter_prefix=None,
    )

    assert config == OrganisationConfig("/buckets/staging", ("us-east-1",), "", "", {})


def test_build_config_names_every_missing_flag_at_once() -> None:
    with pytest.raises(UsageError) as raised:
        build_config(
            None, regions=None, bucket_parameter=None, key_prefix=None, parameter_prefix=None
        )

    assert str(raised.value) == (
        "--regions: missing (e.g. --regions us-east-1,eu-west-2); "
        "--bucket-parameter: missing (e.g. --bucket-parameter /buckets/staging)"
    )


def test_build_config_reports_every_bad_flag_at_once() -> None:
    with pytest.raises(UsageError) as raised:
        build_config(
            EXISTING,
            regions="us-east-1,nowhere",
            bucket_parameter="bad name",
            key_prefix="no-slash",
            parameter_prefix="/trailing/",
        )

    assert str(raised.value) == (
        "--regions: 'nowhere' is not an AWS region name (e.g. us-east-1); "
        "--bucket-parameter: 'bad name' is not a valid SSM parameter name "
        "(letters, digits, _ . - /); "
        "--key-prefix: 'no-slash' must be empty or path segments each ending in '/' "
        "(e.g. staging/); "
        "--parameter-prefix: '/trailing/' must be empty, or start with '/' and not end "
        "with '/' (e.g. /staging)"
    )


def test_build_config_reports_bad_existing_values_under_the_flag_that_fixes_them() -> None:
    with pytest.raises(UsageError) as raised:
        build_config(
            {**EXISTING, "bucket_key_prefix": "broken"},
            regions=None,
            bucket_parameter=None,
            key_prefix=None,
            parameter_prefix=None,
        )

    assert str(raised.value) == (
        "--key-prefix: 'broken' must be empty or path segments each ending in '/' (e.g. staging/)"
    )


# ---- read_existing ------------------------------------------------------------------------


def test_read_existing_returns_the_document_from_a_region_that_has_one(aws: Aws) -> None:
    write_configuration(EXISTING, regions=("ap-south-1",))

    assert read_existing(aws, "/startifact", REGIONS) == Existing(EXISTING)


def test_read_existing_finds_nothing_when_no_region_has_a_configuration(aws: Aws) -> None:
    assert read_existing(aws, "/startifact", REGIONS) == Existing(None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "{not json",
            "is not JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
            "(char 1))",
        ),
        ('["a", "list"]', "is not a JSON object"),
        ('"a string"', "is not a JSON object"),
    ],
)
def test_read_existing_treats_a_broken_configuration_as_absent_and_says_why(
    aws: Aws, text: str, problem: str
) -> None:
    write_configuration(text, regions=("eu-west-2",))

    assert read_existing(aws, "/startifact", REGIONS) == Existing(
        None, broken=f"/startifact in eu-west-2 {problem}"
    )


def denied_message(region: str, name: str = "/startifact") -> str:
    return (
        f"{region}: access denied in {region}: ssm:GetParameter on "
        f"arn:aws:ssm:{region}:*:parameter{name} is not allowed "
        "(granted by AllowRead, AllowWrite or AllowConfigure)"
    )


def test_read_existing_names_the_regions_it_may_not_read(session: boto3.Session) -> None:
    write_configuration(EXISTING, regions=("eu-west-2",))
    register(session, "before-send.ssm.GetParameter", deny_in("eu-west-2"))

    assert read_existing(Aws(session), "/startifact", REGIONS) == Existing(
        None, unreadable=(denied_message("eu-west-2"),)
    )


def test_read_existing_passes_over_a_region_it_may_not_read(session: boto3.Session) -> None:
    write_configuration(EXISTING)
    register(session, "before-send.ssm.GetParameter", deny_in("us-east-1"))

    found = read_existing(Aws(session), "/startifact", REGIONS)

    assert found.document == EXISTING
    assert found.unreadable in {(), (denied_message("us-east-1"),)}  # regions are shuffled


# ---- write_everywhere ---------------------------------------------------------------------


def deny_in(region: str) -> Callable[..., AWSResponse | None]:
    """A ``before-send`` handler that denies the call in ``region`` only."""

    def handler(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        return denied(request) if f".{region}." in request.url else None

    return handler


CONFIG = OrganisationConfig("/buckets/staging", REGIONS, "artifacts/", "/staging", {"x": 1})


def test_write_everywhere_writes_the_configuration_to_every_region(
    aws: Aws, make_organisation: MakeOrganisation
) -> None:
    make_organisation()

    results = write_everywhere(aws, "/startifact", CONFIG)

    assert results == [RegionSetup(region, True) for region in REGIONS]
    hinted = replace(CONFIG, buckets={r: f"staging-{r}" for r in REGIONS})
    assert [parameter(region) for region in REGIONS] == [hinted.to_json()] * 3
    assert json.loads(hinted.to_json())["buckets"] == {r: f"staging-{r}" for r in REGIONS}


def test_write_everywhere_warns_about_a_missing_bucket_name_parameter_or_bucket(
    aws: Aws, make_organisation: MakeOrganisation
) -> None:
    make_organisation(without_parameter=("eu-west-2",), without_bucket=("ap-south-1",))

    results = write_everywhere(aws, "/startifact", CONFIG)

    assert results == [
        RegionSetup("us-east-1", True),
        RegionSetup(
            "eu-west-2",
            True,
            warnings=(
                "eu-west-2: bucket name parameter /buckets/staging does not exist in "
                "eu-west-2: deploy the organisation template there (startifact iam template), "
                "or leave eu-west-2 out of the organisation's regions (startifact setup "
                "--regions)",
            ),
        ),
        RegionSetup(
            "ap-south-1",
            True,
            warnings=(
                "ap-south-1: bucket 'staging-ap-south-1' (from /buckets/staging) does not exist; "
                "create it before staging",
            ),
        ),
    ]
    # a bucket is named where its parameter could be read, even if it is not there yet
    hinted = replace(
        CONFIG, buckets={"us-east-1": "staging-us-east-1", "ap-south-1": "staging-ap-south-1"}
    )
    assert [parameter(region) for region in REGIONS] == [hinted.to_json()] * 3


def test_write_everywhere_with_only_the_configure_grant_warns_that_it_could_not_verify(
    session: boto3.Session, make_organisation: MakeOrganisation
) -> None:
    make_organisation()

    def deny_bucket_parameter(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        return denied(request) if b"/buckets/staging" in (request.body or b"") else None

    register(session, "before-send.ssm.GetParameter", deny_bucket_parameter)

    results = write_everywhere(Aws(session), "/startifact", CONFIG)

    assert [(r.region, r.written, r.error) for r in results] == [(r, True, None) for r in REGIONS]
    assert [r.warnings for r in results] == [
        (
            f"could not verify the bucket in {region}: access denied in {region}: ssm:GetParameter "
            f"on arn:aws:ssm:{region}:*:parameter/buckets/staging is not allowed (granted by "
            "AllowRead, AllowWrite or AllowConfigure)",
        )
        for region in REGIONS
    ]


def test_write_everywhere_reports_a_region_it_may_not_write(
    session: boto3.Session, make_organisation: MakeOrganisation
) -> None:
    make_organisation()

    register(session, "before-send.ssm.PutParameter", deny_in("eu-west-2"))

    results = write_everywhere(Aws(session), "/startifact", CONFIG)

    assert results[1] == RegionSetup(
        "eu-west-2",
        False,
        "access denied in eu-west-2: ssm:PutParameter on "
        "arn:aws:ssm:eu-west-2:*:parameter/startifact is not allowed (granted by AllowWrite "
        "(or AllowConfigure for the configuration parameter))",
    )
    assert [(r.region, r.written) for r in results] == [
        ("us-east-1", True),
        ("eu-west-2", False),
        ("ap-south-1", True),
    ]
