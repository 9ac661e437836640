"""Hostile input, fuzzed with hypothesis (issue 7, "Reliability").

Every kind of input that a user, a CI script or anyone with write access to a bucket controls is
fuzzed: project names, versions, metadata keys and values, file names, the organisation
configuration JSON, ``[tool.startifact]`` tables, ``-o`` options, the command line, and index and
metadata documents read back from a bucket. Each case must end in a valid value or one clear
`StartifactError` (non-empty, one line, nothing that garbles a terminal), never another
exception, and never write an object or parameter outside the project's own keys.

Every example run is counted in the run's reliability tally as "hostile inputs tried".
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import posixpath
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from hatch_startifact import cli
from hatch_startifact.config.organisation import (
    check_parameter_name,
    parse_organisation,
)
from hatch_startifact.config.project import (
    ProjectConfig,
    load_pyproject,
    parse_project_config,
    project_config_of,
)
from hatch_startifact.config.regions import check_region
from hatch_startifact.errors import InvalidInputError, StartifactError
from hatch_startifact.hatch_plugin.options import PublishOptions, parse_options
from hatch_startifact.session import Session
from hatch_startifact.staging.artifacts import Artifact, check_paths
from hatch_startifact.staging.request import check_inputs
from hatch_startifact.store.index import FORMAT, ProjectIndex
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.metadata import StagedFile, metadata_document, parse_metadata_document
from hatch_startifact.store.names import (
    DOCUMENT_FIELDS,
    METADATA_SUFFIX,
    check_filename,
    check_metadata,
    check_metadata_item,
    check_project,
    check_version,
    is_normalised_version,
    parse_stored_version,
    require_project,
    require_version,
    split_metadata_pairs,
)
from tests.helpers import (
    MakeOrganisation,
    Organisation,
    Tally,
    aws_client,
    boto3_session,
    examples,
    sha256,
)

pytestmark = pytest.mark.filterwarnings(
    # Hypothesis warns when it builds the repr of a long example (texts thousands long are meant).
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

TRIED = "hostile inputs tried"
#: Examples per pure (in-memory) property; those that talk to moto run far fewer.
PURE = examples(300)

# ---- strategies ---------------------------------------------------------------------------

#: The nastiest inputs known: tried first, as explicit examples, by every text-taking test.
NASTY = (
    "",
    " ",
    "\t",
    "\x00",
    "a\x00b",
    "\n",
    "1.0\n",
    "a\nb",
    "a\rb",
    "a\u2028b",
    "\x1b[2J",
    ".",
    "..",
    "...",
    "../x",
    "../../etc/passwd",
    "a/b",
    "/",
    "a\\b",
    "latest",
    "index.json",
    "a.whl.metadata.json",
    "startifact",
    "sha256",
    "\u017f",  # LATIN SMALL LETTER LONG S: matches "s" in a case-insensitive regex
    "\u212a",  # KELVIN SIGN: matches "k" in a case-insensitive regex
    "é",
    "😀",
    "\udcff",  # a lone surrogate, as os.fsdecode makes of an undecodable byte in argv
    "\u0661",  # ARABIC-INDIC DIGIT ONE: a digit to \d, not to PEP 440
    "x" * 5000,
    "1" * 5000,  # more digits than int() converts by default
    "1." + "9" * 4400,
)

#: Every code point, lone surrogates included (``st.text()`` leaves those out).
WILD = st.characters(exclude_categories=())


def repeat(text: str, times: int) -> str:
    return text * times


hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.text(WILD, max_size=30),
    st.builds(repeat, st.text(min_size=1, max_size=3), st.integers(100, 3000)),
)


def spliced(plausible: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A plausible value with hostile text spliced into it."""
    return st.tuples(plausible, hostile, plausible).map("".join)


