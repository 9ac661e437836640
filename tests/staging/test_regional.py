"""hatch_startifact.staging.regional: survey, upload, index and version record in one region."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from packaging.version import Version

from hatch_startifact.aws import Aws, ObjectInfo, Region
from hatch_startifact.errors import StartifactError
from hatch_startifact.staging.artifacts import Artifact
from hatch_startifact.staging.regional import (
    Survey,
    Target,
    conflicts,
    planned,
    record_latest,
    stage_file,
    stage_region,
    survey,
    update_index,
)
from hatch_startifact.staging.report import FileResult, Status
from hatch_startifact.store.index import FORMAT
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.metadata import metadata_document
from tests.helpers import (
    BUCKET_PARAMETER,
    MakeFile,
    MakeOrganisation,
    aws_client,
    boto3_session,
    md5,
    register,
    s3_error,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REGION = "eu-west-2"
BUCKET = f"staging-{REGION}"
LAYOUT = Layout(key_prefix="artifacts/", parameter_prefix="/staging")
PROJECT = "my-lib"
INDEX_KEY = "artifacts/my-lib/index.json"
RECORD = "/staging/my-lib/latest"
STAGED_AT = "2026-01-02T03:04:05Z"


@pytest.fixture
def session(mocked: None, make_organisation: MakeOrganisation) -> boto3.Session:
    """eu-west-2 set up with prefixes, and a boto3 session of the test's own for hooks."""
    make_organisation((REGION,), key_prefix="artifacts/", parameter_prefix="/staging")
    return boto3_session()


@pytest.fixture
def connect(session: boto3.Session) -> Iterator[Callable[[], Region]]:
    """Build the region's clients: after registering any hooks on ``session``, which clients
    copy when they are created."""
    aws = Aws(session)
    yield lambda: aws.region(REGION)
    aws.close()


@pytest.fixture
def region(connect: Callable[[], Region]) -> Region:
    return connect()


@pytest.fixture
def s3(session: boto3.Session) -> S3Client:
    """A plain client outside the session under test: another stager, or an inspector."""
    return aws_client("s3", REGION)


MakeTarget = Callable[..., Target]


@pytest.fixture
def make_target(make_file: MakeFile) -> MakeTarget:
    """Factory: a target of ``my-lib`` ``version`` with files named ``name=bytes``."""

    def make(version: str = "1.0.0", **files: bytes) -> Target:
        artifacts = [
            Artifact.from_path(make_file(name, content))
            for name, content in (files or {"a.whl": b"wheel bytes"}).items()
        ]
        documents = {
            a.filename: metadata_document(PROJECT, version, a, {"ci": "1"}, STAGED_AT)
            for a in artifacts
        }
        return Target(PROJECT, version, tuple(artifacts), documents, LAYOUT)

    return make


def key(version: str, filename: str) -> str:
    return f"artifacts/my-lib/{version}/{filename}"


def seed(s3: S3Client, version: str, filename: str = "a.whl", body: bytes = b"seeded") -> None:
    """Stage a file (artifact and metadata document) as another stager would have."""
    s3.put_object(Bucket=BUCKET, Key=key(version, filename), Body=body)
    s3.put_object(Bucket=BUCKET, Key=key(version, filename) + ".metadata.json", Body=b"{}")


def read(s3: S3Client, object_key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=object_key)["Body"].read())


def keys(s3: S3Client) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def index_of(s3: S3Client) -> Any:
    return json.loads(read(s3, INDEX_KEY))


