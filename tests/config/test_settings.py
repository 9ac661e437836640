"""hatch_startifact.config.settings: the one ranking of [tool.startifact], the environment and
the caller's flags, options or arguments."""

from __future__ import annotations

import pytest

from hatch_startifact.config.project import ProjectConfig
from hatch_startifact.config.settings import DEFAULT_PARAMETER, Settings, regions_from, resolve
from hatch_startifact.errors import UsageError

CONFIG = ProjectConfig(
    project=None,
    regions=("us-east-1",),
    parameter="/from/pyproject",
    metadata={"team": "data", "commit": "from-pyproject"},
    disable_plugins=("startifact.git",),
)
ENVIRON = {"STARTIFACT_REGIONS": "eu-west-2,ap-south-1", "STARTIFACT_PARAMETER": "/from/env"}


# ---- resolve: precedence ------------------------------------------------------------------


def test_tool_startifact_is_used_when_nothing_else_is_set() -> None:
    assert resolve(CONFIG, environ={}) == Settings(
        "/from/pyproject",
        ("us-east-1",),
        {"team": "data", "commit": "from-pyproject"},
        ("startifact.git",),
    )


def test_with_nothing_set_anywhere_the_organisation_chooses_the_regions() -> None:
    assert resolve(environ={}) == Settings(DEFAULT_PARAMETER, None, {}, ())
    assert DEFAULT_PARAMETER == "/startifact"


def test_the_environment_parameter_wins_over_tool_startifact() -> None:
    assert resolve(CONFIG, environ=ENVIRON).parameter == "/from/env"


def test_the_environment_regions_win_over_tool_startifact() -> None:
    assert resolve(CONFIG, environ=ENVIRON).regions == ("eu-west-2", "ap-south-1")


def test_startifact_regions_is_parsed_in_order_without_duplicates() -> None:
    environ = {"STARTIFACT_REGIONS": " ap-south-1 , eu-west-2,ap-south-1"}

    assert resolve(environ=environ).regions == ("ap-south-1", "eu-west-2")


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_environment_variable_counts_as_unset(value: str) -> None:
    settings = resolve(CONFIG, environ={"STARTIFACT_REGIONS": value, "STARTIFACT_PARAMETER": ""})

    assert (settings.regions, settings.parameter) == (("us-east-1",), "/from/pyproject")


def test_the_callers_values_win_over_the_environment_and_tool_startifact() -> None:
    settings = resolve(CONFIG, regions=("ap-south-1",), parameter="/from/flag", environ=ENVIRON)

    assert (settings.regions, settings.parameter) == (("ap-south-1",), "/from/flag")


def test_metadata_merges_key_by_key_with_the_caller_winning() -> None:
    settings = resolve(CONFIG, metadata={"commit": "abc123", "pipeline": "42"}, environ=ENVIRON)

    assert dict(settings.metadata) == {"team": "data", "commit": "abc123", "pipeline": "42"}
    assert dict(CONFIG.metadata) == {"team": "data", "commit": "from-pyproject"}  # unchanged


def test_disabled_plugins_add_up() -> None:
    settings = resolve(CONFIG, disable_plugins=["startifact.ci"], environ={})

    assert settings.disable_plugins == ("startifact.git", "startifact.ci")


def test_the_environment_is_read_from_os_environ_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STARTIFACT_PARAMETER", "/from/env")
    monkeypatch.setenv("STARTIFACT_REGIONS", "eu-west-2")

    assert (resolve().parameter, resolve().regions) == ("/from/env", ("eu-west-2",))


# ---- every bad value is named by where it came from ----------------------------------------


def test_a_bad_startifact_regions_is_a_usage_error_naming_the_variable() -> None:
    with pytest.raises(UsageError) as raised:
        resolve(environ={"STARTIFACT_REGIONS": "eu-west-2,xx-nowhere-1"})

    assert str(raised.value).startswith(
        "STARTIFACT_REGIONS: 'xx-nowhere-1' is not a region known to botocore "
    )
    assert str(raised.value).endswith(" (upgrade boto3 if the region is new)")


def test_startifact_regions_is_not_read_when_the_caller_named_regions() -> None:
    environ = {"STARTIFACT_REGIONS": "not a region"}

    assert resolve(regions=("us-east-1",), environ=environ).regions == ("us-east-1",)


@pytest.mark.parametrize(
    ("arguments", "environ", "message"),
    [
        (
            {"parameter": "no/slash"},
            {},
            "--parameter: 'no/slash' is not a valid SSM parameter name: a path must start with '/'",
        ),
        (
            {"parameter": "no/slash", "parameter_source": "-o parameter"},
            {},
            "-o parameter: 'no/slash' is not a valid SSM parameter name: a path must start "
            "with '/'",
        ),
        (
            {},
            {"STARTIFACT_PARAMETER": "/aws/startifact"},
            "STARTIFACT_PARAMETER: '/aws/startifact' is not a valid SSM parameter name: names "
            "may not start with aws or ssm",
        ),
    ],
)
def test_a_bad_parameter_name_is_a_usage_error_naming_its_source(
    arguments: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(UsageError) as raised:
        resolve(environ=environ, **arguments)  # type: ignore[arg-type]

    assert str(raised.value) == message


def test_a_parameter_from_a_higher_source_hides_a_bad_lower_one() -> None:
    environ = {"STARTIFACT_PARAMETER": "no/slash"}

    assert resolve(parameter="/good", environ=environ).parameter == "/good"


# ---- regions_from ------------------------------------------------------------------------


def test_regions_from_accepts_a_string_or_a_list() -> None:
    assert regions_from("eu-west-2,us-east-1", "--regions") == ("eu-west-2", "us-east-1")
    assert regions_from(["eu-west-2"], "regions") == ("eu-west-2",)


def test_regions_from_names_the_source_and_every_bad_region() -> None:
    with pytest.raises(UsageError) as raised:
        regions_from("us-east-1,nowhere,us_east_1", "--regions")

    assert str(raised.value) == (
        "--regions: 'nowhere' is not an AWS region name (e.g. us-east-1); "
        "'us_east_1' is not an AWS region name (e.g. us-east-1)"
    )


def test_regions_from_refuses_explicitly_empty_regions() -> None:
    with pytest.raises(UsageError) as raised:
        regions_from(" , ", "--regions")

    assert str(raised.value) == (
        "--regions: no regions given: name at least one region (e.g. us-east-1,eu-west-2)"
    )