def like(plausible: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Plausible values, hostile text, and the two spliced together."""
    return st.one_of(plausible, hostile, spliced(plausible))


def nasty_examples(name: str, *extra: object, **others: object) -> Callable[[F], F]:
    """Add every `NASTY` string (and ``extra``) as an explicit example for parameter ``name``,
    with ``others`` as the other parameters."""

    def decorate(test: F) -> F:
        for case in (*NASTY, *extra):
            test = example(**{name: case}, **others)(test)
        return test

    return decorate


def deep(depth: int, value: str = "[]") -> str:
    """JSON or TOML arrays nested ``depth`` deep around ``value``."""
    return "[" * depth + value + "]" * depth


projects = like(st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?", fullmatch=True))
versions = like(
    st.from_regex(
        r"\s?v?(\d{1,3}!)?\d{1,4}(\.\d{1,4}){0,3}"
        r"([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d{0,3})?"
        r"([-_.]?(post|rev|r)[-_.]?\d{0,3}|-\d{1,3})?"
        r"([-_.]?dev[-_.]?\d{0,3})?"
        r"(\+[a-zA-Z0-9]{1,5}([-_.][a-zA-Z0-9]{1,5}){0,2})?\s?",
        fullmatch=True,
    )
)
filenames = st.one_of(
    like(st.from_regex(r"[A-Za-z0-9._+\-=~,@()!]{1,40}", fullmatch=True)),
    st.from_regex(r"[a-z]{1,8}", fullmatch=True).map(lambda n: n + METADATA_SUFFIX),
    st.integers(250, 260).map(lambda n: "a" * n),
)
metadata_keys = st.one_of(
    like(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)),
    st.sampled_from(sorted(DOCUMENT_FIELDS)),
    st.sampled_from(["startifact-x", "Startifact", "STARTIFACT.commit", "a" * 128, "a" * 129]),
)
regions_given = st.one_of(
    st.sampled_from(
        [
            "us-east-1",
            "us-east-1,eu-west-2",
            " eu-west-2 , us-east-1,eu-west-2",
            ",",
            "moon-base-1",
            "us-east-99",
            "US-EAST-1",
        ]
    ),
    hostile,
)
parameters_given = st.one_of(
    st.sampled_from(
        ["/startifact", "/org/startifact", "startifact", "/a//b", "/a/", "aws-x", "/ssm/x", "a/b"]
    ),
    st.just("/" + "a" * 1011),
    hostile,
)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
toml_values = st.recursive(
    st.one_of(
        st.booleans(), st.integers(), st.floats(), hostile, st.datetimes(), st.dates(), st.times()
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile, inner, max_size=4),
    max_leaves=12,
)


def either(good: st.SearchStrategy[Any], wrong: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(good, wrong)


# ---- what every outcome must be -------------------------------------------------------------

#: Exception names that, in a warning or message, mean an exception slipped through untranslated.
BUGS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
} | {"JSONDecodeError", "TOMLDecodeError", "ClientError", "BotoCoreError"}


def assert_one_line(message: str) -> None:
    """A message a user can read: not empty, one line, and free of control characters and lone
    surrogates (which garble a terminal, or fail to encode when printed)."""
    assert message.strip(), "an empty message"
    assert message.splitlines() == [message], f"not one line: {message!r}"
    bad = [c for c in message if unicodedata.category(c) in {"Cc", "Cs"} and c != "\t"]
    assert not bad, f"control characters {bad!r} in {message!r}"


def assert_no_leak(message: str) -> None:
    """``message`` does not carry an untranslated exception (``ValueError: ...``)."""
    assert_one_line(message)
    leaked = set(re.findall(r"\b(\w+): ", message)) & BUGS
    assert not leaked, f"an untranslated {leaked} in {message!r}"


def assert_clear(error: StartifactError) -> None:
    """One clear error: a documented exit code and one line; each problem one line too."""
    assert isinstance(error.exit_code, int)
    assert_no_leak(str(error))
    if isinstance(error, InvalidInputError):
        assert error.problems, "an InvalidInputError without problems"
        for problem in error.problems:
            assert_one_line(problem)
        assert str(error) == "; ".join(error.problems)


def outcome(call: Callable[[], T]) -> T | StartifactError:
    """The result of ``call``, or the clear `StartifactError` it raised; anything else fails."""
    try:
        return call()
    except StartifactError as error:
        assert_clear(error)
        return error


def parsed(call: Callable[[], T]) -> T | ValueError:
    """For a document parser whose contract is "a value or `ValueError`": the same, one line."""
    try:
        return call()
    except ValueError as error:
        assert_one_line(str(error))
        return error


LAYOUTS = (Layout(), Layout("artifacts/", "/staging"), Layout("a/b/", "/x/y"))


def assert_own_key(layout: Layout, project: str, key: str) -> None:
    """``key`` belongs to ``project``: under its prefix, with no part that a file system or URL
    would resolve somewhere else."""
    assert key.startswith(layout.project_prefix(project)), key
    parts = key[len(layout.key_prefix) :].split("/")
    assert all(part not in {"", ".", ".."} for part in parts), key
    assert posixpath.normpath(key) == key, key


def assert_own_parameter(layout: Layout, project: str, name: str) -> None:
    """``name`` is ``project``'s version record, in the parameter syntax SSM accepts."""
    assert name == f"{layout.parameter_prefix}/{project}/latest"
    assert re.fullmatch(r"(/[A-Za-z0-9_.-]+)+", name), name


# ---- 1. pure validators and parsers ---------------------------------------------------------


@settings(max_examples=PURE)
@nasty_examples("name", "My_Lib.X", "a..b", "a__b", "a-" * 600 + "b", "a\u017fb", "\u212aelvin")
@given(name=projects)
def test_a_project_name_is_normalised_idempotently_or_refused_in_one_line(
    tally: Tally, name: str
) -> None:
    tally.add(TRIED)
    value, problem = check_project(name)
    if value is None:
        assert problem is not None
        assert_one_line(problem)
        assert isinstance(outcome(lambda: require_project(name)), InvalidInputError)
        return
    assert problem is None
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value), f"{name!r} became {value!r}"
    assert check_project(value) == (value, None)
    assert require_project(name) == value
    for layout in LAYOUTS:
        assert_own_key(layout, value, layout.artifact_key(value, "1.0.0", "a.whl"))
        assert_own_key(layout, value, layout.index_key(value))
        assert_own_parameter(layout, value, layout.version_parameter(value))


@settings(max_examples=PURE)
@nasty_examples("text", "1.0.0-RC1", " 1.0 ", "v1.0", "1!2.0+Local.Thing", "1.0.0+../x")
@given(text=versions)
def test_a_version_round_trips_or_is_refused_in_one_line(tally: Tally, text: str) -> None:
    tally.add(TRIED)
    value, problem = check_version(text)
    if value is None:
        assert problem is not None
        assert_one_line(problem)
        assert isinstance(outcome(lambda: require_version(text)), InvalidInputError)
        assert not is_normalised_version(text)
        return
    assert problem is None
    assert value == str(Version(value)) == str(Version(text))
    assert check_version(value) == (value, None)
    assert is_normalised_version(value)
    assert parse_stored_version(value) == Version(text)
    assert re.fullmatch(r"[a-z0-9!.+]+", value), f"{text!r} became {value!r}"
    for layout in LAYOUTS:
        key = layout.artifact_key("my-lib", value, "a.whl")
        assert_own_key(layout, "my-lib", key)
        assert layout.parse_key("my-lib", key) == (value, "a.whl", False)