def record() -> str | None:
    ssm = aws_client("ssm", REGION)
    try:
        return str(ssm.get_parameter(Name=RECORD)["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def puts_of(session: boto3.Session, object_key: str) -> list[dict[str, str]]:
    """Record the headers of every PutObject the session sends for ``object_key``."""
    sent: list[dict[str, str]] = []

    def record_put(request: AWSPreparedRequest, **kwargs: Any) -> None:
        if request.url.split("?")[0].endswith("/" + object_key):
            sent.append(
                {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
            )

    session.events.register("before-send.s3.PutObject", record_put)
    return sent


# ---- survey, conflicts, planned -----------------------------------------------------------


def test_survey_reads_the_bucket_name_and_lists_only_the_projects_keys(
    region: Region, s3: S3Client
) -> None:
    seed(s3, "1.0.0")
    s3.put_object(Bucket=BUCKET, Key="artifacts/my-lib-two/1.0.0/b.whl", Body=b"other")

    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)

    assert (found.region, found.bucket) == (REGION, BUCKET)
    assert sorted(found.listing) == [key("1.0.0", "a.whl"), key("1.0.0", "a.whl.metadata.json")]


def test_survey_without_the_bucket_name_parameter_names_the_parameter_and_the_region(
    region: Region,
) -> None:
    aws_client("ssm", REGION).delete_parameter(Name=BUCKET_PARAMETER)

    with pytest.raises(StartifactError) as raised:
        survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)

    assert str(raised.value) == (
        "bucket name parameter /buckets/staging does not exist in eu-west-2: deploy the "
        "organisation template there (startifact iam template), or leave eu-west-2 out of the "
        "organisation's regions (startifact setup --regions)"
    )


def listed(target: Target, objects: Mapping[str, Artifact | tuple[int, str]]) -> Survey:
    """A survey whose listing holds ``filename=artifact`` (same bytes) or ``(size, etag)``."""
    listing = {}
    for filename, thing in objects.items():
        size, etag = (thing.size, thing.etag) if isinstance(thing, Artifact) else thing
        listing[LAYOUT.artifact_key(PROJECT, target.version, filename)] = ObjectInfo(size, etag)
    return Survey(REGION, BUCKET, listing)


def test_conflicts_names_only_files_staged_with_different_bytes(make_target: MakeTarget) -> None:
    target = make_target(**{"same.whl": b"same", "other.whl": b"mine", "new.whl": b"new"})
    same, other, _ = target.artifacts
    found = listed(target, {"same.whl": same, "other.whl": (other.size, "0" * 32)})

    assert conflicts(target, found) == ["other.whl"]


def test_conflicts_tells_different_bytes_of_the_same_size_apart(make_target: MakeTarget) -> None:
    target = make_target(**{"a.whl": b"mine"})
    found = listed(target, {"a.whl": (4, md5(b"them"))})

    assert conflicts(target, found) == ["a.whl"]


def test_conflicts_accepts_the_same_bytes_listed_with_a_quoted_etag(
    make_target: MakeTarget,
) -> None:
    target = make_target(**{"a.whl": b"mine"})
    found = listed(target, {"a.whl": (4, f'"{target.artifacts[0].etag}"')})

    assert conflicts(target, found) == []


def test_planned_says_listed_files_are_already_staged_and_the_rest_would_stage(
    make_target: MakeTarget,
) -> None:
    target = make_target(**{"a.whl": b"aa", "b.tar.gz": b"bbb"})
    found = listed(target, {"a.whl": target.artifacts[0]})

    assert planned(target, found) == [
        FileResult(REGION, "a.whl", Status.ALREADY, 2),
        FileResult(REGION, "b.tar.gz", Status.WOULD_STAGE, 3),
    ]


# ---- stage_file ---------------------------------------------------------------------------


def test_stage_file_uploads_the_artifact_and_its_metadata_document(
    region: Region, s3: S3Client, make_target: MakeTarget
) -> None:
    target = make_target(**{"a.whl": b"wheel bytes"})
    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)

    result = stage_file(region, target, found, target.artifacts[0], None)

    assert result == FileResult(REGION, "a.whl", Status.STAGED, len(b"wheel bytes"))
    assert read(s3, key("1.0.0", "a.whl")) == b"wheel bytes"
    assert read(s3, key("1.0.0", "a.whl.metadata.json")) == target.documents["a.whl"]


