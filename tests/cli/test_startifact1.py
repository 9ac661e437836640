"""End to end: an organisation seeded by the real Startifact 1.0a10, then read, migrated and
staged into with ``startifact``.

The 1.x organisation (`tests.fixtures.startifact1`) is staged once for the module by
Startifact 1.0a10 itself, on Python 3.10 or 3.11 (skipped, saying so, where neither is found),
and restored into the reset moto server for each test.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.admin.test_permissions import organisation_user as template_user
from tests.fixtures.commands import RunCli
from tests.fixtures.moto import disable_iam, enforce_iam
from tests.fixtures.startifact1 import KEY_PREFIX
from tests.helpers import REGIONS, MakeFile, Organisation, iam_user, read_grant, sha256

pytest_plugins = ["tests.fixtures.startifact1"]
pytestmark = pytest.mark.e2e

NO_SHA = "Startifact 1.x layout, no recorded SHA-256; `startifact migrate` moves it"


def organisation_user(org: Organisation, name: str) -> dict[str, str]:
    """A migrator: the template's AllowRead and AllowWrite of every region of ``org``."""
    return template_user(org, ["AllowRead", "AllowWrite"], name)


def legacy_env(endpoint: str) -> dict[str, str]:
    """What a Startifact 1.x command needs to run against the moto server."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGIONS[0],
    }


def test_a_reader_finds_reads_and_downloads_what_startifact_1_staged(
    run_cli: RunCli, server: str, legacy_org: Organisation, tmp_path: Path
) -> None:
    reader = iam_user(read_grant(legacy_org.buckets.values(), legacy_org.key_prefix), "reader")
    enforce_iam(server)

    latest = run_cli("info", "Acme_X", "--json", env=reader)
    named = run_cli("info", "Acme_X", "2.0.0-rc.1", env=reader)
    versions = run_cli("versions", "acme-y", env=reader)
    download = run_cli("download", "acme-y", "1.0.0", "--dest", tmp_path / "y", env=reader)

    assert latest.returncode == 0, latest.stderr
    document = json.loads(latest.stdout)
    assert document["version"] == "2.0.0rc1"
    assert document["layout"] == "startifact-1"
    assert document["regions"] == list(REGIONS)
    (staged,) = document["files"]
    assert staged["filename"] == "acme_x-2.0.0rc1.tar.gz"
    assert (staged["sha256"], staged["size"]) == (None, len(b"acme x 2.0.0-rc.1\n"))
    assert staged["key"] == f"{KEY_PREFIX}Acme_X@2.0.0-rc.1"
    assert staged["metadata"] == {}
    assert named.returncode == 0, named.stderr
    assert named.stdout.splitlines()[:3] == [
        "acme-x 2.0.0rc1",
        f"  regions: {', '.join(REGIONS)}",
        f"  layout: {NO_SHA}",
    ]
    assert "sha256:none recorded" in named.stdout
    # Startifact 1.x's record went back to 0.9.0 when 0.9.0 was staged after 1.0.0, and a
    # reader, who cannot list, sees only the version a record names.
    assert versions.returncode == 0, versions.stderr
    assert versions.stdout.splitlines() == [
        f"0.9.0  latest  1 file(s)  {', '.join(sorted(REGIONS))}  ({NO_SHA})"
    ]
    assert download.returncode == 0, download.stderr
    assert (tmp_path / "y" / "acme-y-1.0.0").read_bytes() == b"acme y 1.0.0\n"
    warned = [w for w in download.stderr.splitlines() if "no recorded SHA-256" in w]
    assert warned == [
        "warning: acme-y 1.0.0 was staged by Startifact 1.x and has no recorded SHA-256: its "
        "files are downloaded without verification (`startifact migrate` records one)"
    ]
    assert "(13 B, no SHA-256 recorded: not verified)" in download.stdout


def test_a_hostile_file_name_and_a_missing_region_are_named_not_followed(
    run_cli: RunCli, legacy_org: Organisation, tmp_path: Path
) -> None:
    metadata = f"{KEY_PREFIX}Acme_X@2.0.0-rc.1/metadata"
    for region in REGIONS:
        legacy_org.write(region, metadata, json.dumps({"startifact:filename": "../x"}).encode())
    legacy_org.delete("eu-west-2", f"{KEY_PREFIX}Acme_X@2.0.0-rc.1")
    dest = tmp_path / "inner" / "dest"

    result = run_cli("download", "Acme_X", "--dest", dest, "--json")

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["Acme_X-2.0.0-rc.1"]
    data = (dest / "Acme_X-2.0.0-rc.1").read_bytes()
    assert data == b"acme x 2.0.0-rc.1\n"
    document = json.loads(result.stdout)
    assert document["files"][0]["region"] in {"us-east-1", "ap-south-1"}
    assert (document["files"][0]["sha256"], document["files"][0]["verified"]) == (
        sha256(data),
        False,
    )
    assert "its startifact:filename is not a safe file name" in result.stderr
    assert "using Acme_X-2.0.0-rc.1" in result.stderr


# ---- migrate -----------------------------------------------------------------------------

ACME_Y = {"1.0.0": b"acme y 1.0.0\n", "0.9.0": b"acme y 0.9.0\n"}


def migrated_keys(org: Organisation, region: str) -> dict[str, bytes]:
    """This layout's keys under the key prefix (not the 1.x ones, which have an ``@``)."""
    return {k: v for k, v in org.keys(region).items() if "@" not in k}


