"""hatch_startifact.config.project: ``[tool.startifact]``, pyproject.toml, and precedence."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import botocore
import pytest

from hatch_startifact.config.project import (
    ProjectConfig,
    load_pyproject,
    parse_project_config,
    project_config_of,
)
from hatch_startifact.errors import InvalidInputError, StartifactError
from tests.helpers import problems_of

RESERVED = (
    "metadata key 'sha256' is reserved for hatch-startifact: choose another name (reserved: "
    "filename, metadata, project, sha256, size, staged_at, staged_by, version and keys "
    "starting with 'startifact')"
)


def write_pyproject(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "pyproject.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ---- parse_project_config: valid tables ---------------------------------------------------


def test_an_empty_table_sets_nothing() -> None:
    assert parse_project_config({}) == ProjectConfig(None, None, None, {})


def test_every_valid_key_is_read() -> None:
    config = parse_project_config(
        {
            "project": "Renamed_Lib",
            "regions": ["eu-west-2", "us-east-1"],
            "parameter": "/org/startifact",
            "metadata": {"team": "data", "ci": "github"},
        }
    )

    assert config == ProjectConfig(
        project="Renamed_Lib",
        regions=("eu-west-2", "us-east-1"),
        parameter="/org/startifact",
        metadata={"team": "data", "ci": "github"},
    )


def test_regions_may_be_a_comma_separated_string() -> None:
    config = parse_project_config({"regions": "eu-west-2, us-east-1,ap-south-1"})

    assert config.regions == ("eu-west-2", "us-east-1", "ap-south-1")


def test_regions_keep_their_order_without_duplicates() -> None:
    config = parse_project_config({"regions": ["eu-west-2", "us-east-1", "eu-west-2"]})

    assert config.regions == ("eu-west-2", "us-east-1")


# ---- parse_project_config: unknown keys ---------------------------------------------------


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("region", "regions"),
        ("metdata", "metadata"),
        ("projekt", "project"),
        ("params", "parameter"),
    ],
)
def test_an_unknown_key_near_a_valid_one_suggests_it(key: str, suggestion: str) -> None:
    assert problems_of(parse_project_config, {key: "x"}) == (
        f"tool.startifact.{key} is not an option (did you mean {suggestion!r}?)",
    )


def test_an_unknown_key_far_from_every_valid_one_lists_the_valid_keys() -> None:
    assert problems_of(parse_project_config, {"colour": "blue"}) == (
        "tool.startifact.colour is not an option "
        "(valid keys: project, regions, parameter, metadata, disable-plugins)",
    )


# ---- parse_project_config: wrong types and bad values ---------------------------------------


def test_a_parameter_that_is_not_a_string_names_the_path_type_and_value() -> None:
    assert problems_of(parse_project_config, {"parameter": 5}) == (
        "tool.startifact.parameter must be a string, not int (5)",
    )


def test_a_project_that_is_not_a_string_names_the_path_type_and_value() -> None:
    assert problems_of(parse_project_config, {"project": ["demo"]}) == (
        "tool.startifact.project must be a string, not list (['demo'])",
    )


def test_metadata_that_is_not_a_table_names_the_path_type_and_value() -> None:
    assert problems_of(parse_project_config, {"metadata": "team=data"}) == (
        "tool.startifact.metadata must be a table of strings, not str ('team=data')",
    )


@pytest.mark.parametrize(
    ("table", "path", "value"),
    [
        pytest.param({"parameter": 5}, "tool.startifact.parameter", 5, id="parameter"),
        pytest.param({"project": True}, "tool.startifact.project", True, id="project"),
        pytest.param({"metadata": ["team"]}, "tool.startifact.metadata", ["team"], id="metadata"),
        pytest.param(
            {"metadata": {"build": 5}}, "tool.startifact.metadata.build", 5, id="metadata-int"
        ),
        pytest.param(
            {"metadata": {"ci": {"name": "gh"}}},
            "tool.startifact.metadata.ci",
            {"name": "gh"},
            id="metadata-table",
        ),
        pytest.param({"regions": 5}, "tool.startifact.regions", 5, id="regions-int"),
        pytest.param(
            {"regions": ["us-east-1", 5]}, "tool.startifact.regions", 5, id="regions-item-int"
        ),
    ],
)
def test_every_wrong_type_names_the_full_toml_path_the_type_and_the_bad_value(
    table: dict[str, Any], path: str, value: object
) -> None:
    (problem,) = problems_of(parse_project_config, table)

    assert problem.startswith(path)
    assert type(value).__name__ in problem
    assert repr(value) in problem


def test_an_invalid_project_name_is_refused() -> None:
    assert problems_of(parse_project_config, {"project": "demo lib"}) == (
        "tool.startifact.project: invalid project name 'demo lib': use letters, digits, '.', "
        "'_' and '-', starting and ending with a letter or digit (PEP 508)",
    )


def test_a_string_that_is_no_region_name_is_refused() -> None:
    assert problems_of(parse_project_config, {"regions": "us-east-1,mars-1"}) == (
        "tool.startifact.regions: 'mars-1' is not an AWS region name (e.g. us-east-1)",
    )


def test_a_region_unknown_to_botocore_is_refused() -> None:
    assert problems_of(parse_project_config, {"regions": ["eu-north-9"]}) == (
        f"tool.startifact.regions: 'eu-north-9' is not a region known to botocore "
        f"{botocore.__version__} (upgrade boto3 if the region is new)",
    )


def test_an_empty_region_list_is_refused() -> None:
    assert problems_of(parse_project_config, {"regions": []}) == (
        "tool.startifact.regions: no regions given: name at least one region "
        "(e.g. us-east-1,eu-west-2)",
    )


def test_an_invalid_parameter_name_is_refused() -> None:
    assert problems_of(parse_project_config, {"parameter": "bad name"}) == (
        "tool.startifact.parameter: 'bad name' is not a valid SSM parameter name "
        "(letters, digits, _ . - /)",
    )


def test_a_reserved_metadata_key_is_refused_with_its_full_path() -> None:
    assert problems_of(parse_project_config, {"metadata": {"sha256": "abc"}}) == (
        f"tool.startifact.metadata.sha256: {RESERVED}",
    )


def test_a_metadata_key_with_the_reserved_prefix_is_refused() -> None:
    (problem,) = problems_of(parse_project_config, {"metadata": {"startifact-source": "ci"}})

    assert problem.startswith(
        "tool.startifact.metadata.startifact-source: metadata key 'startifact-source' is "
        "reserved for hatch-startifact: choose another name"
    )


def test_a_non_string_metadata_value_is_refused() -> None:
    (problem,) = problems_of(parse_project_config, {"metadata": {"build": 5}})

    assert problem.startswith("tool.startifact.metadata.build")
    assert "must be a string, not int" in problem


def test_every_problem_is_reported_at_once() -> None:
    table = {
        "region": "us-east-1",
        "project": "demo lib",
        "regions": "mars-1",
        "parameter": 5,
        "metadata": {"sha256": "abc", "team": "data"},
    }

    assert problems_of(parse_project_config, table) == (
        "tool.startifact.region is not an option (did you mean 'regions'?)",
        "tool.startifact.project: invalid project name 'demo lib': use letters, digits, '.', "
        "'_' and '-', starting and ending with a letter or digit (PEP 508)",
        "tool.startifact.regions: 'mars-1' is not an AWS region name (e.g. us-east-1)",
        "tool.startifact.parameter must be a string, not int (5)",
        f"tool.startifact.metadata.sha256: {RESERVED}",
    )


def test_the_error_message_joins_every_problem() -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_project_config({"regoins": "x", "parameter": 5})

    assert str(raised.value) == (
        "tool.startifact.regoins is not an option (did you mean 'regions'?); "
        "tool.startifact.parameter must be a string, not int (5)"
    )


# ---- load_pyproject ---------------------------------------------------------------------


def test_load_pyproject_parses_the_file_in_the_root(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        """
        [project]
        name = "demo-lib"

        [tool.startifact]
        regions = "eu-west-2"
        """,
    )

    assert load_pyproject(tmp_path) == {
        "project": {"name": "demo-lib"},
        "tool": {"startifact": {"regions": "eu-west-2"}},
    }


def test_load_pyproject_without_the_file_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(StartifactError) as raised:
        load_pyproject(tmp_path)

    assert str(raised.value) == (
        f"no pyproject.toml in {tmp_path}: run the command in the project's directory"
    )


def test_load_pyproject_with_invalid_toml_names_the_file_in_one_line(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, '[project]\nname = "demo-lib"\n[tool.startifact\n')

    with pytest.raises(StartifactError) as raised:
        load_pyproject(tmp_path)

    message = str(raised.value)
    assert message.startswith(f"{path} is not valid TOML: ")
    assert "line 3" in message
    assert "\n" not in message


# ---- project_config_of --------------------------------------------------------------------


def test_a_pyproject_without_tool_startifact_gives_the_defaults() -> None:
    config = project_config_of({"project": {"name": "demo-lib"}, "tool": {"hatch": {}}})

    assert config == ProjectConfig()
    assert (config.project, config.regions, config.parameter, dict(config.metadata)) == (
        None,
        None,
        None,
        {},
    )


def test_a_pyproject_without_any_tool_table_gives_the_defaults() -> None:
    assert project_config_of({"project": {"name": "demo-lib"}}) == ProjectConfig()


def test_tool_startifact_that_is_not_a_table_is_refused_naming_the_value() -> None:
    with pytest.raises(InvalidInputError) as raised:
        project_config_of({"tool": {"startifact": "eu-west-2"}})

    (problem,) = raised.value.problems
    assert problem.startswith("tool.startifact must be a table, not str")
    assert "'eu-west-2'" in problem


def test_project_config_of_reads_a_real_pyproject(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        """
        [project]
        name = "demo-lib"

        [tool.startifact]
        project = "renamed-lib"
        regions = ["eu-west-2", "us-east-1"]
        parameter = "/org/startifact"

        [tool.startifact.metadata]
        team = "data"
        """,
    )

    assert project_config_of(load_pyproject(tmp_path)) == ProjectConfig(
        "renamed-lib", ("eu-west-2", "us-east-1"), "/org/startifact", {"team": "data"}
    )


def test_project_config_of_reports_problems_with_their_toml_paths(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        """
        [tool.startifact]
        region = "eu-west-2"

        [tool.startifact.metadata]
        sha256 = "abc"
        """,
    )

    with pytest.raises(InvalidInputError) as raised:
        project_config_of(load_pyproject(tmp_path))

    assert raised.value.problems == (
        "tool.startifact.region is not an option (did you mean 'regions'?)",
        f"tool.startifact.metadata.sha256: {RESERVED}",
    )


# ---- disable-plugins ------------------------------------------------------------------------


def test_disable_plugins_is_read() -> None:
    config = parse_project_config({"disable-plugins": ["startifact.git", "release-manager"]})

    assert config.disable_plugins == ("startifact.git", "release-manager")


def test_disable_plugins_defaults_to_none_disabled() -> None:
    assert parse_project_config({}).disable_plugins == ()


def test_disable_plugins_is_read_from_pyproject_toml(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        """
        [tool.startifact]
        disable-plugins = ["startifact.git"]
        """,
    )

    config = project_config_of(load_pyproject(tmp_path))

    assert config.disable_plugins == ("startifact.git",)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("startifact.git", "'startifact.git'", id="string"),
        pytest.param(["startifact.git", 1], "['startifact.git', 1]", id="not-all-strings"),
        pytest.param({"startifact.git": True}, "{'startifact.git': True}", id="table"),
    ],
)
def test_disable_plugins_that_is_not_a_list_of_names_is_refused(value: object, shown: str) -> None:
    assert problems_of(parse_project_config, {"disable-plugins": value}) == (
        f"tool.startifact.disable-plugins must be a list of plugin names, not {shown}",
    )


def test_a_bad_disable_plugins_is_reported_with_the_other_problems() -> None:
    assert problems_of(
        parse_project_config, {"disable-plugins": "startifact.git", "parameter": 5}
    ) == (
        "tool.startifact.parameter must be a string, not int (5)",
        "tool.startifact.disable-plugins must be a list of plugin names, not 'startifact.git'",
    )


# ---- found by fuzzing (tests/test_fuzz.py) ------------------------------------------------


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        pytest.param("a\nb", '"a\\u000ab"', id="newline"),
        pytest.param("\x1b[2J", '"\\u001b[2J"', id="escape-sequence"),
        pytest.param("two words", '"two words"', id="space"),
        pytest.param('say "hi"', '"say \\"hi\\""', id="quotes"),
    ],
)
def test_an_unknown_key_that_is_not_bare_is_quoted_as_toml_writes_it(key: str, shown: str) -> None:
    assert problems_of(parse_project_config, {key: 1}) == (
        f"tool.startifact.{shown} is not an option "
        "(valid keys: project, regions, parameter, metadata, disable-plugins)",
    )


def test_a_metadata_key_that_is_not_bare_is_quoted_as_toml_writes_it() -> None:
    (problem,) = problems_of(parse_project_config, {"metadata": {"a\nb": "x"}})

    assert problem.startswith('tool.startifact.metadata."a\\u000ab": invalid metadata key ')
    assert "\n" not in problem


@pytest.mark.parametrize("tool", [1, "startifact", ["startifact"]])
def test_a_tool_that_is_not_a_table_is_refused_naming_the_value(tool: object) -> None:
    with pytest.raises(InvalidInputError) as raised:
        project_config_of({"tool": tool})

    assert raised.value.problems == (f"tool must be a table, not {type(tool).__name__} ({tool!r})",)


def test_load_pyproject_that_is_not_utf_8_is_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b"\xff\xfe[tool.startifact]\n")

    with pytest.raises(StartifactError) as raised:
        load_pyproject(tmp_path)

    assert str(raised.value) == (
        f"{path} is not valid TOML: 'utf-8' codec can't decode byte 0xff in position 0: "
        "invalid start byte; fix it and re-run"
    )


@pytest.mark.parametrize(
    "value", [pytest.param("[" * 5000, id="arrays"), pytest.param("{a=" * 3000, id="tables")]
)
def test_load_pyproject_nested_too_deeply_is_invalid_toml(tmp_path: Path, value: str) -> None:
    path = write_pyproject(tmp_path, f"[tool.startifact]\nproject = {value}\n")

    with pytest.raises(StartifactError) as raised:
        load_pyproject(tmp_path)

    # Python 3.11's tomllib overflows the stack (a RecursionError, said so); a newer tomllib or
    # tomli may refuse the nesting itself, with a message of its own.
    message = str(raised.value)
    assert message.startswith(f"{path} is not valid TOML: ")
    assert "\n" not in message
