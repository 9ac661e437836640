"""Where things live: every S3 key and SSM parameter name, as docs/layout.md (Names) has them."""

from __future__ import annotations

import pytest

from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.store.layout import INDEX_NAME, Layout

BARE = Layout()
PREFIXED = Layout(key_prefix="org/staging/", parameter_prefix="/org/staging")


def test_an_organisations_layout_takes_its_prefixes() -> None:
    config = OrganisationConfig(
        "/buckets/staging", ("us-east-1",), bucket_key_prefix="a/", parameter_name_prefix="/b"
    )

    assert config.layout == Layout(key_prefix="a/", parameter_prefix="/b")


def test_layout_defaults_to_empty_prefixes() -> None:
    assert (BARE.key_prefix, BARE.parameter_prefix) == ("", "")


# ---- names, without and with prefixes ---------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "expected"), [(BARE, "my-lib/"), (PREFIXED, "org/staging/my-lib/")]
)
def test_project_prefix(layout: Layout, expected: str) -> None:
    assert layout.project_prefix("my-lib") == expected


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (BARE, "my-lib/1.0.0rc1/my_lib-1.0.0rc1-py3-none-any.whl"),
        (PREFIXED, "org/staging/my-lib/1.0.0rc1/my_lib-1.0.0rc1-py3-none-any.whl"),
    ],
)
def test_artifact_key_is_prefix_project_version_file(layout: Layout, expected: str) -> None:
    assert layout.artifact_key("my-lib", "1.0.0rc1", "my_lib-1.0.0rc1-py3-none-any.whl") == expected


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (BARE, "my-lib/1.0.0/my_lib-1.0.0.tar.gz.metadata.json"),
        (PREFIXED, "org/staging/my-lib/1.0.0/my_lib-1.0.0.tar.gz.metadata.json"),
    ],
)
def test_metadata_key_is_the_artifact_key_with_a_suffix(layout: Layout, expected: str) -> None:
    assert layout.metadata_key("my-lib", "1.0.0", "my_lib-1.0.0.tar.gz") == expected


@pytest.mark.parametrize(
    ("layout", "expected"),
    [(BARE, "my-lib/index.json"), (PREFIXED, "org/staging/my-lib/index.json")],
)
def test_index_key_lives_under_the_project(layout: Layout, expected: str) -> None:
    assert layout.index_key("my-lib") == expected
    assert INDEX_NAME == "index.json"


@pytest.mark.parametrize(
    ("layout", "expected"), [(BARE, "/my-lib/latest"), (PREFIXED, "/org/staging/my-lib/latest")]
)
def test_version_parameter_is_prefix_project_latest(layout: Layout, expected: str) -> None:
    assert layout.version_parameter("my-lib") == expected


@pytest.mark.parametrize("layout", [BARE, PREFIXED])
def test_every_key_is_under_the_project_prefix(layout: Layout) -> None:
    prefix = layout.project_prefix("p")

    assert layout.artifact_key("p", "1.0", "f").startswith(prefix)
    assert layout.metadata_key("p", "1.0", "f").startswith(prefix)
    assert layout.index_key("p").startswith(prefix)


# ---- parse_key --------------------------------------------------------------------------


@pytest.mark.parametrize("layout", [BARE, PREFIXED])
def test_parse_key_reads_an_artifact_key(layout: Layout) -> None:
    key = layout.artifact_key("my-lib", "1.0.0", "my_lib-1.0.0.tar.gz")

    assert layout.parse_key("my-lib", key) == ("1.0.0", "my_lib-1.0.0.tar.gz", False)


@pytest.mark.parametrize("layout", [BARE, PREFIXED])
def test_parse_key_reads_a_metadata_key(layout: Layout) -> None:
    key = layout.metadata_key("my-lib", "2.0rc1", "a.whl")

    assert layout.parse_key("my-lib", key) == ("2.0rc1", "a.whl", True)