@settings(max_examples=PURE)
@nasty_examples("name", "a" * 255, "a" * 256, "a.whl.metadata.json.x", "-rf", "~", "CON")
@given(name=filenames)
def test_an_accepted_file_name_stays_inside_its_version_and_the_destination(
    tally: Tally, name: str
) -> None:
    tally.add(TRIED)
    value, problem = check_filename(name)
    if value is None:
        assert problem is not None
        assert_one_line(problem)
        return
    assert value == name
    assert len(name) <= 255
    assert not name.endswith(METADATA_SUFFIX)
    assert posixpath.normpath(posixpath.join("/dest", name)) == f"/dest/{name}"
    assert "\\" not in name
    assert ":" not in name
    for layout in LAYOUTS:
        key = layout.artifact_key("my-lib", "1.0.0", name)
        assert_own_key(layout, "my-lib", key)
        assert layout.parse_key("my-lib", key) == ("1.0.0", name, False)
        meta = layout.metadata_key("my-lib", "1.0.0", name)
        assert layout.parse_key("my-lib", meta) == ("1.0.0", name, True)


ARTIFACT = Artifact(Path("a.whl"), "a.whl", 3, "ab" * 32, "0" * 32)


@settings(max_examples=PURE)
@nasty_examples("key", value="v")
@nasty_examples("value", key="k")
@given(key=metadata_keys, value=st.one_of(hostile, toml_values))
def test_a_metadata_item_is_accepted_and_round_trips_or_is_refused_in_one_line(
    tally: Tally, key: str, value: Any
) -> None:
    tally.add(TRIED)
    problem = check_metadata_item(key, value)
    if problem is not None:
        assert_one_line(problem)
        assert check_metadata({key: value}) == [problem]
        return
    assert isinstance(value, str)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", key)
    assert key not in DOCUMENT_FIELDS
    assert not key.lower().startswith("startifact")
    document = metadata_document("my-lib", "1.0.0", ARTIFACT, {key: value}, "2026-01-01T00:00:00Z")
    staged = parse_metadata_document(document, "my-lib", "1.0.0", "a.whl")
    assert staged.metadata == {key: value}


@settings(max_examples=PURE)
@given(
    pairs=st.lists(
        st.one_of(
            hostile,
            st.tuples(metadata_keys, st.just("="), st.one_of(hostile, st.text())).map("".join),
        ),
        max_size=5,
    )
)
def test_metadata_pairs_split_without_losing_or_inventing_anything(
    tally: Tally, pairs: list[str]
) -> None:
    tally.add(TRIED)
    mapping, problems = split_metadata_pairs(pairs)
    for problem in [*problems, *check_metadata(mapping)]:
        assert_one_line(problem)
    assert all(f"{k}={v}" in pairs for k, v in mapping.items())
    assert len(mapping) + len(problems) == len(pairs)


option_keys = st.one_of(
    st.sampled_from(["dry-run", "regions", "parameter", "disable-plugins", "no_prompt"]),
    st.builds(lambda key: f"metadata.{key}", metadata_keys),
    hostile,
)
option_values = st.one_of(
    st.sampled_from(["", "true", "FALSE", " yes ", "maybe", "us-east-1,eu-west-2"]),
    regions_given,
    parameters_given,
    hostile,
    st.booleans(),
)


@settings(max_examples=PURE)
@example(options={"dry-run": "tr\nue"})
@example(options={"metadata.a\nb": "x", "regions\n": "us-east-1"})
@example(options={"metadata.ok": "line\nbreak", "parameter": "/a\n"})
@example(options={"\x1b[2J": "", "disable-plugins": "\x00,,a"})
@given(options=st.dictionaries(option_keys, option_values, max_size=5))
def test_publish_options_are_valid_or_refused_in_one_line_each(
    tally: Tally, options: dict[str, object]
) -> None:
    tally.add(TRIED)
    result = outcome(lambda: parse_options(options))
    if isinstance(result, StartifactError):
        assert isinstance(result, InvalidInputError)
        return
    assert isinstance(result, PublishOptions)
    assert check_metadata(result.metadata) == []
    assert all(check_region(r) is None for r in result.regions or ())
    assert result.parameter is None or check_parameter_name(result.parameter) is None
    assert all(name and name == name.strip() for name in result.disable_plugins)


GOOD_ORGANISATION = {
    "bucket_name_param": "/buckets/staging",
    "bucket_key_prefix": "artifacts/",
    "parameter_name_prefix": "/staging",
    "regions": "us-east-1,eu-west-2",
}
near_organisations = st.fixed_dictionaries(
    {},
    optional={
        "bucket_name_param": either(parameters_given, json_values),
        "bucket_key_prefix": either(
            st.sampled_from(["", "a/", "a/b/", "a", "/a/", "a//", "./", "../", "a/../"]),
            st.one_of(hostile, json_values),
        ),
        "parameter_name_prefix": either(
            st.sampled_from(["", "/s", "/a/b", "s", "/s/", "//s", "/aws"]),
            st.one_of(hostile, json_values),
        ),
        "regions": either(regions_given, st.one_of(st.lists(regions_given), json_values)),
        "save_ok": json_values,
    },
).map(lambda document: {**GOOD_ORGANISATION, **document})
organisation_texts = st.one_of(
    hostile,
    json_values.map(json.dumps),
    near_organisations.map(json.dumps),
    st.fixed_dictionaries({}, optional=dict.fromkeys(GOOD_ORGANISATION, json_values)).map(
        json.dumps
    ),
)


