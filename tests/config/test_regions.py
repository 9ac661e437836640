"""Region names: parsed from a string or a list, checked against botocore, shuffled."""

from __future__ import annotations

import random

import botocore
import pytest

from hatch_startifact.aws import known_regions
from hatch_startifact.config.regions import check_region, parse_regions, shuffled

UNKNOWN = (
    f"'xx-nowhere-9' is not a region known to botocore {botocore.__version__} "
    "(upgrade boto3 if the region is new)"
)
NO_REGIONS = "no regions given: name at least one region (e.g. us-east-1,eu-west-2)"


def malformed(name: str) -> str:
    return f"{name!r} is not an AWS region name (e.g. us-east-1)"


# ---- check_region -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["us-east-1", "eu-west-2", "ap-south-1", "us-gov-west-1"])
def test_check_region_accepts_known_regions(name: str) -> None:
    assert check_region(name) is None


def test_check_region_accepts_every_region_botocore_knows() -> None:
    refused = {name: p for name in sorted(known_regions()) if (p := check_region(name))}

    assert refused == {}


def test_known_regions_span_partitions() -> None:
    assert {"us-east-1", "cn-north-1", "us-gov-west-1"} <= known_regions()


def test_check_region_refuses_a_well_formed_unknown_region() -> None:
    assert check_region("xx-nowhere-9") == UNKNOWN


@pytest.mark.parametrize(
    "name",
    [
        "",
        "US-EAST-1",
        "useast1",
        "us-east",
        "us-east-",
        "us_east_1",
        "us-east-123",
        " us-east-1",
        "us-east-1/",
        "1-east-1",
    ],
)
def test_check_region_refuses_malformed_names(name: str) -> None:
    assert check_region(name) == malformed(name)


# ---- parse_regions ----------------------------------------------------------------------


def test_parse_regions_from_a_comma_separated_string() -> None:
    assert parse_regions("us-east-1,eu-west-2") == (("us-east-1", "eu-west-2"), [])


def test_parse_regions_strips_whitespace_and_skips_empty_items_in_a_string() -> None:
    assert parse_regions(" us-east-1 , eu-west-2,,\tap-south-1 ,") == (
        ("us-east-1", "eu-west-2", "ap-south-1"),
        [],
    )


def test_parse_regions_from_a_list() -> None:
    assert parse_regions(["eu-west-2", " us-east-1 "]) == (("eu-west-2", "us-east-1"), [])


def test_parse_regions_from_a_tuple() -> None:
    assert parse_regions(("ap-south-1",)) == (("ap-south-1",), [])


def test_parse_regions_removes_duplicates_keeping_first_order() -> None:
    assert parse_regions("eu-west-2,us-east-1,eu-west-2, us-east-1,ap-south-1") == (
        ("eu-west-2", "us-east-1", "ap-south-1"),
        [],
    )


def test_parse_regions_removes_duplicates_from_a_list() -> None:
    assert parse_regions(["us-east-1", "us-east-1 "]) == (("us-east-1",), [])


@pytest.mark.parametrize("value", ["", " , ,", [], ()])
def test_parse_regions_refuses_empty_input(value: object) -> None:
    assert parse_regions(value) == ((), [NO_REGIONS])


def test_parse_regions_reports_an_unknown_region() -> None:
    regions, problems = parse_regions("us-east-1,xx-nowhere-9")

    assert regions == ("us-east-1", "xx-nowhere-9")
    assert problems == [UNKNOWN]


def test_parse_regions_reports_every_problem_at_once() -> None:
    _, problems = parse_regions("US-EAST-1,us-east-1,xx-nowhere-9,eu_west_2")

    assert problems == [malformed("US-EAST-1"), UNKNOWN, malformed("eu_west_2")]


def test_parse_regions_reports_an_empty_item_in_a_list() -> None:
    _, problems = parse_regions(["us-east-1", "  "])

    assert problems == [malformed("")]


@pytest.mark.parametrize(
    ("value", "kind"), [(None, "NoneType"), (42, "int"), ({"us-east-1": True}, "dict")]
)
def test_parse_regions_refuses_other_types(value: object, kind: str) -> None:
    assert parse_regions(value) == (
        (),
        [f"must be a comma-separated string or a list of regions, not {kind} ({value!r})"],
    )


def test_parse_regions_refuses_a_list_holding_something_other_than_strings() -> None:
    regions, problems = parse_regions(["us-east-1", 5])

    assert regions == ()
    assert len(problems) == 1
    assert problems == ["every region must be a string, not int (5)"]


# ---- shuffled ---------------------------------------------------------------------------

MANY = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "ap-south-1",
    "ap-northeast-1",
    "sa-east-1",
)


def test_shuffled_keeps_every_element() -> None:
    result = shuffled(MANY)

    assert sorted(result) == sorted(MANY)
    assert len(result) == len(MANY)


def test_shuffled_returns_a_new_list_and_leaves_its_input_alone() -> None:
    original = list(MANY)

    result = shuffled(original, random.Random(1))

    assert original == list(MANY)
    assert result is not original


def test_shuffled_is_deterministic_with_a_seeded_random() -> None:
    assert shuffled(MANY, random.Random(7)) == shuffled(MANY, random.Random(7))


def test_shuffled_uses_the_given_random() -> None:
    expected = list(MANY)
    random.Random(7).shuffle(expected)

    assert shuffled(MANY, random.Random(7)) == expected


def test_shuffled_changes_the_order_for_some_seed() -> None:
    orders = {tuple(shuffled(MANY, random.Random(seed))) for seed in range(5)}

    assert len(orders) > 1


def test_shuffled_of_nothing_is_empty() -> None:
    assert shuffled((), random.Random(0)) == []
