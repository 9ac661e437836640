"""Startifact 1.x's keys, versions, metadata object and file names."""

from __future__ import annotations

import pytest

from hatch_startifact.store.legacy import (
    LegacyLayout,
    legacy_filename,
    parse_legacy_metadata,
    parse_version,
    user_metadata,
)

LAYOUT = LegacyLayout("staging/", "/staging")


def test_keys_and_record_hold_the_names_as_typed() -> None:
    assert LAYOUT.artifact_key("Acme_X", "1.0.0-rc.1") == "staging/Acme_X@1.0.0-rc.1"
    assert LAYOUT.metadata_key("Acme_X", "1.0.0-rc.1") == "staging/Acme_X@1.0.0-rc.1/metadata"
    assert LAYOUT.project_prefix("Acme_X") == "staging/Acme_X@"
    assert LAYOUT.version_parameter("Acme_X") == "/staging/Acme_X/latest"
    assert LegacyLayout().artifact_key("a", "1.0.0") == "a@1.0.0"


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("staging/Acme_X@1.0.0-rc.1", ("Acme_X", "1.0.0-rc.1")),
        ("staging/a.b-c@2.0.0+build.7", ("a.b-c", "2.0.0+build.7")),
        ("staging/Acme_X@1.0.0-rc.1/metadata", None),
        ("staging/acme-x/1.0.0/acme_x-1.0.0.tar.gz", None),
        ("staging/acme-x/index.json", None),
        ("staging/dir/x@1.0.0", None),
        ("staging/x@", None),
        ("staging/-x@1.0.0", None),
        ("other/x@1.0.0", None),
    ],
)
def test_only_1x_artifact_keys_are_parsed(key: str, parsed: tuple[str, str] | None) -> None:
    assert LAYOUT.parse_key(key) == parsed


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("1.0.0", "1.0.0"),
        ("1.0.0-rc.1", "1.0.0rc1"),
        ("9.0.0-RC1", "9.0.0rc1"),
        ("1.0.0-alpha", "1.0.0a0"),
        ("1.0.0+build.5", "1.0.0+build.5"),
        ("1.0.0-beta.x", None),  # a semantic version PEP 440 cannot read
        ("v1.0.0", None),
        (" 1.0.0", None),
        ("1.0", None),
        ("01.0.0", None),
    ],
)
def test_a_1x_version_is_a_semantic_version_that_pep_440_reads(
    text: str, normal: str | None
) -> None:
    parsed = parse_version(text)
    assert (str(parsed) if parsed else None) == normal


def test_metadata_must_be_an_object_of_strings() -> None:
    assert parse_legacy_metadata(b'{"a": "1", "startifact:filename": "x.zip"}') == {
        "a": "1",
        "startifact:filename": "x.zip",
    }
    for bad in (b"[]", b'{"a": 1}', b'"x"'):
        with pytest.raises(ValueError, match=r"^not a JSON object of strings$"):
            parse_legacy_metadata(bad)
    with pytest.raises(ValueError, match="Expecting property name"):
        parse_legacy_metadata(b"{")


@pytest.mark.parametrize(
    ("metadata", "name", "problem"),
    [
        ({"startifact:filename": "dist.tar.gz"}, "dist.tar.gz", None),
        ({}, "Acme_X-1.0.0-rc.1", None),
        ({"team": "x"}, "Acme_X-1.0.0-rc.1", None),
        (
            {"startifact:filename": "../x"},
            "Acme_X-1.0.0-rc.1",
            "its startifact:filename is not a safe file name (invalid file name '../x': use "
            "letters, digits and . _ + - = ~ , @ ( ) ! (no separators, spaces or control "
            "characters)); using Acme_X-1.0.0-rc.1",
        ),
        (
            {"startifact:filename": ".."},
            "Acme_X-1.0.0-rc.1",
            "its startifact:filename is not a safe file name (invalid file name '..': use "
            "letters, digits and . _ + - = ~ , @ ( ) ! (no separators, spaces or control "
            "characters)); using Acme_X-1.0.0-rc.1",
        ),
    ],
)
def test_the_file_name_is_the_recorded_one_when_safe_else_derived(
    metadata: dict[str, str], name: str, problem: str | None
) -> None:
    assert legacy_filename("Acme_X", "1.0.0-rc.1", metadata) == (name, problem)


def test_user_metadata_leaves_the_file_name_out() -> None:
    assert user_metadata({"startifact:filename": "x", "b": "2", "a": "1"}) == {"a": "1", "b": "2"}
