"""The organisation configuration: format, validation, parameter name, loading from regions."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

import botocore
import pytest

from hatch_startifact.config.organisation import (
    OrganisationConfig,
    check_key_prefix,
    check_parameter_name,
    check_parameter_prefix,
    load_organisation,
    parse_organisation,
)
from hatch_startifact.errors import (
    AccessDeniedError,
    AwsError,
    ConfigurationError,
    EndpointError,
)

WHERE = "/startifact in us-east-1"

MISSING: Any = object()

#: As Startifact 1.x writes it: regions comma-separated, and keys this version does not know.
STARTIFACT_1X = {
    "bucket_key_prefix": "staging/",
    "bucket_name_param": "/buckets/staging",
    "parameter_name_prefix": "/staging",
    "regions": "us-east-1,eu-west-2",
    "save_ok": "true",
    "start_ok": "false",
}


def document(**overrides: Any) -> str:
    doc: dict[str, Any] = {
        "bucket_name_param": "/buckets/staging",
        "bucket_key_prefix": "",
        "parameter_name_prefix": "",
        "regions": "us-east-1",
    }
    doc.update(overrides)
    return json.dumps({k: v for k, v in doc.items() if v is not MISSING})


def invalid(*problems: str, where: str = WHERE) -> str:
    return (
        f"organisation configuration {where} is invalid: {'; '.join(problems)}. "
        "Fix it with `startifact setup`"
    )


# ---- parse_organisation -----------------------------------------------------------------


def test_parse_organisation_loads_a_startifact_1x_document() -> None:
    config = parse_organisation(json.dumps(STARTIFACT_1X), where=WHERE)

    assert config == OrganisationConfig(
        bucket_name_param="/buckets/staging",
        regions=("us-east-1", "eu-west-2"),
        bucket_key_prefix="staging/",
        parameter_name_prefix="/staging",
        extra={"save_ok": "true", "start_ok": "false"},
    )


def test_parse_organisation_keeps_unknown_keys_of_any_type() -> None:
    config = parse_organisation(document(future={"nested": [1, 2]}, flag=True), where=WHERE)

    assert config.extra == {"future": {"nested": [1, 2]}, "flag": True}


def test_parse_organisation_accepts_a_json_list_of_regions() -> None:
    config = parse_organisation(document(regions=["eu-west-2", "ap-south-1"]), where=WHERE)

    assert config.regions == ("eu-west-2", "ap-south-1")


def test_parse_organisation_defaults_the_prefixes_to_empty() -> None:
    text = document(bucket_key_prefix=MISSING, parameter_name_prefix=MISSING)

    config = parse_organisation(text, where=WHERE)

    assert (config.bucket_key_prefix, config.parameter_name_prefix) == ("", "")


def test_parse_organisation_reports_every_problem_at_once() -> None:
    text = document(
        bucket_name_param="buckets/staging",
        bucket_key_prefix="staging",
        parameter_name_prefix="staging/",
        regions="us-east-1,xx-nowhere-9",
    )

    with pytest.raises(ConfigurationError) as raised:
        parse_organisation(text, where=WHERE)

    assert str(raised.value) == invalid(
        "bucket_name_param: 'buckets/staging' is not a valid SSM parameter name: "
        "a path must start with '/'",
        "bucket_key_prefix: 'staging' must be empty or path segments each ending in '/' "
        "(e.g. staging/)",
        "parameter_name_prefix: 'staging/' must be empty, or start with '/' and not end "
        "with '/' (e.g. /staging)",
        f"regions: 'xx-nowhere-9' is not a region known to botocore {botocore.__version__} "
        "(upgrade boto3 if the region is new)",
    )


def test_parse_organisation_names_the_parameter_and_region_in_its_message() -> None:
    with pytest.raises(
        ConfigurationError, match=r"^organisation configuration /org/cfg in ap-south-1 "
    ):
        parse_organisation(document(regions=""), where="/org/cfg in ap-south-1")


def test_parse_organisation_reports_missing_required_keys() -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_organisation(json.dumps({}), where=WHERE)

    assert str(raised.value) == invalid("bucket_name_param: missing", "regions: missing")


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"bucket_name_param": None},
            "bucket_name_param: must be a non-empty string naming an SSM parameter "
            "(e.g. /buckets/staging)",
        ),
        (
            {"bucket_name_param": ""},
            "bucket_name_param: must be a non-empty string naming an SSM parameter "
            "(e.g. /buckets/staging)",
        ),
        ({"bucket_key_prefix": None}, "bucket_key_prefix: must be a string, not NoneType"),
        ({"parameter_name_prefix": 7}, "parameter_name_prefix: must be a string, not int"),
        (
            {"regions": 3},
            "regions: must be a comma-separated string or a list of regions, not int (3)",
        ),
        (
            {"regions": " , "},
            "regions: no regions given: name at least one region (e.g. us-east-1,eu-west-2)",
        ),
        ({"regions": "Mars"}, "regions: 'Mars' is not an AWS region name (e.g. us-east-1)"),
    ],
)
def test_parse_organisation_refuses_wrong_values(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_organisation(document(**overrides), where=WHERE)

    assert str(raised.value) == invalid(problem)


def test_parse_organisation_refuses_malformed_json() -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_organisation('{"regions": ', where=WHERE)

    message = str(raised.value)
    assert message.startswith(f"organisation configuration {WHERE} is not valid JSON (")
    assert message.endswith("): rewrite it with `startifact setup`")


def deeply(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(deeply(5000), id="too-deep-for-json-loads"),
        # Parsed, but formatting the value in a message (or writing it back) overflowed.
        pytest.param(document(regions=json.loads(deeply(900))), id="deep-regions"),
        pytest.param(document(save_ok=json.loads(deeply(900))), id="deep-unknown-key"),
        pytest.param(document(save_ok=json.loads(deeply(34))), id="just-too-deep"),
    ],
)
def test_parse_organisation_refuses_arrays_nested_too_deeply(text: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_organisation(text, where=WHERE)

    assert str(raised.value) == (
        f"organisation configuration {WHERE} nests arrays or objects more than 32 deep: "
        "rewrite it with `startifact setup`"
    )


def test_parse_organisation_keeps_unknown_keys_nested_up_to_the_limit() -> None:
    config = parse_organisation(document(save_ok=json.loads(deeply(32))), where=WHERE)

    assert config.extra == {"save_ok": json.loads(deeply(32))}


@pytest.mark.parametrize(
    ("text", "kind"), [("[]", "list"), ('"us-east-1"', "str"), ("null", "NoneType"), ("1", "int")]
)
def test_parse_organisation_refuses_json_that_is_not_an_object(text: str, kind: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_organisation(text, where=WHERE)

    assert str(raised.value) == (
        f"organisation configuration {WHERE} must be a JSON object, not {kind}: "
        "rewrite it with `startifact setup`"
    )


# ---- to_json ----------------------------------------------------------------------------


def test_to_json_writes_regions_comma_separated_as_startifact_1x() -> None:
    config = OrganisationConfig("/buckets/staging", ("us-east-1", "eu-west-2"))

    assert json.loads(config.to_json()) == {
        "bucket_key_prefix": "",
        "bucket_name_param": "/buckets/staging",
        "parameter_name_prefix": "",
        "regions": "us-east-1,eu-west-2",
    }


def test_to_json_keeps_unknown_keys() -> None:
    config = parse_organisation(json.dumps(STARTIFACT_1X), where=WHERE)

    assert json.loads(config.to_json()) == STARTIFACT_1X


def test_to_json_known_fields_win_over_extra_keys_of_the_same_name() -> None:
    config = OrganisationConfig("/b", ("us-east-1",), extra={"regions": "eu-west-2"})

    assert json.loads(config.to_json())["regions"] == "us-east-1"


def test_to_json_round_trips() -> None:
    config = OrganisationConfig(
        bucket_name_param="/buckets/staging",
        regions=("ap-south-1", "us-east-1"),
        bucket_key_prefix="a/b/",
        parameter_name_prefix="/org/staging",
        extra={"save_ok": "true", "other": [1, {"x": None}]},
    )

    assert parse_organisation(config.to_json(), where=WHERE) == config


def test_to_json_round_trips_a_document_with_a_list_of_regions_to_a_string() -> None:
    config = parse_organisation(document(regions=["us-east-1", "eu-west-2"]), where=WHERE)

    assert json.loads(config.to_json())["regions"] == "us-east-1,eu-west-2"


# ---- check_parameter_name ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["/startifact", "startifact", "/buckets/staging", "/a.b_c-d/E9", "x", "/awesome"]
)
def test_check_parameter_name_accepts_valid_names(name: str) -> None:
    assert check_parameter_name(name) is None


@pytest.mark.parametrize("name", [None, "", 5, ["/startifact"]])
def test_check_parameter_name_refuses_what_is_not_a_non_empty_string(name: object) -> None:
    assert check_parameter_name(name) == (
        "must be a non-empty string naming an SSM parameter (e.g. /buckets/staging)"
    )


@pytest.mark.parametrize("name", ["/has space", "/star*", "/caf\u00e9", "/a\x00b", "x" * 1012])
def test_check_parameter_name_refuses_bad_characters_and_length(name: str) -> None:
    assert check_parameter_name(name) == (
        f"{name!r} is not a valid SSM parameter name (letters, digits, _ . - /)"
    )


def test_check_parameter_name_refuses_a_trailing_newline() -> None:
    assert check_parameter_name("/startifact\n") == (
        "'/startifact\\n' is not a valid SSM parameter name (letters, digits, _ . - /)"
    )


def test_check_parameter_name_refuses_a_path_not_starting_with_a_slash() -> None:
    assert check_parameter_name("buckets/staging") == (
        "'buckets/staging' is not a valid SSM parameter name: a path must start with '/'"
    )


@pytest.mark.parametrize("name", ["/a//b", "/a/", "//a"])
def test_check_parameter_name_refuses_empty_path_segments(name: str) -> None:
    assert check_parameter_name(name) == (
        f"{name!r} is not a valid SSM parameter name: empty path segment"
    )


@pytest.mark.parametrize("name", ["aws", "/aws/x", "/AWS", "ssm-thing", "/Ssm/x", "/awsome"])
def test_check_parameter_name_refuses_the_aws_and_ssm_prefixes(name: str) -> None:
    assert check_parameter_name(name) == (
        f"{name!r} is not a valid SSM parameter name: names may not start with aws or ssm"
    )


# ---- check_key_prefix -------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "staging/", "a/b/", "a.b_c-d/", "x!*'()/"])
def test_check_key_prefix_accepts_empty_or_segments_ending_in_a_slash(prefix: str) -> None:
    assert check_key_prefix(prefix) is None


@pytest.mark.parametrize(
    "prefix",
    [
        "staging",
        "/",
        "/staging/",
        "a//",
        "a/b",
        "./",
        "../",
        "a/../",
        "a/./",
        "has space/",
        "\u00e9/",
    ],
)
def test_check_key_prefix_refuses_other_strings(prefix: str) -> None:
    assert check_key_prefix(prefix) == (
        f"{prefix!r} must be empty or path segments each ending in '/' (e.g. staging/)"
    )


def test_check_key_prefix_refuses_a_trailing_newline() -> None:
    assert check_key_prefix("staging/\n") == (
        "'staging/\\n' must be empty or path segments each ending in '/' (e.g. staging/)"
    )


@pytest.mark.parametrize(("prefix", "kind"), [(None, "NoneType"), (1, "int"), (["a/"], "list")])
def test_check_key_prefix_refuses_non_strings(prefix: object, kind: str) -> None:
    assert check_key_prefix(prefix) == f"must be a string, not {kind}"


# ---- check_parameter_prefix -------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/staging", "/org/staging", "/a.b_c-d"])
def test_check_parameter_prefix_accepts_empty_or_a_rooted_path(prefix: str) -> None:
    assert check_parameter_prefix(prefix) is None


@pytest.mark.parametrize("prefix", ["staging", "/staging/", "/", "staging/"])
def test_check_parameter_prefix_needs_a_leading_and_no_trailing_slash(prefix: str) -> None:
    assert check_parameter_prefix(prefix) == (
        f"{prefix!r} must be empty, or start with '/' and not end with '/' (e.g. /staging)"
    )


def test_check_parameter_prefix_refuses_empty_segments_as_a_prefix() -> None:
    assert check_parameter_prefix("/a//b") == (
        "'/a//b' is not a valid SSM parameter name prefix: empty path segment"
    )


def test_check_parameter_prefix_refuses_the_aws_prefix() -> None:
    assert check_parameter_prefix("/aws/x") == (
        "'/aws/x' is not a valid SSM parameter name prefix: names may not start with aws or ssm"
    )


def test_check_parameter_prefix_refuses_bad_characters() -> None:
    assert check_parameter_prefix("/a b") == (
        "'/a b' is not a valid SSM parameter name prefix (letters, digits, _ . - /)"
    )


@pytest.mark.parametrize(("prefix", "kind"), [(None, "NoneType"), (False, "bool")])
def test_check_parameter_prefix_refuses_non_strings(prefix: object, kind: str) -> None:
    assert check_parameter_prefix(prefix) == f"must be a string, not {kind}"


# ---- load_organisation ------------------------------------------------------------------

Outcome = str | None | AwsError


class FakeParameters:
    """A ``read(region, name)`` that answers from a table and records every call."""

    def __init__(self, outcomes: Mapping[str, Outcome]) -> None:
        self.outcomes = outcomes
        self.calls: list[tuple[str, str]] = []

    def __call__(self, region: str, name: str) -> str | None:
        self.calls.append((region, name))
        outcome = self.outcomes[region]
        if isinstance(outcome, AwsError):
            raise outcome
        return outcome


GOOD = document(regions="us-east-1,eu-west-2,ap-south-1")


def test_load_organisation_returns_the_configuration_and_its_region() -> None:
    read = FakeParameters({"eu-west-2": GOOD})

    config, region = load_organisation("/startifact", ["eu-west-2"], read)

    assert region == "eu-west-2"
    assert config == parse_organisation(GOOD, where="anywhere")
    assert read.calls == [("eu-west-2", "/startifact")]


def test_load_organisation_reads_the_named_parameter() -> None:
    read = FakeParameters({"us-east-1": GOOD})

    load_organisation("/org/startifact", ["us-east-1"], read)

    assert read.calls == [("us-east-1", "/org/startifact")]


def test_load_organisation_falls_back_past_failing_and_missing_regions() -> None:
    read = FakeParameters(
        {
            "us-east-1": EndpointError("could not connect", region="us-east-1"),
            "eu-west-2": None,
            "ap-south-1": GOOD,
            "us-west-2": AccessDeniedError("denied", region="us-west-2", resource="/startifact"),
        }
    )

    for seed in range(10):
        _, region = load_organisation("/startifact", list(read.outcomes), read, random.Random(seed))
        assert region == "ap-south-1"


def test_load_organisation_reads_regions_in_shuffled_order() -> None:
    candidates = ["us-east-1", "eu-west-2", "ap-south-1", "us-west-2", "eu-central-1"]
    read = FakeParameters(dict.fromkeys(candidates))
    expected = candidates.copy()
    random.Random(3).shuffle(expected)

    with pytest.raises(ConfigurationError):
        load_organisation("/startifact", candidates, read, random.Random(3))

    assert [region for region, _ in read.calls] == expected


def test_load_organisation_stops_at_an_invalid_document() -> None:
    read = FakeParameters(
        {"us-east-1": "not json", "eu-west-2": "not json", "ap-south-1": "not json"}
    )

    with pytest.raises(ConfigurationError) as raised:
        load_organisation("/startifact", list(read.outcomes), read, random.Random(0))

    assert len(read.calls) == 1
    region = read.calls[0][0]
    assert str(raised.value).startswith(
        f"organisation configuration /startifact in {region} is not valid JSON ("
    )


def test_load_organisation_does_not_fall_back_past_an_invalid_document() -> None:
    broken = json.dumps({"regions": "us-east-1"})
    read = FakeParameters({"us-east-1": broken, "eu-west-2": None})

    with pytest.raises(ConfigurationError) as raised:
        load_organisation("/startifact", ["us-east-1", "eu-west-2"], read, random.Random(0))

    assert str(raised.value) == invalid(
        "bucket_name_param: missing", where="/startifact in us-east-1"
    )


def test_load_organisation_lists_every_region_reason_when_none_has_it() -> None:
    read = FakeParameters(
        {
            "us-east-1": None,
            "eu-west-2": AccessDeniedError(
                "ssm:GetParameter denied on /startifact", region="eu-west-2"
            ),
            "ap-south-1": EndpointError("could not connect to ap-south-1", region="ap-south-1"),
        }
    )

    with pytest.raises(ConfigurationError) as raised:
        load_organisation("/startifact", list(read.outcomes), read)

    message = str(raised.value)
    assert message.startswith(
        "organisation configuration /startifact could not be read from any region ("
    )
    assert "us-east-1: not found" in message
    assert "eu-west-2: ssm:GetParameter denied on /startifact" in message
    assert "ap-south-1: could not connect to ap-south-1" in message
    assert message.endswith(
        "): run `startifact setup`, or check the parameter name (--parameter, -o parameter, "
        "STARTIFACT_PARAMETER or [tool.startifact]) and your credentials"
    )


def test_load_organisation_lists_reasons_in_the_order_it_tried_regions() -> None:
    read = FakeParameters({"us-east-1": None, "eu-west-2": None})

    with pytest.raises(ConfigurationError) as raised:
        load_organisation("/startifact", ["us-east-1", "eu-west-2"], read, random.Random(5))

    reasons = "; ".join(f"{region}: not found" for region, _ in read.calls)
    assert f"any region ({reasons}):" in str(raised.value)


def test_load_organisation_lets_other_errors_through() -> None:
    def read(region: str, name: str) -> str | None:
        raise RuntimeError("a bug, not an AWS failure")

    with pytest.raises(RuntimeError, match="a bug"):
        load_organisation("/startifact", ["us-east-1", "eu-west-2"], read)


def test_load_organisation_needs_a_candidate_region() -> None:
    read = FakeParameters({})

    with pytest.raises(ConfigurationError) as raised:
        load_organisation("/startifact", [], read)

    assert str(raised.value) == (
        "no region to read the organisation configuration from: set AWS_REGION or "
        "STARTIFACT_REGIONS (or name regions with --regions, -o regions or [tool.startifact])"
    )
    assert read.calls == []


# ---- buckets: the hint `startifact setup` writes -------------------------------------------


def test_the_buckets_hint_is_read_and_written_back_sorted() -> None:
    hinted = {"eu-west-2": "staging-eu-west-2", "ap-south-1": "staging-ap-south-1"}

    config = parse_organisation(document(buckets=hinted), where=WHERE)

    assert config.buckets == hinted
    assert json.loads(config.to_json())["buckets"] == dict(sorted(hinted.items()))


def test_without_buckets_none_are_hinted_and_none_are_written() -> None:
    config = parse_organisation(document(), where=WHERE)

    assert config.buckets == {}
    assert "buckets" not in json.loads(config.to_json())


@pytest.mark.parametrize(
    ("buckets", "problem"),
    [
        (["staging"], "must be an object of region names to bucket names, not list"),
        ({"eu-west-2": "Bad_Bucket"}, "eu-west-2: 'Bad_Bucket' is not an S3 bucket name"),
        ({"eu-west-2": 7}, "eu-west-2: 7 is not an S3 bucket name"),
    ],
)
def test_a_bad_buckets_hint_is_a_problem_like_any_other(buckets: object, problem: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_organisation(document(buckets=buckets), where=WHERE)

    assert f"buckets: {problem}" in str(raised.value)
