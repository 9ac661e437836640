"""hatch_startifact.hatch_plugin.distributions: which built files are the current version."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from hatch_startifact.errors import InvalidInputError
from hatch_startifact.hatch_plugin.distributions import (
    current_artifacts,
    distribution_of,
    expand_named,
)
from tests.helpers import MakeFile

WHEEL = "demo_lib-1.2.0-py3-none-any.whl"
SDIST = "demo_lib-1.2.0.tar.gz"


def no_artifacts_message(directory: Path) -> str:
    return (
        f"no wheel or sdist of demo-lib 1.2.0 in {directory}: "
        "run `hatch build` first, or name the files to stage"
    )


@pytest.fixture
def dist(tmp_path: Path, make_file: MakeFile) -> Path:
    """A build directory with the current version, older versions and other projects' files."""
    directory = tmp_path / "project" / "dist"
    for name in (
        WHEEL,
        SDIST,
        "demo_lib-1.2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        "demo_lib-1.1.0-py3-none-any.whl",
        "demo_lib-1.1.0.tar.gz",
        "demo_lib-1.2.0rc1.tar.gz",
        "other_lib-1.2.0-py3-none-any.whl",
        "other_lib-1.2.0.tar.gz",
        "demo_lib_extra-1.2.0.tar.gz",
        "README.md",
        ".gitignore",
    ):
        make_file(name, directory=directory)
    (directory / "demo_lib-1.2.0-py2-none-any.whl").mkdir()  # a directory, not a file
    return directory


# ---- distribution_of ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        pytest.param("Demo_Lib-1.2.0-py3-none-any.whl", ("demo-lib", Version("1.2.0")), id="wheel"),
        pytest.param(
            "demo_lib-2.0rc1-cp311-cp311-manylinux_2_17_x86_64.whl",
            ("demo-lib", Version("2.0rc1")),
            id="platform-wheel",
        ),
        pytest.param("Demo-Lib-1.2.0.tar.gz", ("demo-lib", Version("1.2.0")), id="tar.gz"),
        pytest.param("demo_lib-1.2.0.zip", ("demo-lib", Version("1.2.0")), id="zip"),
    ],
)
def test_distribution_of_reads_the_normalised_name_and_version(
    filename: str, expected: tuple[str, Version]
) -> None:
    assert distribution_of(Path("dist") / filename) == expected


@pytest.mark.parametrize(
    "filename",
    ["README.md", "checksums.txt", "demo_lib-1.2.0.tar.bz2", "demo_lib-1.2.0.egg", "docs.zip"],
)
def test_distribution_of_a_file_that_is_no_distribution_is_none(filename: str) -> None:
    assert distribution_of(Path(filename)) is None


@pytest.mark.parametrize(
    "filename",
    [
        "demo_lib.whl",
        "demo_lib-1.2.0-py3-none.whl",
        "demo_lib-notaversion-py3-none-any.whl",
        "demo_lib.tar.gz",
        "demo_lib-notaversion.tar.gz",
        ".whl",
    ],
)
def test_distribution_of_a_malformed_distribution_name_is_none(filename: str) -> None:
    assert distribution_of(Path(filename)) is None


# ---- current_artifacts --------------------------------------------------------------------


def test_current_artifacts_are_the_current_versions_wheels_and_sdists_sorted(dist: Path) -> None:
    assert current_artifacts(dist, "demo-lib", "1.2.0") == [
        dist / "demo_lib-1.2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        dist / WHEEL,
        dist / SDIST,
    ]


def test_current_artifacts_match_the_project_name_and_version_as_normalised(dist: Path) -> None:
    assert current_artifacts(dist, "Demo_Lib", "1.2.0") == current_artifacts(
        dist, "demo-lib", "1.2.0"
    )


def test_current_artifacts_of_an_older_version_are_that_versions_files(dist: Path) -> None:
    assert current_artifacts(dist, "demo-lib", "1.1.0") == [
        dist / "demo_lib-1.1.0-py3-none-any.whl",
        dist / "demo_lib-1.1.0.tar.gz",
    ]