def test_stage_file_of_a_file_already_staged_writes_nothing(
    session: boto3.Session, connect: Callable[[], Region], s3: S3Client, make_target: MakeTarget
) -> None:
    target = make_target(**{"a.whl": b"wheel bytes"})
    seed(s3, "1.0.0", "a.whl", b"wheel bytes")
    sent = puts_of(session, key("1.0.0", "a.whl"))
    documents = puts_of(session, key("1.0.0", "a.whl.metadata.json"))
    region = connect()
    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)

    result = stage_file(region, target, found, target.artifacts[0], None)

    assert result.status is Status.ALREADY
    assert (sent, documents) == ([], [])
    assert read(s3, key("1.0.0", "a.whl.metadata.json")) == b"{}"


def test_stage_file_writes_a_missing_metadata_document_beside_a_staged_file(
    region: Region, s3: S3Client, make_target: MakeTarget
) -> None:
    target = make_target(**{"a.whl": b"wheel bytes"})
    s3.put_object(Bucket=BUCKET, Key=key("1.0.0", "a.whl"), Body=b"wheel bytes")
    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)

    result = stage_file(region, target, found, target.artifacts[0], None)

    assert result.status is Status.ALREADY
    assert read(s3, key("1.0.0", "a.whl.metadata.json")) == target.documents["a.whl"]


def test_stage_file_keeps_a_metadata_document_another_stager_wrote_after_the_survey(
    region: Region, s3: S3Client, make_target: MakeTarget
) -> None:
    target = make_target(**{"a.whl": b"wheel bytes"})
    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)
    seed(s3, "1.0.0", "a.whl", b"wheel bytes")  # the other stager's document is b"{}"

    result = stage_file(region, target, found, target.artifacts[0], None)

    assert result.status is Status.ALREADY
    assert read(s3, key("1.0.0", "a.whl.metadata.json")) == b"{}"


def test_stage_file_when_identical_bytes_land_after_the_survey_is_already_staged(
    region: Region, s3: S3Client, make_target: MakeTarget
) -> None:
    target = make_target(**{"a.whl": b"wheel bytes"})
    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)
    s3.put_object(Bucket=BUCKET, Key=key("1.0.0", "a.whl"), Body=b"wheel bytes")

    result = stage_file(region, target, found, target.artifacts[0], None)

    assert result == FileResult(REGION, "a.whl", Status.ALREADY, len(b"wheel bytes"))
    assert read(s3, key("1.0.0", "a.whl.metadata.json")) == target.documents["a.whl"]


def test_stage_file_when_different_bytes_land_after_the_survey_is_a_conflict_without_metadata(
    region: Region, s3: S3Client, make_target: MakeTarget
) -> None:
    target = make_target(**{"a.whl": b"wheel bytes"})
    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)
    s3.put_object(Bucket=BUCKET, Key=key("1.0.0", "a.whl"), Body=b"their bytes")

    result = stage_file(region, target, found, target.artifacts[0], None)

    assert result == FileResult(
        REGION,
        "a.whl",
        Status.CONFLICT,
        len(b"wheel bytes"),
        "staged concurrently with different bytes",
    )
    assert read(s3, key("1.0.0", "a.whl")) == b"their bytes"
    assert keys(s3) == {key("1.0.0", "a.whl")}


# ---- update_index -------------------------------------------------------------------------


