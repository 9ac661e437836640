"""hatch_startifact.reading.downloads: verified downloads with failover across regions.

Files are staged through `Session.stage`, then downloaded through `Session.download` or a
`Downloader`; regions are tampered with directly in moto, and S3 calls are observed through
botocore event hooks on the boto3 session handed to the downloader.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hatch_startifact.aws import MULTIPART_THRESHOLD
from hatch_startifact.errors import DestinationError, StartifactError
from hatch_startifact.reading.downloads import Downloaded, Downloader, file_sha256
from hatch_startifact.reading.found import VersionInfo
from tests.helpers import (
    REGIONS,
    Hook,
    MakeFile,
    MakeOrganisation,
    OpenSession,
    Organisation,
    aws_client,
    sha256,
    staged,
)

#: Downloads repeated with shuffled regions, so that a tampered region is almost surely tried.
ROUNDS = 20


class GetObjects:
    """Records the key of every S3 ``GetObject`` a session's clients make, by region."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @property
    def hook(self) -> Hook:
        def handler(params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
            self.calls.append((context["client_region"], params["Key"]))

        return "before-parameter-build.s3.GetObject", handler

    def of(self, key: str) -> list[str]:
        """The regions asked for ``key``."""
        return [region for region, asked in self.calls if asked == key]


def put_artifact(org: Organisation, region: str, name: str, body: bytes) -> None:
    """Replace a staged artifact's bytes behind the tool's back."""
    org.write(region, f"my-lib/1.0.0/{name}", body)


def tampered(org: Organisation, region: str, name: str, real: bytes, forged: bytes) -> str:
    return (
        f"{region}: s3://{org.buckets[region]}/my-lib/1.0.0/{name} in {region} does not match "
        f"the SHA-256 in its metadata (got {sha256(forged)[:12]}..., expected "
        f"{sha256(real)[:12]}...): it may have been tampered with; trying another region"
    )


def listing(directory: Path) -> list[str]:
    """Every entry in ``directory``, hidden ones (such as ``.partial`` files) included."""
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def org(mocked: None, make_organisation: MakeOrganisation) -> Organisation:
    return make_organisation()


# ---- downloading --------------------------------------------------------------------------


def test_download_writes_every_file_verified(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl", b"wheel"), make_file("a.tar.gz", b"sdist"))
    dest = tmp_path / "dest"
    warnings: list[str] = []

    done = open_session().download("my-lib", "1.0.0", dest, warn=warnings.append)

    assert sorted((d.filename, d.path, d.size, d.sha256) for d in done) == [
        ("a.tar.gz", dest / "a.tar.gz", 5, sha256(b"sdist")),
        ("a.whl", dest / "a.whl", 5, sha256(b"wheel")),
    ]
    assert all(d.region in REGIONS for d in done)
    assert (dest / "a.whl").read_bytes() == b"wheel"
    assert (dest / "a.tar.gz").read_bytes() == b"sdist"
    assert listing(dest) == ["a.tar.gz", "a.whl"]
    assert warnings == []


def test_download_without_a_version_downloads_the_latest(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a-1.0.0.whl"))
    staged(open_session(), "1.1.0", make_file("a-1.1.0.whl"))

    done = open_session().download("My_Lib", dest=tmp_path / "dest")

    assert [d.filename for d in done] == ["a-1.1.0.whl"]
    assert listing(tmp_path / "dest") == ["a-1.1.0.whl"]


def test_download_creates_the_destination_directory(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl", b"wheel"))
    dest = tmp_path / "not" / "there" / "yet"

    open_session().download("my-lib", "1.0.0", dest)

    assert (dest / "a.whl").read_bytes() == b"wheel"


def test_download_skips_a_tampered_region_with_a_warning_and_uses_another(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    real, forged = b"real wheel", b"forged wheel"
    staged(open_session(), "1.0.0", make_file("a.whl", real))
    put_artifact(org, "eu-west-2", "a.whl", forged)
    put_artifact(org, "ap-south-1", "a.whl", forged)
    session = open_session()
    info = session.info("my-lib", "1.0.0")
    expected = {tampered(org, r, "a.whl", real, forged) for r in ("eu-west-2", "ap-south-1")}
    seen: list[str] = []

    for number in range(ROUNDS):
        warnings: list[str] = []
        dest = tmp_path / f"dest-{number}"

        done = Downloader(session.aws, warnings.append).download(info, dest)

        assert done == [Downloaded("a.whl", dest / "a.whl", "us-east-1", len(real), sha256(real))]
        assert (dest / "a.whl").read_bytes() == real
        assert listing(dest) == ["a.whl"]
        assert set(warnings) <= expected
        assert len(warnings) == len(set(warnings))
        seen.extend(warnings)
    assert seen, "a tampered region was never tried first"


def test_download_passes_over_a_region_missing_the_object(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl", b"wheel"))
    for region in ("us-east-1", "ap-south-1"):
        org.delete(region, "my-lib/1.0.0/a.whl")
    session = open_session()
    info = session.info("my-lib", "1.0.0")
    expected = {
        f"{r}: s3://{org.buckets[r]}/my-lib/1.0.0/a.whl does not exist in {r}; "
        "trying another region"
        for r in ("us-east-1", "ap-south-1")
    }

    for number in range(ROUNDS // 2):
        warnings: list[str] = []
        dest = tmp_path / f"dest-{number}"

        done = Downloader(session.aws, warnings.append).download(info, dest)

        assert [d.region for d in done] == ["eu-west-2"]
        assert (dest / "a.whl").read_bytes() == b"wheel"
        assert set(warnings) <= expected


def test_download_when_every_region_is_tampered_leaves_nothing_behind(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    real, forged = b"real wheel", b"forged wheel"
    staged(open_session(), "1.0.0", make_file("a.whl", real))
    for region in REGIONS:
        put_artifact(org, region, "a.whl", forged)
    dest = tmp_path / "dest"
    warnings: list[str] = []

    with pytest.raises(StartifactError) as raised:
        open_session().download("my-lib", "1.0.0", dest, warn=warnings.append)

    assert (
        str(raised.value)
        == "could not download a.whl from any region (see the warnings): re-run later, or ask "
        "an administrator to check the regions named"
    )
    assert sorted(warnings) == sorted(tampered(org, r, "a.whl", real, forged) for r in REGIONS)
    assert listing(dest) == []


# ---- choosing files -----------------------------------------------------------------------


PATTERNS = [
    (["a-1.0.0-py3-none-any.whl"], ["a-1.0.0-py3-none-any.whl"]),
    (["*.whl"], ["a-1.0.0-cp312-abi3.whl", "a-1.0.0-py3-none-any.whl"]),
    (["*.tar.gz", "*cp312*"], ["a-1.0.0-cp312-abi3.whl", "a-1.0.0.tar.gz"]),
    (["a-1.0.0.tar.gz", "*.tar.gz"], ["a-1.0.0.tar.gz"]),
    (["a-1.0.0-?p*"], ["a-1.0.0-cp312-abi3.whl"]),
    ([], ["a-1.0.0-cp312-abi3.whl", "a-1.0.0-py3-none-any.whl", "a-1.0.0.tar.gz"]),
]


def test_download_only_the_files_matching_the_patterns(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    names = ["a-1.0.0-py3-none-any.whl", "a-1.0.0-cp312-abi3.whl", "a-1.0.0.tar.gz"]
    staged(open_session(), "1.0.0", *(make_file(n) for n in names))
    session = open_session()

    for number, (patterns, expected) in enumerate(PATTERNS):
        dest = tmp_path / f"dest-{number}"

        done = session.download("my-lib", "1.0.0", dest, files=patterns)

        assert sorted(d.filename for d in done) == expected, patterns
        assert listing(dest) == expected, patterns


def test_download_patterns_are_case_sensitive(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl"))

    with pytest.raises(StartifactError) as raised:
        open_session().download("my-lib", "1.0.0", tmp_path / "dest", files=["A.WHL"])

    assert str(raised.value) == (
        "no file of my-lib 1.0.0 matches 'A.WHL' (files: a.whl): name one of these, or a glob"
    )


def test_download_with_no_file_matching_is_an_error_listing_the_files(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl"), make_file("a.tar.gz"))
    session = open_session()
    dest = tmp_path / "dest"

    for patterns, shown in [(["*.exe"], "'*.exe'"), (["*.exe", "b.whl"], "'*.exe b.whl'")]:
        with pytest.raises(StartifactError) as raised:
            session.download("my-lib", "1.0.0", dest, files=patterns)

        assert str(raised.value) == (
            f"no file of my-lib 1.0.0 matches {shown} (files: a.tar.gz, a.whl): name one of "
            "these, or a glob"
        )
        assert not dest.exists()


# ---- files already there ------------------------------------------------------------------


def test_an_identical_file_already_there_is_kept_without_downloading_it(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl", b"wheel"), make_file("b.whl", b"other"))
    dest = tmp_path / "dest"
    make_file("a.whl", b"wheel", dest)
    gets = GetObjects()

    done = open_session(gets.hook).download("my-lib", "1.0.0", dest)

    assert done[0] == Downloaded("a.whl", dest / "a.whl", None, 5, sha256(b"wheel"))
    assert [(d.filename, d.region in REGIONS) for d in done[1:]] == [("b.whl", True)]
    assert gets.of("my-lib/1.0.0/a.whl") == []
    assert len(gets.of("my-lib/1.0.0/b.whl")) == 1
    assert listing(dest) == ["a.whl", "b.whl"]


def test_a_different_file_already_there_is_refused_and_left_unchanged(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl", b"wheel"), make_file("b.whl", b"other"))
    dest = tmp_path / "dest"
    mine = make_file("a.whl", b"my own work", dest)
    gets = GetObjects()

    with pytest.raises(StartifactError) as raised:
        open_session(gets.hook).download("my-lib", "1.0.0", dest)

    assert str(raised.value) == (
        f"{mine} already exist(s) with other content; pass --force to replace, or choose "
        "another --dest"
    )
    assert mine.read_bytes() == b"my own work"
    assert listing(dest) == ["a.whl"]
    assert gets.of("my-lib/1.0.0/a.whl") == gets.of("my-lib/1.0.0/b.whl") == []


def test_force_replaces_a_different_file_already_there(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl", b"wheel"))
    dest = tmp_path / "dest"
    mine = make_file("a.whl", b"my own work", dest)

    done = open_session().download("my-lib", "1.0.0", dest, force=True)

    assert [(d.filename, d.region in REGIONS) for d in done] == [("a.whl", True)]
    assert mine.read_bytes() == b"wheel"
    assert listing(dest) == ["a.whl"]


# ---- large files and progress -------------------------------------------------------------


def test_a_large_multipart_file_downloads_verified_reporting_its_size_as_progress(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    size = MULTIPART_THRESHOLD + 1024 * 1024 + 7
    data = (hashlib.sha256(b"seed").digest() * (size // 32 + 1))[:size]
    staged(open_session(), "1.0.0", make_file("big.tar.gz", data))
    etag = aws_client("s3", "us-east-1").head_object(
        Bucket=org.buckets["us-east-1"], Key="my-lib/1.0.0/big.tar.gz"
    )["ETag"]
    assert etag.strip('"').endswith("-2")  # it really was staged in parts
    dest = tmp_path / "dest"
    progress: list[int] = []

    done = open_session().download("my-lib", "1.0.0", dest, progress=progress.append)

    assert [(d.filename, d.size, d.sha256) for d in done] == [("big.tar.gz", size, sha256(data))]
    assert file_sha256(dest / "big.tar.gz") == sha256(data)
    assert sum(progress) == size
    assert all(n > 0 for n in progress)
    assert listing(dest) == ["big.tar.gz"]


def test_download_of_a_version_info_the_caller_narrowed(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl", b"wheel"))
    gets = GetObjects()
    session = open_session(gets.hook)
    info = session.info("my-lib", "1.0.0")
    narrowed = VersionInfo(
        info.project,
        info.version,
        info.files,
        info.buckets,
        info.keys,
        {"a.whl": ("ap-south-1",)},
        info.asked,
    )
    gets.calls.clear()

    done = Downloader(session.aws).download(narrowed, tmp_path / "dest")

    assert [d.region for d in done] == ["ap-south-1"]
    assert gets.calls == [("ap-south-1", "my-lib/1.0.0/a.whl")]


# ---- file_sha256 --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 1024 * 1024, 3 * 1024 * 1024 + 5])
def test_file_sha256_is_the_hex_sha256_of_the_whole_file(make_file: MakeFile, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)

    assert file_sha256(make_file("f.bin", data)) == sha256(data)


# ---- found by fuzzing (tests/test_fuzz.py) ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("in-the-way", "File exists", id="a-file"),
        pytest.param("in-the-way/below", "Not a directory", id="below-a-file"),
        pytest.param("de\x00st", "", id="nul"),  # Python's own words, which vary
    ],
)
def test_download_to_a_destination_that_cannot_be_a_directory_is_one_clear_error(
    org: Organisation,
    open_session: OpenSession,
    make_file: MakeFile,
    tmp_path: Path,
    name: str,
    reason: str,
) -> None:
    staged(open_session(), "1.0.0", make_file("a.whl", b"wheel"))
    (tmp_path / "in-the-way").write_bytes(b"a file")
    dest = tmp_path / name

    with pytest.raises(StartifactError) as raised:
        open_session().download("my-lib", "1.0.0", dest)

    shown = str(dest) if "\x00" not in name else repr(str(dest))
    if not reason:
        with pytest.raises(ValueError, match="null") as python:
            dest.mkdir()
        reason = str(python.value)
    assert str(raised.value) == (
        f"cannot create the destination {shown} ({reason}): choose another --dest"
    )
    assert (tmp_path / "in-the-way").read_bytes() == b"a file"


@pytest.mark.parametrize("length", [233, 234, 255])
def test_a_file_with_a_name_as_long_as_allowed_downloads(
    org: Organisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path, length: int
) -> None:
    """Its ``.partial`` file beside it once had a name too long for the file system."""
    name = "a" * (length - 4) + ".whl"
    staged(open_session(), "1.0.0", make_file(name, b"wheel"))
    dest = tmp_path / "dest"

    (done,) = open_session().download("my-lib", "1.0.0", dest)

    assert done.path == dest / name
    assert listing(dest) == [name]
    assert done.path.read_bytes() == b"wheel"


@pytest.mark.parametrize("fails", ["open", "write"])
def test_a_destination_that_cannot_be_written_is_one_error_and_no_other_region_is_tried(
    org: Organisation,
    open_session: OpenSession,
    make_file: MakeFile,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fails: str,
) -> None:
    # (As root, permissions cannot make it fail: the disk is made full instead.)
    staged(open_session(), "1.0.0", make_file("a.whl", b"wheel"))
    dest = tmp_path / "dest"
    full = OSError(28, "No space left on device")
    if fails == "open":
        monkeypatch.setattr("hatch_startifact.reading.downloads.os.open", raising(full))
    else:
        monkeypatch.setattr("hatch_startifact.reading.downloads.os.fdopen", full_disk(full))
    warnings: list[str] = []

    with pytest.raises(DestinationError) as raised:
        open_session().download("my-lib", "1.0.0", dest, warn=warnings.append)

    assert str(raised.value) == (
        f"cannot write into {dest}: No space left on device; free some space, fix its "
        "permissions or choose another --dest"
    )
    assert warnings == []
    assert listing(dest) == []


def raising(error: Exception) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    return fail


def full_disk(error: OSError) -> Callable[..., Any]:
    """``os.fdopen`` giving a file whose every write fails with ``error``."""
    real = os.fdopen

    def fdopen(handle: int, mode: str) -> Any:
        class Full:
            def __init__(self) -> None:
                self._file = real(handle, mode)

            def __enter__(self) -> Full:
                return self

            def __exit__(self, *exc: object) -> None:
                self._file.close()

            def write(self, data: bytes) -> int:
                raise error

        return Full()

    return fdopen
