"""hatch_startifact.reading.reader: the latest version, staged versions and a version's files.

Data is staged through `Session.stage` and read back through `Session` / `Reader`; faults are
injected only through botocore event hooks on the boto3 session handed to the reader.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterator
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from hatch_startifact.errors import (
    IntegrityError,
    NoSuchProjectError,
    NoSuchVersionError,
    StartifactError,
)
from hatch_startifact.reading.found import VersionSummary
from hatch_startifact.store.metadata import StagedFile
from tests.helpers import (
    BUCKET_PARAMETER,
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

#: How long a region's record read waits for each region ahead of it (`answering_first`).
STAGGER = 0.02


def answering_first(order: list[str]) -> Hook:
    """SSM ``GetParameter`` answers in the order of ``order``: a region's call waits `STAGGER`
    for each region ahead of it. A test rearranges ``order`` between calls (`each_first`)."""

    def handler(context: dict[str, Any], **kwargs: Any) -> None:
        region = context["client_region"]
        if region in order:
            time.sleep(STAGGER * order.index(region))

    return "before-call.ssm.GetParameter", handler


def each_first(order: list[str]) -> Iterator[str]:
    """Put each region of ``order`` first in turn (rotating it in place): one call of a reader
    per region answering first, so a reader that took the first answer, or any answer that
    depends on which region answers first, is caught whatever its region."""
    for _ in range(len(order)):
        yield order[0]
        order.append(order.pop(0))


def unreachable(regions: Collection[str], name: str | None = None) -> Hook:
    """SSM ``GetParameter`` (of ``name``, or of any parameter) cannot connect in ``regions``.

    Raised before the request is built, so botocore does not retry it with back-off.
    """

    def handler(params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        region = context["client_region"]
        if region in regions and (name is None or params.get("Name") == name):
            raise EndpointConnectionError(endpoint_url=endpoint(region))

    return "before-parameter-build.ssm.GetParameter", handler


def endpoint(region: str) -> str:
    return f"https://ssm.{region}.amazonaws.com/"


def unreachable_message(region: str) -> str:
    return (
        f"could not reach {region} (EndpointConnectionError): Could not connect to the endpoint "
        f'URL: "{endpoint(region)}"'
    )


def set_latest(values: dict[str, str]) -> None:
    for region, value in values.items():
        aws_client("ssm", region).put_parameter(
            Name="/my-lib/latest", Value=value, Type="String", Overwrite=True
        )


def metadata_key(name: str, version: str = "1.0.0") -> str:
    return f"my-lib/{version}/{name}.metadata.json"


def user_metadata(file: StagedFile) -> dict[str, str]:
    """The metadata a user gave (without what built-in plugins add, e.g. git provenance)."""
    return {k: v for k, v in file.metadata.items() if not k.startswith("startifact")}


def tamper_metadata(org: Organisation, region: str, name: str, sha: str) -> None:
    """Rewrite a region's metadata document of ``name`` with another (valid) SHA-256."""
    document = json.loads(org.read(region, metadata_key(name)))
    document["sha256"] = sha
    org.write(region, metadata_key(name), json.dumps(document).encode())


# ---- latest -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "latest"),
    [
        ({"us-east-1": "1.0.0", "eu-west-2": "1.0.0", "ap-south-1": "2.0.0"}, "1.0.0"),
        ({"us-east-1": "2.0.0", "eu-west-2": "1.0.0", "ap-south-1": "1.0.0"}, "1.0.0"),
        ({"us-east-1": "1.0.0", "eu-west-2": "3.0.0", "ap-south-1": "2.0.0"}, "3.0.0"),
        ({"us-east-1": "1.0.0", "eu-west-2": "1.0.0", "ap-south-1": "1.0.0"}, "1.0.0"),
        ({"us-east-1": "2.0.0rc1", "eu-west-2": "1.0.0"}, "2.0.0rc1"),
        ({"ap-south-1": "1.0.0"}, "1.0.0"),
    ],
    ids=[
        "majority-over-higher",
        "majority-first-region-higher",
        "all-differ",
        "all-agree",
        "no-majority-highest",
        "only-one-region",
    ],
)
def test_latest_is_the_majority_answer_else_the_highest_in_any_region_order(
    make_organisation: MakeOrganisation,
    open_session: OpenSession,
    values: dict[str, str],
    latest: str,
) -> None:
    make_organisation()
    set_latest(values)
    order = list(REGIONS)
    reader = open_session(answering_first(order)).reader()

    answers = {reader.latest("my-lib") for _ in each_first(order)}

    assert answers == {latest}