@pytest.mark.parametrize("layout", [BARE, PREFIXED])
def test_parse_key_ignores_the_index(layout: Layout) -> None:
    assert layout.parse_key("my-lib", layout.index_key("my-lib")) is None


@pytest.mark.parametrize(
    "key",
    [
        "other/1.0.0/a.whl",
        "my-lib-x/1.0.0/a.whl",
        "my-li/1.0.0/a.whl",
        "MY-LIB/1.0.0/a.whl",
        "org/staging/my-lib/1.0.0/a.whl",
    ],
)
def test_parse_key_ignores_other_projects_and_prefixes(key: str) -> None:
    assert BARE.parse_key("my-lib", key) is None


def test_parse_key_ignores_keys_outside_the_key_prefix() -> None:
    assert PREFIXED.parse_key("my-lib", "my-lib/1.0.0/a.whl") is None
    assert PREFIXED.parse_key("my-lib", "other/staging/my-lib/1.0.0/a.whl") is None


@pytest.mark.parametrize(
    "version", ["1.0.0-RC1", "v1.0", "1.0-post1", "latest", "", "01.0", "1.0.0 "]
)
def test_parse_key_ignores_versions_not_in_normal_form(version: str) -> None:
    assert BARE.parse_key("my-lib", f"my-lib/{version}/a.whl") is None


@pytest.mark.parametrize(
    "key",
    [
        "my-lib/1.0.0/sub/a.whl",
        "my-lib/1.0.0/a.whl/",
        "my-lib/1.0.0/",
        "my-lib/1.0.0",
        "my-lib/",
        "my-lib//a.whl",
    ],
)
def test_parse_key_ignores_keys_of_another_depth(key: str) -> None:
    assert BARE.parse_key("my-lib", key) is None


@pytest.mark.parametrize(
    "name",
    [
        "a b.whl",
        "..",
        ".",
        ".metadata.json",
        "a.whl.metadata.json.metadata.json",
        "caf\u00e9.whl",
        "x\x00.whl",
        "a.whl\n",
        "a.whl\n.metadata.json",
    ],
)
def test_parse_key_ignores_bad_file_names(name: str) -> None:
    assert BARE.parse_key("my-lib", f"my-lib/1.0.0/{name}") is None


def test_parse_key_accepts_a_long_but_valid_name() -> None:
    name = "a" * 255

    assert BARE.parse_key("p", f"p/1/{name}.metadata.json") == ("1", name, True)


# ---- yank keys ------------------------------------------------------------------------------


def test_yank_keys_live_beside_the_versions_and_parse_back_to_their_version() -> None:
    layout = Layout(key_prefix="staging/")

    marker = layout.yank_key("my-lib", "1.4.0")
    event = layout.yank_event_key("my-lib", "1.4.0", "20260101T000000Z-yank-0a1b2c3d")

    assert marker == "staging/my-lib/yanks/1.4.0.json"
    assert event == "staging/my-lib/yanks/log/1.4.0/20260101T000000Z-yank-0a1b2c3d.json"
    assert layout.parse_yank_key("my-lib", marker) == "1.4.0"
    assert layout.parse_key("my-lib", marker) is None  # never mistaken for an artifact
    assert layout.parse_key("my-lib", event) is None


@pytest.mark.parametrize(
    "key",
    [
        "staging/my-lib/yanks/log/1.4.0/e.json",
        "staging/my-lib/yanks/1.4.json.json",
        "staging/my-lib/yanks/1.4.0",
        "staging/my-lib/yanks/1.4.0-RC1.json",  # not in normal form
        "staging/other/yanks/1.4.0.json",
        "staging/my-lib/1.4.0/yanks/1.4.0.json",
    ],
)
def test_keys_that_are_not_a_marker_parse_to_none(key: str) -> None:
    assert Layout(key_prefix="staging/").parse_yank_key("my-lib", key) is None
