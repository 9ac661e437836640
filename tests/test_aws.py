"""hatch_startifact.aws: one region's S3 and SSM calls, and how their failures are reported."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import boto3
import pytest
import urllib3
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    FlexibleChecksumError,
    IncompleteReadError,
    NoCredentialsError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from botocore.httpchecksum import Sha256Checksum, StreamingChecksumBody
from botocore.response import StreamingBody
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from hatch_startifact import aws
from hatch_startifact.aws import MIB, Aws, Network, Region, part_size_for, translate
from hatch_startifact.errors import (
    AccessDeniedError,
    AwsError,
    EndpointError,
    InvalidInputError,
    NotFoundError,
)
from hatch_startifact.staging.artifacts import Artifact
from tests.helpers import (
    BUCKET_PARAMETER,
    MakeFile,
    MakeOrganisation,
    answer,
    aws_client,
    boto3_session,
    md5,
    register,
    s3_error,
    sha256,
    sha256_base64,
    ssm_error,
    streamed,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REGION = "eu-west-2"
BUCKET = f"staging-{REGION}"


@pytest.fixture
def session(mocked: None) -> boto3.Session:
    """A boto3 session of the test's own, so event hooks reach the clients built from it."""
    return boto3_session()


@pytest.fixture
def region(session: boto3.Session, make_organisation: MakeOrganisation) -> Iterator[Region]:
    """eu-west-2 with its bucket and bucket name parameter."""
    make_organisation((REGION,))
    aws = Aws(session)
    yield aws.region(REGION)
    aws.close()


@pytest.fixture
def s3(session: boto3.Session) -> S3Client:
    """A plain client, outside the session under test, to seed and inspect the bucket."""
    return aws_client("s3", REGION)


