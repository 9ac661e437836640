"""hatch_startifact.hatch_plugin.options: ``hatch publish -p startifact -o KEY=VALUE``."""

from __future__ import annotations

import pytest

from hatch_startifact.hatch_plugin.options import PublishOptions, parse_options
from tests.helpers import problems_of

RESERVED_SHA256 = (
    "-o metadata.sha256: metadata key 'sha256' is reserved for hatch-startifact: choose "
    "another name (reserved: filename, metadata, project, sha256, size, staged_at, staged_by, "
    "version and keys starting with 'startifact')"
)


def test_no_options_give_the_defaults() -> None:
    assert parse_options({}) == PublishOptions(
        dry_run=False, regions=None, parameter=None, metadata={}
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("", True, id="bare"),
        pytest.param("true", True, id="true"),
        pytest.param("1", True, id="1"),
        pytest.param("TRUE", True, id="upper-case"),
        pytest.param("false", False, id="false"),
        pytest.param("0", False, id="0"),
    ],
)
def test_dry_run_accepts_true_and_false_spellings(value: str, expected: bool) -> None:
    assert parse_options({"dry-run": value}).dry_run is expected


def test_dry_run_with_any_other_value_is_refused() -> None:
    assert problems_of(parse_options, {"dry-run": "maybe"}) == (
        "-o dry-run=maybe: expected true or false",
    )


def test_regions_are_split_on_commas() -> None:
    assert parse_options({"regions": "eu-west-2, us-east-1"}).regions == (
        "eu-west-2",
        "us-east-1",
    )


def test_a_bad_region_is_refused() -> None:
    assert problems_of(parse_options, {"regions": "us-east-1,mars-1"}) == (
        "-o regions: 'mars-1' is not an AWS region name (e.g. us-east-1)",
    )


def test_empty_regions_are_refused() -> None:
    assert problems_of(parse_options, {"regions": ""}) == (
        "-o regions: no regions given: name at least one region (e.g. us-east-1,eu-west-2)",
    )


def test_parameter_is_read() -> None:
    assert parse_options({"parameter": "/org/startifact"}).parameter == "/org/startifact"


def test_a_bad_parameter_name_is_refused() -> None:
    assert problems_of(parse_options, {"parameter": "bad name"}) == (
        "-o parameter: 'bad name' is not a valid SSM parameter name (letters, digits, _ . - /)",
    )


def test_each_metadata_option_adds_one_key() -> None:
    options = parse_options(
        {"metadata.commit": "abc123", "metadata.team": "data", "metadata.url": "a=b"}
    )

    assert dict(options.metadata) == {"commit": "abc123", "team": "data", "url": "a=b"}


def test_a_reserved_metadata_key_is_refused() -> None:
    assert problems_of(parse_options, {"metadata.sha256": "abc"}) == (RESERVED_SHA256,)


def test_a_metadata_key_with_the_reserved_prefix_is_refused() -> None:
    (problem,) = problems_of(parse_options, {"metadata.startifact.source": "ci"})

    assert problem.startswith(
        "-o metadata.startifact.source: metadata key 'startifact.source' is reserved for "
        "hatch-startifact: choose another name"
    )


def test_an_empty_metadata_key_is_refused() -> None:
    assert problems_of(parse_options, {"metadata.": "x"}) == (
        "-o metadata.: invalid metadata key '': use up to 128 letters, digits, '.', '_' and "
        "'-', starting with a letter or digit",
    )


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("dryrun", "dry-run"), ("dry_run", "dry-run"), ("region", "regions")],
)
def test_an_unknown_option_near_a_valid_one_suggests_it(key: str, suggestion: str) -> None:
    assert problems_of(parse_options, {key: "x"}) == (
        f"-o {key} is not an option (did you mean {suggestion!r}?)",
    )


def test_metadata_without_a_key_suggests_the_metadata_form() -> None:
    assert problems_of(parse_options, {"metadata": "commit=abc"}) == (
        "-o metadata is not an option (did you mean 'metadata.KEY'?)",
    )


def test_an_unknown_option_far_from_every_valid_one_lists_the_valid_options() -> None:
    assert problems_of(parse_options, {"verbose": ""}) == (
        "-o verbose is not an option (valid keys: dry-run, regions, parameter, metadata.KEY, "
        "disable-plugins)",
    )


def test_the_options_hatch_adds_itself_are_accepted() -> None:
    options = parse_options({"no_prompt": True, "initialize_auth": False, "dry-run": ""})

    assert options == PublishOptions(dry_run=True)


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(
        parse_options,
        {
            "no_prompt": False,
            "initialize_auth": False,
            "dry-run": "maybe",
            "regions": "mars-1",
            "parameter": "bad name",
            "metadata.sha256": "abc",
            "metadata.team": "data",
            "dryrun": "",
        },
    )

    assert problems == (
        "-o dry-run=maybe: expected true or false",
        "-o regions: 'mars-1' is not an AWS region name (e.g. us-east-1)",
        "-o parameter: 'bad name' is not a valid SSM parameter name (letters, digits, _ . - /)",
        RESERVED_SHA256,
        "-o dryrun is not an option (did you mean 'dry-run'?)",
    )


# ---- disable-plugins ------------------------------------------------------------------------


def test_disable_plugins_is_split_on_commas() -> None:
    assert parse_options({"disable-plugins": "a,b"}).disable_plugins == ("a", "b")


def test_disable_plugins_ignores_blanks_around_and_between_names() -> None:
    options = parse_options({"disable-plugins": " startifact.git , ,release-manager,"})

    assert options.disable_plugins == ("startifact.git", "release-manager")


def test_no_plugins_are_disabled_by_default() -> None:
    assert parse_options({}).disable_plugins == ()


def test_disable_plugins_goes_with_the_other_options() -> None:
    options = parse_options({"disable-plugins": "startifact.ci", "dry-run": "", "no_prompt": True})

    assert options == PublishOptions(dry_run=True, disable_plugins=("startifact.ci",))


# ---- found by fuzzing (tests/test_fuzz.py) ------------------------------------------------


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"dry-run": "tr\nue"}, "-o dry-run='tr\\nue': expected true or false"),
        ({"regions\n": "x"}, "-o 'regions\\n' is not an option (did you mean 'regions'?)"),
        (
            {"\x1b[2J": ""},
            "-o '\\x1b[2J' is not an option (valid keys: dry-run, regions, "
            "parameter, metadata.KEY, disable-plugins)",
        ),
    ],
)
def test_an_option_with_unprintable_characters_is_quoted_so_its_problem_is_one_line(
    options: dict[str, object], problem: str
) -> None:
    assert problems_of(parse_options, options) == (problem,)


def test_a_metadata_option_with_a_newline_in_its_key_is_quoted_so_its_problem_is_one_line() -> None:
    (problem,) = problems_of(parse_options, {"metadata.a\nb": "x"})

    assert problem.startswith("-o 'metadata.a\\nb': invalid metadata key 'a\\nb': ")
    assert "\n" not in problem