def test_current_artifacts_without_any_says_to_build_first(
    tmp_path: Path, make_file: MakeFile
) -> None:
    directory = tmp_path / "dist"
    make_file("demo_lib-1.1.0-py3-none-any.whl", directory=directory)
    make_file("other_lib-1.2.0.tar.gz", directory=directory)

    with pytest.raises(InvalidInputError) as raised:
        current_artifacts(directory, "demo-lib", "1.2.0")

    assert raised.value.problems == (no_artifacts_message(directory),)


def test_current_artifacts_names_the_project_normalised_in_the_error(tmp_path: Path) -> None:
    directory = tmp_path / "dist"
    directory.mkdir()

    with pytest.raises(InvalidInputError) as raised:
        current_artifacts(directory, "Demo_Lib", "1.2.0")

    assert raised.value.problems == (no_artifacts_message(directory),)


def test_current_artifacts_of_a_missing_directory_says_to_build_first(tmp_path: Path) -> None:
    directory = tmp_path / "dist"

    with pytest.raises(InvalidInputError) as raised:
        current_artifacts(directory, "demo-lib", "1.2.0")

    assert raised.value.problems == (no_artifacts_message(directory),)


# ---- expand_named -------------------------------------------------------------------------


def test_a_relative_path_is_resolved_against_the_project_root(dist: Path) -> None:
    root = dist.parent

    assert expand_named([f"dist/{WHEEL}"], root, "demo-lib", "1.2.0") == [dist / WHEEL]


def test_an_absolute_path_is_kept(dist: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"

    assert expand_named([str(dist / SDIST)], elsewhere, "demo-lib", "1.2.0") == [dist / SDIST]


def test_a_directory_expands_to_its_current_artifacts(dist: Path) -> None:
    assert expand_named(["dist"], dist.parent, "demo-lib", "1.2.0") == [
        dist / "demo_lib-1.2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        dist / WHEEL,
        dist / SDIST,
    ]


def test_a_directory_without_current_artifacts_is_refused(
    tmp_path: Path, make_file: MakeFile
) -> None:
    root = tmp_path / "project"
    make_file("demo_lib-1.1.0.tar.gz", directory=root / "old")

    with pytest.raises(InvalidInputError) as raised:
        expand_named(["old"], root, "demo-lib", "1.2.0")

    assert raised.value.problems == (no_artifacts_message(root / "old"),)


def test_a_wheel_of_another_version_is_refused_naming_the_file_and_both_versions(
    dist: Path,
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        expand_named(["dist/demo_lib-1.1.0-py3-none-any.whl"], dist.parent, "demo-lib", "1.2.0")

    assert raised.value.problems == (
        "dist/demo_lib-1.1.0-py3-none-any.whl is demo-lib 1.1.0, but the project is demo-lib "
        "1.2.0: build it again or stage it with `startifact stage`",
    )


def test_every_stale_distribution_is_reported_at_once(dist: Path) -> None:
    with pytest.raises(InvalidInputError) as raised:
        expand_named(
            [f"dist/{WHEEL}", "dist/demo_lib-1.1.0.tar.gz", "dist/other_lib-1.2.0.tar.gz"],
            dist.parent,
            "demo-lib",
            "1.2.0",
        )

    assert raised.value.problems == (
        "dist/demo_lib-1.1.0.tar.gz is demo-lib 1.1.0, but the project is demo-lib 1.2.0: "
        "build it again or stage it with `startifact stage`",
        "dist/other_lib-1.2.0.tar.gz is other-lib 1.2.0, but the project is demo-lib 1.2.0: "
        "build it again or stage it with `startifact stage`",
    )


def test_files_that_are_no_distributions_are_passed_through(
    tmp_path: Path, make_file: MakeFile
) -> None:
    root = tmp_path / "project"
    for name in ("CHANGES.txt", "docs.zip", "sbom.json"):
        make_file(name, directory=root / "extra")

    named = ["extra/CHANGES.txt", "extra/docs.zip", "extra/sbom.json", f"dist/{WHEEL}"]

    assert expand_named(named, root, "demo-lib", "1.2.0") == [
        root / "extra" / "CHANGES.txt",
        root / "extra" / "docs.zip",
        root / "extra" / "sbom.json",
        root / "dist" / WHEEL,
    ]