def stored(s3: S3Client, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


# ---- parameters and buckets ---------------------------------------------------------------


def test_get_parameter_returns_the_value(region: Region) -> None:
    assert region.get_parameter(BUCKET_PARAMETER) == BUCKET


def test_get_parameter_returns_none_when_the_parameter_does_not_exist(region: Region) -> None:
    assert region.get_parameter("/no/such/parameter") is None


def test_put_parameter_creates_then_overwrites(region: Region) -> None:
    region.put_parameter("/staging/my-lib/latest", "1.0.0")
    region.put_parameter("/staging/my-lib/latest", "2.0.0")

    assert region.get_parameter("/staging/my-lib/latest") == "2.0.0"
    ssm = aws_client("ssm", REGION)
    assert ssm.get_parameter(Name="/staging/my-lib/latest")["Parameter"]["Type"] == "String"


def test_bucket_exists_is_true_for_an_existing_bucket(region: Region) -> None:
    assert region.bucket_exists(BUCKET) is True


def test_bucket_exists_is_false_for_a_missing_bucket(region: Region) -> None:
    assert region.bucket_exists("no-such-bucket-anywhere") is False


def test_bucket_exists_raises_instead_of_answering_false_when_access_is_denied(
    session: boto3.Session, make_organisation: MakeOrganisation
) -> None:
    make_organisation((REGION,))
    register(session, "before-send.s3.HeadBucket", answer(403, b"", {}))

    with pytest.raises(AccessDeniedError) as raised:
        Aws(session).region(REGION).bucket_exists(BUCKET)

    assert str(raised.value) == (
        f"access denied in {REGION}: s3:ListBucket on arn:aws:s3:::{BUCKET} is not allowed "
        "(granted by AllowWrite)"
    )


# ---- listing ------------------------------------------------------------------------------


def test_list_objects_gives_size_and_unquoted_etag_of_keys_under_the_prefix_only(
    region: Region, s3: S3Client
) -> None:
    s3.put_object(Bucket=BUCKET, Key="my-lib/1.0.0/a.whl", Body=b"abc")
    s3.put_object(Bucket=BUCKET, Key="my-lib/index.json", Body=b"{}")
    s3.put_object(Bucket=BUCKET, Key="my-lib-other/1.0.0/b.whl", Body=b"b")

    listing = region.list_objects(BUCKET, "my-lib/")

    assert {key: (info.size, info.etag) for key, info in listing.items()} == {
        "my-lib/1.0.0/a.whl": (3, md5(b"abc")),
        "my-lib/index.json": (2, md5(b"{}")),
    }


def test_list_objects_is_empty_for_a_prefix_with_no_keys(region: Region) -> None:
    assert dict(region.list_objects(BUCKET, "nothing/")) == {}


def test_list_objects_follows_pagination_past_a_thousand_keys(
    session: boto3.Session, make_organisation: MakeOrganisation, s3: S3Client
) -> None:
    make_organisation((REGION,))
    # Seeded through moto's own model (a thousand PutObject calls would cost seconds); the
    # listing under test goes through the API.
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for number in range(1001):
        backend.put_object(BUCKET, f"many/{number:04d}", b"")
    assert s3.head_object(Bucket=BUCKET, Key="many/1000")["ContentLength"] == 0
    pages: list[str] = []
    register(
        session, "before-send.s3.ListObjectsV2", lambda request, **kwargs: pages.append(request.url)
    )

    listing = Aws(session).region(REGION).list_objects(BUCKET, "many/")

    assert sorted(listing) == [f"many/{number:04d}" for number in range(1001)]
    assert len(pages) == 2


# ---- conditional writes -------------------------------------------------------------------


def test_put_object_absent_only_refuses_a_second_write_and_keeps_the_first_bytes(
    region: Region, s3: S3Client
) -> None:
    assert region.put_object(BUCKET, "doc.json", b"first") is True
    assert region.put_object(BUCKET, "doc.json", b"second") is False

    assert stored(s3, "doc.json") == b"first"


def test_put_object_with_the_current_etag_replaces_the_object(region: Region, s3: S3Client) -> None:
    region.put_object(BUCKET, "doc.json", b"first")
    etag = region.list_objects(BUCKET, "doc.json")["doc.json"].etag

    assert region.put_object(BUCKET, "doc.json", b"second", etag=etag) is True

    assert stored(s3, "doc.json") == b"second"
    assert s3.head_object(Bucket=BUCKET, Key="doc.json")["ContentType"] == "application/json"


def test_put_object_with_a_stale_etag_returns_false_and_keeps_the_object(
    region: Region, s3: S3Client
) -> None:
    region.put_object(BUCKET, "doc.json", b"first")
    stale = region.list_objects(BUCKET, "doc.json")["doc.json"].etag
    s3.put_object(Bucket=BUCKET, Key="doc.json", Body=b"someone else")

    assert region.put_object(BUCKET, "doc.json", b"mine", etag=stale) is False

    assert stored(s3, "doc.json") == b"someone else"


def test_put_object_with_an_etag_of_an_object_gone_since_returns_false(region: Region) -> None:
    # Another writer's key vanished between our listing and our write: the caller lists
    # again (update_index retries) instead of failing the region.
    assert region.put_object(BUCKET, "gone.json", b"mine", etag="0" * 32) is False


# ---- artifacts ----------------------------------------------------------------------------


def upload(
    region: Region,
    bucket: str,
    key: str,
    artifact: Artifact,
    progress: Callable[[int], None] | None = None,
) -> bool:
    """``Region.upload_artifact`` of a hashed local file, as staging calls it."""
    return region.upload_artifact(
        bucket,
        key,
        artifact.path,
        size=artifact.size,
        sha256_base64=artifact.sha256_base64,
        part_sha256=artifact.part_sha256,
        progress=progress,
    )


def test_upload_artifact_small_stores_the_bytes_with_their_sha256_checksum(
    region: Region, s3: S3Client, make_file: MakeFile
) -> None:
    small = Artifact.from_path(make_file("a-1.0.0.tar.gz", b"small artifact"))
    progress: list[int] = []

    assert upload(region, BUCKET, "a/1.0.0/a-1.0.0.tar.gz", small, progress.append)

    assert stored(s3, "a/1.0.0/a-1.0.0.tar.gz") == b"small artifact"
    assert progress == [len(b"small artifact")]
    attributes = s3.get_object_attributes(
        Bucket=BUCKET, Key="a/1.0.0/a-1.0.0.tar.gz", ObjectAttributes=["Checksum", "ETag"]
    )
    assert attributes["ETag"].strip('"') == small.etag
    assert attributes.get("Checksum", {}).get("ChecksumSHA256") == small.sha256_base64


def test_upload_artifact_multipart_stores_parts_with_sha256_checksums_and_the_expected_etag(
    region: Region, s3: S3Client, make_file: MakeFile
) -> None:
    content = bytes(range(256)) * (9 * MIB // 256)  # 9 MiB: one 8 MiB part and one of 1 MiB
    large = Artifact.from_path(make_file("a-1.0.0-py3-none-any.whl", content))
    progress: list[int] = []

    assert large.multipart
    assert upload(region, BUCKET, "a/1.0.0/a.whl", large, progress.append) is True

    assert sha256(stored(s3, "a/1.0.0/a.whl")) == large.sha256
    assert sum(progress) == len(content)
    attributes = s3.get_object_attributes(
        Bucket=BUCKET, Key="a/1.0.0/a.whl", ObjectAttributes=["Checksum", "ETag"]
    )
    assert attributes["ETag"].strip('"') == large.etag
    assert large.etag.endswith("-2")
    parts = (content[: 8 * MIB], content[8 * MIB :])
    composite = sha256_base64(b"".join(hashlib.sha256(p).digest() for p in parts))
    checksum = attributes["Checksum"]
    assert checksum["ChecksumSHA256"].split("-")[0] == composite
    assert checksum["ChecksumType"] == "COMPOSITE"


def test_upload_artifact_multipart_sends_each_parts_sha256_computed_when_the_file_was_read(
    mocked: None, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    make_organisation((REGION,))
    content = bytes(range(256)) * (17 * MIB // 256)  # parts of 8, 8 and 1 MiB
    large = Artifact.from_path(make_file("a.whl", content))
    sent: dict[int, str] = {}

    def record(params: dict[str, Any], **kwargs: Any) -> None:
        sent[int(params["query_string"]["partNumber"])] = params["headers"]["x-amz-checksum-sha256"]

    session = boto3_session()
    register(session, "before-call.s3.UploadPart", record)
    aws = Aws(session)
    try:
        assert upload(aws.region(REGION), BUCKET, "a/1.0.0/a.whl", large)
    finally:
        aws.close()

    parts = [content[i : i + 8 * MIB] for i in range(0, len(content), 8 * MIB)]
    expected = [sha256_base64(p) for p in parts]
    assert list(large.part_sha256) == expected
    assert [sent[n] for n in sorted(sent)] == expected


def test_upload_artifact_small_refuses_to_replace_an_existing_object(
    region: Region, s3: S3Client, make_file: MakeFile
) -> None:
    s3.put_object(Bucket=BUCKET, Key="a/1.0.0/a.tar.gz", Body=b"already there")
    other = Artifact.from_path(make_file("a.tar.gz", b"different bytes"))

    assert upload(region, BUCKET, "a/1.0.0/a.tar.gz", other) is False

    assert stored(s3, "a/1.0.0/a.tar.gz") == b"already there"


def test_upload_artifact_multipart_refuses_to_replace_an_existing_object_and_leaves_no_upload(
    region: Region, s3: S3Client, make_file: MakeFile
) -> None:
    s3.put_object(Bucket=BUCKET, Key="a/1.0.0/a.whl", Body=b"already there")
    large = Artifact.from_path(make_file("a.whl", b"\x01" * (9 * MIB)))

    assert upload(region, BUCKET, "a/1.0.0/a.whl", large) is False

    assert stored(s3, "a/1.0.0/a.whl") == b"already there"
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_upload_artifact_to_a_missing_bucket_raises_not_found_naming_the_bucket(
    region: Region, make_file: MakeFile
) -> None:
    small = Artifact.from_path(make_file("a.tar.gz"))

    with pytest.raises(NotFoundError) as raised:
        upload(region, "no-such-bucket-anywhere", "a/1.0.0/a.tar.gz", small)

    assert str(raised.value) == (
        f"bucket 'no-such-bucket-anywhere' does not exist in {REGION}: "
        "check the bucket name parameter"
    )


# ---- reading objects ----------------------------------------------------------------------


def _streaming(raw: object, size: int) -> StreamingBody:
    """botocore's body of a response, over ``raw``."""
    return StreamingBody(cast("IO[bytes]", raw), size)


def _urllib3(data: bytes) -> urllib3.HTTPResponse:
    """The response botocore's body reads from, over ``data``."""
    return urllib3.HTTPResponse(io.BytesIO(data), status=200, preload_content=False)


def test_body_chunks_give_every_byte_at_most_chunk_size_at_a_time() -> None:
    data = bytes(range(256)) * 1000
    chunks = list(aws._body_chunks(_streaming(_urllib3(data), len(data)), len(data), 4096))
    assert b"".join(chunks) == data
    assert max(len(chunk) for chunk in chunks) == 4096


def test_body_chunks_of_fewer_bytes_than_announced_fail_as_botocore_s_do() -> None:
    data = b"x" * 10_000
    with pytest.raises(IncompleteReadError, match="10000"):
        list(aws._body_chunks(_streaming(_urllib3(data[:6000]), len(data)), len(data), 4096))


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (
            urllib3.exceptions.ReadTimeoutError(
                urllib3.HTTPConnectionPool("127.0.0.1"), "/key", "timed out"
            ),
            ReadTimeoutError,
        ),
        (urllib3.exceptions.ProtocolError("connection broken"), ResponseStreamingError),
    ],
)
def test_body_chunks_that_fail_mid_read_raise_botocore_s_errors(
    raised: Exception, expected: type[Exception]
) -> None:
    class Failing:
        def read1(self, amount: int) -> bytes:
            raise raised

    with pytest.raises(expected):
        list(aws._body_chunks(_streaming(Failing(), 10), 10, 4096))


def test_body_chunks_without_read1_read_through_botocore() -> None:
    class Plain:  # as urllib3 1.26's response: read, no read1
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def read(self, amount: int | None = None) -> bytes:
            return self._data.read(amount)

    data = b"y" * 10_000
    chunks = list(aws._body_chunks(_streaming(Plain(data), len(data)), len(data), 4096))
    assert [len(chunk) for chunk in chunks] == [4096, 4096, 1808]
    with pytest.raises(IncompleteReadError):
        list(aws._body_chunks(_streaming(Plain(data[:10]), len(data)), len(data), 4096))


def test_body_chunks_of_a_body_botocore_checks_keep_botocore_s_check() -> None:
    # An object uploaded in one request has S3's checksum of its whole content: botocore
    # checks it as it reads, and a body it checks is read through botocore.
    data = b"z" * 10_000
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    raw = cast("IO[bytes]", _urllib3(data))
    body = StreamingChecksumBody(raw, len(data), Sha256Checksum(), wrong)
    with pytest.raises(FlexibleChecksumError):
        list(aws._body_chunks(body, len(data), 4096))


def test_body_chunks_of_an_empty_body_read_it_to_its_end_through_botocore() -> None:
    # Read to its end, a response's connection goes back to the pool.
    raw = _urllib3(b"")
    assert list(aws._body_chunks(_streaming(raw, 0), 0, 4096)) == []
    assert raw.isclosed()


@pytest.mark.parametrize("size", [8, 100 * 1024])
def test_bytes_that_do_not_match_s3_s_checksum_are_refused_naming_the_object(
    region: Region, session: boto3.Session, size: int
) -> None:
    # S3 sends its checksum of an object uploaded in one request; botocore checks it at the
    # end of the body, which a document's read must reach.
    data = b"d" * size
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    headers = {"Content-Length": str(size), "ETag": '"e"', "x-amz-checksum-sha256": wrong}
    register(session, "before-send.s3.GetObject", streamed(data, headers))
    fresh = Aws(session).region(REGION)
    reads: list[Callable[[], object]] = [
        lambda: fresh.get_document(BUCKET, "doc", 1024 * 1024),
        lambda: fresh.download(BUCKET, "doc", lambda chunk: None),
    ]
    for read in reads:
        with pytest.raises(AwsError, match=f"s3:::{BUCKET}/doc in {REGION} did not arrive as S3"):
            read()


def test_open_object_streams_the_bytes_with_size_and_etag(region: Region, s3: S3Client) -> None:
    data = bytes(range(256)) * 4000
    s3.put_object(Bucket=BUCKET, Key="big", Body=data)
    opened = region.open_object(BUCKET, "big", chunk_size=65536)
    assert opened is not None
    try:
        assert (opened.size, opened.etag) == (len(data), md5(data))
        assert b"".join(opened.chunks) == data
    finally:
        opened.close()


# ---- failures, through real clients -------------------------------------------------------


def test_denied_put_object_names_the_permission_the_object_and_the_granting_policy(
    session: boto3.Session, make_organisation: MakeOrganisation
) -> None:
    make_organisation((REGION,))
    register(session, "before-send.s3.PutObject", s3_error(403, "AccessDenied"))

    with pytest.raises(AccessDeniedError) as raised:
        Aws(session).region(REGION).put_object(BUCKET, "my-lib/index.json", b"{}")

    assert str(raised.value) == (
        f"access denied in {REGION}: s3:PutObject on arn:aws:s3:::{BUCKET}/my-lib/index.json "
        "is not allowed (granted by AllowWrite)"
    )
    assert raised.value.region == REGION
    assert raised.value.resource == f"arn:aws:s3:::{BUCKET}/my-lib/index.json"


def test_denied_get_parameter_names_the_permission_and_the_parameter(
    session: boto3.Session, make_organisation: MakeOrganisation
) -> None:
    make_organisation((REGION,))
    register(session, "before-send.ssm.GetParameter", ssm_error("AccessDeniedException"))

    with pytest.raises(AccessDeniedError) as raised:
        Aws(session).region(REGION).get_parameter(BUCKET_PARAMETER)

    assert str(raised.value) == (
        f"access denied in {REGION}: ssm:GetParameter on "
        f"arn:aws:ssm:{REGION}:*:parameter/buckets/staging is not allowed "
        "(granted by AllowRead, AllowWrite or AllowConfigure)"
    )


def test_listing_a_missing_bucket_raises_not_found_naming_the_bucket(region: Region) -> None:
    with pytest.raises(NotFoundError) as raised:
        region.list_objects("no-such-bucket-anywhere", "my-lib/")

    assert str(raised.value) == (
        f"bucket 'no-such-bucket-anywhere' does not exist in {REGION}: "
        "check the bucket name parameter"
    )


def test_rejected_credentials_are_reported_with_what_to_check(
    session: boto3.Session, make_organisation: MakeOrganisation
) -> None:
    make_organisation((REGION,))
    register(session, "before-send.s3.ListObjectsV2", s3_error(403, "InvalidAccessKeyId"))

    with pytest.raises(AwsError) as raised:
        Aws(session).region(REGION).list_objects(BUCKET, "my-lib/")

    assert str(raised.value) == (
        f"AWS rejected the credentials in {REGION} (InvalidAccessKeyId): check AWS_PROFILE or "
        "your AWS_ACCESS_KEY_ID / session token"
    )
    assert not isinstance(raised.value, AccessDeniedError)


def test_missing_credentials_are_reported_with_how_to_provide_them(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(AwsError) as raised:
        Aws(boto3_session()).region(REGION).get_parameter(BUCKET_PARAMETER)

    assert str(raised.value) == (
        "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )


def test_unreachable_region_raises_endpoint_error_after_retrying(
    session: boto3.Session, make_organisation: MakeOrganisation
) -> None:
    make_organisation((REGION,))
    attempts: list[str] = []

    def refuse(request: AWSPreparedRequest, **kwargs: Any) -> None:
        attempts.append(request.url)
        raise EndpointConnectionError(endpoint_url=request.url)

    def retry_at_once(
        attempts: int, caught_exception: Exception | None, **kwargs: Any
    ) -> int | None:
        # Skip the standard back-off sleeps (seconds each); the client still decides to stop.
        return 0 if isinstance(caught_exception, EndpointConnectionError) and attempts < 5 else None

    register(session, "before-send.ssm.GetParameter", refuse)
    register(session, "needs-retry.ssm.GetParameter", retry_at_once)

    with pytest.raises(EndpointError) as raised:
        Aws(session).region(REGION).get_parameter(BUCKET_PARAMETER)

    assert str(raised.value) == (
        f"could not reach {REGION} (EndpointConnectionError): Could not connect to the endpoint "
        f'URL: "{attempts[0]}"'
    )
    assert len(attempts) > 1  # retried before giving up


# ---- translate ----------------------------------------------------------------------------


def client_error(code: str, message: str = "", operation: str = "PutObject") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("code", "action", "grant"),
    [
        ("AccessDenied", "s3:PutObject", "AllowWrite"),
        ("403", "s3:ListBucket", "AllowWrite"),
        ("AccessDenied", "s3:GetObject", "AllowRead"),
        (
            "AccessDeniedException",
            "ssm:PutParameter",
            "AllowWrite (or AllowConfigure for the configuration parameter)",
        ),
        ("AccessDeniedException", "ssm:GetParameter", "AllowRead, AllowWrite or AllowConfigure"),
    ],
)
def test_translate_access_denied_names_permission_resource_and_granting_policy(
    code: str, action: str, grant: str
) -> None:
    error = translate(
        client_error(code, "Access Denied"), region="us-east-1", action=action, resource="arn:x"
    )

    assert isinstance(error, AccessDeniedError)
    assert str(error) == (
        f"access denied in us-east-1: {action} on arn:x is not allowed (granted by {grant})"
    )
    assert (error.region, error.resource) == ("us-east-1", "arn:x")


@pytest.mark.parametrize("code", ["NoSuchBucket", "404"])
def test_translate_missing_bucket_is_not_found_naming_the_bucket(code: str) -> None:
    error = translate(
        client_error(code),
        region="eu-west-2",
        action="s3:PutObject",
        resource="arn:aws:s3:::my-bucket/my-lib/1.0.0/a.whl",
    )

    assert isinstance(error, NotFoundError)
    assert str(error) == (
        "bucket 'my-bucket' does not exist in eu-west-2: check the bucket name parameter"
    )


@pytest.mark.parametrize(
    "code", ["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidClientTokenId"]
)
def test_translate_rejected_credentials_says_what_to_check(code: str) -> None:
    error = translate(client_error(code), region="eu-west-2", action="s3:PutObject", resource="r")

    assert type(error) is AwsError
    assert str(error) == (
        f"AWS rejected the credentials in eu-west-2 ({code}): check AWS_PROFILE or your "
        "AWS_ACCESS_KEY_ID / session token"
    )


def test_translate_missing_credentials_says_how_to_provide_them() -> None:
    error = translate(NoCredentialsError(), region="eu-west-2", action="s3:GetObject", resource="r")

    assert type(error) is AwsError
    assert str(error) == (
        "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )


def test_translate_connection_error_is_an_endpoint_error_naming_the_region() -> None:
    cause = EndpointConnectionError(endpoint_url="https://ssm.eu-west-2.amazonaws.com/")

    error = translate(cause, region="eu-west-2", action="ssm:GetParameter", resource="r")

    assert isinstance(error, EndpointError)
    assert str(error) == (
        "could not reach eu-west-2 (EndpointConnectionError): Could not connect to the endpoint "
        'URL: "https://ssm.eu-west-2.amazonaws.com/"'
    )


def test_translate_other_client_errors_name_action_resource_code_and_message() -> None:
    error = translate(
        client_error("SlowDown", "Please reduce your request rate."),
        region="eu-west-2",
        action="s3:PutObject",
        resource="arn:aws:s3:::b/k",
    )

    assert type(error) is AwsError
    assert str(error) == (
        "s3:PutObject on arn:aws:s3:::b/k failed in eu-west-2: SlowDown: "
        "Please reduce your request rate."
    )


# ---- timeouts, attempts and regions that do not answer ------------------------------------


def test_the_network_defaults_bound_a_hung_call() -> None:
    network = Network.from_environment({})

    assert (network.connect_timeout, network.read_timeout, network.max_attempts) == (5, 10, 4)
    config: Any = network.client_config(12)  # (botocore's Config is untyped)
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert (config.connect_timeout, config.read_timeout) == (5, 10)
    assert config.max_pool_connections == 12


def test_timeouts_and_attempts_come_from_the_environment() -> None:
    network = Network.from_environment(
        {"STARTIFACT_CONNECT_TIMEOUT": "2.5", "STARTIFACT_READ_TIMEOUT": " 30 "}, "7"
    )

    assert (network.connect_timeout, network.read_timeout, network.max_attempts) == (2.5, 30, 7)


def test_every_bad_network_setting_is_named_at_once() -> None:
    with pytest.raises(InvalidInputError) as raised:
        Network.from_environment(
            {"STARTIFACT_CONNECT_TIMEOUT": "0", "STARTIFACT_READ_TIMEOUT": "soon"}, "many"
        )

    assert raised.value.problems == (
        "STARTIFACT_CONNECT_TIMEOUT='0' is not a number of seconds between 0 and 3600 "
        "(unset it for the default, 5)",
        "STARTIFACT_READ_TIMEOUT='soon' is not a number of seconds between 0 and 3600 "
        "(unset it for the default, 10)",
        "AWS max_attempts='many' (AWS_MAX_ATTEMPTS or the profile) is not a whole number "
        "from 1 to 20 (unset it for the default, 4)",
    )


def test_aws_max_attempts_from_the_profile_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nmax_attempts = 2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))

    assert Aws(boto3.Session()).network.max_attempts == 2


def refusing_region(calls: list[str]) -> Region:
    """A region whose SSM endpoint refuses every connection (counted in ``calls``)."""
    session = boto3_session()

    def refuse(request: AWSPreparedRequest, **kwargs: Any) -> None:
        calls.append(request.url)
        raise EndpointConnectionError(endpoint_url=request.url)

    register(session, "before-send.ssm", refuse)
    return Aws(session).region("eu-west-2")


def test_a_region_found_unreachable_is_not_tried_again(mocked: None) -> None:
    calls: list[str] = []
    region = refusing_region(calls)

    with pytest.raises(EndpointError) as first:
        region.get_parameter("/a")
    with pytest.raises(EndpointError) as second:
        region.get_parameter("/b")

    assert len(calls) == 4  # the first call's attempts; the second was not sent
    assert str(second.value) == f"{first.value} (not tried again)"


def test_a_region_found_unreachable_is_tried_again_after_a_while(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hatch_startifact.aws.DOWN_FOR", 0.0)
    calls: list[str] = []
    region = refusing_region(calls)

    for name in ("/a", "/b"):
        with pytest.raises(EndpointError):
            region.get_parameter(name)

    assert len(calls) == 8


def test_an_error_answer_does_not_mark_a_region_down(mocked: None) -> None:
    region = Aws(boto3_session()).region("eu-west-2")

    with pytest.raises(NotFoundError):
        region.list_objects("no-such-bucket", "")
    assert region.get_parameter("/nothing") is None


# ---- part_size_for ----------------------------------------------------------------------


def test_part_size_for_uses_part_size_for_ordinary_files() -> None:
    assert part_size_for(100 * (1024 * 1024)) == aws.PART_SIZE


def test_part_size_for_never_goes_below_the_s3_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws, "PART_SIZE", 1024)

    assert part_size_for(20 * (1024 * 1024)) == 5 * 1024 * 1024


def test_part_size_for_stays_within_ten_thousand_parts() -> None:
    size = 100 * 1024 * (1024 * 1024)

    part = part_size_for(size)

    assert part > aws.PART_SIZE
    assert -(-size // part) <= 10_000
