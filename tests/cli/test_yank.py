"""End to end: ``startifact yank`` and ``unyank`` against a moto server, and what ``versions``,
``info`` and ``download`` then show (each command is the real ``startifact``, run in a process
of its own)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hatch_startifact.session import Session
from tests.fixtures.commands import RunCli
from tests.helpers import (
    BUCKET_PARAMETER,
    REGIONS,
    MakeFile,
    MakeOrganisation,
    Organisation,
    aws_client,
    boto3_session,
    one_error_line,
    staged,
    staged_by_cli,
)

pytestmark = pytest.mark.e2e

REASON = "1.1 corrupts the cache on upgrade; use 1.0"


@pytest.fixture
def org(server: str, make_organisation: MakeOrganisation, make_file: MakeFile) -> Organisation:
    """``lib`` 1.0, 1.1 and 2.0rc1 staged in every region: the record names 1.1. (Staged
    through the Python API, in this process: the set-up of these tests, not what they test.)"""
    made = make_organisation(key_prefix="artifacts/", parameter_prefix="/staging")
    with Session(boto3_session=boto3_session()) as startifact:
        for version in ("1.0", "1.1", "2.0rc1"):
            staged(startifact, version, make_file(f"lib-{version}.tar.gz"), project="lib")
    assert all(made.latest(r, "lib") == "1.1" for r in REGIONS)
    return made


def index_of(org: Organisation, region: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(org.read(region, "artifacts/lib/index.json"))
    return document


def events(org: Organisation, region: str) -> list[dict[str, str]]:
    log = sorted(k for k in org.keys(region) if k.startswith("artifacts/lib/yanks/log/1.1/"))
    return [json.loads(org.read(region, key)) for key in log]


def test_yank_moves_every_record_back_and_unyank_restores_it_with_an_audit_trail(
    run_cli: RunCli, org: Organisation, make_file: MakeFile, tmp_path: Path
) -> None:
    yanked = run_cli("yank", "lib", "1.1", "--reason", REASON)

    assert (yanked.returncode, yanked.stderr) == (0, "")
    assert sorted(yanked.stdout.splitlines()) == sorted(
        [f"yanked     {r}  latest version: 1.0" for r in REGIONS]
        + ["Yanked lib 1.1 in 3 of 3 region(s)."]
    )
    for region in REGIONS:
        assert org.latest(region, "lib") == "1.0"
        marker = json.loads(org.read(region, "artifacts/lib/yanks/1.1.json"))
        assert marker["format"] == "startifact-yank/1"
        assert (marker["project"], marker["version"], marker["reason"]) == ("lib", "1.1", REASON)
        assert marker["yanked_by"].startswith("arn:aws:")
        assert marker["yanked_at"].endswith("Z")
        assert [e["action"] for e in events(org, region)] == ["yank"]
        versions = index_of(org, region)["versions"]
        assert isinstance(versions, list)
        assert [(v["version"], v.get("yanked", False)) for v in versions] == [
            ("2.0rc1", False),
            ("1.1", True),
            ("1.0", False),
        ]

    unyanked = run_cli("unyank", "lib", "1.1")

    assert (unyanked.returncode, unyanked.stderr) == (0, "")
    assert "Unyanked lib 1.1 in 3 of 3 region(s)." in unyanked.stdout
    for region in REGIONS:
        assert org.latest(region, "lib") == "1.1"
        assert "artifacts/lib/yanks/1.1.json" not in org.keys(region)
        history = events(org, region)
        assert [e["action"] for e in history] == ["yank", "unyank"]
        assert history[0]["reason"] == REASON
        assert "reason" not in history[1]


def test_readers_show_the_yank_and_never_choose_it_but_download_it_by_exact_version(
    run_cli: RunCli, org: Organisation, make_file: MakeFile, tmp_path: Path
) -> None:
    assert run_cli("yank", "lib", "1.1", "--reason", REASON).returncode == 0

    versions = run_cli("versions", "lib")
    versions_json = json.loads(run_cli("versions", "lib", "--json").stdout)
    info = run_cli("info", "lib")
    info_yanked = run_cli("info", "lib", "1.1", "--json")
    latest = run_cli("download", "lib", "--dest", tmp_path / "latest")
    exact = run_cli("download", "lib", "1.1", "--dest", tmp_path / "exact")

    assert versions.stdout.splitlines() == [
        "2.0rc1          1 file(s)  ap-south-1, eu-west-2, us-east-1",
        f"1.1     yanked  1 file(s)  ap-south-1, eu-west-2, us-east-1  (yanked: {REASON})",
        "1.0     latest  1 file(s)  ap-south-1, eu-west-2, us-east-1",
    ]
    assert versions_json["latest"] == "1.0"
    assert [(v["version"], v["yanked"]) for v in versions_json["versions"]] == [
        ("2.0rc1", False),
        ("1.1", True),
        ("1.0", False),
    ]
    assert versions_json["versions"][1]["yank"]["reason"] == REASON
    assert versions_json["versions"][0]["yank"] is None
    assert (info.returncode, info.stderr) == (0, "")
    assert info.stdout.splitlines()[0] == "lib 1.0"
    assert "yanked" not in info.stdout
    document = json.loads(info_yanked.stdout)
    assert (document["version"], document["yanked"]) == ("1.1", True)
    assert document["yank"]["reason"] == REASON
    assert document["yank"]["yanked_by"].startswith("arn:aws:")
    assert (latest.returncode, latest.stderr) == (0, "")
    assert [p.name for p in (tmp_path / "latest").iterdir()] == ["lib-1.0.tar.gz"]
    assert exact.returncode == 0
    assert [p.name for p in (tmp_path / "exact").iterdir()] == ["lib-1.1.tar.gz"]
    (warning,) = exact.stderr.splitlines()
    assert warning.startswith("warning: lib 1.1 is yanked by arn:aws:")
    assert warning.endswith(f": {REASON}")


def test_restaging_a_yanked_version_does_not_make_it_latest_and_a_newer_version_does(
    run_cli: RunCli, org: Organisation, make_file: MakeFile
) -> None:
    assert run_cli("yank", "lib", "1.1", "--reason", REASON).returncode == 0

    again = run_cli("stage", "lib", "1.1", make_file("lib-1.1.tar.gz"))

    assert (again.returncode, again.stderr) == (0, "")
    assert "latest version: 1.0." in again.stdout
    assert all(org.latest(r, "lib") == "1.0" for r in REGIONS)
    staged_by_cli(run_cli, "lib", "1.2", make_file("lib-1.2.tar.gz"))
    assert all(org.latest(r, "lib") == "1.2" for r in REGIONS)


def test_yanking_every_version_removes_the_record_and_readers_say_there_is_no_latest(
    run_cli: RunCli, org: Organisation
) -> None:
    for version in ("1.0", "1.1", "2.0rc1"):
        result = run_cli("yank", "lib", version, "--reason", "all bad")
        assert result.returncode == 0, result.stderr

    info = run_cli("info", "lib")
    download = run_cli("download", "lib")
    exact = run_cli("info", "lib", "1.0")

    assert "yanked     us-east-1  latest version: none (every version is yanked)" in result.stdout
    assert all(org.latest(r, "lib") is None for r in REGIONS)
    message = (
        "error: every version of lib is yanked (2.0rc1, 1.1, 1.0): there is no latest "
        "version; name a version to download it anyway, or unyank one with `startifact unyank`"
    )
    assert (info.returncode, one_error_line(info)) == (1, message)
    assert (download.returncode, one_error_line(download)) == (1, message)
    assert exact.returncode == 0
    assert run_cli("unyank", "lib", "1.0").returncode == 0
    assert all(org.latest(r, "lib") == "1.0" for r in REGIONS)


def test_yanking_twice_replaces_the_reason_and_keeps_both_events(
    run_cli: RunCli, org: Organisation
) -> None:
    assert run_cli("yank", "lib", "1.1", "--reason", "first").returncode == 0
    assert run_cli("yank", "lib", "1.1", "--reason", REASON).returncode == 0

    marker = json.loads(org.read("eu-west-2", "artifacts/lib/yanks/1.1.json"))
    assert marker["reason"] == REASON
    assert [e["reason"] for e in events(org, "eu-west-2")] == ["first", REASON]
    assert all(org.latest(r, "lib") == "1.0" for r in REGIONS)


def test_yanking_a_version_never_staged_is_an_error_and_writes_nothing(
    run_cli: RunCli, org: Organisation
) -> None:
    before = org.everything()

    result = run_cli("yank", "lib", "9.9", "--reason", "nope")
    no_reason = run_cli("yank", "lib", "1.1")
    empty = run_cli("yank", "lib", "1.1", "--reason", "  ")

    assert (result.returncode, one_error_line(result)) == (
        1,
        "error: lib 9.9 is not staged in any region that answered (us-east-1, eu-west-2, "
        "ap-south-1); staged versions: 2.0rc1, 1.1, 1.0",
    )
    assert no_reason.returncode == 2
    assert "the following arguments are required: --reason" in no_reason.stderr
    assert (empty.returncode, one_error_line(empty)) == (
        2,
        "error: the reason of a yank must not be empty: say why the version is yanked",
    )
    assert org.everything() == before


def test_a_region_that_fails_is_named_with_exit_code_3_and_a_rerun_completes_it(
    run_cli: RunCli, org: Organisation
) -> None:
    ssm = aws_client("ssm", "eu-west-2")
    bucket = ssm.get_parameter(Name=BUCKET_PARAMETER)["Parameter"]["Value"]
    ssm.delete_parameter(Name=BUCKET_PARAMETER)

    partial = run_cli("yank", "lib", "1.1", "--reason", REASON, "--json")

    assert partial.returncode == 3
    report = json.loads(partial.stdout)
    assert report["exit_code"] == 3
    assert [(r["region"], r["ok"], r["latest"]) for r in report["regions"]] == [
        ("us-east-1", True, "1.0"),
        ("eu-west-2", False, None),
        ("ap-south-1", True, "1.0"),
    ]
    assert one_error_line(partial).startswith("error: 1 of 3 region(s) failed (eu-west-2: ")
    assert org.latest("eu-west-2", "lib") == "1.1"

    ssm.put_parameter(Name=BUCKET_PARAMETER, Value=bucket, Type="String")
    rerun = run_cli("yank", "lib", "1.1", "--reason", REASON)

    assert (rerun.returncode, rerun.stderr) == (0, "")
    assert all(org.latest(r, "lib") == "1.0" for r in REGIONS)