@settings(max_examples=PURE)
@nasty_examples(
    "text",
    json.dumps(GOOD_ORGANISATION),
    deep(5000),
    '{"bucket_name_param": "/b", "regions": "us-east-1", "x": ' + deep(995) + "}",
    '{"bucket_name_param": "/b", "regions": [' + deep(995) + "]}",
    '{"bucket_name_param": "/b", "regions": "us-east-1", "x": 1' + "0" * 5000 + "}",
    '{"bucket_name_param": "/b", "regions": "us-east-1", "bucket_key_prefix": "\\u0000/"}',
    '{"bucket_name_param": "/b", "regions": "us-east-1", "save_ok": NaN}',
    '{"bucket_name_param": "/b\\n", "regions": "us-east-1\\n"}',
)
@given(text=organisation_texts)
def test_an_organisation_configuration_is_valid_or_refused_in_one_line(
    tally: Tally, text: str
) -> None:
    tally.add(TRIED)
    result = outcome(lambda: parse_organisation(text, where="/startifact in us-east-1"))
    if isinstance(result, StartifactError):
        return
    assert check_parameter_name(result.bucket_name_param) is None
    assert result.regions
    assert all(check_region(r) is None for r in result.regions)
    layout = result.layout
    assert_own_key(layout, "my-lib", layout.artifact_key("my-lib", "1.0.0", "a.whl"))
    assert_own_parameter(layout, "my-lib", layout.version_parameter("my-lib"))
    rewritten = result.to_json()  # what `startifact setup` writes back, unknown keys kept
    assert parse_organisation(rewritten, where="again").to_json() == rewritten


table_values = {
    "project": either(projects, toml_values),
    "regions": either(regions_given, st.one_of(st.lists(regions_given), toml_values)),
    "parameter": either(parameters_given, toml_values),
    "metadata": either(
        st.dictionaries(metadata_keys, st.one_of(hostile, toml_values), max_size=3), toml_values
    ),
    "disable-plugins": either(st.lists(hostile, max_size=3), toml_values),
}
tables = st.tuples(
    st.fixed_dictionaries({}, optional=table_values),
    st.dictionaries(hostile, toml_values, max_size=2),
).map(lambda parts: {**parts[1], **parts[0]})


@settings(max_examples=PURE)
@example(table={"projct": "x", "a\nb": 1, "\x1b[2J": 2})
@example(table={"metadata": {"a\nb": "x", "ok": "line\nbreak", "\u2028": 1}})
@example(table={"project": "a\nb", "regions": ["us-east-1\n"], "parameter": "\x00"})
@example(table={"disable-plugins": ["a\nb", 1], "metadata": [deep(100)]})
@given(table=tables)
def test_a_tool_startifact_table_is_valid_or_refused_in_one_line_each(
    tally: Tally, table: dict[str, Any]
) -> None:
    tally.add(TRIED)
    result = outcome(lambda: parse_project_config(table))
    if isinstance(result, StartifactError):
        assert isinstance(result, InvalidInputError)
        return
    assert isinstance(result, ProjectConfig)
    assert result.project is None or check_project(result.project)[0] is not None
    assert all(check_region(r) is None for r in result.regions or ())
    assert result.parameter is None or check_parameter_name(result.parameter) is None
    assert check_metadata(result.metadata) == []
    assert all(isinstance(name, str) for name in result.disable_plugins)


pyprojects = st.one_of(
    st.dictionaries(hostile, toml_values, max_size=3),
    st.builds(lambda tool: {"tool": tool}, toml_values),
    st.builds(lambda table: {"tool": {"startifact": table}}, st.one_of(tables, toml_values)),
)


@settings(max_examples=PURE)
@example(pyproject={"tool": 1})
@example(pyproject={"tool": ["startifact"]})
@example(pyproject={"tool": {"startifact": "project"}})
@given(pyproject=pyprojects)
def test_any_pyproject_document_gives_a_config_or_one_clear_error(
    tally: Tally, pyproject: dict[str, Any]
) -> None:
    tally.add(TRIED)
    result = outcome(lambda: project_config_of(pyproject))
    assert isinstance(result, ProjectConfig | StartifactError)


def toml_line(key: str, value: Any) -> str:
    """A ``key = value`` line, written with JSON syntax (mostly valid TOML, sometimes not)."""
    return f"{json.dumps(key)} = {json.dumps(value)}"


pyproject_texts = st.one_of(
    st.binary(max_size=200),
    hostile.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.lists(st.tuples(st.sampled_from(sorted(table_values)), json_values), max_size=4).map(
        lambda lines: ("[tool.startifact]\n" + "\n".join(toml_line(*ln) for ln in lines)).encode()
    ),
)