def test_migrate_copies_every_1x_version_and_a_re_run_completes_a_failed_region(
    run_cli: RunCli,
    server: str,
    legacy_org: Organisation,
    startifact1: Path,
    make_file: MakeFile,
    tmp_path: Path,
) -> None:
    originals = legacy_org.everything()
    # a region where Startifact 1.x's artifact is missing: it is copied from another region
    legacy_org.delete("ap-south-1", f"{KEY_PREFIX}acme-y@0.9.0")
    partial = organisation_user(replace(legacy_org, regions=REGIONS[:2]), "partial")
    migrator = organisation_user(legacy_org, "migrator")
    enforce_iam(server)

    dry = run_cli("migrate", "--all", "--dry-run", env=migrator)
    first = run_cli("migrate", "acme-y", "Acme_X", env=partial)
    second = run_cli("migrate", "--all", env=migrator)
    again = run_cli("migrate", "--all", "--json", env=migrator)

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("would copy") == 9
    assert "3 version(s) would be migrated in 3 region(s)." in dry.stdout
    assert first.returncode == 3, first.stderr
    assert first.stderr.startswith("error: 1 region(s) incomplete (ap-south-1; ap-south-1: access ")
    assert first.stdout.count("copied") == 6
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("already migrated") == 6
    assert second.stdout.count("copied") == 3
    assert f"from s3://staging-eu-west-2/{KEY_PREFIX}acme-y@0.9.0 in eu-west-2" in second.stdout
    assert again.returncode == 0, again.stderr
    assert {m["status"] for m in json.loads(again.stdout)["moved"]} == {"already migrated"}

    disable_iam(server)
    for region in REGIONS:
        keys = migrated_keys(legacy_org, region)
        assert sorted(keys) == [
            f"{KEY_PREFIX}acme-x/2.0.0rc1/acme_x-2.0.0rc1.tar.gz",
            f"{KEY_PREFIX}acme-x/2.0.0rc1/acme_x-2.0.0rc1.tar.gz.metadata.json",
            f"{KEY_PREFIX}acme-x/index.json",
            f"{KEY_PREFIX}acme-y/0.9.0/acme-y-0.9.0",
            f"{KEY_PREFIX}acme-y/0.9.0/acme-y-0.9.0.metadata.json",
            f"{KEY_PREFIX}acme-y/1.0.0/acme-y-1.0.0",
            f"{KEY_PREFIX}acme-y/1.0.0/acme-y-1.0.0.metadata.json",
            f"{KEY_PREFIX}acme-y/index.json",
        ]
        for version, data in ACME_Y.items():
            assert keys[f"{KEY_PREFIX}acme-y/{version}/acme-y-{version}"] == data
            document = json.loads(
                keys[f"{KEY_PREFIX}acme-y/{version}/acme-y-{version}.metadata.json"]
            )
            # the SHA-256 S3 (here moto) computed for the copy is that of the bytes
            assert (document["sha256"], document["size"]) == (sha256(data), len(data))
            assert document["metadata"]["startifact.migrated.from"] == (
                f"startifact-1:{KEY_PREFIX}acme-y@{version}"
            )
        team = json.loads(keys[f"{KEY_PREFIX}acme-y/1.0.0/acme-y-1.0.0.metadata.json"])
        assert team["metadata"]["team"] == "y"
        # by this layout's rules: the highest final release, not the 1.x record's 0.9.0
        assert legacy_org.latest(region, "acme-y") == "1.0.0"
        assert legacy_org.latest(region, "acme-x") == "2.0.0rc1"
        assert legacy_org.latest(region, "Acme_X") == "2.0.0-rc.1"  # 1.x's own, untouched
        for key, data in originals[region].items():
            if not (region == "ap-south-1" and key == f"{KEY_PREFIX}acme-y@0.9.0"):
                assert legacy_org.read(region, key) == data  # originals left in place

    info = run_cli("info", "acme-y", "0.9.0", "--json")
    old_reader = subprocess.run(
        [startifact1, "acme-y", "--download", tmp_path / "old"],
        env={**legacy_env(server), "STARTIFACT_REGIONS": "us-east-1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(info.stdout)["layout"] == "hatch-startifact"
    assert json.loads(info.stdout)["files"][0]["sha256"] == sha256(ACME_Y["0.9.0"])
    # A Startifact 1.x reader still finds the version the record names: the original
    assert old_reader.returncode == 0, old_reader.stdout + old_reader.stderr
    assert (tmp_path / "old").read_bytes() == ACME_Y["1.0.0"]

    staged = run_cli("stage", "Acme_X", "2.0.0", make_file("acme_x-2.0.0.tar.gz"))
    versions = run_cli("versions", "acme-x")
    assert staged.returncode == 0, staged.stderr
    assert versions.stdout.splitlines() == [
        f"2.0.0     latest  1 file(s)  {', '.join(sorted(REGIONS))}",
        f"2.0.0rc1          1 file(s)  {', '.join(sorted(REGIONS))}",
    ]


# ---- stage -------------------------------------------------------------------------------


def test_a_stage_never_moves_the_record_below_a_1x_version_then_moves_it_up(
    run_cli: RunCli, server: str, legacy_org: Organisation, make_file: MakeFile, tmp_path: Path
) -> None:
    # Startifact 1.x's record says 0.9.0 (staged after 1.0.0); 1.0.0 is its highest version.
    older = run_cli("stage", "acme-y", "0.9.5", make_file("acme_y-0.9.5.tar.gz"))
    recorded = {r: legacy_org.latest(r, "acme-y") for r in REGIONS}
    info = run_cli("info", "acme-y", "--json")
    newer = run_cli("stage", "acme-y", "1.1.0", make_file("acme_y-1.1.0.tar.gz"))

    assert older.returncode == 0, older.stderr
    assert "latest version: 1.0.0" in older.stdout
    assert recorded == dict.fromkeys(REGIONS, "1.0.0")
    # both readers find what the record names: ours in 1.x's layout, unverified
    assert json.loads(info.stdout)["layout"] == "startifact-1"
    assert newer.returncode == 0, newer.stderr
    assert {r: legacy_org.latest(r, "acme-y") for r in REGIONS} == dict.fromkeys(REGIONS, "1.1.0")