def index_document(*versions: tuple[str, list[str]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "project": PROJECT,
        "versions": [{"version": v, "files": files} for v, files in versions],
    }


def test_update_index_creates_the_index_of_files_that_have_their_metadata(
    region: Region, s3: S3Client
) -> None:
    seed(s3, "1.0.0", "a.whl")
    seed(s3, "1.10.0", "b.tar.gz")
    seed(s3, "1.10.0", "a.whl")
    s3.put_object(Bucket=BUCKET, Key=key("1.10.0", "half.whl"), Body=b"no metadata yet")

    index = update_index(region, BUCKET, LAYOUT, PROJECT)[0]

    assert index_of(s3) == index_document(("1.10.0", ["a.whl", "b.tar.gz"]), ("1.0.0", ["a.whl"]))
    assert index.versions == (("1.10.0", ("a.whl", "b.tar.gz")), ("1.0.0", ("a.whl",)))


def test_update_index_replaces_a_stale_index_only_if_it_is_unchanged(
    session: boto3.Session, connect: Callable[[], Region], s3: S3Client
) -> None:
    sent = puts_of(session, INDEX_KEY)
    region = connect()
    seed(s3, "1.0.0")
    update_index(region, BUCKET, LAYOUT, PROJECT)[0]
    stale_etag = s3.head_object(Bucket=BUCKET, Key=INDEX_KEY)["ETag"]
    seed(s3, "2.0.0")
    del sent[:]

    update_index(region, BUCKET, LAYOUT, PROJECT)[0]

    assert [headers.get("If-Match") for headers in sent] == [stale_etag]
    assert index_of(s3) == index_document(("2.0.0", ["a.whl"]), ("1.0.0", ["a.whl"]))


def test_update_index_creates_the_index_only_if_it_is_absent(
    session: boto3.Session, connect: Callable[[], Region], s3: S3Client
) -> None:
    seed(s3, "1.0.0")
    sent = puts_of(session, INDEX_KEY)

    update_index(connect(), BUCKET, LAYOUT, PROJECT)[0]

    assert [headers.get("If-None-Match") for headers in sent] == ["*"]


def test_update_index_writes_nothing_when_the_index_is_current(
    session: boto3.Session, connect: Callable[[], Region], s3: S3Client
) -> None:
    sent = puts_of(session, INDEX_KEY)
    region = connect()
    seed(s3, "1.0.0")
    update_index(region, BUCKET, LAYOUT, PROJECT)[0]
    assert len(sent) == 1

    index = update_index(region, BUCKET, LAYOUT, PROJECT)[0]

    assert len(sent) == 1
    assert index.versions == (("1.0.0", ("a.whl",)),)


def test_update_index_lists_again_and_retries_when_another_writer_wins(
    session: boto3.Session, connect: Callable[[], Region], s3: S3Client
) -> None:
    seed(s3, "1.0.0")
    attempts: list[str] = []

    def another_stager_first(request: AWSPreparedRequest, **kwargs: Any) -> None:
        if not request.url.split("?")[0].endswith(INDEX_KEY):
            return
        attempts.append(request.url)
        if len(attempts) == 1:  # once: a rival stages 2.0.0 and writes its index first
            seed(s3, "2.0.0")
            rival = index_document(("2.0.0", ["a.whl"]))
            s3.put_object(Bucket=BUCKET, Key=INDEX_KEY, Body=json.dumps(rival).encode())

    session.events.register("before-send.s3.PutObject", another_stager_first)

    index = update_index(connect(), BUCKET, LAYOUT, PROJECT)[0]

    assert len(attempts) == 2
    assert index_of(s3) == index_document(("2.0.0", ["a.whl"]), ("1.0.0", ["a.whl"]))
    assert index.versions == (("2.0.0", ("a.whl",)), ("1.0.0", ("a.whl",)))


# ---- record_latest ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("versions", "latest"),
    [
        (["1.0.0", "1.2.0", "1.10.0"], "1.10.0"),
        (["2.0.0", "1.5.0"], "2.0.0"),
        (["1.0.0", "2.0.0rc1"], "1.0.0"),
        (["1.0.0", "2.0.0.dev1"], "1.0.0"),
        (["2.0.0b1", "2.0.0rc1"], "2.0.0rc1"),
    ],
)
def test_record_latest_writes_the_highest_final_release(
    session: boto3.Session, region: Region, s3: S3Client, versions: list[str], latest: str
) -> None:
    for version in versions:
        seed(s3, version)
    index = update_index(region, BUCKET, LAYOUT, PROJECT)[0]

    assert record_latest(region, BUCKET, LAYOUT, index) == latest

    assert record() == latest


def test_record_latest_does_not_go_back_when_an_older_version_is_staged_after_a_newer_one(
    session: boto3.Session, region: Region, make_target: MakeTarget
) -> None:
    for version in ("2.0.0", "1.5.0"):
        target = make_target(version, **{f"a-{version}.whl": version.encode()})
        found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)
        stage_file(region, target, found, target.artifacts[0], None)
        record_latest(region, BUCKET, LAYOUT, update_index(region, BUCKET, LAYOUT, PROJECT)[0])

    assert record() == "2.0.0"


