"""hatch_startifact.staging.request: inputs checked (every problem at once), then hashed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from hatch_startifact.errors import InvalidInputError
from hatch_startifact.staging.request import prepare

MakeFile = Callable[..., Path]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_prepare_reports_every_problem_in_one_error(make_file: MakeFile) -> None:
    missing = make_file("here.whl").with_name("missing.whl")

    with pytest.raises(InvalidInputError) as raised:
        prepare("my/lib", "not a version", [missing], {"sha256": "x"})

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
def test_prepare_refuses_a_project_name_that_is_not_a_name(
    make_file: MakeFile, project: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        prepare(project, "1.0.0", [make_file("a.whl")])

    assert raised.value.problems == (
        f"invalid project name {project!r}: use letters, digits, '.', '_' and '-', starting and "
        "ending with a letter or digit (PEP 508)",
    )


def test_prepare_normalises_project_and_version_and_hashes_the_files(
    make_file: MakeFile,
) -> None:
    path = make_file("my_lib_x-1.0.0rc1.tar.gz", b"sdist")

    request = prepare("My_Lib.X", "1.0.0-RC1", [path], {"commit": "abc"})

    assert (request.project, request.version) == ("my-lib-x", "1.0.0rc1")
    assert [(a.filename, a.size, a.sha256) for a in request.artifacts] == [
        ("my_lib_x-1.0.0rc1.tar.gz", 5, sha256(b"sdist"))
    ]
    assert dict(request.metadata) == {"commit": "abc"}