@settings(max_examples=examples(150))
@example(data=b"\xff\xfe[tool.startifact]")
@example(data=b"tool = 1\n")
@example(data=b'tool = "startifact"\n')
@example(data=b"[tool.startifact]\nproject = " + deep(5000).encode())
@example(data=b"[tool.startifact]\nmetadata = " + b"{a=" * 3000)
@example(data=b'[tool.startifact]\nproject = "a\\nb"\n"\\u001b[2J" = 1\n')
@given(data=pyproject_texts)
def test_any_pyproject_file_gives_a_config_or_one_clear_error(
    tally: Tally, tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    tally.add(TRIED)
    root = tmp_path_factory.getbasetemp() / "fuzz-pyproject"
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_bytes(data)
    result = outcome(lambda: project_config_of(load_pyproject(root)))
    assert isinstance(result, ProjectConfig | StartifactError)


near_index_entries = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "version": either(versions, json_values),
            "files": either(st.lists(either(filenames, json_values), max_size=4), json_values),
        },
    ),
)
near_indexes = st.fixed_dictionaries(
    {"project": either(st.just("my-lib"), json_values)},
    optional={
        "format": either(st.just(FORMAT), json_values),
        "versions": either(st.lists(near_index_entries, max_size=5), json_values),
    },
)
index_documents = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda value: json.dumps(value).encode()),
    near_indexes.map(lambda document: json.dumps(document).encode()),
)
NESTED = (
    deep(5000).encode(),
    ('{"project": "my-lib", "versions": ' + deep(995) + "}").encode(),
    ('{"project": "my-lib", "versions": [], "n": 1' + "0" * 5000 + "}").encode(),
    (
        '{"project": "my-lib", "versions": [{"version": "1' + "0" * 5000 + '", "files": ["a"]}]}'
    ).encode(),
    b"\xff\xfe\x00\x00",
    b"\x00",
    b"",
)


@settings(max_examples=PURE)
@example(data=NESTED[0])
@example(data=NESTED[1])
@example(data=NESTED[2])
@example(data=NESTED[3])
@example(data=NESTED[4])
@example(data=NESTED[5])
@example(data=NESTED[6])
@given(data=index_documents)
def test_an_index_read_back_is_parsed_distrustfully_or_refused(tally: Tally, data: bytes) -> None:
    tally.add(TRIED)
    result = parsed(lambda: ProjectIndex.parse(data, "my-lib"))
    if isinstance(result, ValueError):
        return
    assert result.project == "my-lib"
    found = [v for v, _ in result.versions]
    assert found == sorted(found, key=Version, reverse=True)
    for version, names in result.versions:
        assert is_normalised_version(version)
        assert names
        assert list(names) == sorted(set(names))
        for name in names:
            assert check_filename(name)[0] == name
            assert_own_key(Layout(), "my-lib", Layout().artifact_key("my-lib", version, name))
    assert result.latest() in {*found, None}
    assert ProjectIndex.parse(result.to_json(), "my-lib") == result


SHA = sha256(b"wheel")
near_metadata = st.fixed_dictionaries(
    {
        "project": either(st.just("my-lib"), json_values),
        "version": either(st.just("1.0.0"), json_values),
        "filename": either(st.just("a.whl"), json_values),
    },
    optional={
        "size": either(st.integers(-2, 10), json_values),
        "sha256": either(st.sampled_from([SHA, SHA.upper(), SHA[:-1], SHA + "\n"]), json_values),
        "staged_at": json_values,
        "metadata": either(st.dictionaries(metadata_keys, hostile, max_size=3), json_values),
    },
)
metadata_documents = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda value: json.dumps(value).encode()),
    near_metadata.map(lambda document: json.dumps(document).encode()),
)
NESTED_METADATA = tuple(
    f'{{"project": {deep(depth)}, "version": "1.0.0", "filename": "a.whl"}}'.encode()
    for depth in (900, 990, 999)
)


@settings(max_examples=PURE)
@example(data=NESTED[0])
@example(data=NESTED[4])
@example(data=NESTED[6])
@example(data=b'{"project": "' + b"x" * 100_000 + b'"}')
@example(data=b'{"project": "my-lib", "version": "1.0.0", "filename": "a.whl", "size": 1e999}')
@example(data=NESTED_METADATA[0])
@example(data=NESTED_METADATA[-1])
@given(data=metadata_documents)
def test_a_metadata_document_read_back_is_parsed_distrustfully_or_refused(
    tally: Tally, data: bytes
) -> None:
    tally.add(TRIED)
    result = parsed(lambda: parse_metadata_document(data, "my-lib", "1.0.0", "a.whl"))
    if isinstance(result, ValueError):
        assert len(str(result)) < 1000, "a message that drowns the reader"
        return
    assert isinstance(result, StagedFile)
    assert result.filename == "a.whl"
    assert type(result.size) is int
    assert result.size >= 0
    assert re.fullmatch(r"[0-9a-f]{64}", result.sha256)
    assert len(result.sha256_base64) == 44
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.metadata.items())


def test_a_metadata_document_nested_to_the_recursion_limit_is_refused_not_crashed(
    tally: Tally,
) -> None:
    """Every depth around Python's recursion limit: the parser must not overflow formatting the
    message after ``json.loads`` managed to parse the document."""
    for depth in range(500, 1001):
        tally.add(TRIED)
        document = f'{{"project": {deep(depth)}, "version": "1.0.0"}}'.encode()
        with pytest.raises(ValueError, match=r"^its project is \[\[\[\.\.\.\]\]\], not|deeply$"):
            parse_metadata_document(document, "my-lib", "1.0.0", "a.whl")


paths_given = st.lists(
    st.one_of(
        st.tuples(st.just("raw"), hostile),
        st.tuples(st.just("file"), filenames),
        st.tuples(st.just("file"), st.sampled_from(["a.whl", "b.tar.gz"])),
    ),
    max_size=4,
)


