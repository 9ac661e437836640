"""hatch_startifact.staging.run: validating a request, then staging it to every region."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hatch_startifact import __version__
from hatch_startifact.errors import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    ConflictError,
    InvalidInputError,
)
from hatch_startifact.session import Session
from hatch_startifact.staging.artifacts import Artifact
from hatch_startifact.staging.report import StageReport, Status
from tests.fixtures.serving import build_wheel, core_metadata
from tests.helpers import (
    REGIONS,
    Hook,
    MakeFile,
    MakeOrganisation,
    OpenSession,
    Organisation,
    aws_client,
    in_threads,
    sha256,
    stage,
    staged,
    statuses,
)

# moto in-process serves every thread but, unlike S3, does not check a condition and write in
# one step; a real server does. Requests are serialised here so that a conditional write
# (IfNoneMatch / IfMatch) is atomic, as it is in S3.
_SERVER = threading.Lock()


def _hold_server(**kwargs: Any) -> None:
    if not _SERVER.acquire(timeout=30):
        raise RuntimeError("moto request lock not released within 30 s")


def _release_server(**kwargs: Any) -> None:
    _SERVER.release()


#: Hooks that make a session's requests atomic (see ``_SERVER``): before-send.<service> runs
#: before moto's own (generic) before-send handler; needs-retry follows every attempt,
#: answered or failed.
ATOMIC: tuple[Hook, ...] = tuple(
    hook
    for service in ("s3", "ssm")
    for hook in (
        (f"before-send.{service}", _hold_server),
        (f"needs-retry.{service}", _release_server),
    )
)


@pytest.fixture
def open_session(open_session: OpenSession) -> Callable[[], Session]:
    """Factory: a product Session against moto in-process whose requests are atomic."""
    return lambda: open_session(*ATOMIC)


def index(org: Organisation, region: str, project: str = "my-lib") -> Any:
    return json.loads(org.keys(region)[f"{org.key_prefix}{project}/index.json"])


# ---- staging: what it writes --------------------------------------------------------------


@pytest.mark.parametrize(("key_prefix", "parameter_prefix"), [("artifacts/", "/staging"), ("", "")])
def test_stage_writes_artifacts_metadata_index_and_version_record_in_every_region(
    make_organisation: MakeOrganisation,
    open_session: Callable[[], Session],
    make_file: MakeFile,
    key_prefix: str,
    parameter_prefix: str,
) -> None:
    org = make_organisation(key_prefix=key_prefix, parameter_prefix=parameter_prefix)
    sdist = make_file("my_lib_x-1.0.0rc1.tar.gz", b"sdist bytes")
    wheel = make_file("my_lib_x-1.0.0rc1-py3-none-any.whl", b"wheel bytes")

    report = stage(
        open_session(), "1.0.0-RC1", sdist, wheel, project="My_Lib.X", metadata={"commit": "abc123"}
    )

    assert report.exit_code == EXIT_OK
    assert (report.project, report.version) == ("my-lib-x", "1.0.0rc1")
    base = f"{key_prefix}my-lib-x/1.0.0rc1/"
    for outcome in report.regions:
        assert outcome.error is None
        assert outcome.latest == "1.0.0rc1"
        assert [(f.filename, f.status, f.size) for f in outcome.files] == [
            ("my_lib_x-1.0.0rc1.tar.gz", Status.STAGED, 11),
            ("my_lib_x-1.0.0rc1-py3-none-any.whl", Status.STAGED, 11),
        ]
    for region in REGIONS:
        stored = org.keys(region)
        assert sorted(stored) == sorted(
            [
                f"{key_prefix}my-lib-x/index.json",
                f"{base}my_lib_x-1.0.0rc1-py3-none-any.whl",
                f"{base}my_lib_x-1.0.0rc1-py3-none-any.whl.metadata.json",
                f"{base}my_lib_x-1.0.0rc1.tar.gz",
                f"{base}my_lib_x-1.0.0rc1.tar.gz.metadata.json",
            ]
        )
        assert stored[f"{base}my_lib_x-1.0.0rc1.tar.gz"] == b"sdist bytes"
        assert stored[f"{base}my_lib_x-1.0.0rc1-py3-none-any.whl"] == b"wheel bytes"
        document = json.loads(stored[f"{base}my_lib_x-1.0.0rc1.tar.gz.metadata.json"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document.pop("staged_at"))
        assert document == {
            "project": "my-lib-x",
            "version": "1.0.0rc1",
            "filename": "my_lib_x-1.0.0rc1.tar.gz",
            "size": 11,
            "sha256": sha256(b"sdist bytes"),
            "staged_by": f"hatch-startifact {__version__}",
            "metadata": {"commit": "abc123"},
        }
        assert json.loads(stored[f"{key_prefix}my-lib-x/index.json"]) == {
            "format": "startifact-index/1",
            "project": "my-lib-x",
            "versions": [
                {
                    "version": "1.0.0rc1",
                    "files": ["my_lib_x-1.0.0rc1-py3-none-any.whl", "my_lib_x-1.0.0rc1.tar.gz"],
                }
            ],
        }
        ssm = aws_client("ssm", region)
        value = ssm.get_parameter(Name=f"{parameter_prefix}/my-lib-x/latest")["Parameter"]
        assert (value["Value"], value["Type"]) == ("1.0.0rc1", "String")


def test_restaging_identical_files_is_already_staged_everywhere(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], make_file: MakeFile
) -> None:
    org = make_organisation()
    wheel = make_file("a.whl")
    staged(open_session(), "1.0.0", wheel)
    before = org.everything()

    report = stage(open_session(), "1.0.0", wheel)

    assert report.exit_code == EXIT_OK
    assert statuses(report) == {r: [("a.whl", Status.ALREADY)] for r in REGIONS}
    assert org.everything() == before


def test_a_wheel_s_core_metadata_is_staged_beside_it_once_and_described_in_its_document(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], tmp_path: Path
) -> None:
    org = make_organisation()
    wheel = build_wheel(tmp_path, "my-lib", "1.0.0", requires_python=">=3.10")
    expected = core_metadata("my-lib", "1.0.0", ">=3.10")
    staged(open_session(), "1.0.0", wheel)
    before = org.everything()

    assert stage(open_session(), "1.0.0", wheel).exit_code == EXIT_OK

    assert org.everything() == before
    for region in REGIONS:
        key = f"my-lib/1.0.0/{wheel.name}"
        assert org.read(region, f"{key}.metadata") == expected
        document = json.loads(org.read(region, f"{key}.metadata.json"))
        assert document["core_metadata"] == {
            "sha256": sha256(expected),
            "size": len(expected),
            "requires_python": ">=3.10",
        }
        index = json.loads(org.read(region, "my-lib/index.json"))
        assert index["versions"] == [{"files": [wheel.name], "version": "1.0.0"}]


def test_staging_different_bytes_under_a_staged_name_is_refused_and_overwrites_nothing(
    make_organisation: MakeOrganisation,
    open_session: Callable[[], Session],
    make_file: MakeFile,
    tmp_path: Path,
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl", b"first"))
    before = org.everything()
    different = make_file("a.whl", b"second", tmp_path / "other")

    with pytest.raises(ConflictError) as raised:
        stage(open_session(), "1.0.0", different)

    assert str(raised.value) == (
        "refusing to stage my-lib 1.0.0: already staged with different bytes (a.whl in "
        "ap-south-1, eu-west-2, us-east-1); staged versions are immutable, so release a new "
        "version"
    )
    assert org.everything() == before


def test_a_conflict_in_one_region_refuses_the_stage_before_writing_anywhere(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], make_file: MakeFile
) -> None:
    org = make_organisation()
    aws_client("s3", "eu-west-2").put_object(
        Bucket=org.buckets["eu-west-2"], Key="my-lib/1.0.0/a.whl", Body=b"someone else's"
    )

    with pytest.raises(ConflictError) as raised:
        stage(open_session(), "1.0.0", make_file("a.whl"), make_file("b.whl"))

    assert "(a.whl in eu-west-2)" in str(raised.value)
    assert org.keys("us-east-1") == org.keys("ap-south-1") == {}
    assert org.keys("eu-west-2") == {"my-lib/1.0.0/a.whl": b"someone else's"}


def test_dry_run_reports_what_would_be_staged_and_writes_nothing(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], make_file: MakeFile
) -> None:
    org = make_organisation()
    staged(open_session(), "1.0.0", make_file("a.whl"))
    before = org.everything()

    report = stage(open_session(), "1.0.0", make_file("a.whl"), make_file("b.whl"), dry_run=True)

    assert report.dry_run
    assert report.exit_code == EXIT_OK
    assert statuses(report) == {
        r: [("a.whl", Status.ALREADY), ("b.whl", Status.WOULD_STAGE)] for r in REGIONS
    }
    assert org.everything() == before


def test_dry_run_of_a_new_project_writes_no_object_and_no_version_record(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], make_file: MakeFile
) -> None:
    org = make_organisation()

    staged(open_session(), "1.0.0", make_file("a.whl"), dry_run=True)

    for region in REGIONS:
        assert org.keys(region) == {}
        assert org.latest(region, "my-lib") is None


def test_a_file_that_cannot_be_read_is_invalid_input_and_nothing_is_written(
    make_organisation: MakeOrganisation,
    open_session: Callable[[], Session],
    make_file: MakeFile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = make_organisation()
    unreadable = make_file("b.whl")
    real = Artifact.from_path.__func__  # type: ignore[attr-defined]

    def from_path(cls: type[Artifact], path: Path) -> Artifact:
        if path == unreadable:  # what a file without read permission gives a non-root user
            raise PermissionError(13, "Permission denied", str(path))
        return real(cls, path)  # type: ignore[no-any-return]

    monkeypatch.setattr(Artifact, "from_path", classmethod(from_path))

    with pytest.raises(InvalidInputError) as raised:
        stage(open_session(), "1.0.0", make_file("a.whl"), unreadable)

    assert raised.value.problems == (f"cannot read {unreadable}: Permission denied",)
    assert all(org.keys(region) == {} for region in REGIONS)


def test_keys_and_records_too_long_for_s3_or_ssm_are_refused_before_anything_is_written(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], make_file: MakeFile
) -> None:
    org = make_organisation()
    project = "p" * 1010  # /ppp...p/latest: 1018 characters
    name = "a.whl"  # ppp...p/1.0.0/a.whl.metadata.json: 1036 bytes

    with open_session() as session, pytest.raises(InvalidInputError) as raised:
        session.stage(project, "1.0.0", [make_file(name)])

    assert raised.value.problems == (
        f"{name}: its metadata key would be 1036 bytes long, over S3's 1024; use a shorter "
        "project name, version or file name",
        f"project {project}: its version record name would be 1018 characters long, over "
        "SSM's 1011; use a shorter project name",
    )
    assert all(org.keys(region) == {} for region in REGIONS)


# ---- failing regions ----------------------------------------------------------------------


def test_a_region_without_its_bucket_fails_alone_and_a_rerun_completes_it(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], make_file: MakeFile
) -> None:
    org = make_organisation(without_bucket=("eu-west-2",))
    wheel = make_file("a.whl")

    report = stage(open_session(), "1.0.0", wheel)

    assert report.exit_code == EXIT_PARTIAL
    assert report.failed_regions == ["eu-west-2"]
    failed = {r.region: r for r in report.regions}["eu-west-2"]
    assert failed.error == (
        "bucket 'staging-eu-west-2' does not exist in eu-west-2, where /buckets/staging names "
        "it: correct /buckets/staging there, or create the bucket"
    )
    assert failed.files == ()
    assert [org.latest(r, "my-lib") for r in REGIONS] == ["1.0.0", None, "1.0.0"]

    aws_client("s3", "eu-west-2").create_bucket(
        Bucket="staging-eu-west-2", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    rerun = stage(open_session(), "1.0.0", wheel)

    assert rerun.exit_code == EXIT_OK
    assert statuses(rerun) == {
        "us-east-1": [("a.whl", Status.ALREADY)],
        "eu-west-2": [("a.whl", Status.STAGED)],
        "ap-south-1": [("a.whl", Status.ALREADY)],
    }
    assert [org.latest(r, "my-lib") for r in REGIONS] == ["1.0.0"] * 3
    assert index(org, "eu-west-2")["versions"] == [{"version": "1.0.0", "files": ["a.whl"]}]


def test_a_region_without_its_bucket_name_parameter_fails_alone_naming_the_parameter(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], make_file: MakeFile
) -> None:
    org = make_organisation(without_parameter=("ap-south-1",))

    report = stage(open_session(), "1.0.0", make_file("a.whl"))

    assert report.exit_code == EXIT_PARTIAL
    assert [(r.region, r.error) for r in report.regions] == [
        ("us-east-1", None),
        ("eu-west-2", None),
        (
            "ap-south-1",
            "bucket name parameter /buckets/staging does not exist in ap-south-1: deploy the "
            "organisation template there (startifact iam template), or leave ap-south-1 out "
            "of the organisation's regions (startifact setup --regions)",
        ),
    ]
    assert org.keys("ap-south-1") == {}
    assert org.latest("ap-south-1", "my-lib") is None


def test_every_region_failing_is_an_error(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], make_file: MakeFile
) -> None:
    make_organisation(without_bucket=REGIONS)

    report = stage(open_session(), "1.0.0", make_file("a.whl"))

    assert report.exit_code == EXIT_ERROR
    assert report.failed_regions == list(REGIONS)


# ---- the version record -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "latest"),
    [("2.0.0", "1.5.0", "2.0.0"), ("1.0.0", "2.0.0rc1", "1.0.0"), ("1.0.0", "1.1.0", "1.1.0")],
)
def test_the_version_record_only_moves_forward_to_final_releases(
    make_organisation: MakeOrganisation,
    open_session: Callable[[], Session],
    make_file: MakeFile,
    first: str,
    second: str,
    latest: str,
) -> None:
    org = make_organisation()
    staged(open_session(), first, make_file(f"a-{first}.whl"))

    report = stage(open_session(), second, make_file(f"a-{second}.whl"))

    assert report.exit_code == EXIT_OK
    assert [r.latest for r in report.regions] == [latest] * 3
    assert [org.latest(r, "my-lib") for r in REGIONS] == [latest] * 3


# ---- concurrent stagers -------------------------------------------------------------------


def test_concurrent_stagers_of_one_version_both_land_in_every_region_and_index(
    make_organisation: MakeOrganisation, open_session: Callable[[], Session], make_file: MakeFile
) -> None:
    org = make_organisation()
    files = [make_file("a-1.0.0-cp311.whl"), make_file("a-1.0.0-cp312.whl")]
    sessions = [open_session(), open_session()]

    reports = in_threads(2, lambda n: sessions[n].stage("my-lib", "1.0.0", [files[n]]))

    assert [r.exit_code for r in reports] == [EXIT_OK, EXIT_OK]
    for region in REGIONS:
        stored = org.keys(region)
        for path in files:
            assert stored[f"my-lib/1.0.0/{path.name}"] == path.read_bytes()
            assert f"my-lib/1.0.0/{path.name}.metadata.json" in stored
        assert index(org, region)["versions"] == [
            {"version": "1.0.0", "files": ["a-1.0.0-cp311.whl", "a-1.0.0-cp312.whl"]}
        ]
        assert org.latest(region, "my-lib") == "1.0.0"


def test_racing_stagers_of_one_file_with_different_bytes_leave_one_winner_per_region(
    make_organisation: MakeOrganisation,
    open_session: Callable[[], Session],
    make_file: MakeFile,
    tmp_path: Path,
) -> None:
    org = make_organisation()
    count = 4
    contents = [f"build {n}\n".encode() for n in range(count)]
    files = [make_file("a.whl", contents[n], tmp_path / f"stager-{n}") for n in range(count)]
    sessions = [open_session() for _ in range(count)]

    results = in_threads(count, lambda n: sessions[n].stage("my-lib", "1.0.0", [files[n]]))

    assert all(isinstance(r, (StageReport, ConflictError)) for r in results), results
    for region in REGIONS:
        stored = org.keys(region)
        winner = contents.index(stored["my-lib/1.0.0/a.whl"])
        document = json.loads(stored["my-lib/1.0.0/a.whl.metadata.json"])
        assert document["sha256"] == sha256(contents[winner])
        for number, result in enumerate(results):
            if isinstance(result, ConflictError):
                assert number != winner
                continue
            outcome = {o.region: o for o in result.regions}[region]
            expected = Status.STAGED if number == winner else Status.CONFLICT
            assert [f.status for f in outcome.files] == [expected], (region, number)
    losers = [r for r in results if isinstance(r, StageReport) and r.failed_regions]
    assert all(r.exit_code == EXIT_ERROR for r in losers)
    # The record moves only for a stager that won every region (a loser anywhere moves it
    # nowhere), so it names 1.0.0 in every region or in none.
    won_everywhere = [r for r in results if isinstance(r, StageReport) and not r.failed_regions]
    records = {org.latest(region, "my-lib") for region in REGIONS}
    assert records == ({"1.0.0"} if won_everywhere else {None})
