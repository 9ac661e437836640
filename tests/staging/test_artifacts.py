"""Local files to stage: hashed once for size, SHA-256 and the ETag S3 will give them."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from hatch_startifact import aws
from hatch_startifact.staging import artifacts
from hatch_startifact.staging.artifacts import Artifact, check_paths, requires_python, same_object
from hatch_startifact.staging.request import hash_files
from hatch_startifact.store.metadata import CoreMetadata
from tests.fixtures.serving import build_sdist, build_wheel, core_metadata
from tests.helpers import MakeFile, md5, sha256, sha256_base64

MIB = 1024 * 1024
#: s3transfer never uses parts smaller than this, whatever PART_SIZE says.
MIN_PART = 5 * MIB


def path_problems(paths: list[Path] | list[str]) -> tuple[str, ...]:
    """What `check_paths` finds wrong with ``paths``."""
    return tuple(check_paths(paths)[1])


def multipart_etag(data: bytes, part: int) -> str:
    """S3's ETag of a multipart upload: md5 of the concatenated part md5s, then -N."""
    parts = [data[i : i + part] for i in range(0, len(data), part)]
    digests = b"".join(hashlib.md5(p, usedforsecurity=False).digest() for p in parts)
    return f"{md5(digests)}-{len(parts)}"


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> int:
    """Uploads of 1 kB and more go in parts, of s3transfer's smallest part size."""
    monkeypatch.setattr(artifacts, "MULTIPART_THRESHOLD", 1024)
    monkeypatch.setattr(aws, "PART_SIZE", MIN_PART)
    return MIN_PART


# ---- from_path --------------------------------------------------------------------------


def test_from_path_hashes_a_small_file(make_file: MakeFile) -> None:
    data = b"wheel bytes\n" * 100
    path = make_file("my_lib-1.0-py3-none-any.whl", data)

    artifact = Artifact.from_path(path)

    assert artifact == Artifact(
        path=path,
        filename="my_lib-1.0-py3-none-any.whl",
        size=len(data),
        sha256=sha256(data),
        etag=md5(data),
    )
    assert not artifact.multipart


def test_from_path_hashes_an_empty_file(make_file: MakeFile) -> None:
    path = make_file("empty.txt", b"")

    artifact = Artifact.from_path(path)

    assert artifact.size == 0
    assert artifact.sha256 == sha256(b"")
    assert artifact.etag == md5(b"") == "d41d8cd98f00b204e9800998ecf8427e"
    assert not artifact.multipart


def test_from_path_gives_the_multipart_etag_of_a_large_file(
    make_file: MakeFile, small_threshold: int
) -> None:
    data = os.urandom(2 * small_threshold + 100)
    path = make_file("big.tar.gz", data)

    artifact = Artifact.from_path(path)

    assert artifact.multipart
    assert artifact.size == len(data)
    assert artifact.sha256 == sha256(data)
    assert artifact.etag == multipart_etag(data, small_threshold)
    assert artifact.etag.endswith("-3")
    parts = [data[i : i + small_threshold] for i in range(0, len(data), small_threshold)]
    assert artifact.part_sha256 == tuple(sha256_base64(part) for part in parts)


def test_from_path_of_a_file_of_exactly_one_part_still_uses_the_multipart_etag(
    make_file: MakeFile, small_threshold: int
) -> None:
    data = b"x" * 2048
    path = make_file("one-part.bin", data)

    artifact = Artifact.from_path(path)

    assert artifact.multipart
    assert artifact.etag == f"{md5(hashlib.md5(data, usedforsecurity=False).digest())}-1"


