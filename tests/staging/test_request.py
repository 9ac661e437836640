"""hatch_startifact.staging.request: inputs checked (every problem at once), then hashed."""

# (the plugins that act between the two are tested through Session.stage, in tests/plugins)

from __future__ import annotations

from pathlib import Path

import pytest

from hatch_startifact.errors import InvalidInputError
from hatch_startifact.staging.request import StageRequest, check_inputs, hash_files
from tests.helpers import MakeFile, sha256


def test_check_inputs_reports_every_problem_in_one_error(make_file: MakeFile) -> None:
    missing = make_file("here.whl").with_name("missing.whl")

    with pytest.raises(InvalidInputError) as raised:
        check_inputs("my/lib", "not a version", [missing], {"sha256": "x"})

    assert raised.value.problems == (
        "invalid project name 'my/lib': use letters, digits, '.', '_' and '-', starting and "
        "ending with a letter or digit (PEP 508)",
        "invalid version 'not a version': it is not a PEP 440 version (e.g. 1.2.3, 2.0rc1)",
        "metadata key 'sha256' is reserved for hatch-startifact: choose another name (reserved: "
        "filename, metadata, project, sha256, size, staged_at, staged_by, version and keys "
        "starting with 'startifact')",
        f"file not found: {missing}",
    )
    assert str(raised.value) == "; ".join(raised.value.problems)


@pytest.mark.parametrize("project", ["my/lib", "..", "../my-lib", "my-lib/..", "/my-lib"])
def test_check_inputs_refuses_a_project_name_that_is_not_a_name(
    make_file: MakeFile, project: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_inputs(project, "1.0.0", [make_file("a.whl")])

    assert raised.value.problems == (
        f"invalid project name {project!r}: use letters, digits, '.', '_' and '-', starting and "
        "ending with a letter or digit (PEP 508)",
    )


def test_check_inputs_normalises_project_and_version_and_finds_the_files(
    make_file: MakeFile,
) -> None:
    path = make_file("my_lib_x-1.0.0rc1.tar.gz", b"sdist")

    assert check_inputs("My_Lib.X", "1.0.0-RC1", [str(path)], {"commit": "abc"}) == (
        "my-lib-x",
        "1.0.0rc1",
        (path,),
        {"commit": "abc"},
    )


def test_the_callers_own_problems_come_first(make_file: MakeFile) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_inputs("lib", "nope", [make_file("a.whl")], problems=["-o x: not an option"])

    assert raised.value.problems[0] == "-o x: not an option"
    assert len(raised.value.problems) == 2


def test_hash_files_reads_each_file_once_for_its_size_and_sha256(make_file: MakeFile) -> None:
    path = make_file("my_lib_x-1.0.0rc1.tar.gz", b"sdist")

    (artifact,) = hash_files([path])

    assert (artifact.filename, artifact.size, artifact.sha256) == (
        "my_lib_x-1.0.0rc1.tar.gz",
        5,
        sha256(b"sdist"),
    )


def test_hash_files_names_every_file_it_cannot_read(tmp_path: Path) -> None:
    unreadable = [tmp_path / "a.whl", tmp_path / "b.whl"]

    with pytest.raises(InvalidInputError) as raised:
        hash_files(unreadable)

    assert raised.value.problems == tuple(
        f"cannot read {p}: No such file or directory" for p in unreadable
    )


def test_metadata_of_a_file_adds_what_plugins_gave_it() -> None:
    request = StageRequest(
        "lib", "1.0", (), {"team": "data"}, file_metadata={"a.whl": {"ticket": "OPS-1"}}
    )

    assert request.metadata_of("a.whl") == {"team": "data", "ticket": "OPS-1"}
    assert request.metadata_of("b.whl") == {"team": "data"}
