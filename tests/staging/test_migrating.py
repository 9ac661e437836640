"""hatch_startifact.staging.migrating: Startifact 1.x's versions copied into this layout.

The 1.x objects are written here as tests/cli/test_startifact1.py shows the real Startifact
1.0a10 writes them; that module also migrates what it staged, end to end.
"""

from __future__ import annotations

import json
from pathlib import Path

from hatch_startifact.staging.migrating import LegacyVersion, prefixes
from hatch_startifact.store.legacy import LegacyLayout
from tests.helpers import REGIONS, MakeOrganisation, OpenSession, Organisation, sha256


def stage_1x(org: Organisation, project: str, version: str, data: bytes, **metadata: str) -> None:
    for region in REGIONS:
        org.write(region, f"{org.key_prefix}{project}@{version}", data)
        if metadata:
            key = f"{org.key_prefix}{project}@{version}/metadata"
            org.write(region, key, json.dumps(metadata).encode())


def test_a_project_is_listed_as_typed_and_normalised_all_under_the_whole_prefix() -> None:
    layout = LegacyLayout("k/")

    assert prefixes(layout, ["Acme_X"]) == ["k/Acme_X@", "k/acme-x@", "k/acme-x/"]
    assert prefixes(layout, ["acme-x"]) == ["k/acme-x@", "k/acme-x/"]
    assert prefixes(layout, None) == ["k/"]
    assert LegacyVersion("Acme_X", "1.0.0-rc.1", {}).normal_project == "acme-x"
    assert LegacyVersion("Acme_X", "1.0.0-rc.1", {}).normal_version == "1.0.0rc1"


def test_a_dry_run_writes_nothing_and_an_unreadable_version_is_left_out(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    org = make_organisation(key_prefix="k/")
    stage_1x(org, "lib", "1.0.0", b"one")
    stage_1x(org, "lib", "1.0.0-beta.x", b"odd")
    before = org.everything()

    report = open_session().migrate(None, dry_run=True)

    assert org.everything() == before
    assert {(m.region, m.version, m.filename, m.status) for m in report.moved} == {
        (r, "1.0.0", "lib-1.0.0", "would copy") for r in REGIONS
    }
    assert report.skipped == (
        "k/lib@1.0.0-beta.x: '1.0.0-beta.x' is not a version PEP 440 can read; it stays where "
        "it is (stage it again under a PEP 440 version to move it)",
    )
    assert report.exit_code == 0


def test_a_run_stopped_after_the_copy_is_completed_with_the_sha256_of_the_copy(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    org = make_organisation(key_prefix="k/")
    stage_1x(org, "lib", "2.0.0", b"two", **{"startifact:filename": "lib.zip", "team": "a"})
    open_session().migrate(["lib"])
    document_key = "k/lib/2.0.0/lib.zip.metadata.json"
    first = org.read("us-east-1", document_key)
    org.delete("us-east-1", document_key)  # as if the run had stopped before writing it
    org.delete("us-east-1", "k/lib/index.json")

    report = open_session().migrate(["lib"])

    statuses = {m.region: m.status for m in report.moved}
    assert statuses == {
        "us-east-1": "copied",
        "eu-west-2": "already migrated",
        "ap-south-1": "already migrated",
    }
    document = json.loads(org.read("us-east-1", document_key))
    assert (document["sha256"], document["size"]) == (sha256(b"two"), 3)
    assert document["metadata"] == {
        "startifact.migrated.from": "startifact-1:k/lib@2.0.0",
        "team": "a",
    }
    assert json.loads(first)["sha256"] == sha256(b"two")
    assert json.loads(org.read("us-east-1", "k/lib/index.json"))["versions"] == [
        {"files": ["lib.zip"], "version": "2.0.0"}
    ]
    assert report.records == {(r, "lib"): "2.0.0" for r in REGIONS}


def test_a_migrated_version_downloads_verified_against_its_recorded_sha256(
    make_organisation: MakeOrganisation, open_session: OpenSession, tmp_path: Path
) -> None:
    org = make_organisation()
    stage_1x(org, "lib", "1.0.0", b"one")
    assert open_session().migrate(["lib"]).exit_code == 0

    (done,) = open_session().download("lib", "1.0.0", tmp_path)

    assert (done.filename, done.sha256, done.verified) == ("lib-1.0.0", sha256(b"one"), True)
    assert (tmp_path / "lib-1.0.0").read_bytes() == b"one"


def test_nothing_to_migrate_is_an_empty_report(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    make_organisation()

    report = open_session().migrate(["nothing"])

    assert (report.moved, report.records, report.exit_code) == ((), {}, 0)