@settings(max_examples=examples(100))
@example(given=[("raw", "a\nb.whl")])
@example(given=[("file", "a\nb.whl")])
@example(given=[("file", "\x1b[2J.whl"), ("raw", "\udcff")])
@example(given=[("file", "a.whl"), ("file", "a.whl")])
@example(given=[("raw", ".")])
@given(given=paths_given)
def test_paths_to_stage_are_files_with_safe_names_or_refused_in_one_line_each(
    tally: Tally, tmp_path_factory: pytest.TempPathFactory, given: list[tuple[str, str]]
) -> None:
    tally.add(TRIED)
    root = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    paths: list[str | Path] = []
    for n, (kind, name) in enumerate(given):
        if kind == "raw":
            paths.append(name)  # only ever looked at (stat), never written
            continue
        directory = root / str(n)
        directory.mkdir()
        path = directory / name
        if "/" in name or "\x00" in name or name in {"", ".", ".."}:
            paths.append(path)
            continue
        with contextlib.suppress(OSError, ValueError):
            path.write_bytes(b"x")
        paths.append(path)
    found, problems = check_paths(paths)
    for problem in problems:
        assert_one_line(problem)
    assert len({p.name for p in found}) == len(found)
    assert all(p.is_file() and check_filename(p.name)[0] == p.name for p in found)
    result = outcome(lambda: check_inputs("lib", "1.0", paths))
    assert isinstance(result, InvalidInputError) == bool(problems)


# ---- 2. staging fuzzed inputs through moto --------------------------------------------------

STAGING_REGIONS = ("us-east-1", "eu-west-2")


