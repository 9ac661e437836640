"""End to end: an organisation seeded by the real Startifact 1.0a10, read with ``startifact``.

The 1.x organisation (`tests.fixtures.startifact1`) is staged once for the module by
Startifact 1.0a10 itself, on Python 3.10 or 3.11 (skipped, saying so, where neither is found),
and restored into the reset moto server for each test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.commands import RunCli
from tests.fixtures.moto import enforce_iam
from tests.fixtures.startifact1 import KEY_PREFIX
from tests.helpers import REGIONS, Organisation, iam_user, sha256

pytest_plugins = ["tests.fixtures.startifact1"]
pytestmark = pytest.mark.e2e

NO_SHA = "Startifact 1.x layout, no recorded SHA-256; `startifact migrate` moves it"


def read_grant(org: Organisation) -> dict[str, Any]:
    """The Read grant of docs/permissions.md (SSM on * as moto needs): no listing."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{b}/{org.key_prefix}*" for b in org.buckets.values()],
            },
        ],
    }


def test_a_reader_finds_reads_and_downloads_what_startifact_1_staged(
    run_cli: RunCli, server: str, legacy_org: Organisation, tmp_path: Path
) -> None:
    reader = iam_user(read_grant(legacy_org), "reader")
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