def test_from_path_treats_a_file_at_the_threshold_as_multipart(
    make_file: MakeFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(artifacts, "MULTIPART_THRESHOLD", 1024)
    data = b"y" * 1024

    at = Artifact.from_path(make_file("at.bin", data))
    below = Artifact.from_path(make_file("below.bin", data[:-1]))

    assert at.multipart
    assert at.etag == multipart_etag(data, MIN_PART)
    assert not below.multipart
    assert below.etag == md5(data[:-1])


def test_sha256_base64_is_the_digest_in_base64(make_file: MakeFile) -> None:
    data = b"checksum me"

    artifact = Artifact.from_path(make_file("c.txt", data))

    assert artifact.sha256_base64 == sha256_base64(data)


# ---- same_object ------------------------------------------------------------------------


@pytest.fixture
def artifact(make_file: MakeFile) -> Artifact:
    return Artifact.from_path(make_file("a.whl", b"abc"))


def test_same_object_matches_size_and_quoted_etag(artifact: Artifact) -> None:
    assert same_object(artifact, 3, f'"{md5(b"abc")}"')


def test_same_object_matches_an_unquoted_etag(artifact: Artifact) -> None:
    assert same_object(artifact, 3, md5(b"abc"))


def test_same_object_refuses_another_size(artifact: Artifact) -> None:
    assert not same_object(artifact, 4, f'"{md5(b"abc")}"')


def test_same_object_refuses_another_etag(artifact: Artifact) -> None:
    assert not same_object(artifact, 3, f'"{md5(b"abd")}"')


def test_same_object_refuses_a_multipart_etag_of_other_bytes(artifact: Artifact) -> None:
    assert not same_object(artifact, 3, f'"{md5(b"abc")}-1"')


# ---- check_paths and hash_files -------------------------------------------------------


def test_every_file_is_checked_and_hashed_in_order(make_file: MakeFile) -> None:
    paths = [make_file("b.whl"), make_file("a.tar.gz")]

    found, problems = check_paths(paths)

    assert (found, problems) == (paths, [])
    assert hash_files(found) == tuple(Artifact.from_path(p) for p in paths)


def test_check_paths_accepts_strings(make_file: MakeFile) -> None:
    path = make_file("a.whl")

    assert check_paths([str(path)]) == ([path], [])


def test_check_paths_refuses_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.whl"

    assert path_problems([missing]) == (f"file not found: {missing}",)


def test_check_paths_refuses_a_directory(tmp_path: Path) -> None:
    assert path_problems([tmp_path]) == (f"not a file: {tmp_path}",)


def test_check_paths_refuses_two_files_with_the_same_base_name(
    make_file: MakeFile, tmp_path: Path
) -> None:
    first = make_file("a.whl", directory=tmp_path / "one")
    second = make_file("a.whl", directory=tmp_path / "two")

    assert path_problems([first, second]) == (f"two files named 'a.whl': {first} and {second}",)


def test_check_paths_refuses_the_same_file_given_twice(make_file: MakeFile) -> None:
    path = make_file("a.whl")

    assert path_problems([path, path]) == (f"two files named 'a.whl': {path} and {path}",)


def test_check_paths_refuses_a_bad_file_name(make_file: MakeFile) -> None:
    path = make_file("bad name.whl")

    assert path_problems([path]) == (
        f"{path}: invalid file name 'bad name.whl': use letters, digits and . _ + - = ~ , @ "
        "( ) ! (no separators, spaces or control characters)",
    )


def test_check_paths_refuses_a_file_named_like_a_metadata_document(make_file: MakeFile) -> None:
    path = make_file("a.whl.metadata.json")

    assert path_problems([path]) == (
        f"{path}: invalid file name 'a.whl.metadata.json': names ending in "
        "'.metadata.json' are reserved",
    )


def test_check_paths_refuses_an_empty_list() -> None:
    assert path_problems([]) == ("no files to stage",)


def test_check_paths_reports_every_problem_at_once(make_file: MakeFile, tmp_path: Path) -> None:
    good = make_file("good.whl")
    twin = make_file("good.whl", directory=tmp_path / "elsewhere")
    bad = make_file("bad name.whl")
    missing = tmp_path / "missing.whl"
    directory = tmp_path / "a-directory"
    directory.mkdir()

    assert path_problems([good, missing, directory, bad, twin]) == (
        f"file not found: {missing}",
        f"not a file: {directory}",
        f"{bad}: invalid file name 'bad name.whl': use letters, digits and . _ + - = ~ , @ "
        "( ) ! (no separators, spaces or control characters)",
        f"two files named 'good.whl': {good} and {twin}",
    )


# ---- found by fuzzing (tests/test_fuzz.py) ------------------------------------------------


def test_check_paths_refuses_a_name_too_long_for_the_file_system(tmp_path: Path) -> None:
    path = tmp_path / ("a" * 300 + ".whl")

    assert path_problems([path]) == (f"cannot look at {path}: File name too long",)


def test_check_paths_quotes_a_newline_so_its_problem_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "a\nb.whl"

    assert path_problems([missing]) == (f"file not found: {str(missing)!r}",)


# ---- a wheel's core metadata -----------------------------------------------------------------


def test_a_wheel_carries_its_core_metadata_and_requires_python(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "my-lib", "1.0.0", requires_python=">=3.10,  <4")
    artifact = Artifact.from_path(wheel)
    assert artifact.core_metadata == core_metadata("my-lib", "1.0.0", ">=3.10,  <4")
    assert artifact.core is not None
    assert artifact.core == CoreMetadata(
        sha256(artifact.core_metadata), len(artifact.core_metadata), ">=3.10, <4"
    )


def test_a_wheel_without_requires_python_has_core_metadata_without_it(tmp_path: Path) -> None:
    core = Artifact.from_path(build_wheel(tmp_path, "my-lib", "1.0.0")).core
    assert core is not None
    assert core.requires_python is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("my_lib-1.0.0.tar.gz", None),  # not a wheel
        ("my_lib-1.0.0-py3-none-any.whl", b"not a zip"),
        ("my_lib-1.0.0-py3-none-any.whl", "no-metadata"),
        ("my_lib-1.0.0-py3-none-any.whl", "two-metadata"),
        ("my_lib-1.0.0-py3-none-any.whl", "corrupt-metadata"),
    ],
)
def test_files_that_are_not_wheels_with_one_metadata_have_no_core_metadata(
    name: str, content: bytes | str | None, tmp_path: Path
) -> None:
    path = tmp_path / name
    if isinstance(content, str):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("pkg/__init__.py", "")
            if content == "two-metadata":
                archive.writestr("a-1.dist-info/METADATA", "Name: a\n")
                archive.writestr("b-1.dist-info/METADATA", "Name: b\n")
            if content == "corrupt-metadata":  # its compressed bytes are damaged below
                text = "Name: a\n" + "Summary: a long one\n" * 200
                archive.writestr("a-1.dist-info/METADATA", text, zipfile.ZIP_DEFLATED)
        if content == "corrupt-metadata":  # a deflate block of the invalid type 3: zlib.error
            data = bytearray(path.read_bytes())
            data[data.index(b"a-1.dist-info/METADATA") + len("a-1.dist-info/METADATA")] = 0x07
            path.write_bytes(bytes(data))
    else:
        path.write_bytes(content or b"sdist")
    artifact = Artifact.from_path(path)
    assert (artifact.core_metadata, artifact.core) == (None, None)


