"""Names as docs/staging.md (Names) and docs/layout.md have them: normalised when valid, refused
(never mangled) if not.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name
from packaging.version import Version

from hatch_startifact.store.names import (
    DOCUMENT_FIELDS,
    MAX_FILENAME,
    MAX_METADATA_VALUE,
    check_filename,
    check_metadata,
    check_metadata_item,
    check_project,
    check_version,
    is_normalised_version,
    parse_stored_version,
    shown,
    split_metadata_pairs,
)

PROJECT_RULE = (
    "use letters, digits, '.', '_' and '-', starting and ending with a letter or digit (PEP 508)"
)
FILENAME_RULE = (
    "use letters, digits and . _ + - = ~ , @ ( ) ! (no separators, spaces or control characters)"
)
KEY_RULE = "use up to 128 letters, digits, '.', '_' and '-', starting with a letter or digit"
RESERVED_RULE = (
    "is reserved for hatch-startifact: choose another name (reserved: filename, metadata, "
    "project, sha256, size, staged_at, staged_by, version and keys starting with 'startifact')"
)


# ---- projects ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("My_Lib.X", "my-lib-x"),
        ("my-lib", "my-lib"),
        ("MY__LIB", "my-lib"),
        ("a.-_b", "a-b"),
        ("x", "x"),
        ("7", "7"),
        ("Django", "django"),
    ],
)
def test_check_project_normalises_as_pep_503(name: str, normalised: str) -> None:
    assert check_project(name) == (normalised, None)


@given(st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,30}[A-Za-z0-9])?", fullmatch=True))
def test_check_project_normalises_as_packaging_does(name: str) -> None:
    assert check_project(name) == (canonicalize_name(name), None)


@pytest.mark.parametrize(
    "name",
    ["", "a/b", "..", "../x", "my lib", " my-lib", "-lib", "lib-", "_lib", "lib.", "é", "a\x00b"],
)
def test_check_project_refuses_invalid_names_with_a_message(name: str) -> None:
    assert check_project(name) == (None, f"invalid project name {name!r}: {PROJECT_RULE}")


def test_check_project_refuses_a_name_with_a_trailing_newline() -> None:
    value, problem = check_project("my-lib\n")

    assert value is None
    assert problem == f"invalid project name 'my-lib\\n': {PROJECT_RULE}"


# ---- versions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "normalised"),
    [
        ("1.0.0-RC1", "1.0.0rc1"),
        ("1.0.0", "1.0.0"),
        ("1.0", "1.0"),
        ("2.0.0.alpha.1", "2.0.0a1"),
        ("1.0-post2", "1.0.post2"),
        ("1.0.dev-3", "1.0.dev3"),
        ("v1.2.3", "1.2.3"),
        ("1!2.0", "1!2.0"),
        ("1.0+Local.Build", "1.0+local.build"),
    ],
)
def test_check_version_normalises_as_pep_440(version: str, normalised: str) -> None:
    assert check_version(version) == (normalised, None)


@pytest.mark.parametrize("version", ["", "latest", "1.0.0/..", "1.0 0", "1..0", "../1.0", "1.0-"])
def test_check_version_refuses_invalid_versions_with_a_message(version: str) -> None:
    assert check_version(version) == (
        None,
        f"invalid version {version!r}: it is not a PEP 440 version (e.g. 1.2.3, 2.0rc1)",
    )


@pytest.mark.parametrize("text", ["1.0.0", "1.0", "1.0.0rc1", "1.0.post1", "1.0.dev0", "1!1.0"])
def test_is_normalised_version_accepts_normal_forms(text: str) -> None:
    assert is_normalised_version(text)


@pytest.mark.parametrize(
    "text", ["1.0.0-RC1", "v1.0", "1.0-post1", " 1.0", "1.0\n", "latest", "", "01.0"]
)
def test_is_normalised_version_rejects_other_forms(text: str) -> None:
    assert not is_normalised_version(text)


def test_parse_stored_version_returns_the_version_when_normalised() -> None:
    assert parse_stored_version("2.0.0rc1") == Version("2.0.0rc1")


@pytest.mark.parametrize("text", ["2.0.0-RC1", "garbage", "../1.0", ""])
def test_parse_stored_version_returns_none_for_what_we_could_not_have_written(text: str) -> None:
    assert parse_stored_version(text) is None


# ---- file names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "my_lib-1.0.0-py3-none-any.whl",
        "my_lib-1.0.0.tar.gz",
        "a",
        ".hidden",
        "x+y=z~w,v@u(t)!",
        "report.metadata.json.gz",
        "a" * MAX_FILENAME,
    ],
)
def test_check_filename_accepts_safe_names_unchanged(name: str) -> None:
    assert check_filename(name) == (name, None)


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "..",
        "a/b.whl",
        "../x",
        "/etc/passwd",
        "a\\b.whl",
        "my lib.whl",
        "tab\there",
        "nul\x00.whl",
        "esc\x1b.whl",
        "new\nline.whl",
        "quote'.whl",
        "star*.whl",
        "caf\u00e9.whl",
    ],
)
def test_check_filename_refuses_separators_spaces_and_control_characters(name: str) -> None:
    assert check_filename(name) == (None, f"invalid file name {name!r}: {FILENAME_RULE}")


def test_check_filename_refuses_a_name_with_a_trailing_newline() -> None:
    assert check_filename("a.whl\n") == (None, f"invalid file name 'a.whl\\n': {FILENAME_RULE}")


def test_check_filename_refuses_names_longer_than_the_limit() -> None:
    name = "b" * (MAX_FILENAME + 1)

    assert check_filename(name) == (
        None,
        f"invalid file name {'b' * 40!r}...: longer than {MAX_FILENAME} characters",
    )


@pytest.mark.parametrize("name", ["a.whl.metadata.json", ".metadata.json"])
def test_check_filename_reserves_the_metadata_suffix(name: str) -> None:
    assert check_filename(name) == (
        None,
        f"invalid file name {name!r}: names ending in '.metadata.json' are reserved",
    )


def test_check_filename_reserves_the_core_metadata_name_of_wheels() -> None:
    name = "a-1-py3-none-any.whl.metadata"
    assert check_filename(name) == (
        None,
        f"invalid file name {name!r}: names ending in '.whl.metadata' are reserved",
    )
    assert check_filename("notes.metadata") == ("notes.metadata", None)


# ---- metadata ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("commit", "abc123"),
        ("build.number", "42"),
        ("Build_ID-2", ""),
        ("k" * 128, "v"),
        ("note", "tab\tseparated"),
        ("note", "x" * MAX_METADATA_VALUE),
        ("Project", "keys are case-sensitive, only the lower-case field is the tool's"),
    ],
)
def test_check_metadata_item_accepts_good_items(key: str, value: str) -> None:
    assert check_metadata_item(key, value) is None


@pytest.mark.parametrize("key", sorted(DOCUMENT_FIELDS))
def test_check_metadata_item_reserves_the_document_fields(key: str) -> None:
    assert check_metadata_item(key, "x") == f"metadata key {key!r} {RESERVED_RULE}"


@pytest.mark.parametrize("key", ["startifact", "startifact.plugin", "Startifact-x", "STARTIFACTz"])
def test_check_metadata_item_reserves_the_startifact_prefix(key: str) -> None:
    assert check_metadata_item(key, "x") == f"metadata key {key!r} {RESERVED_RULE}"


@pytest.mark.parametrize(
    "key", ["", ".hidden", "-x", "_x", "has space", "a/b", "a=b", "k" * 129, "caf\u00e9", "a\x00"]
)
def test_check_metadata_item_refuses_bad_keys(key: str) -> None:
    assert check_metadata_item(key, "x") == f"invalid metadata key {key!r}: {KEY_RULE}"


def test_check_metadata_item_refuses_a_key_with_a_trailing_newline() -> None:
    assert check_metadata_item("commit\n", "x") == f"invalid metadata key 'commit\\n': {KEY_RULE}"


def test_check_metadata_item_refuses_values_longer_than_the_limit() -> None:
    assert (
        check_metadata_item("note", "x" * (MAX_METADATA_VALUE + 1))
        == f"metadata value of 'note' is longer than {MAX_METADATA_VALUE} characters"
    )


@pytest.mark.parametrize("value", ["a\x00b", "line\nbreak", "cr\r", "\x1b[31mred", "del\x7f"])
def test_check_metadata_item_refuses_control_characters_in_values(value: str) -> None:
    assert (
        check_metadata_item("note", value) == "metadata value of 'note' contains control characters"
    )


def test_check_metadata_item_refuses_values_that_are_not_strings() -> None:
    value: Any = 42

    assert (
        check_metadata_item("build", value)
        == "metadata value of 'build' must be a string, not int (42)"
    )


def test_check_metadata_reports_every_problem() -> None:
    problems = check_metadata({"ok": "fine", "version": "1", "bad key": "x", "n": "\x00"})

    assert problems == [
        f"metadata key 'version' {RESERVED_RULE}",
        f"invalid metadata key 'bad key': {KEY_RULE}",
        "metadata value of 'n' contains control characters",
    ]


def test_check_metadata_of_good_items_is_empty() -> None:
    assert check_metadata({"commit": "abc", "branch": "main"}) == []


# ---- KEY=VALUE pairs --------------------------------------------------------------------


def test_split_metadata_pairs_builds_a_mapping() -> None:
    assert split_metadata_pairs(["commit=abc", "branch=main"]) == (
        {"commit": "abc", "branch": "main"},
        [],
    )


def test_split_metadata_pairs_splits_on_the_first_equals_sign() -> None:
    assert split_metadata_pairs(["url=https://x/?a=b"]) == ({"url": "https://x/?a=b"}, [])


def test_split_metadata_pairs_keeps_empty_values_and_leaves_keys_to_check_metadata() -> None:
    assert split_metadata_pairs(["empty=", "=value"]) == ({"empty": "", "": "value"}, [])


def test_split_metadata_pairs_reports_every_syntax_problem() -> None:
    mapping, problems = split_metadata_pairs(["a=1", "novalue", "a=2", "b=3", ""])

    assert mapping == {"a": "1", "b": "3"}
    assert problems == [
        "invalid metadata 'novalue': expected KEY=VALUE",
        "metadata key 'a' is given twice",
        "invalid metadata '': expected KEY=VALUE",
    ]


def test_split_metadata_pairs_of_nothing_is_empty() -> None:
    assert split_metadata_pairs([]) == ({}, [])


# ---- found by fuzzing (tests/test_fuzz.py) ------------------------------------------------


@pytest.mark.parametrize("name", ["\u017f", "a\u017fb", "\u212a", "\u212aelvin"])
def test_a_project_name_with_a_letter_that_only_case_folds_to_ascii_is_refused(name: str) -> None:
    """The long s and the Kelvin sign match "s" and "k" in a case-insensitive Unicode regex."""
    assert check_project(name) == (None, f"invalid project name {name!r}: {PROJECT_RULE}")


@pytest.mark.parametrize("version", ["1" * 5000, "1." + "9" * 4400, "1.0.post" + "9" * 4400])
def test_a_version_with_a_number_too_long_for_int_is_refused_not_crashed(version: str) -> None:
    value, problem = check_version(version)

    assert value is None
    assert problem == (
        f"invalid version {version!r}: it is not a PEP 440 version (e.g. 1.2.3, 2.0rc1)"
    )
    assert parse_stored_version(version) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a b.whl", "a b.whl"),
        ("é", "é"),
        ("a\nb", "'a\\nb'"),
        ("\x1b[2J", "'\\x1b[2J'"),
        ("a\u2028b", "'a\\u2028b'"),
        ("\udcff", "'\\udcff'"),
    ],
)
def test_shown_keeps_printable_text_and_quotes_the_rest_on_one_line(
    text: str, expected: str
) -> None:
    assert shown(text) == expected
