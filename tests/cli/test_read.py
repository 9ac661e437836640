"""End to end: ``startifact info``, ``versions`` and ``download`` against a moto server.

Every test stages with the real ``startifact stage`` first, then runs the reading commands in a
subprocess, sometimes after tampering with, deleting or hiding what one region holds (with
boto3, straight into the bucket, as an attacker or an accident would).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.fixtures.commands import RunCli
from tests.fixtures.moto import enforce_iam
from tests.helpers import (
    BUCKET_PARAMETER,
    REGIONS,
    MakeFile,
    MakeOrganisation,
    Organisation,
    Result,
    aws_client,
    iam_user,
    sha256,
    staged_by_cli,
)

pytestmark = pytest.mark.e2e

WHEEL = "lib-1.0-py3-none-any.whl"
WHEEL_BYTES = b"the real wheel of lib 1.0\n"
EVIL_BYTES = b"evil bytes\n"
#: Regions are shuffled, so a test that needs a bad region to be tried repeats the download
#: until it was (the chance that it never is, with 2 of 3 regions bad, is 3**-ATTEMPTS).
ATTEMPTS = 10


@pytest.fixture(autouse=True)
def no_ci_provenance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as outside CI, so the metadata staged is exactly what each test gives."""
    for name in ("GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI"):
        monkeypatch.delenv(name, raising=False)


def run_all(
    run_cli: RunCli, *commands: Sequence[str | Path], env: dict[str, str] | None = None
) -> list[Result]:
    """Run independent reading commands at once (each is its own process)."""
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(pool.map(lambda args: run_cli(*args, env=env), commands))


def warnings_and_errors(result: Result) -> tuple[list[str], list[str]]:
    """Every line on standard error is a warning or an error, never a traceback."""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    warnings = [line for line in lines if line.startswith("warning: ")]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(warnings) + len(errors) == len(lines), result.stderr
    return warnings, errors


def the_error(result: Result) -> str:
    """The one ``error:`` line a failure prints (after any warnings)."""
    _, errors = warnings_and_errors(result)
    assert len(errors) == 1, result.stderr
    return errors[0]


def contents(directory: Path) -> dict[str, bytes]:
    """Every entry of a directory, hidden ones (a left-over ``.partial``) included."""
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def tree(root: Path) -> dict[str, bytes | None]:
    """Everything under ``root``: file bytes, or ``None`` for a directory."""
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


def metadata_document(filename: str, data: bytes, version: str = "1.0") -> bytes:
    document = {
        "project": "lib",
        "version": version,
        "filename": filename,
        "size": len(data),
        "sha256": sha256(data),
        "staged_at": "2026-01-01T00:00:00Z",
        "metadata": {},
    }
    return json.dumps(document).encode()


def index_document(files: list[str], version: str = "1.0") -> bytes:
    document = {
        "format": "startifact-index/1",
        "project": "lib",
        "versions": [{"version": version, "files": files}],
    }
    return json.dumps(document).encode()


def stored_document(org: Organisation, key: str) -> dict[str, Any]:
    """A metadata document, checked to be the same in every region."""
    documents = [json.loads(org.keys(region)[key]) for region in org.regions]
    assert all(d == documents[0] for d in documents)
    document: dict[str, Any] = documents[0]
    return document


def downloaded_line(path: Path, size: str, regions: Sequence[str] = REGIONS) -> re.Pattern[str]:
    choices = "|".join(map(re.escape, regions))
    return re.compile(
        f"downloaded        {re.escape(str(path))}  from ({choices}) "
        f"\\({re.escape(size)}, SHA-256 verified\\)"
    )


def download_until_warned(
    run_cli: RunCli, args: Sequence[str], root: Path, good_regions: Sequence[str]
) -> list[str]:
    """Download into fresh directories, two at a time, until a bad region was tried (a warning
    says so), at most ATTEMPTS times.

    Every download must succeed from a good region with the right bytes and leave nothing else
    (no ``.partial`` file) in its destination. Returns the warnings of them all.
    """
    warnings: list[str] = []
    for batch in range(0, ATTEMPTS, 2):
        dests = [root / f"attempt-{n}" for n in (batch, batch + 1)]
        commands: list[list[str | Path]] = [["download", *args, "--dest", d] for d in dests]
        results = run_all(run_cli, *commands)
        for dest, result in zip(dests, results, strict=True):
            assert result.returncode == 0, result.stderr
            assert contents(dest) == {WHEEL: WHEEL_BYTES}
            assert downloaded_line(dest / WHEEL, "26 B", good_regions).fullmatch(
                result.stdout.splitlines()[0]
            ), result.stdout
            found, errors = warnings_and_errors(result)
            assert errors == []
            warnings.extend(found)
        if warnings:
            break
    return warnings