class World:
    """Everything in the organisation's regions, to see what one example changed."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.s3 = {r: aws_client("s3", r) for r in org.regions}
        self.ssm = {r: aws_client("ssm", r) for r in org.regions}

    def state(self) -> dict[tuple[str, str, str], str]:
        """``(service, region, name)`` of every object (to its ETag) and every parameter (to
        its version)."""
        found: dict[tuple[str, str, str], str] = {}
        for region in self.org.regions:
            objects = self.s3[region].get_paginator("list_objects_v2")
            for listed in objects.paginate(Bucket=self.org.buckets[region]):
                for item in listed.get("Contents", []):
                    found["s3", region, item["Key"]] = item["ETag"]
            for described in self.ssm[region].get_paginator("describe_parameters").paginate():
                for parameter in described["Parameters"]:
                    found["ssm", region, parameter["Name"]] = str(parameter["Version"])
        return found

    @staticmethod
    def changed(
        before: Mapping[tuple[str, str, str], str], after: Mapping[tuple[str, str, str], str]
    ) -> set[tuple[str, str, str]]:
        return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


@contextlib.contextmanager
def opened(**options: Any) -> Iterator[Session]:
    session = Session(boto3_session=boto3_session(), **options)
    try:
        yield session
    finally:
        session.close()


plausible_projects = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,12}[A-Za-z0-9]", fullmatch=True)
plausible_versions = st.from_regex(
    r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}([-_.]?(a|b|rc|post|dev)[0-9]?)?(\+[a-z0-9]{1,4})?",
    fullmatch=True,
)
plausible_filenames = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+=~,@()!-]{0,30}", fullmatch=True)
plausible_metadata = st.dictionaries(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,12}", fullmatch=True),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=20),
    max_size=3,
)


def stage_cases(
    project: st.SearchStrategy[str],
    version: st.SearchStrategy[str],
    filename: st.SearchStrategy[str],
    metadata: st.SearchStrategy[dict[str, str]],
) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "project": project,
            "version": version,
            "files": st.lists(st.tuples(filename, st.binary(max_size=32)), min_size=1, max_size=3),
            "metadata": metadata,
            "dry_run": st.booleans(),
        }
    )


#: Mostly inputs that pass validation (so moto sees writes to check), some entirely hostile.
stages = st.one_of(
    stage_cases(plausible_projects, plausible_versions, plausible_filenames, plausible_metadata),
    stage_cases(plausible_projects, plausible_versions, plausible_filenames, plausible_metadata),
    stage_cases(
        projects,
        versions,
        filenames,
        st.dictionaries(metadata_keys, st.one_of(hostile, toml_values), max_size=3),
    ),
)


def case(
    project: str, version: str, files: list[tuple[str, bytes]], **metadata: str
) -> dict[str, Any]:
    return {
        "project": project,
        "version": version,
        "files": files,
        "metadata": metadata,
        "dry_run": False,
    }


def test_staging_fuzzed_inputs_writes_only_the_projects_own_keys_and_record(
    mocked: None,
    make_organisation: MakeOrganisation,
    tally: Tally,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    org = make_organisation(STAGING_REGIONS, key_prefix="artifacts/", parameter_prefix="/staging")
    layout = Layout(org.key_prefix, org.parameter_prefix)
    world = World(org)
    root = tmp_path_factory.mktemp("fuzz-stage")

    with opened() as session:
        first = session.stage("my-lib", "1.0.0", make_files(root / "first", [("a.whl", b"")]))
        assert first.exit_code == 0, first

        @settings(max_examples=examples(25), deadline=None)
        @example(given=case("my-lib", "1.0.0", [("a.whl", b"other")]))
        @example(given=case("My_Lib", "1.0.0-0", [("index.json", b"")], latest="x"))
        @example(given=case("../x", "1.0", [("a.whl", b"")]))
        @example(given=case("a", "1.0\n", [("../a.whl", b"")], a="b"))
        @example(given=case("my-lib", "latest", [("index.json", b"")]))
        @example(given=case("x", "1.0", [("a.whl", b"")], k="\n"))
        @example(given=case("x" * 300, "1" * 200, [("a" * 255, b"")]))
        @example(given=case("x", "1.0", [("a.whl", b"1"), ("a.whl", b"2")]))
        @given(given=stages)
        def stage(given: dict[str, Any]) -> None:
            tally.add(TRIED)
            paths = make_files(Path(tempfile.mkdtemp(dir=root)), given["files"])
            before = world.state()
            result = outcome(
                lambda: session.stage(
                    given["project"],
                    given["version"],
                    paths,
                    given["metadata"],
                    dry_run=given["dry_run"],
                )
            )
            changed = World.changed(before, world.state())
            event(f"stage: {type(result).__name__}, {'some' if changed else 'no'} writes")
            if isinstance(result, StartifactError) or given["dry_run"]:
                assert not changed, f"{result} but {changed} changed"
                return
            for region_outcome in result.regions:
                if region_outcome.error is not None:
                    assert_no_leak(region_outcome.error)
                    assert "unexpected" not in region_outcome.error
            project = check_project(given["project"])[0]
            assert project is not None
            assert result.project == project
            for service, region, name in changed:
                if service == "s3":
                    assert_own_key(layout, project, name)
                else:
                    assert_own_parameter(layout, project, name)
                    assert is_normalised_version(org.latest(region, project) or "")
            if result.exit_code == 0:  # what was staged reads back, byte for byte
                staged = dict(given["files"])
                dest = Path(tempfile.mkdtemp(dir=root)) / "dest"
                done = session.download(project, result.version, dest, files=list(staged))
                assert {d.filename: d.path.read_bytes() for d in done} == staged

        stage()


def make_files(root: Path, files: Sequence[tuple[str, bytes]]) -> list[str | Path]:
    """Each file in a directory of its own (so names may repeat); names no file system takes
    are passed on as they are, to be refused."""
    paths: list[str | Path] = []
    for n, (name, content) in enumerate(files):
        directory = root / str(n)
        directory.mkdir(parents=True)
        path = directory / name
        if "/" in name or "\x00" in name or name in {"", ".", ".."}:
            paths.append(name)  # relative to the test's own empty working directory
            continue
        with contextlib.suppress(OSError, ValueError):
            path.write_bytes(content)
        paths.append(path)
    return paths


# ---- 3. garbage documents read back from a bucket ---------------------------------------------

READING_REGIONS = ("us-east-1", "eu-west-2")
#: Where a download is asked to go, relative to a fresh directory of its own.
DESTINATIONS = ("dest", "dest/a/b", "file", "de\x00st", "clash", "dest/..", "\udcff")


def stage_my_lib(session: Session, root: Path) -> None:
    """``my-lib`` 1.0.0 with ``a.whl`` (bytes ``wheel``) in every region."""
    report = session.stage("my-lib", "1.0.0", make_files(root, [("a.whl", b"wheel")]))
    assert report.exit_code == 0, report


def test_garbage_read_back_from_a_bucket_ends_in_a_result_or_one_clear_error(
    mocked: None,
    make_organisation: MakeOrganisation,
    tally: Tally,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    org = make_organisation(READING_REGIONS)
    root = tmp_path_factory.mktemp("fuzz-read")
    world = World(org)
    index_key = Layout().index_key("my-lib")
    metadata_key = Layout().metadata_key("my-lib", "1.0.0", "a.whl")

    with opened() as session:
        stage_my_lib(session, root / "staged")
        good = {
            (region, key): world.s3[region]
            .get_object(Bucket=org.buckets[region], Key=key)["Body"]
            .read()
            for region in org.regions
            for key in (index_key, metadata_key)
        }

        def put(region: str, key: str, data: bytes) -> None:
            world.s3[region].put_object(Bucket=org.buckets[region], Key=key, Body=data)

        def set_latest(region: str, value: str) -> None:
            world.ssm[region].put_parameter(
                Name="/my-lib/latest", Value=value, Type="String", Overwrite=True
            )

        @settings(max_examples=examples(40), deadline=None)
        @example(where="index", regions=list(READING_REGIONS), data=NESTED[1], call="versions")
        @example(where="index", regions=["us-east-1"], data=NESTED[3], call="info")
        @example(where="metadata", regions=["eu-west-2"], data=NESTED_METADATA[-1], call="info")
        @example(
            where="index",
            regions=list(READING_REGIONS),
            data=json.dumps(
                {"project": "my-lib", "versions": [{"version": "1.0.0", "files": ["../../x"]}]}
            ).encode(),
            call="download",
        )
        @example(where="latest", regions=["eu-west-2"], data=b"9" * 4096, call="info")
        @example(where="latest", regions=list(READING_REGIONS), data=b"\n", call="latest")
        @example(where="latest", regions=list(READING_REGIONS), data=b"1" * 5000, call="info")
        @given(
            where=st.sampled_from(["index", "metadata", "latest"]),
            regions=st.lists(st.sampled_from(READING_REGIONS), min_size=1, max_size=2, unique=True),
            data=st.one_of(index_documents, metadata_documents),
            call=st.sampled_from(["latest", "versions", "info", "download"]),
        )
        def read(where: str, regions: list[str], data: bytes, call: str) -> None:
            tally.add(TRIED)
            if where == "latest":
                value = data.decode("utf-8", "replace")
                try:
                    for region in regions:
                        set_latest(region, value)
                except ClientError:
                    assume(False)  # SSM itself refuses to hold it
            else:
                for region in regions:
                    put(region, index_key if where == "index" else metadata_key, data)
            try:
                for version in (None, "1.0.0", "1.0"):
                    check_reading(session, root, call, version, "dest")
            finally:
                for (region, key), original in good.items():
                    put(region, key, original)
                for region in org.regions:
                    set_latest(region, "1.0.0")

        read()

        @settings(max_examples=len(DESTINATIONS) * 2, deadline=None)
        @given(destination=st.sampled_from(DESTINATIONS), version=st.sampled_from([None, "1.0"]))
        def download(destination: str, version: str | None) -> None:
            tally.add(TRIED)
            check_reading(session, root, "download", version, destination)

        download()


def check_reading(
    session: Session, root: Path, call: str, version: str | None, destination: str
) -> None:
    """Call the reading API; a download must write nothing outside its destination, and only
    files whose bytes match their SHA-256."""
    warnings: list[str] = []
    base = Path(tempfile.mkdtemp(dir=root))
    dest = base / destination
    if destination == "file":
        dest.write_bytes(b"in the way")
    elif destination == "clash":
        dest.mkdir()
        (dest / "a.whl").write_bytes(b"other bytes")
    result: object
    if call == "latest":
        result = outcome(lambda: session.latest("my-lib"))
    elif call == "versions":
        result = outcome(lambda: session.versions("my-lib", warn=warnings.append))
    elif call == "info":
        result = outcome(lambda: session.info("my-lib", version, warn=warnings.append))
    else:
        result = outcome(lambda: session.download("my-lib", version, dest, warn=warnings.append))
    event(f"{call}: {type(result).__name__}")
    for warning in warnings:
        assert_no_leak(warning)
    written = list(base.rglob("*"))
    if "\x00" in destination:
        assert not written, f"{written} written for a destination no file system takes"
    for path in written:
        assert within(path, dest), f"{path} written outside {dest}"
        assert not path.name.endswith(".partial"), f"{path} left behind"
    if isinstance(result, list) and call == "download":
        for downloaded in result:
            assert downloaded.path.parent == dest
            assert sha256(downloaded.path.read_bytes()) == downloaded.sha256


def within(path: Path, dest: Path) -> bool:
    """Whether ``path`` is ``dest``, inside it, or one of the directories leading to it."""
    resolved, target = path.resolve(), dest.resolve()
    return resolved == target or target in resolved.parents or resolved in target.parents


# ---- 4. the command line ------------------------------------------------------------------

hostile_args = st.one_of(
    hostile.filter(lambda arg: "/" not in arg and arg not in {".", ".."}),
    st.sampled_from(["my-lib", "My_Lib", "1.0.0", "1.0", "us-east-1", "k=v", "-", "--"]),
)
options = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "--regions",
                "--parameter",
                "--metadata",
                "--dest",
                "--file",
                "--key-prefix",
                "--parameter-prefix",
                "--bucket-parameter",
            ]
        ),
        hostile_args,
    ).map(list),
    max_size=2,
).map(lambda pairs: [arg for pair in pairs for arg in pair])
flags = st.lists(st.sampled_from(["--json", "--dry-run", "--force", "--yes", "-q"]), max_size=2)
command_lines = st.one_of(
    st.tuples(st.just(["stage"]), st.lists(hostile_args, max_size=4), options, flags),
    st.tuples(
        st.sampled_from([["info"], ["versions"], ["download"], ["download", "my-lib"]]),
        st.lists(hostile_args, max_size=2),
        options,
        flags,
    ),
    st.tuples(st.just(["setup"]), st.just([]), options, flags),
    st.tuples(st.lists(hostile_args, max_size=1), st.lists(hostile_args, max_size=3), options),
).map(lambda parts: [arg for part in parts for arg in part])


def verbose(argv: Sequence[str]) -> bool:
    """Whether argparse could read ``argv`` as asking for tracebacks (``-v``, ``--verb``...)."""
    return any(
        arg.startswith("--v") or (arg.startswith("-") and not arg.startswith("--") and "v" in arg)
        for arg in argv
    )


def test_hostile_command_lines_exit_with_a_code_and_no_traceback(
    mocked: None,
    make_organisation: MakeOrganisation,
    tally: Tally,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """In-process, in the test's own empty working directory (``--dest`` and paths are relative
    names without ``/``, so nothing can be written elsewhere), against a staged ``my-lib``."""
    make_organisation(READING_REGIONS)
    with opened() as session:
        stage_my_lib(session, tmp_path_factory.mktemp("fuzz-cli"))
    Path("in-the-way").write_bytes(b"a file where a directory may be asked for")

    @settings(max_examples=examples(20), deadline=None)
    @example(argv=["stage", "../x", "1.0\n", "a\x00b"])
    @example(argv=["info", "my-lib", "\udcff"])
    @example(argv=["download", "my-lib", "--dest", "in-the-way"])
    @example(argv=["download", "my-lib", "--dest", "\x00", "--file", "["])
    @example(argv=["versions", "x" * 5000, "--regions", "\n"])
    @example(argv=["setup", "--yes", "--regions", "us-east-1", "--key-prefix", "../"])
    @example(argv=["stage", "my-lib", "1.0", ".", "--metadata", "a\nb=c"])
    @given(argv=command_lines)
    def run(argv: list[str]) -> None:
        tally.add(TRIED)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code: object = cli.main(argv)
            except SystemExit as exit_:  # argparse: usage errors, --help, --version
                code = exit_.code
        assert isinstance(code, int), code
        event(f"exit code {code}")
        stderr = err.getvalue()
        if not verbose(argv):
            assert "Traceback" not in stderr, stderr
        assert "unexpected" not in stderr, stderr
        if code not in {0, 2}:
            errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
            assert len(errors) == 1, stderr

    run()
