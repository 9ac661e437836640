"""hatch_startifact.reading.legacy: versions Startifact 1.x staged, found by a reader.

The 1.x layout is written here as tests/cli/test_startifact1.py shows the real Startifact
1.0a10 writes it: {K}{P}@{V}, {K}{P}@{V}/metadata and {N}/{P}/latest, names as typed.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import pytest

from hatch_startifact.errors import NoSuchProjectError, StartifactError
from hatch_startifact.reading.found import VersionSummary
from tests.helpers import (
    REGIONS,
    MakeFile,
    MakeOrganisation,
    OpenSession,
    Organisation,
    aws_client,
    sha256,
    staged,
)


def stage_1x(
    org: Organisation,
    project: str,
    version: str,
    data: bytes,
    metadata: dict[str, str] | None = None,
    regions: Collection[str] = REGIONS,
) -> None:
    for region in regions:
        org.write(region, f"{org.key_prefix}{project}@{version}", data)
        if metadata is not None:
            org.write(
                region,
                f"{org.key_prefix}{project}@{version}/metadata",
                json.dumps(metadata).encode(),
            )
        aws_client("ssm", region).put_parameter(
            Name=f"{org.parameter_prefix}/{project}/latest",
            Value=version,
            Type="String",
            Overwrite=True,
        )


def test_a_1x_version_is_found_by_its_record_under_the_name_as_typed(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    org = make_organisation(key_prefix="k/", parameter_prefix="/n")
    stage_1x(
        org, "My_Lib", "2.0.0-rc.1", b"1.x bytes", {"startifact:filename": "a.tar.gz", "t": "v"}
    )
    session = open_session()

    info = session.info("My_Lib")
    named = session.info("My_Lib", "2.0.0-rc.1")

    assert session.latest("My_Lib") == "2.0.0-rc.1"
    assert info == named
    assert (info.project, info.version, info.legacy) == ("my-lib", "2.0.0rc1", True)
    (staged,) = info.files
    assert (staged.filename, staged.size, staged.sha256) == ("a.tar.gz", 9, "")
    assert staged.metadata == {"t": "v"}
    assert info.keys == {"a.tar.gz": "k/My_Lib@2.0.0-rc.1"}
    assert info.regions == REGIONS
    with pytest.raises(NoSuchProjectError):
        session.info("my-lib")  # 1.x wrote /n/My_Lib/latest: the normalised name has none


def test_a_1x_version_named_in_normal_form_is_found_under_the_normalised_name(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    org = make_organisation()
    stage_1x(org, "my-lib", "1.0.0", b"one", regions=["us-east-1", "eu-west-2"])
    session = open_session()

    info = session.info("My_Lib", "1.0.0")
    (summary,) = session.versions("my-lib")

    assert (info.version, info.files[0].filename, info.missing) == (
        "1.0.0",
        "my-lib-1.0.0",
        ("ap-south-1",),
    )
    assert summary == VersionSummary(
        "1.0.0", ("my-lib-1.0.0",), ("eu-west-2", "us-east-1"), legacy=True
    )
    with pytest.raises(NoSuchProjectError):  # in this layout; and 1.x has no 1.0.1
        session.info("my-lib", "1.0.1")


def test_versions_lists_a_1x_version_a_record_names_beside_staged_ones(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    session = open_session()
    staged(session, "1.0.0", make_file("my_lib-1.0.0.tar.gz"))
    stage_1x(org, "my-lib", "3.0.0", b"three")

    versions = session.versions("my-lib")

    assert [(v.version, v.legacy) for v in versions] == [("3.0.0", True), ("1.0.0", False)]
    assert session.latest("my-lib") == "3.0.0"
    assert session.info("my-lib").legacy


def test_a_1x_download_is_unverified_and_says_so_once(
    make_organisation: MakeOrganisation, open_session: OpenSession, tmp_path: Any
) -> None:
    org = make_organisation()
    stage_1x(org, "my-lib", "1.0.0", b"one", {"startifact:filename": "one.zip"})
    warnings: list[str] = []

    (done,) = open_session().download("my-lib", dest=tmp_path, warn=warnings.append)
    again = open_session().download("my-lib", dest=tmp_path, force=True)

    assert (tmp_path / "one.zip").read_bytes() == b"one"
    assert (done.sha256, done.verified) == (sha256(b"one"), False)
    assert [w for w in warnings if "SHA-256" in w] == [
        "my-lib 1.0.0 was staged by Startifact 1.x and has no recorded SHA-256: its files are "
        "downloaded without verification (`startifact migrate` records one)"
    ]
    assert again[0].verified is False
    with pytest.raises(StartifactError, match="no SHA-256 to compare with; pass --force"):
        open_session().download("my-lib", dest=tmp_path)