def test_record_latest_follows_a_higher_version_that_lands_while_it_writes(
    session: boto3.Session, connect: Callable[[], Region], s3: S3Client
) -> None:
    writes: list[str] = []

    def another_stager_lands(request: AWSPreparedRequest, **kwargs: Any) -> None:
        assert isinstance(request.body, bytes)
        writes.append(json.loads(request.body)["Value"])
        if len(writes) == 1:
            seed(s3, "3.0.0")

    session.events.register("before-send.ssm.PutParameter", another_stager_lands)
    region = connect()
    seed(s3, "1.0.0")
    index = update_index(region, BUCKET, LAYOUT, PROJECT)[0]

    assert record_latest(region, BUCKET, LAYOUT, index) == "3.0.0"

    assert writes == ["1.0.0", "3.0.0"]
    assert record() == "3.0.0"


# ---- stage_region -------------------------------------------------------------------------


def test_stage_region_with_a_conflict_indexes_the_files_that_landed_and_not_the_record(
    session: boto3.Session, region: Region, s3: S3Client, make_target: MakeTarget
) -> None:
    target = make_target(**{"a.whl": b"mine", "b.whl": b"bee"})
    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)
    s3.put_object(Bucket=BUCKET, Key=key("1.0.0", "a.whl"), Body=b"theirs")

    with ThreadPoolExecutor(2) as pool:
        results, index = stage_region(region, target, found, pool)

    assert [(r.filename, r.status) for r in results] == [
        ("a.whl", Status.CONFLICT),
        ("b.whl", Status.STAGED),
    ]
    assert record() is None
    assert index_of(s3) == index_document(("1.0.0", ["b.whl"]))
    assert json.loads(index.to_json()) == index_of(s3)


def test_stage_region_reports_a_conflict_when_the_bucket_lists_other_bytes_after_our_write(
    session: boto3.Session,
    connect: Callable[[], Region],
    s3: S3Client,
    make_target: MakeTarget,
) -> None:
    # A server that does not apply IfNoneMatch atomically: another stager's write lands
    # over ours right after S3 said ours succeeded (SeaweedFS 4.48 did, once, in CI).
    target = make_target(**{"a.whl": b"mine"})

    def overwrite(http_response: Any, parsed: Any, model: Any, **kwargs: Any) -> None:
        if model.name == "PutObject" and not overwrite.done:  # type: ignore[attr-defined]
            overwrite.done = True  # type: ignore[attr-defined]
            s3.put_object(Bucket=BUCKET, Key=key("1.0.0", "a.whl"), Body=b"theirs")

    overwrite.done = False  # type: ignore[attr-defined]
    session.events.register("after-call.s3.PutObject", overwrite)
    region = connect()
    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)

    with ThreadPoolExecutor(2) as pool:
        results, _ = stage_region(region, target, found, pool)

    ((status, detail),) = [(r.status, r.detail) for r in results]
    assert status is Status.CONFLICT
    assert "replaced by another stager's bytes" in detail
    assert record() is None


# ---- record_latest and yanks --------------------------------------------------------------


def yank_marker(s3: S3Client, version: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=LAYOUT.yank_key(PROJECT, version), Body=b"{}")


def test_record_latest_skips_a_yanked_version(
    session: boto3.Session, region: Region, s3: S3Client
) -> None:
    for version in ("1.0.0", "2.0.0"):
        seed(s3, version)
    yank_marker(s3, "2.0.0")
    index = update_index(region, BUCKET, LAYOUT, PROJECT)[0]

    assert record_latest(region, BUCKET, LAYOUT, index) == "1.0.0"

    assert record() == "1.0.0"
    assert json.loads(read(s3, INDEX_KEY))["versions"][0] == {
        "version": "2.0.0",
        "files": ["a.whl"],
        "yanked": True,
    }