# ---- info and versions ----------------------------------------------------------------


def test_info_and_versions_describe_what_is_staged_the_latest_by_default_newest_first(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation(key_prefix="artifacts/", parameter_prefix="/staging")
    old = make_file("lib-1.9.tar.gz", b"old sdist")
    wheel = make_file("lib-1.10-py3-none-any.whl", b"new wheel bytes")
    sdist = make_file("lib-1.10.tar.gz", b"new sdist")
    staged_by_cli(run_cli, "lib", "1.9", old)
    staged_by_cli(
        run_cli, "lib", "1.10", wheel, sdist, "--metadata", "commit=abc123", "--metadata", "ci=1"
    )
    # A pre-release: never the latest.
    staged_by_cli(run_cli, "lib", "2.0rc1", make_file("lib-2.0rc1.tar.gz"))
    wheel_doc = stored_document(org, "artifacts/lib/1.10/lib-1.10-py3-none-any.whl.metadata.json")
    sdist_doc = stored_document(org, "artifacts/lib/1.10/lib-1.10.tar.gz.metadata.json")
    old_doc = stored_document(org, "artifacts/lib/1.9/lib-1.9.tar.gz.metadata.json")

    results = run_all(
        run_cli,
        ["info", "lib"],
        ["info", "Lib", "1.9", "--json"],
        ["versions", "lib"],
        ["versions", "LIB", "--json"],
    )

    assert [(r.returncode, r.stderr) for r in results] == [(0, "")] * 4
    latest, given, versions, versions_json = (r.stdout for r in results)
    assert latest.splitlines() == [
        "lib 1.10",
        "  regions: us-east-1, eu-west-2, ap-south-1",
        f"  lib-1.10-py3-none-any.whl  15 B  sha256:{sha256(b'new wheel bytes')}",
        f"    staged at {wheel_doc['staged_at']}; key artifacts/lib/1.10/lib-1.10-py3-none-any.whl",
        "    ci = 1",
        "    commit = abc123",
        f"  lib-1.10.tar.gz  9 B  sha256:{sha256(b'new sdist')}",
        f"    staged at {sdist_doc['staged_at']}; key artifacts/lib/1.10/lib-1.10.tar.gz",
        "    ci = 1",
        "    commit = abc123",
    ]
    assert json.loads(given) == {
        "project": "lib",
        "version": "1.9",
        "regions": list(REGIONS),
        "missing": [],
        "buckets": {region: f"staging-{region}" for region in REGIONS},
        "files": [
            {
                "filename": "lib-1.9.tar.gz",
                "size": 9,
                "sha256": sha256(old.read_bytes()),
                "staged_at": old_doc["staged_at"],
                "metadata": {},
                "key": "artifacts/lib/1.9/lib-1.9.tar.gz",
                "regions": sorted(REGIONS),
            }
        ],
        "yanked": False,
        "yank": None,
        "layout": "hatch-startifact",
    }
    assert versions.splitlines() == [
        "2.0rc1          1 file(s)  ap-south-1, eu-west-2, us-east-1",
        "1.10    latest  2 file(s)  ap-south-1, eu-west-2, us-east-1",
        "1.9             1 file(s)  ap-south-1, eu-west-2, us-east-1",
    ]
    assert json.loads(versions_json) == {
        "project": "lib",
        "latest": "1.10",
        "versions": [
            {
                "version": "2.0rc1",
                "files": ["lib-2.0rc1.tar.gz"],
                "regions": sorted(REGIONS),
                "yanked": False,
                "yank": None,
                "layout": "hatch-startifact",
            },
            {
                "version": "1.10",
                "files": ["lib-1.10-py3-none-any.whl", "lib-1.10.tar.gz"],
                "regions": sorted(REGIONS),
                "yanked": False,
                "yank": None,
                "layout": "hatch-startifact",
            },
            {
                "version": "1.9",
                "files": ["lib-1.9.tar.gz"],
                "regions": sorted(REGIONS),
                "yanked": False,
                "yank": None,
                "layout": "hatch-startifact",
            },
        ],
    }


# ---- download -------------------------------------------------------------------------


def test_download_fetches_every_file_of_the_latest_or_a_given_version(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    make_organisation(key_prefix="artifacts/")
    old = make_file("lib-1.0.tar.gz", b"old sdist")
    wheel = make_file("lib-2.0-py3-none-any.whl", b"new wheel bytes")
    sdist = make_file("lib-2.0.tar.gz", b"new sdist")
    staged_by_cli(run_cli, "lib", "1.0", old)
    staged_by_cli(run_cli, "lib", "2.0", wheel, sdist)
    latest_dest = tmp_path / "not" / "yet" / "there"
    given_dest = tmp_path / "given"

    latest, given = run_all(
        run_cli,
        ["download", "lib", "--dest", latest_dest],
        ["download", "lib", "1.0", "--dest", given_dest, "--json"],
    )

    assert (latest.returncode, latest.stderr) == (0, "")
    assert contents(latest_dest) == {
        "lib-2.0-py3-none-any.whl": b"new wheel bytes",
        "lib-2.0.tar.gz": b"new sdist",
    }
    lines = latest.stdout.splitlines()
    assert len(lines) == 3, latest.stdout
    assert downloaded_line(latest_dest / "lib-2.0-py3-none-any.whl", "15 B").fullmatch(lines[0])
    assert downloaded_line(latest_dest / "lib-2.0.tar.gz", "9 B").fullmatch(lines[1])
    assert lines[2] == f"2 file(s) of lib 2.0 in {latest_dest}."

    assert (given.returncode, given.stderr) == (0, "")
    assert contents(given_dest) == {"lib-1.0.tar.gz": b"old sdist"}
    document = json.loads(given.stdout)
    assert document["files"][0].pop("region") in REGIONS
    assert document == {
        "project": "lib",
        "version": "1.0",
        "files": [
            {
                "filename": "lib-1.0.tar.gz",
                "path": str(given_dest / "lib-1.0.tar.gz"),
                "status": "downloaded",
                "size": 9,
                "sha256": sha256(b"old sdist"),
                "verified": True,
            }
        ],
    }


def test_download_file_selects_by_name_or_glob_and_a_glob_matching_nothing_is_an_error(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    make_organisation()
    names = ["lib-1.0-cp312-cp312-linux_x86_64.whl", "lib-1.0-py3-none-any.whl", "lib-1.0.tar.gz"]
    staged_by_cli(run_cli, "lib", "1.0", *(make_file(name) for name in names))
    selections = {
        "by-name": ["--file", "lib-1.0.tar.gz"],
        "by-glob": ["--file", "*.whl"],
        "several": ["--file", "lib-1.0.tar.gz", "--file", "*none-any.whl"],
        "nothing": ["--file", "*.exe"],
    }

    commands: list[list[str | Path]] = [
        ["download", "lib", "--dest", tmp_path / key, *args] for key, args in selections.items()
    ]

    *chosen, nothing = run_all(run_cli, *commands)

    assert [(r.returncode, r.stderr) for r in chosen] == [(0, "")] * 3
    expected = {
        "by-name": ["lib-1.0.tar.gz"],
        "by-glob": ["lib-1.0-cp312-cp312-linux_x86_64.whl", "lib-1.0-py3-none-any.whl"],
        "several": ["lib-1.0-py3-none-any.whl", "lib-1.0.tar.gz"],
    }
    for key, files in expected.items():
        assert contents(tmp_path / key) == {n: f"contents of {n}\n".encode() for n in files}
    assert (nothing.returncode, nothing.stdout) == (1, "")
    assert nothing.stderr == (
        "error: no file of lib 1.0 matches '*.exe' (files: lib-1.0-cp312-cp312-linux_x86_64.whl, "
        "lib-1.0-py3-none-any.whl, lib-1.0.tar.gz): name one of these, or a glob\n"
    )
    assert not (tmp_path / "nothing").exists()


def test_an_existing_different_file_needs_force_and_an_identical_one_is_already_present(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    make_organisation()
    staged_by_cli(run_cli, "lib", "1.0", make_file(WHEEL, WHEEL_BYTES))
    dest = tmp_path / "dest"
    make_file(WHEEL, b"something else", directory=dest)

    refused = run_cli("download", "lib", "--dest", dest)

    assert refused.returncode == 1
    assert refused.stderr == (
        f"error: {dest / WHEEL} already exist(s) with other content; pass --force to replace, "
        "or choose another --dest\n"
    )
    assert contents(dest) == {WHEEL: b"something else"}

    forced = run_cli("download", "lib", "--dest", dest, "--force")

    assert (forced.returncode, forced.stderr) == (0, "")
    assert downloaded_line(dest / WHEEL, "26 B").fullmatch(forced.stdout.splitlines()[0])
    assert contents(dest) == {WHEEL: WHEEL_BYTES}

    again = run_cli("download", "lib", "--dest", dest)

    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout.splitlines() == [
        f"already present   {dest / WHEEL}",
        f"1 file(s) of lib 1.0 in {dest}.",
    ]
    assert contents(dest) == {WHEEL: WHEEL_BYTES}


# ---- bad or missing objects in some regions ----------------------------------------------


def test_a_tampered_object_is_skipped_with_a_warning_and_the_good_copy_downloaded(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    org = make_organisation(key_prefix="artifacts/")
    staged_by_cli(run_cli, "lib", "1.0", make_file(WHEEL, WHEEL_BYTES))
    key = f"artifacts/lib/1.0/{WHEEL}"
    tampered = ["eu-west-2", "ap-south-1"]
    for region in tampered:
        org.write(region, key, EVIL_BYTES)

    warnings = download_until_warned(run_cli, ["lib"], tmp_path, good_regions=["us-east-1"])

    expected = {
        f"warning: {region}: s3://staging-{region}/{key} in {region} does not match the SHA-256 "
        f"in its metadata (got {sha256(EVIL_BYTES)[:12]}..., expected "
        f"{sha256(WHEEL_BYTES)[:12]}...): it may have been tampered with; trying another region"
        for region in tampered
    }
    assert warnings, f"no tampered region was tried in {ATTEMPTS} downloads"
    assert set(warnings) <= expected


def test_a_file_tampered_with_in_every_region_is_an_error_and_leaves_nothing(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    org = make_organisation()
    staged_by_cli(run_cli, "lib", "1.0", make_file(WHEEL, WHEEL_BYTES))
    for region in REGIONS:
        org.write(region, f"lib/1.0/{WHEEL}", EVIL_BYTES)
    dest = tmp_path / "dest"

    result = run_cli("download", "lib", "--dest", dest)

    assert result.returncode == 1
    assert (
        the_error(result)
        == f"error: could not download {WHEEL} from any region (see the warnings): re-run "
        "later, or ask an administrator to check the regions named"
    )
    warnings, _ = warnings_and_errors(result)
    assert sorted(warnings) == sorted(
        f"warning: {region}: s3://staging-{region}/lib/1.0/{WHEEL} in {region} does not match the "
        f"SHA-256 in its metadata (got {sha256(EVIL_BYTES)[:12]}..., expected "
        f"{sha256(WHEEL_BYTES)[:12]}...): it may have been tampered with; trying another region"
        for region in REGIONS
    )
    assert result.stdout == ""
    assert contents(dest) == {}  # not even a .partial file


def test_an_object_missing_in_some_regions_is_downloaded_from_another(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    org = make_organisation()
    staged_by_cli(run_cli, "lib", "1.0", make_file(WHEEL, WHEEL_BYTES))
    missing = ["us-east-1", "ap-south-1"]
    for region in missing:
        org.delete(region, f"lib/1.0/{WHEEL}")

    warnings = download_until_warned(run_cli, ["lib"], tmp_path, good_regions=["eu-west-2"])

    assert warnings, f"no region without the object was tried in {ATTEMPTS} downloads"
    assert set(warnings) <= {
        f"warning: {region}: s3://staging-{region}/lib/1.0/{WHEEL} does not exist in {region}; "
        "trying another region"
        for region in missing
    }


def test_a_region_without_its_bucket_name_parameter_is_skipped_with_a_warning(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    make_organisation()
    staged_by_cli(run_cli, "lib", "1.0", make_file(WHEEL, WHEEL_BYTES))
    aws_client("ssm", "ap-south-1").delete_parameter(Name=BUCKET_PARAMETER)
    dest = tmp_path / "dest"

    info, versions, download = run_all(
        run_cli, ["info", "lib"], ["versions", "lib"], ["download", "lib", "--dest", dest]
    )

    warning = (
        "warning: ap-south-1 skipped: bucket name parameter /buckets/staging does not exist "
        "in ap-south-1: deploy the organisation template there (startifact iam template), or "
        "leave ap-south-1 out of the organisation's regions (startifact setup --regions)\n"
    )
    assert (info.returncode, info.stderr) == (0, warning)
    assert info.stdout.splitlines()[:2] == [
        "lib 1.0",
        "  regions: us-east-1, eu-west-2 (missing or incomplete in: ap-south-1)",
    ]
    assert (versions.returncode, versions.stderr) == (0, warning)
    assert versions.stdout == "1.0  latest  1 file(s)  eu-west-2, us-east-1\n"
    assert (download.returncode, download.stderr) == (0, warning)
    assert downloaded_line(dest / WHEEL, "26 B", ["us-east-1", "eu-west-2"]).fullmatch(
        download.stdout.splitlines()[0]
    )
    assert contents(dest) == {WHEEL: WHEEL_BYTES}


# ---- what is not there ---------------------------------------------------------------------


def test_an_unknown_project_or_version_is_one_clear_error(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    make_organisation()
    staged_by_cli(run_cli, "lib", "1.0", make_file(WHEEL))

    results = run_all(
        run_cli,
        ["info", "nope"],
        ["versions", "nope", "--json"],
        ["download", "nope", "1.0", "--dest", tmp_path / "a"],
        ["info", "lib", "9.9"],
        ["download", "LIB", "9.9.0", "--dest", tmp_path / "b"],
    )

    assert [(r.returncode, r.stdout, r.stderr) for r in results] == [
        (1, "", "error: no such project 'nope': no region has a version record /nope/latest\n"),
        (
            1,
            "",
            "error: no such project 'nope': nothing is staged for it in us-east-1, eu-west-2, "
            "ap-south-1\n",
        ),
        (
            1,
            "",
            "error: no such project 'nope': nothing is staged for it in us-east-1, eu-west-2, "
            "ap-south-1\n",
        ),
        (1, "", "error: lib 9.9 is not staged (staged versions: 1.0)\n"),
        (1, "", "error: lib 9.9.0 is not staged (staged versions: 1.0)\n"),
    ]
    assert list(tmp_path.glob("[ab]")) == []


# ---- hostile documents ----------------------------------------------------------------------


def test_hostile_file_names_in_one_region_never_write_outside_the_destination(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    org = make_organisation()
    staged_by_cli(run_cli, "lib", "1.0", make_file(WHEEL, WHEEL_BYTES))
    hostile = "us-east-1"
    org.write(hostile, "lib/index.json", index_document([WHEEL, "../../evil", "/etc/passwd"]))
    org.write(hostile, "lib/1.0/../../evil", EVIL_BYTES)
    org.write(
        hostile,
        "lib/1.0/../../evil.metadata.json",
        metadata_document("../../evil", EVIL_BYTES),
    )
    # No artifact for /etc/passwd, and a digest nothing has: the tests may run as root.
    passwd = json.loads(metadata_document("/etc/passwd", EVIL_BYTES))
    org.write(
        hostile,
        "lib/1.0//etc/passwd.metadata.json",
        json.dumps({**passwd, "sha256": "0" * 64}).encode(),
    )
    org.write(hostile, f"lib/1.0/{WHEEL}", EVIL_BYTES)
    org.write(hostile, f"lib/1.0/{WHEEL}.metadata.json", metadata_document("../evil", EVIL_BYTES))
    sandbox = tmp_path / "sandbox"
    dest = sandbox / "out" / "dest"
    make_file("keep.txt", b"untouched", directory=sandbox / "out")
    before = tree(sandbox)
    etc_passwd = Path("/etc/passwd").read_bytes()

    result = run_cli("download", "lib", "--dest", dest)

    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"warning: {hostile}: s3://staging-{hostile}/lib/1.0/{WHEEL}.metadata.json is not a "
        f"valid metadata document: its filename is '../evil', not '{WHEEL}'\n"
    )
    assert downloaded_line(dest / WHEEL, "26 B", ["eu-west-2", "ap-south-1"]).fullmatch(
        result.stdout.splitlines()[0]
    )
    assert contents(dest) == {WHEEL: WHEEL_BYTES}
    after = tree(sandbox)
    assert {k: v for k, v in after.items() if not k.startswith("out/dest")} == before
    assert Path("/etc/passwd").read_bytes() == etc_passwd


def test_a_file_only_one_region_lists_with_hostile_metadata_costs_a_warning_not_the_download(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    org = make_organisation()
    staged_by_cli(run_cli, "lib", "1.0", make_file(WHEEL, WHEEL_BYTES))
    hostile = "eu-west-2"
    org.write(hostile, "lib/index.json", index_document([WHEEL, "evil"]))
    org.write(hostile, "lib/1.0/evil", EVIL_BYTES)
    org.write(hostile, "lib/1.0/evil.metadata.json", metadata_document("../evil", EVIL_BYTES))
    sandbox = tmp_path / "sandbox"
    make_file("keep.txt", b"untouched", directory=sandbox / "out")
    before = tree(sandbox)
    every, chosen = sandbox / "out" / "every", sandbox / "out" / "chosen"

    every_file, one_file = run_all(
        run_cli,
        ["download", "lib", "--dest", every],
        ["download", "lib", "--file", WHEEL, "--dest", chosen],
    )

    hostile_warning = (
        f"warning: {hostile}: s3://staging-{hostile}/lib/1.0/evil.metadata.json is not a valid "
        "metadata document: its filename is '../evil', not 'evil'"
    )
    warnings, errors = warnings_and_errors(every_file)
    assert hostile_warning in warnings
    if every_file.returncode == 0:  # the hostile entry ignored
        assert errors == []
        assert contents(every) == {WHEEL: WHEEL_BYTES}
    else:  # or the version refused as a whole, clearly
        assert every_file.returncode == 1
        assert errors == ["error: no region has a readable metadata document for evil"]
        assert not every.exists() or contents(every) == {}
    after = tree(sandbox)
    assert {k: v for k, v in after.items() if not k.startswith(("out/every", "out/chosen"))} == (
        before
    )
    # A file every region holds intact downloads, whatever another file's metadata says.
    assert one_file.returncode == 0, one_file.stderr
    assert warnings_and_errors(one_file)[1] == []
    assert contents(chosen) == {WHEEL: WHEEL_BYTES}


# ---- the Read grant alone -------------------------------------------------------------------


def reader_keys(org: Organisation) -> dict[str, str]:
    """An IAM user with only the Read grant (no s3:ListBucket), as environment variables."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{bucket}/*" for bucket in org.buckets.values()],
            },
        ],
    }
    return iam_user(policy, "reader")


def test_the_read_grant_alone_is_enough_for_info_versions_and_download(
    run_cli: RunCli,
    server: str,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    tmp_path: Path,
) -> None:
    org = make_organisation(key_prefix="artifacts/", parameter_prefix="/staging")
    staged_by_cli(
        run_cli, "lib", "1.0", make_file(WHEEL, WHEEL_BYTES), make_file("lib-1.0.tar.gz", b"sdist")
    )
    reader = reader_keys(org)
    dest = tmp_path / "dest"
    enforce_iam(server)
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id=reader["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=reader["AWS_SECRET_ACCESS_KEY"],
    )
    with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):  # enforcement is on
        s3.list_objects_v2(Bucket=org.buckets["us-east-1"])

    info, versions, download = run_all(
        run_cli,
        ["info", "lib", "--json"],
        ["versions", "lib"],
        ["download", "lib", "--dest", dest],
        env=reader,
    )

    for result in (info, versions, download):
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert json.loads(info.stdout)["regions"] == list(REGIONS)
    assert versions.stdout == "1.0  latest  2 file(s)  ap-south-1, eu-west-2, us-east-1\n"
    assert contents(dest) == {WHEEL: WHEEL_BYTES, "lib-1.0.tar.gz": b"sdist"}