def test_an_sdist_carries_the_requires_python_of_its_pkg_info(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "my-lib", "1.0.0", requires_python=">=3.10,  <4")
    artifact = Artifact.from_path(sdist)
    assert (artifact.requires_python, artifact.core) == (">=3.10, <4", None)
    assert (
        Artifact.from_path(build_sdist(tmp_path / "b", "my-lib", "1.0.0")).requires_python is None
    )


def test_a_wheel_s_requires_python_is_its_core_metadata_s(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "my-lib", "1.0.0", requires_python=">=3.11")
    assert Artifact.from_path(wheel).requires_python == ">=3.11"


@pytest.mark.parametrize("content", ["not-gzip", "no-pkg-info", "nested-pkg-info", "directory"])
def test_an_sdist_without_a_readable_pkg_info_at_its_top_has_no_requires_python(
    content: str, tmp_path: Path
) -> None:
    path = tmp_path / "my_lib-1.0.0.tar.gz"
    if content == "not-gzip":
        path.write_bytes(b"not an sdist")
    else:
        with tarfile.open(path, "w:gz") as sdist:
            name = {
                "no-pkg-info": "my_lib-1.0.0/README",
                "nested-pkg-info": "my_lib-1.0.0/src/my_lib.egg-info/PKG-INFO",
                "directory": "my_lib-1.0.0/PKG-INFO",
            }[content]
            info = tarfile.TarInfo(name)
            data = b"Requires-Python: >=3.9\n\n"
            if content == "directory":
                info.type = tarfile.DIRTYPE
                sdist.addfile(info)
            else:
                info.size = len(data)
                sdist.addfile(info, io.BytesIO(data))
    assert Artifact.from_path(path).requires_python is None


def test_requires_python_that_is_too_long_or_has_control_characters_is_dropped() -> None:
    assert requires_python(b"Requires-Python: >=3." + b"1" * 300 + b"\n\n") is None
    assert requires_python(b"Requires-Python: >=3.9\x1b[31m\n\n") is None
    assert requires_python(b"Name: a\n\n") is None