def test_with_every_version_yanked_a_stage_leaves_the_record_and_a_yank_removes_it(
    session: boto3.Session, region: Region, s3: S3Client
) -> None:
    seed(s3, "1.0.0")
    index = update_index(region, BUCKET, LAYOUT, PROJECT)[0]
    record_latest(region, BUCKET, LAYOUT, index)
    yank_marker(s3, "1.0.0")
    index = update_index(region, BUCKET, LAYOUT, PROJECT)[0]

    assert record_latest(region, BUCKET, LAYOUT, index) is None
    assert record() == "1.0.0"  # a stager leaves it to the yank, which may delete it
    assert record_latest(region, BUCKET, LAYOUT, index, yanking=True) is None
    assert record() is None


def test_record_latest_removes_what_it_wrote_when_the_value_is_yanked_meanwhile(
    session: boto3.Session, connect: Callable[[], Region], s3: S3Client
) -> None:
    def yanked_while_writing(request: AWSPreparedRequest, **kwargs: Any) -> None:
        yank_marker(s3, "1.0.0")

    session.events.register("before-send.ssm.PutParameter", yanked_while_writing)
    region = connect()
    seed(s3, "1.0.0")
    index = update_index(region, BUCKET, LAYOUT, PROJECT)[0]

    assert record_latest(region, BUCKET, LAYOUT, index) is None

    assert record() is None


# ---- Startifact 1.x's versions (its layout: tests/cli/test_startifact1.py) -----------------


@pytest.mark.parametrize(
    ("ours", "old", "latest"),
    [
        (["1.0.0"], ["2.0.0-rc.1", "1.5.0"], "1.5.0"),  # a 1.x final release above ours
        (["1.0.0"], ["2.0.0-rc.1"], "1.0.0"),  # a 1.x pre-release never displaces a release
        (["3.0.0"], ["2.0.0", "1.0.0"], "3.0.0"),
        (["1.0.0rc1"], ["1.0.0-rc.2"], "1.0.0-rc.2"),  # named as 1.x wrote it
    ],
)
def test_the_survey_sees_1x_versions_and_the_record_never_goes_below_them(
    region: Region, s3: S3Client, ours: list[str], old: list[str], latest: str
) -> None:
    for version in ours:
        seed(s3, version)
    for version in old:
        s3.put_object(Bucket=BUCKET, Key=f"artifacts/{PROJECT}@{version}", Body=b"1.x")
    s3.put_object(Bucket=BUCKET, Key=f"artifacts/{PROJECT}@9.0.0/metadata", Body=b"{}")
    s3.put_object(Bucket=BUCKET, Key="artifacts/My_Lib@9.0.0", Body=b"another 1.x name")

    found = survey(region, BUCKET_PARAMETER, LAYOUT, PROJECT)
    index = update_index(region, BUCKET, LAYOUT, PROJECT)[0]

    assert dict(found.legacy) == {str(Version(v)): v for v in old}
    assert record_latest(region, BUCKET, LAYOUT, index, legacy=found.legacy) == latest
    assert record() == latest


def test_a_survey_refused_the_1x_listing_goes_on_without_it(
    session: boto3.Session, connect: Callable[[], Region], s3: S3Client
) -> None:
    seed(s3, "1.0.0")
    s3.put_object(Bucket=BUCKET, Key=f"artifacts/{PROJECT}@2.0.0", Body=b"1.x")

    def deny_1x(params: dict[str, Any], **kwargs: Any) -> None:
        if params.get("Prefix") == f"artifacts/{PROJECT}@":
            params["Bucket"] = "denied"

    denied = s3_error(403, "AccessDenied")

    def refuse(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        return denied(request) if "/denied" in request.url else None

    session.events.register("before-parameter-build.s3.ListObjectsV2", deny_1x)
    register(session, "before-send.s3.ListObjectsV2", refuse)

    found = survey(connect(), BUCKET_PARAMETER, LAYOUT, PROJECT)

    assert (dict(found.legacy), sorted(found.listing)) == (
        {},
        [key("1.0.0", "a.whl"), key("1.0.0", "a.whl.metadata.json")],
    )