def test_latest_through_the_session_normalises_the_project_name(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    make_organisation()
    set_latest(dict.fromkeys(REGIONS, "1.2.0"))

    assert open_session().latest("My_Lib") == "1.2.0"


@pytest.mark.parametrize(
    ("values", "latest"),
    [
        ({"us-east-1": "1.0.0", "ap-south-1": "1.0.0"}, "1.0.0"),
        ({"us-east-1": "1.0.0", "ap-south-1": "2.0.0"}, "2.0.0"),
        ({"us-east-1": "1.0.0"}, "1.0.0"),
    ],
)
def test_latest_answers_when_a_region_cannot_be_reached(
    make_organisation: MakeOrganisation,
    open_session: OpenSession,
    values: dict[str, str],
    latest: str,
) -> None:
    make_organisation()
    # The unreachable region holds the highest version: it must not be the answer.
    set_latest({**values, "eu-west-2": "9.0.0"})
    order = list(REGIONS)
    hooks = (unreachable({"eu-west-2"}, "/my-lib/latest"), answering_first(order))
    reader = open_session(*hooks).reader()

    answers = {reader.latest("my-lib") for _ in each_first(order)}

    assert answers == {latest}


def test_latest_ignores_a_region_whose_record_is_not_a_normalised_version(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    make_organisation()
    set_latest({"us-east-1": "1.0.0", "eu-west-2": "2.0.0"})
    order = list(REGIONS)
    reader = open_session(answering_first(order)).reader()

    # SSM refuses an empty value; a record of only a space is the nearest thing.
    # (A record in semantic versioning, "9.0.0-RC1", is Startifact 1.x's: see test_legacy.py.)
    for garbage in ["not-a-version", "v9", " 9.0.0", "9.0.0 ", " ", "9.0-RC1", "1.0.0-beta.x"]:
        set_latest({"ap-south-1": garbage})

        answers = {reader.latest("my-lib") for _ in each_first(order)}

        assert answers == {"2.0.0"}, garbage


def test_latest_of_a_project_no_region_has_is_no_such_project(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    make_organisation()

    with pytest.raises(NoSuchProjectError) as raised:
        open_session().latest("My_Lib")

    assert str(raised.value) == (
        "no such project 'my-lib': no region has a version record /my-lib/latest"
    )


def test_latest_of_a_project_no_answering_region_has_names_the_unreachable_region(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    make_organisation()
    set_latest({"eu-west-2": "1.0.0"})
    session = open_session(unreachable({"eu-west-2"}, "/my-lib/latest"))

    with pytest.raises(NoSuchProjectError) as raised:
        session.latest("my-lib")

    assert str(raised.value) == (
        "no such project 'my-lib': no region has a version record /my-lib/latest "
        f"({unreachable_message('eu-west-2')})"
    )


def test_latest_with_a_version_record_under_the_parameter_prefix(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    make_organisation(parameter_prefix="/staging")
    set_latest(dict.fromkeys(REGIONS, "5.0.0"))  # the wrong place: without the prefix

    with pytest.raises(NoSuchProjectError) as raised:
        open_session().latest("my-lib")

    assert str(raised.value) == (
        "no such project 'my-lib': no region has a version record /staging/my-lib/latest"
    )


def test_latest_when_every_region_fails_is_an_error_naming_every_failure(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    make_organisation()
    set_latest(dict.fromkeys(REGIONS, "1.0.0"))
    session = open_session(unreachable(REGIONS, "/my-lib/latest"))

    with pytest.raises(StartifactError) as raised:
        session.latest("my-lib")

    assert not isinstance(raised.value, NoSuchProjectError)
    message = str(raised.value)
    prefix = "could not read /my-lib/latest from any region ("
    assert message.startswith(prefix)
    suffix = "): check your credentials and network, or name regions that answer with --regions"
    assert message.endswith(suffix)
    failures = message[len(prefix) : -len(suffix)].split("; ")
    assert sorted(failures) == sorted(unreachable_message(r) for r in REGIONS)


# ---- versions -----------------------------------------------------------------------------


def test_versions_is_the_union_of_every_region_newest_first_with_the_regions_of_each(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    make_organisation()
    staged(open_session(), "1.0.0", make_file("a-1.0.0.whl"))
    staged(open_session(regions="us-east-1"), "1.0.0", make_file("b-1.0.0.whl"))
    staged(open_session(regions="us-east-1,ap-south-1"), "2.0.0", make_file("a-2.0.0.whl"))
    staged(open_session(regions="eu-west-2"), "1.5.0rc1", make_file("a-1.5.0rc1.whl"))
    warnings: list[str] = []

    versions = open_session().versions("My_Lib", warn=warnings.append)

    assert versions == [
        VersionSummary("2.0.0", ("a-2.0.0.whl",), ("ap-south-1", "us-east-1")),
        VersionSummary("1.5.0rc1", ("a-1.5.0rc1.whl",), ("eu-west-2",)),
        VersionSummary("1.0.0", ("a-1.0.0.whl", "b-1.0.0.whl"), tuple(sorted(REGIONS))),
    ]
    assert warnings == []


def test_versions_orders_by_pep_440_not_by_text(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    make_organisation()
    for version in ["1.9.0", "1.10.0", "1.10.0a1", "1.10.0.post1"]:
        staged(open_session(), version, make_file(f"a-{version}.whl"))

    versions = open_session().versions("my-lib")

    assert [v.version for v in versions] == ["1.10.0.post1", "1.10.0", "1.10.0a1", "1.9.0"]


def test_versions_of_a_project_with_nothing_staged_is_no_such_project(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    make_organisation()

    with pytest.raises(NoSuchProjectError) as raised:
        open_session().versions("my-lib")

    assert str(raised.value) == (
        "no such project 'my-lib': nothing is staged for it in us-east-1, eu-west-2, ap-south-1"
    )


def test_versions_passes_over_an_unreachable_region_with_a_warning(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl"))
    warnings: list[str] = []
    session = open_session(unreachable({"eu-west-2"}, BUCKET_PARAMETER))

    versions = session.versions("my-lib", warn=warnings.append)

    assert versions == [VersionSummary("1.0.0", ("a.whl",), ("ap-south-1", "us-east-1"))]
    assert warnings == [f"eu-west-2 skipped: {unreachable_message('eu-west-2')}"]


def test_versions_when_no_region_can_be_read_is_an_error(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl"))
    warnings: list[str] = []
    session = open_session(unreachable(REGIONS, BUCKET_PARAMETER))

    with pytest.raises(StartifactError) as raised:
        session.versions("my-lib", warn=warnings.append)

    assert (
        str(raised.value)
        == "no region could be read for 'my-lib' (see the warnings): check your credentials "
        "and network, or name regions that answer with --regions"
    )
    assert sorted(warnings) == sorted(f"{r} skipped: {unreachable_message(r)}" for r in REGIONS)


# ---- info ---------------------------------------------------------------------------------


def test_info_describes_each_file_and_where_it_is(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation(key_prefix="artifacts/")
    staged(
        open_session(),
        "1.0.0",
        make_file("b.tar.gz", b"sdist"),
        make_file("a.whl", b"wheel"),
        metadata={"commit": "abc123"},
    )
    warnings: list[str] = []

    info = open_session().info("My_Lib", "v1.0.0", warn=warnings.append)

    assert (info.project, info.version) == ("my-lib", "1.0.0")
    assert [(f.filename, f.size, f.sha256, user_metadata(f)) for f in info.files] == [
        ("a.whl", 5, sha256(b"wheel"), {"commit": "abc123"}),
        ("b.tar.gz", 5, sha256(b"sdist"), {"commit": "abc123"}),
    ]
    assert all(f.staged_at.endswith("Z") for f in info.files)
    assert info.regions == REGIONS
    assert info.missing == ()
    assert info.asked == REGIONS
    assert dict(info.buckets) == org.buckets
    assert dict(info.keys) == {
        "a.whl": "artifacts/my-lib/1.0.0/a.whl",
        "b.tar.gz": "artifacts/my-lib/1.0.0/b.tar.gz",
    }
    assert dict(info.holders) == {
        "a.whl": tuple(sorted(REGIONS)),
        "b.tar.gz": tuple(sorted(REGIONS)),
    }
    assert warnings == []


def test_info_without_a_version_describes_the_latest(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    make_organisation()
    staged(open_session(), "1.0.0", make_file("a-1.0.0.whl"))
    staged(open_session(), "2.0.0", make_file("a-2.0.0.whl"))

    info = open_session().info("my-lib")

    assert info.version == "2.0.0"
    assert [f.filename for f in info.files] == ["a-2.0.0.whl"]


def test_info_when_a_region_lacks_one_files_metadata(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl"), make_file("b.whl"))
    org.delete("eu-west-2", metadata_key("a.whl"))
    warnings: list[str] = []

    info = open_session().info("my-lib", "1.0.0", warn=warnings.append)

    assert [f.filename for f in info.files] == ["a.whl", "b.whl"]
    assert dict(info.holders) == {
        "a.whl": ("ap-south-1", "us-east-1"),
        "b.whl": tuple(sorted(REGIONS)),
    }
    assert info.regions == ("us-east-1", "ap-south-1")
    assert info.missing == ("eu-west-2",)
    assert dict(info.buckets) == org.buckets
    assert dict(info.keys) == {"a.whl": "my-lib/1.0.0/a.whl", "b.whl": "my-lib/1.0.0/b.whl"}
    assert warnings == [
        "eu-west-2: s3://staging-eu-west-2/my-lib/1.0.0/a.whl.metadata.json does not exist "
        "(staging the same files again writes it)"
    ]


def test_info_when_a_region_lacks_the_whole_version(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a-1.0.0.whl"))
    staged(open_session(regions="us-east-1,ap-south-1"), "2.0.0", make_file("a-2.0.0.whl"))
    warnings: list[str] = []

    info = open_session().info("my-lib", "2.0.0", warn=warnings.append)

    assert [f.filename for f in info.files] == ["a-2.0.0.whl"]
    assert info.regions == ("us-east-1", "ap-south-1")
    assert info.missing == ("eu-west-2",)
    assert info.asked == REGIONS
    assert dict(info.buckets) == {r: org.buckets[r] for r in ("us-east-1", "ap-south-1")}
    assert dict(info.holders) == {"a-2.0.0.whl": ("ap-south-1", "us-east-1")}
    assert warnings == []


def test_info_passes_over_an_unreachable_region_and_counts_it_missing(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl"))
    warnings: list[str] = []
    session = open_session(unreachable({"ap-south-1"}, BUCKET_PARAMETER))

    info = session.info("my-lib", "1.0.0", warn=warnings.append)

    assert info.regions == ("us-east-1", "eu-west-2")
    assert info.missing == ("ap-south-1",)
    assert dict(info.holders) == {"a.whl": ("eu-west-2", "us-east-1")}
    assert warnings == [f"ap-south-1 skipped: {unreachable_message('ap-south-1')}"]


def test_info_uses_the_majority_when_metadata_disagrees_and_names_the_outvoted_region(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl", b"real"), make_file("b.whl"))
    tamper_metadata(org, "eu-west-2", "a.whl", sha256(b"forged"))
    warnings: list[str] = []

    info = open_session().info("my-lib", "1.0.0", warn=warnings.append)

    assert (info.files[0].filename, info.files[0].size, info.files[0].sha256) == (
        "a.whl",
        4,
        sha256(b"real"),
    )
    assert dict(info.holders) == {
        "a.whl": ("ap-south-1", "us-east-1"),
        "b.whl": tuple(sorted(REGIONS)),
    }
    assert info.regions == ("us-east-1", "ap-south-1")
    assert info.missing == ("eu-west-2",)
    assert warnings == [
        "eu-west-2: the metadata of a.whl disagrees with the other regions; "
        "not using that region for it"
    ]


def test_info_with_metadata_disagreeing_and_no_majority_is_an_integrity_error(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl", b"real"))
    org.delete("ap-south-1", metadata_key("a.whl"))
    tamper_metadata(org, "eu-west-2", "a.whl", sha256(b"forged"))

    with pytest.raises(IntegrityError) as raised:
        open_session().info("my-lib", "1.0.0")

    assert str(raised.value) == (
        "regions disagree about the SHA-256 of a.whl (eu-west-2, us-east-1); "
        "ask an administrator to check"
    )


def test_info_with_three_different_metadata_documents_is_an_integrity_error(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl", b"real"))
    tamper_metadata(org, "eu-west-2", "a.whl", sha256(b"forged"))
    tamper_metadata(org, "ap-south-1", "a.whl", sha256(b"forged again"))

    with pytest.raises(IntegrityError) as raised:
        open_session().info("my-lib", "1.0.0")

    assert str(raised.value) == (
        "regions disagree about the SHA-256 of a.whl (ap-south-1, eu-west-2, us-east-1); "
        "ask an administrator to check"
    )


def test_info_warns_about_an_invalid_metadata_document_and_uses_the_others(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl", b"real"))
    document = json.loads(org.read("us-east-1", metadata_key("a.whl")))
    org.write("us-east-1", metadata_key("a.whl"), json.dumps({**document, "size": -1}).encode())
    warnings: list[str] = []

    info = open_session().info("my-lib", "1.0.0", warn=warnings.append)

    assert dict(info.holders) == {"a.whl": ("ap-south-1", "eu-west-2")}
    assert info.files[0].sha256 == sha256(b"real")
    assert warnings == [
        "us-east-1: s3://staging-us-east-1/my-lib/1.0.0/a.whl.metadata.json is not a valid "
        "metadata document: its size -1 is not a byte count"
    ]


def test_info_of_a_version_never_staged_lists_the_staged_versions(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    make_organisation()
    staged(open_session(), "1.0.0", make_file("a-1.0.0.whl"))
    staged(open_session(regions="eu-west-2"), "2.0.0", make_file("a-2.0.0.whl"))

    with pytest.raises(NoSuchVersionError) as raised:
        open_session().info("my-lib", "3.0.0")

    assert str(raised.value) == "my-lib 3.0.0 is not staged (staged versions: 2.0.0, 1.0.0)"


def write_index(org: Organisation, versions: list[Any], project: str = "my-lib") -> None:
    document = {"format": "startifact-index/1", "project": project, "versions": versions}
    for region in org.regions:
        org.write(region, f"{project}/index.json", json.dumps(document).encode())


def test_no_such_version_lists_only_the_ten_newest_staged_versions(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    org = make_organisation()
    write_index(org, [{"version": f"1.{n}.0", "files": ["a.whl"]} for n in range(12)])

    with pytest.raises(NoSuchVersionError) as raised:
        open_session().info("my-lib", "2.0.0")

    newest = ", ".join(f"1.{n}.0" for n in range(11, 1, -1))
    assert str(raised.value) == f"my-lib 2.0.0 is not staged (staged versions: {newest} ...)"


def test_info_of_a_project_with_nothing_staged_is_no_such_project(
    make_organisation: MakeOrganisation, open_session: OpenSession
) -> None:
    make_organisation()

    with pytest.raises(NoSuchProjectError) as raised:
        open_session().info("my-lib", "1.0.0")

    assert str(raised.value) == (
        "no such project 'my-lib': nothing is staged for it in us-east-1, eu-west-2, ap-south-1"
    )


def test_hostile_index_entries_are_ignored(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl"))
    write_index(
        org,
        [
            {
                "version": "1.0.0",
                "files": ["a.whl", "../../etc/passwd", "", 7, "a.whl.metadata.json"],
            },
            {"version": "../1.0.0", "files": ["a.whl"]},
            {"version": "9.0.0-RC1", "files": ["a.whl"]},
            {"version": "9.0.0", "files": "a.whl"},
            {"version": "8.0.0", "files": []},
            {"version": 7, "files": ["a.whl"]},
            "9.0.0",
            None,
        ],
    )
    warnings: list[str] = []
    session = open_session()

    versions = session.versions("my-lib", warn=warnings.append)
    info = session.info("my-lib", "1.0.0", warn=warnings.append)

    assert versions == [VersionSummary("1.0.0", ("a.whl",), tuple(sorted(REGIONS)))]
    assert [f.filename for f in info.files] == ["a.whl"]
    assert info.regions == REGIONS
    assert warnings == []


def test_an_index_of_another_project_is_passed_over_with_a_warning(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl"))
    document = {"format": "startifact-index/1", "project": "other", "versions": []}
    org.write("eu-west-2", "my-lib/index.json", json.dumps(document).encode())
    warnings: list[str] = []

    info = open_session().info("my-lib", "1.0.0", warn=warnings.append)

    assert info.regions == ("us-east-1", "ap-south-1")
    assert info.missing == ("eu-west-2",)
    assert warnings == [
        "eu-west-2 skipped: the index of my-lib in eu-west-2 is unreadable "
        "(not an index of project 'my-lib'); staging any version of the project there "
        "rewrites it"
    ]


def test_an_index_naming_a_file_no_region_has_does_not_hide_the_real_files(
    make_organisation: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl"))
    document = {
        "format": "startifact-index/1",
        "project": "my-lib",
        "versions": [{"version": "1.0.0", "files": ["a.whl", "ghost.whl"]}],
    }
    org.write("eu-west-2", "my-lib/index.json", json.dumps(document).encode())
    warnings: list[str] = []

    info = open_session().info("my-lib", "1.0.0", warn=warnings.append)

    assert [f.filename for f in info.files] == ["a.whl"]
    assert info.regions == REGIONS
    assert any("ghost.whl" in w for w in warnings)


# ---- yanked versions ----------------------------------------------------------------------


def test_a_record_naming_a_yanked_version_falls_back_to_the_highest_not_yanked_with_a_warning(
    mocked: None,
    make_organisation: MakeOrganisation,
    open_session: OpenSession,
    make_file: MakeFile,
) -> None:
    make_organisation()
    session = open_session(region_name="us-east-1")
    for version in ("1.0.0", "1.1.0"):
        staged(session, version, make_file(f"my_lib-{version}.tar.gz"))
    assert session.yank("my-lib", "1.1.0", "broken").exit_code == 0
    set_latest(dict.fromkeys(REGIONS, "1.1.0"))  # as if every record move had failed
    warnings: list[str] = []

    latest = session.latest("my-lib", warn=warnings.append)
    info = session.info("my-lib", warn=warnings.append)

    assert (latest, info.version, info.yank) == ("1.0.0", "1.0.0", None)
    assert (
        warnings
        == [
            "the version record of my-lib names 1.1.0, which is yanked; using 1.0.0, the highest "
            "version not yanked (yanking 1.1.0 again moves the record in every region)"
        ]
        * 2
    )


def test_a_yank_whose_marker_cannot_be_read_is_still_shown_as_yanked(
    mocked: None,
    make_organisation: MakeOrganisation,
    open_session: OpenSession,
    make_file: MakeFile,
) -> None:
    org = make_organisation()
    session = open_session(region_name="us-east-1")
    for version in ("1.0.0", "1.1.0"):
        staged(session, version, make_file(f"my_lib-{version}.tar.gz"))
    assert session.yank("my-lib", "1.1.0", "broken").exit_code == 0
    for region in REGIONS:
        org.write(region, "my-lib/yanks/1.1.0.json", b"not json")

    summaries = session.versions("my-lib")

    yank = summaries[0].yank
    assert (summaries[0].version, summaries[1].yank) == ("1.1.0", None)
    assert yank is not None
    assert yank.reason.startswith("unknown: the yank marker could not be read (")
