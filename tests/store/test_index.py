"""The project index: built from a listing, written as JSON, read back distrustfully."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hatch_startifact.aws import ObjectInfo
from hatch_startifact.store.index import FORMAT, ProjectIndex, choose_latest
from hatch_startifact.store.layout import Layout

LAYOUT = Layout(key_prefix="staging/")
OBJECT = ObjectInfo(size=1, etag='"d41d8cd98f00b204e9800998ecf8427e"')


def listing(*keys: str) -> dict[str, ObjectInfo]:
    return dict.fromkeys(keys, OBJECT)


def staged_keys(version: str, filename: str, project: str = "my-lib") -> tuple[str, str]:
    """The artifact key and its metadata key."""
    return (
        LAYOUT.artifact_key(project, version, filename),
        LAYOUT.metadata_key(project, version, filename),
    )


def index_bytes(versions: Any, project: Any = "my-lib", **extra: Any) -> bytes:
    return json.dumps(
        {"format": FORMAT, "project": project, "versions": versions, **extra}
    ).encode()


# ---- from_listing -----------------------------------------------------------------------


def test_from_listing_lists_files_with_their_metadata() -> None:
    keys = listing(*staged_keys("1.0.0", "b.whl"), *staged_keys("1.0.0", "a.tar.gz"))

    index = ProjectIndex.from_listing("my-lib", LAYOUT, keys)

    assert index == ProjectIndex("my-lib", (("1.0.0", ("a.tar.gz", "b.whl")),))


def test_from_listing_leaves_out_an_artifact_without_metadata() -> None:
    keys = listing(
        *staged_keys("1.0.0", "a.whl"),
        LAYOUT.artifact_key("my-lib", "1.0.0", "half.whl"),
    )

    index = ProjectIndex.from_listing("my-lib", LAYOUT, keys)

    assert index.versions == (("1.0.0", ("a.whl",)),)


def test_from_listing_leaves_out_metadata_without_an_artifact() -> None:
    keys = listing(
        *staged_keys("1.0.0", "a.whl"),
        LAYOUT.metadata_key("my-lib", "1.0.0", "orphan.whl"),
        LAYOUT.metadata_key("my-lib", "2.0.0", "orphan.whl"),
    )

    index = ProjectIndex.from_listing("my-lib", LAYOUT, keys)

    assert index.versions == (("1.0.0", ("a.whl",)),)


def test_from_listing_orders_versions_newest_first_in_pep_440_order() -> None:
    versions = ["1.0.0", "10.0.0", "2.0.0", "2.0.0rc1", "2.0.0.post1", "1.0.0.dev3", "1!0.1"]
    keys = listing(*(k for v in versions for k in staged_keys(v, "f.whl")))

    index = ProjectIndex.from_listing("my-lib", LAYOUT, keys)

    assert [v for v, _ in index.versions] == [
        "1!0.1",
        "10.0.0",
        "2.0.0.post1",
        "2.0.0",
        "2.0.0rc1",
        "1.0.0",
        "1.0.0.dev3",
    ]


def test_from_listing_ignores_garbage_keys() -> None:
    keys = listing(
        *staged_keys("1.0.0", "a.whl"),
        "staging/my-lib/index.json",
        "staging/my-lib/1.0.0-RC1/x.whl",
        "staging/my-lib/1.0.0-RC1/x.whl.metadata.json",
        "staging/my-lib/1.0.0/deeper/y.whl",
        "staging/my-lib/1.0.0/deeper/y.whl.metadata.json",
        "staging/my-lib/1.0.0/bad name.whl",
        "staging/my-lib/1.0.0/bad name.whl.metadata.json",
        "staging/my-lib/README",
        "staging/other/1.0.0/z.whl",
        "staging/other/1.0.0/z.whl.metadata.json",
        "my-lib/1.0.0/unprefixed.whl",
        "my-lib/1.0.0/unprefixed.whl.metadata.json",
    )

    index = ProjectIndex.from_listing("my-lib", LAYOUT, keys)

    assert index == ProjectIndex("my-lib", (("1.0.0", ("a.whl",)),))


def test_from_listing_of_nothing_is_an_empty_index() -> None:
    assert ProjectIndex.from_listing("my-lib", LAYOUT, {}) == ProjectIndex("my-lib", ())


def test_files_and_latest_of_an_index() -> None:
    keys = listing(*staged_keys("1.0.0", "a.whl"), *staged_keys("2.0.0b1", "b.whl"))
    index = ProjectIndex.from_listing("my-lib", LAYOUT, keys)

    assert index.files("1.0.0") == ("a.whl",)
    assert index.files("2.0.0b1") == ("b.whl",)
    assert index.files("3.0.0") is None
    assert index.latest() == "1.0.0"


def test_latest_of_an_empty_index_is_none() -> None:
    assert ProjectIndex("my-lib", ()).latest() is None


# ---- to_json and parse ------------------------------------------------------------------


def test_to_json_writes_the_documented_format() -> None:
    index = ProjectIndex("my-lib", (("2.0.0", ("a.tar.gz", "a.whl")), ("1.0.0", ("a.whl",))))

    assert json.loads(index.to_json()) == {
        "format": "startifact-index/1",
        "project": "my-lib",
        "versions": [
            {"version": "2.0.0", "files": ["a.tar.gz", "a.whl"]},
            {"version": "1.0.0", "files": ["a.whl"]},
        ],
    }


def test_to_json_and_parse_round_trip() -> None:
    keys = listing(
        *staged_keys("1.0.0", "a.whl"),
        *staged_keys("1.0.0", "a.tar.gz"),
        *staged_keys("1.1.0rc1", "a.whl"),
        *staged_keys("0.9", "old.zip"),
    )
    index = ProjectIndex.from_listing("my-lib", LAYOUT, keys)

    assert ProjectIndex.parse(index.to_json(), "my-lib") == index


def test_to_json_and_parse_round_trip_an_empty_index() -> None:
    index = ProjectIndex("my-lib", ())

    assert ProjectIndex.parse(index.to_json(), "my-lib") == index


def test_parse_refuses_an_index_of_another_project() -> None:
    with pytest.raises(ValueError, match=r"^not an index of project 'my-lib'$"):
        ProjectIndex.parse(index_bytes([], project="other"), "my-lib")


@pytest.mark.parametrize("document", [[], "my-lib", None, 1])
def test_parse_refuses_a_document_that_is_not_an_object(document: Any) -> None:
    with pytest.raises(ValueError, match=r"^not an index of project 'my-lib'$"):
        ProjectIndex.parse(json.dumps(document).encode(), "my-lib")


def test_parse_refuses_a_document_without_a_project() -> None:
    with pytest.raises(ValueError, match=r"^not an index of project 'my-lib'$"):
        ProjectIndex.parse(json.dumps({"versions": []}).encode(), "my-lib")


@pytest.mark.parametrize("versions", [None, {}, "1.0.0", 3])
def test_parse_refuses_versions_that_are_not_a_list(versions: Any) -> None:
    with pytest.raises(ValueError, match=r"^'versions' is not a list$"):
        ProjectIndex.parse(index_bytes(versions), "my-lib")


def test_parse_refuses_a_document_without_versions() -> None:
    data = json.dumps({"format": FORMAT, "project": "my-lib"}).encode()

    with pytest.raises(ValueError, match=r"^'versions' is not a list$"):
        ProjectIndex.parse(data, "my-lib")


@pytest.mark.parametrize("data", [b"", b"{", b"not json", b"\xff\xfe\x00garbage"])
def test_parse_refuses_bytes_that_are_not_json(data: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - json's own message is not ours to pin
        ProjectIndex.parse(data, "my-lib")


def test_parse_drops_entries_with_bad_versions() -> None:
    versions = [
        {"version": "1.0.0", "files": ["good.whl"]},
        {"version": "1.0.0-RC1", "files": ["a.whl"]},
        {"version": "../1.0", "files": ["a.whl"]},
        {"version": "latest", "files": ["a.whl"]},
        {"version": 2, "files": ["a.whl"]},
        {"version": None, "files": ["a.whl"]},
        {"files": ["a.whl"]},
    ]

    index = ProjectIndex.parse(index_bytes(versions), "my-lib")

    assert index.versions == (("1.0.0", ("good.whl",)),)


def test_parse_drops_entries_that_are_not_objects_or_lack_a_list_of_files() -> None:
    versions = [
        "1.0.0",
        ["1.0.0", ["a.whl"]],
        None,
        {"version": "2.0.0", "files": "a.whl"},
        {"version": "3.0.0"},
        {"version": "4.0.0", "files": {"a.whl": True}},
        {"version": "5.0.0", "files": ["ok.whl"]},
    ]

    index = ProjectIndex.parse(index_bytes(versions), "my-lib")

    assert index.versions == (("5.0.0", ("ok.whl",)),)


def test_parse_drops_hostile_file_names() -> None:
    hostile = [
        "../x",
        "/etc/passwd",
        "..",
        ".",
        "",
        "a/b.whl",
        "a\\b",
        "x.whl.metadata.json",
        "new\x00line",
        "c" * 256,
        7,
        None,
        ["a.whl"],
    ]
    versions = [{"version": "1.0.0", "files": ["ok.whl", *hostile]}]

    index = ProjectIndex.parse(index_bytes(versions), "my-lib")

    assert index.versions == (("1.0.0", ("ok.whl",)),)


def test_parse_drops_a_version_whose_files_are_all_hostile() -> None:
    versions = [
        {"version": "2.0.0", "files": ["../x", "/etc/passwd"]},
        {"version": "1.0.0", "files": ["ok.whl"]},
        {"version": "3.0.0", "files": []},
    ]

    index = ProjectIndex.parse(index_bytes(versions), "my-lib")

    assert index.versions == (("1.0.0", ("ok.whl",)),)


def test_parse_sorts_versions_newest_first_and_files_by_name() -> None:
    versions = [
        {"version": "1.0.0", "files": ["b.whl", "a.whl", "b.whl"]},
        {"version": "10.0.0", "files": ["z.tar.gz"]},
        {"version": "2.0.0", "files": ["c.whl"]},
    ]

    index = ProjectIndex.parse(index_bytes(versions), "my-lib")

    assert index.versions == (
        ("10.0.0", ("z.tar.gz",)),
        ("2.0.0", ("c.whl",)),
        ("1.0.0", ("a.whl", "b.whl")),
    )


def test_parse_ignores_unknown_top_level_keys() -> None:
    data = index_bytes([{"version": "1.0.0", "files": ["a.whl"]}], extra_key={"x": 1})

    assert ProjectIndex.parse(data, "my-lib").versions == (("1.0.0", ("a.whl",)),)


# ---- choose_latest ----------------------------------------------------------------------


def test_choose_latest_picks_the_highest_final_release() -> None:
    assert choose_latest(["1.0.0", "1.10.0", "1.9.0", "0.9"]) == "1.10.0"


@pytest.mark.parametrize("newer", ["2.0.0rc1", "2.0.0a1", "2.0.0b3", "2.0.0.dev1", "1.1.0.dev0"])
def test_choose_latest_never_lets_a_prerelease_displace_a_final(newer: str) -> None:
    assert choose_latest(["1.0.0", newer]) == "1.0.0"


def test_choose_latest_of_only_prereleases_is_the_highest_prerelease() -> None:
    assert choose_latest(["1.0.0a1", "1.0.0rc2", "1.0.0b1", "1.0.0.dev5"]) == "1.0.0rc2"


def test_choose_latest_counts_post_releases_as_final() -> None:
    assert choose_latest(["1.0.0", "1.0.0.post1", "1.1.0rc1"]) == "1.0.0.post1"


def test_choose_latest_does_not_count_a_dev_post_release_as_final() -> None:
    assert choose_latest(["1.0.0", "1.0.0.post1.dev0"]) == "1.0.0"


def test_choose_latest_prefers_a_final_over_a_higher_epoch_prerelease() -> None:
    assert choose_latest(["3.0.0", "1!0.1rc1"]) == "3.0.0"


def test_choose_latest_of_nothing_is_none() -> None:
    assert choose_latest([]) is None


def test_choose_latest_takes_any_iterable() -> None:
    assert choose_latest(v for v in ("1.0", "2.0")) == "2.0"


def test_choose_latest_returns_the_normal_form() -> None:
    assert choose_latest(["1.0.0-RC1", "1.0.0-rc2"]) == "1.0.0rc2"


# ---- found by fuzzing (tests/test_fuzz.py) ------------------------------------------------


def test_parse_refuses_an_index_nested_too_deeply_for_json_with_a_value_error() -> None:
    data = ('{"project": "my-lib", "versions": ' + "[" * 5000 + "]" * 5000 + "}").encode()

    with pytest.raises(ValueError, match=r"^it nests arrays or objects too deeply$"):
        ProjectIndex.parse(data, "my-lib")


def test_parse_refuses_an_index_with_a_number_too_long_for_int() -> None:
    with pytest.raises(ValueError, match="integer string conversion"):
        ProjectIndex.parse(
            b'{"project": "my-lib", "versions": [], "n": 1' + b"0" * 5000 + b"}", "my-lib"
        )


def test_parse_drops_a_version_with_a_number_too_long_for_int() -> None:
    data = index_bytes([{"version": "1" + "0" * 5000, "files": ["a.whl"]}])

    assert ProjectIndex.parse(data, "my-lib") == ProjectIndex("my-lib", ())


# ---- yanked versions --------------------------------------------------------------------


def test_a_listed_yank_marker_marks_its_version_yanked_and_latest_skips_it() -> None:
    keys = listing(
        *staged_keys("1.0.0", "a.whl"),
        *staged_keys("1.1.0", "a.whl"),
        *staged_keys("2.0.0rc1", "a.whl"),
        LAYOUT.yank_key("my-lib", "1.1.0"),
        LAYOUT.yank_key("my-lib", "3.0.0"),  # a marker of a version not staged here
        LAYOUT.yank_event_key("my-lib", "1.0.0", "20260101T000000Z-yank-00000000"),
    )

    index = ProjectIndex.from_listing("my-lib", LAYOUT, keys)

    assert index.yanked == frozenset({"1.1.0"})
    assert [v for v, _ in index.versions] == ["2.0.0rc1", "1.1.0", "1.0.0"]
    assert index.latest() == "1.0.0"
    assert json.loads(index.to_json())["versions"] == [
        {"version": "2.0.0rc1", "files": ["a.whl"]},
        {"version": "1.1.0", "files": ["a.whl"], "yanked": True},
        {"version": "1.0.0", "files": ["a.whl"]},
    ]
    assert ProjectIndex.parse(index.to_json(), "my-lib") == index


def test_with_every_final_release_yanked_a_pre_release_is_latest_and_with_all_none() -> None:
    finals_yanked = ProjectIndex(
        "my-lib", (("2.0.0rc1", ("a",)), ("1.0.0", ("a",))), frozenset({"1.0.0"})
    )
    all_yanked = ProjectIndex("my-lib", (("1.0.0", ("a",)),), frozenset({"1.0.0"}))

    assert finals_yanked.latest() == "2.0.0rc1"
    assert all_yanked.latest() is None


def test_an_index_without_the_yanked_field_yanks_nothing_and_only_true_counts() -> None:
    data = index_bytes(
        [
            {"version": "3.0.0", "files": ["a.whl"], "yanked": "yes"},
            {"version": "2.0.0", "files": ["a.whl"], "yanked": True},
            {"version": "1.0.0", "files": ["a.whl"]},
        ]
    )

    index = ProjectIndex.parse(data, "my-lib")

    assert index.yanked == frozenset({"2.0.0"})
    assert index.latest() == "3.0.0"


def test_an_index_with_nothing_yanked_is_written_as_before() -> None:
    index = ProjectIndex.from_listing("my-lib", LAYOUT, listing(*staged_keys("1.0.0", "a.whl")))

    assert b"yanked" not in index.to_json()
