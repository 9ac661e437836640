"""The one module that talks to AWS.

Clients are built from a ``boto3.Session`` passed in (credentials, profiles and endpoints come
from boto3's usual sources, ``AWS_ENDPOINT_URL`` included), one S3 and one SSM client per
region, shared by every thread. Every botocore failure is translated here, and only here, into
a `hatch_startifact.errors.AwsError` naming the region, the permission and the resource.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import boto3
import botocore
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    FlexibleChecksumError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.response import StreamingBody
from s3transfer.manager import TransferConfig, TransferManager
from s3transfer.subscribers import BaseSubscriber
from s3transfer.utils import ChunksizeAdjuster
from urllib3.exceptions import ProtocolError as Urllib3ProtocolError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeoutError

from hatch_startifact.__about__ import __version__
from hatch_startifact.errors import (
    AccessDeniedError,
    AwsError,
    EndpointError,
    InvalidInputError,
    NoSuchBucketError,
    NotFoundError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ssm import SSMClient

MIB = 1024 * 1024
#: Files at least this large are uploaded in parts, streamed from disk.
MULTIPART_THRESHOLD = 8 * MIB
#: Part size before S3's 10,000-part limit adjusts it for very large files.
PART_SIZE = 8 * MIB


def part_size_for(size: int) -> int:
    """The part size s3transfer will use for a file of ``size`` bytes."""
    return int(ChunksizeAdjuster().adjust_chunksize(PART_SIZE, size))


@dataclass(frozen=True)
class ObjectInfo:
    """What a listing tells about one object."""

    size: int
    etag: str


@dataclass(frozen=True)
class StoredObject:
    """What ``HeadObject`` tells about one object."""

    size: int
    #: ISO 8601 UTC, to the second, with a ``Z`` suffix
    modified: str
    #: S3's SHA-256 checksum of the object (base64), when it has one
    sha256_base64: str | None = None
    #: ``FULL_OBJECT``, or ``COMPOSITE`` for a multipart upload's checksum of checksums
    checksum_type: str | None = None


@dataclass(frozen=True)
class ObjectStream:
    """An object being read: its size and ETag, its bytes a chunk at a time, and how to stop."""

    size: int
    etag: str
    chunks: Iterator[bytes]
    close: Callable[[], None]


#: Key -> what a listing tells about the object.
Listing = Mapping[str, ObjectInfo]

#: What `Aws` takes for credentials: boto3's own session.
Boto3Session = boto3.Session

__all__ = [
    "MULTIPART_THRESHOLD",
    "PART_SIZE",
    "Aws",
    "Boto3Session",
    "Listing",
    "Network",
    "ObjectInfo",
    "ObjectStream",
    "Region",
    "StoredObject",
    "known_regions",
    "new_boto3_session",
    "part_size_for",
]


_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "AllAccessDisabled",
    "UnauthorizedOperation",
    "403",
    "Forbidden",
}
_CREDENTIALS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
}
#: A conditional write that did not happen because another writer came first (S3 answers
#: NoSuchKey to ``IfMatch`` when the object has gone since it was listed).
_PRECONDITION = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409", "NoSuchKey"}

#: Which organisation policy grants each action (docs/permissions.md), for error messages.
GRANTED_BY = {
    "s3:PutObject": "AllowWrite",
    "s3:ListBucket": "AllowWrite",
    "s3:GetObject": "AllowRead",
    "ssm:PutParameter": "AllowWrite (or AllowConfigure for the configuration parameter)",
    "ssm:GetParameter": "AllowRead, AllowWrite or AllowConfigure",
    "ssm:DeleteParameter": "AllowYank, or the project's Owner policy",
    "s3:DeleteObject": "AllowYank, or the project's Owner policy",
}

ProgressCallback = Callable[[int], None]
#: Parts of large files uploaded at once (and held in memory) per region.
PARTS_IN_MEMORY = 3


#: Defaults that bound what a region that does not answer can cost: at most
#: ``MAX_ATTEMPTS x READ_TIMEOUT`` plus at most 1 + 2 + 4 s of backoff for the one call that
#: finds it down (47 s); after that the region is skipped for `DOWN_FOR` seconds.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
MAX_ATTEMPTS = 4
#: How long a region that could not be reached is skipped without trying it again.
DOWN_FOR = 120.0
_TIMEOUTS = (
    ("STARTIFACT_CONNECT_TIMEOUT", CONNECT_TIMEOUT),
    ("STARTIFACT_READ_TIMEOUT", READ_TIMEOUT),
)


@dataclass(frozen=True)
class Network:
    """Timeouts and attempts per call: the defaults, or what the environment says."""

    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    #: every attempt counted, the first included (botocore's ``total_max_attempts``)
    max_attempts: int = MAX_ATTEMPTS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], max_attempts: object = None) -> Network:
        """``STARTIFACT_CONNECT_TIMEOUT``/``STARTIFACT_READ_TIMEOUT`` (seconds) and the AWS
        ``max_attempts`` setting (``AWS_MAX_ATTEMPTS`` or the profile's), when set.

        :raises InvalidInputError: naming every variable that is not a positive number.
        """
        problems = []
        seconds = []
        for name, default in _TIMEOUTS:
            raw = environ.get(name, "").strip()
            try:
                value = float(raw) if raw else default
            except ValueError:
                value = -1.0
            if not 0 < value < 3600:
                problems.append(
                    f"{name}={raw!r} is not a number of seconds between 0 and 3600 (unset it "
                    f"for the default, {default:g})"
                )
            seconds.append(value)
        attempts = MAX_ATTEMPTS
        if max_attempts is not None:
            try:
                attempts = int(str(max_attempts))
            except ValueError:
                attempts = 0
            if not 1 <= attempts <= 20:
                problems.append(
                    f"AWS max_attempts={max_attempts!r} (AWS_MAX_ATTEMPTS or the profile) is not "
                    f"a whole number from 1 to 20 (unset it for the default, {MAX_ATTEMPTS})"
                )
        if problems:
            raise InvalidInputError(problems)
        return cls(seconds[0], seconds[1], attempts)

    def client_config(self, max_pool_connections: int = 20) -> Config:
        """Standard retries (jittered exponential backoff) and these timeouts."""
        return Config(
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_pool_connections=max_pool_connections,
            user_agent_extra=f"hatch-startifact/{__version__}",
        )


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows for SSM and S3, across all partitions."""
    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        for service in ("ssm", "s3"):
            regions.update(session.get_available_regions(service, partition_name=partition))
    return frozenset(regions)


def botocore_version() -> str:
    return str(botocore.__version__)


def s3_arn(bucket: str, key: str = "") -> str:
    return f"arn:aws:s3:::{bucket}/{key}" if key else f"arn:aws:s3:::{bucket}"


def ssm_arn(region: str, name: str) -> str:
    return f"arn:aws:ssm:{region}:*:parameter{name if name.startswith('/') else '/' + name}"


def translate(error: Exception, *, region: str, action: str, resource: str) -> AwsError:
    """Turn a botocore failure into an error that names region, permission and resource."""
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = error.response.get("Error", {}).get("Message", "") or code
        if code in _DENIED:
            grant = GRANTED_BY.get(action, "an organisation policy")
            return AccessDeniedError(
                f"access denied in {region}: {action} on {resource} is not allowed "
                f"(granted by {grant})",
                region=region,
                resource=resource,
            )
        if code in _CREDENTIALS:
            return AwsError(
                f"AWS rejected the credentials in {region} ({code}): check AWS_PROFILE or "
                "your AWS_ACCESS_KEY_ID / session token",
                region=region,
                resource=resource,
            )
        if code in {"NoSuchBucket", "404"} and resource.startswith("arn:aws:s3"):
            bucket = resource.split(":::", 1)[1].split("/", 1)[0]
            return NoSuchBucketError(
                f"bucket {bucket!r} does not exist in {region}: check the bucket name parameter",
                region=region,
                resource=resource,
            )
        return AwsError(
            f"{action} on {resource} failed in {region}: {code}: {message}",
            region=region,
            resource=resource,
        )
    if isinstance(error, FlexibleChecksumError):
        return AwsError(
            f"{resource} in {region} did not arrive as S3 stored it ({error}): try again; if "
            "it persists, ask an administrator to check the object",
            region=region,
            resource=resource,
        )
    if isinstance(error, NoCredentialsError):
        return AwsError(
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY",
            region=region,
            resource=resource,
        )
    return EndpointError(
        f"could not reach {region} ({type(error).__name__}): {error}",
        region=region,
        resource=resource,
    )


class _Progress(BaseSubscriber):
    def __init__(self, callback: ProgressCallback) -> None:
        self._callback = callback

    def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
        self._callback(bytes_transferred)


def _if_none_match(params: dict[str, Any], **kwargs: Any) -> None:
    # s3transfer does not accept IfNoneMatch (its ALLOWED_UPLOAD_ARGS), so every multipart
    # upload this client completes is made conditional here: an existing object is never
    # replaced, even by a racing stager.
    params["IfNoneMatch"] = "*"


#: Failures that mean the region did not answer (after botocore's retries), as opposed to
#: an answer that was an error.
_UNREACHABLE = (BotoConnectionError, HTTPClientError)


class Region:
    """S3 and SSM in one region. Thread-safe: one instance serves every thread."""

    def __init__(self, name: str, clients: Callable[[Literal["s3", "ssm"]], Any]) -> None:
        self.name = name
        #: ``clients(service)`` makes this region's client of a service (see `Aws.region`)
        self._clients = clients
        self._made: dict[str, Any] = {}
        self._making = threading.Lock()
        self._transfer: TransferManager | None = None
        #: (until when, why) once a call found the region unreachable
        self._down: tuple[float, str] | None = None
        #: (bucket, key) -> each part's SHA-256 of the large files uploading now
        self._parts: dict[tuple[str, str], tuple[str, ...]] = {}

    def _client(self, service: Literal["s3", "ssm"]) -> Any:
        """The region's client of ``service``, made on first use: a command that needs only
        SSM, or needs it first, does not wait for S3's much larger model to load."""
        with self._making:
            if service not in self._made:
                client = self._clients(service)
                if service == "s3":
                    client.meta.events.register(
                        "before-parameter-build.s3.CompleteMultipartUpload", _if_none_match
                    )
                    client.meta.events.register(
                        "before-parameter-build.s3.UploadPart", self._part_sha256
                    )
                    # Parts in flight and in memory per region are bounded, so memory does not
                    # grow with file size: at most PARTS_IN_MEMORY x 8 MiB per region.
                    self._transfer = TransferManager(
                        client,
                        TransferConfig(
                            multipart_threshold=MULTIPART_THRESHOLD,
                            multipart_chunksize=PART_SIZE,
                            max_request_concurrency=PARTS_IN_MEMORY,
                            max_in_memory_upload_chunks=PARTS_IN_MEMORY,
                        ),
                    )
                self._made[service] = client
            return self._made[service]

    @property
    def _s3(self) -> S3Client:
        client: S3Client = self._client("s3")
        return client

    @property
    def _uploads(self) -> TransferManager:
        """s3transfer's manager of multipart uploads, made with the S3 client."""
        self._client("s3")
        assert self._transfer is not None
        return self._transfer

    @property
    def _ssm(self) -> SSMClient:
        client: SSMClient = self._client("ssm")
        return client

    @contextmanager
    def _call(self, action: str, resource: str) -> Iterator[None]:
        down = self._down
        if down is not None and time.monotonic() < down[0]:
            # One call has spent its retries finding the region unreachable: the others in
            # flight or to come fail at once instead of each costing as much again.
            raise EndpointError(f"{down[1]} (not tried again)", region=self.name, resource=resource)
        try:
            yield
        except (ClientError, BotoCoreError) as error:
            translated = translate(error, region=self.name, action=action, resource=resource)
            if isinstance(error, _UNREACHABLE):
                self._down = (time.monotonic() + DOWN_FOR, str(translated))
            raise translated from error

    def _part_sha256(self, params: dict[str, Any], **kwargs: Any) -> None:
        # s3transfer cannot pass a checksum value per part: each part's SHA-256, computed in
        # the one read of the file, is added here, so botocore does not hash it again for
        # every region and S3 still verifies every part.
        parts = self._parts.get((params.get("Bucket", ""), params.get("Key", "")), ())
        number = params.get("PartNumber")
        if isinstance(number, int) and 1 <= number <= len(parts):
            params["ChecksumSHA256"] = parts[number - 1]

    def get_parameter(self, name: str) -> str | None:
        """The value of a parameter, or ``None`` when it does not exist."""
        with self._call("ssm:GetParameter", ssm_arn(self.name, name)):
            try:
                return self._ssm.get_parameter(Name=name)["Parameter"]["Value"]
            except self._ssm.exceptions.ParameterNotFound:
                return None

    def put_parameter(self, name: str, value: str) -> None:
        with self._call("ssm:PutParameter", ssm_arn(self.name, name)):
            self._ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)

    def delete_parameter(self, name: str) -> None:
        """Delete a parameter; one that does not exist is already as wanted."""
        with (
            self._call("ssm:DeleteParameter", ssm_arn(self.name, name)),
            suppress(self._ssm.exceptions.ParameterNotFound),
        ):
            self._ssm.delete_parameter(Name=name)

    def delete_object(self, bucket: str, key: str) -> None:
        """Delete an object (S3 answers an absent one with success too)."""
        with self._call("s3:DeleteObject", s3_arn(bucket, key)):
            self._s3.delete_object(Bucket=bucket, Key=key)

    def bucket_exists(self, bucket: str) -> bool:
        """True when the bucket exists; ``False`` when S3 says it does not."""
        try:
            with self._call("s3:ListBucket", s3_arn(bucket)):
                self._s3.head_bucket(Bucket=bucket)
        except NotFoundError:
            return False
        return True

    def list_objects(self, bucket: str, prefix: str) -> Listing:
        """Every key under ``prefix`` with its size and ETag (needs only ``s3:ListBucket``)."""
        found: dict[str, ObjectInfo] = {}
        with self._call("s3:ListBucket", s3_arn(bucket)):
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    found[item["Key"]] = ObjectInfo(item["Size"], item["ETag"].strip('"'))
        return found

    def put_object(
        self,
        bucket: str,
        key: str,
        body: bytes,
        *,
        etag: str | None = None,
        content_type: str = "application/json",
        replace: bool = False,
    ) -> bool:
        """Write a small object conditionally: only if absent (``etag=None``) or unchanged;
        with ``replace``, whatever is there.

        :returns: ``False`` when the condition did not hold (someone else wrote first).
        """
        try:
            with self._call("s3:PutObject", s3_arn(bucket, key)):
                if replace:
                    self._s3.put_object(
                        Bucket=bucket,
                        Key=key,
                        Body=body,
                        ContentType=content_type,
                        ChecksumAlgorithm="SHA256",
                    )
                elif etag:
                    self._s3.put_object(
                        Bucket=bucket,
                        Key=key,
                        Body=body,
                        IfMatch=f'"{etag}"',
                        ContentType=content_type,
                        ChecksumAlgorithm="SHA256",
                    )
                else:
                    self._s3.put_object(
                        Bucket=bucket,
                        Key=key,
                        Body=body,
                        IfNoneMatch="*",
                        ContentType=content_type,
                        ChecksumAlgorithm="SHA256",
                    )
        except AwsError as error:
            if _is_precondition(error):
                return False
            raise
        return True

    def upload_artifact(
        self,
        bucket: str,
        key: str,
        path: Path,
        *,
        size: int,
        sha256_base64: str,
        part_sha256: tuple[str, ...] = (),
        progress: ProgressCallback | None = None,
    ) -> bool:
        """Upload a file unless the key exists, verified by S3 against its SHA-256.

        Files below `MULTIPART_THRESHOLD` are one ``PutObject`` carrying the whole file's
        SHA-256 (``sha256_base64``); larger ones are streamed in parts by s3transfer, each
        sent with its own SHA-256 (``part_sha256``, one per part of `part_size_for` bytes).

        :returns: ``False`` when an object already held the key (nothing was replaced).
        """
        try:
            with self._call("s3:PutObject", s3_arn(bucket, key)):
                if size >= MULTIPART_THRESHOLD:
                    subscribers = [_Progress(progress)] if progress else []
                    self._parts[bucket, key] = part_sha256
                    try:
                        self._uploads.upload(
                            str(path),
                            bucket,
                            key,
                            extra_args={
                                "ChecksumAlgorithm": "SHA256",
                                "ContentType": "application/octet-stream",
                            },
                            subscribers=subscribers,
                        ).result()
                    finally:
                        del self._parts[bucket, key]
                else:
                    with path.open("rb") as body:
                        self._s3.put_object(
                            Bucket=bucket,
                            Key=key,
                            Body=body,
                            IfNoneMatch="*",
                            ChecksumAlgorithm="SHA256",
                            ChecksumSHA256=sha256_base64,
                            ContentType="application/octet-stream",
                        )
                    if progress:
                        progress(size)
        except AwsError as error:
            if _is_precondition(error):
                return False
            raise
        return True

    def get_document(self, bucket: str, key: str, limit: int) -> bytes | None:
        """A small object's bytes (needs only ``s3:GetObject``), or ``None`` when it is absent.

        Without ``s3:ListBucket`` S3 answers a missing key with AccessDenied, so callers
        treat an `AccessDeniedError` as "not readable here" and try another region.

        :raises AwsError: also when the object is larger than ``limit`` bytes.
        """
        with self._call("s3:GetObject", s3_arn(bucket, key)):
            try:
                response = self._s3.get_object(Bucket=bucket, Key=key)
            except self._s3.exceptions.NoSuchKey:
                return None
            body = response["Body"]
            data = body.read(limit + 1)
            if len(data) <= limit:
                body.read(1)  # the end: there botocore checks S3's checksum, if it has one
            body.close()
        if len(data) > limit:
            raise AwsError(
                f"s3://{bucket}/{key} in {self.name} is larger than {limit} bytes; "
                "it is not a document this tool wrote",
                region=self.name,
                resource=s3_arn(bucket, key),
            )
        return data

    def copy_object(self, bucket: str, key: str, source_bucket: str, source_key: str) -> str | None:
        """Copy an object (at most 5 GB) server-side into ``bucket`` here, from any region's
        ``source_bucket``, with S3 computing a SHA-256 of the copy: a single ``CopyObject``
        makes a single-part object, so its checksum is of the whole object. Needs
        ``s3:GetObject`` on the source and ``s3:PutObject`` here.

        :returns: S3's SHA-256 of the copy (base64), or ``None`` when S3 gave none (or gave
            a composite checksum, ``...-N``, which is not the SHA-256 of the bytes).
        """
        with self._call("s3:PutObject", s3_arn(bucket, key)):
            response = self._s3.copy_object(
                Bucket=bucket,
                Key=key,
                CopySource={"Bucket": source_bucket, "Key": source_key},
                ChecksumAlgorithm="SHA256",
                MetadataDirective="REPLACE",
                ContentType="application/octet-stream",
            )
        checksum = response.get("CopyObjectResult", {}).get("ChecksumSHA256")
        return checksum if checksum and "-" not in checksum else None

    def head_object(self, bucket: str, key: str) -> StoredObject | None:
        """An object's size and modification time (``s3:GetObject``), or ``None`` when S3
        says it does not exist (without ``s3:ListBucket`` it answers AccessDenied instead)."""
        with self._call("s3:GetObject", s3_arn(bucket, key)):
            try:
                response = self._s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                    return None
                raise
        modified = response["LastModified"].astimezone(timezone.utc)
        return StoredObject(
            response["ContentLength"],
            modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
            response.get("ChecksumSHA256"),
            response.get("ChecksumType"),
        )

    def download(
        self,
        bucket: str,
        key: str,
        sink: Callable[[bytes], None],
        progress: ProgressCallback | None = None,
    ) -> None:
        """Stream an object to ``sink`` a chunk at a time (memory does not grow with size)."""
        with self._call("s3:GetObject", s3_arn(bucket, key)):
            try:
                response = self._s3.get_object(Bucket=bucket, Key=key)
            except self._s3.exceptions.NoSuchKey:
                raise NotFoundError(
                    f"s3://{bucket}/{key} does not exist in {self.name}",
                    region=self.name,
                    resource=s3_arn(bucket, key),
                ) from None
            for chunk in _body_chunks(response["Body"], response["ContentLength"], MIB):
                sink(chunk)
                if progress:
                    progress(len(chunk))

    def open_object(
        self, bucket: str, key: str, *, if_match: str | None = None, chunk_size: int = 256 * 1024
    ) -> ObjectStream | None:
        """Start reading an object (needs only ``s3:GetObject``): its size, ETag and a stream
        of its bytes, ``chunk_size`` at a time, that must be closed.

        :param if_match: the ETag the object must still have.
        :returns: ``None`` when the object no longer has that ETag.
        :raises NotFoundError: the object does not exist.
        """
        resource = s3_arn(bucket, key)
        try:
            with self._call("s3:GetObject", resource):
                try:
                    if if_match:
                        response = self._s3.get_object(
                            Bucket=bucket, Key=key, IfMatch=f'"{if_match}"'
                        )
                    else:
                        response = self._s3.get_object(Bucket=bucket, Key=key)
                except self._s3.exceptions.NoSuchKey:
                    raise NotFoundError(
                        f"s3://{bucket}/{key} does not exist in {self.name}",
                        region=self.name,
                        resource=resource,
                    ) from None
        except AwsError as error:
            if if_match and _is_precondition(error):
                return None
            raise
        body = response["Body"]
        size = response["ContentLength"]

        def chunks() -> Iterator[bytes]:
            with self._call("s3:GetObject", resource):
                yield from _body_chunks(body, size, chunk_size)

        return ObjectStream(size, response["ETag"].strip('"'), chunks(), body.close)

    def close(self) -> None:
        if self._transfer is not None:
            self._transfer.shutdown()


def _body_chunks(body: Any, size: int, chunk_size: int) -> Iterator[bytes]:
    """A response body's bytes, at most ``chunk_size`` at a time, each as soon as it arrived.

    botocore's ``iter_chunks`` waits until every chunk is full, and allocates and copies it
    on the way: for a large object that costs about twice the CPU of the read itself, which
    a server streaming to its own clients pays for every download. urllib3's ``read1``
    (urllib3 2, under the body botocore returns) gives what one read of the socket brought,
    with the failures botocore would give: a read timeout, a broken stream, and fewer bytes
    than the response's length. Anything else reads through botocore: a body botocore checks
    against S3's checksum of the whole object (a subclass: an object uploaded in one request;
    one uploaded in parts has a composite checksum, which botocore does not check), an empty
    body (read to its end, its connection goes back to the pool), urllib3 1.26.
    """
    raw = getattr(body, "_raw_stream", None)
    read1 = getattr(raw, "read1", None)
    if type(body) is not StreamingBody or read1 is None or size == 0:
        yield from body.iter_chunks(chunk_size)
        return
    left = size
    while left > 0:
        try:
            chunk = read1(min(chunk_size, left))
        except Urllib3ReadTimeoutError as error:
            raise ReadTimeoutError(endpoint_url=error.url or "", error=error) from error
        except Urllib3ProtocolError as error:
            raise ResponseStreamingError(error=error) from error
        if not chunk:
            raise IncompleteReadError(actual_bytes=size - left, expected_bytes=size)
        left -= len(chunk)
        yield chunk


def _is_precondition(error: AwsError) -> bool:
    cause = error.__cause__
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code", "")) in _PRECONDITION
    return False


_LOADER_LOCK = threading.Lock()
_LOADERS: dict[str | None, botocore.loaders.Loader] = {}


def new_boto3_session() -> boto3.Session:
    """A ``boto3.Session()`` whose service models are read once per process.

    Reading and parsing botocore's S3 model costs about 0.15 s; a plain ``boto3.Session()``
    pays it for every session, so a program that opens several `Session` objects shares the
    loader instead (one per ``AWS_DATA_PATH``, which is honoured as botocore does).
    """
    core = botocore.session.get_session()
    data_path = core.get_config_variable("data_path")
    with _LOADER_LOCK:
        loader = _LOADERS.get(data_path)
        if loader is None:
            loader = _LOADERS[data_path] = botocore.loaders.create_loader(data_path)
        core.register_component("data_loader", loader)
        session = boto3.Session(botocore_session=core)
        # boto3.Session appends its own data folder to the loader's search path: once is enough.
        loader.search_paths[:] = dict.fromkeys(loader.search_paths)
    return session


class Aws:
    """Per-region clients from one boto3 session, created once and shared by all threads."""

    def __init__(self, session: boto3.Session | None = None, concurrency: int = 8) -> None:
        self._session = session or new_boto3_session()
        self._concurrency = concurrency
        self.network = Network.from_environment(
            os.environ, self._session._session.get_config_variable("max_attempts")
        )
        self._regions: dict[str, Region] = {}
        self._lock = threading.Lock()

    @property
    def default_region(self) -> str | None:
        return self._session.region_name

    def region(self, name: str) -> Region:
        """The region, whose clients are made when first used (from any thread)."""
        with self._lock:
            if name not in self._regions:
                self._regions[name] = Region(name, lambda service: self._new(service, name))
            return self._regions[name]

    def _new(self, service: Literal["s3", "ssm"], region: str) -> Any:
        with self._lock:  # boto3 sessions are not thread-safe; client creation is serialised
            config = self.network.client_config(self._concurrency * 2 + 4)
            return self._session.client(service, region_name=region, config=config)

    def read_parameter(self, region: str, name: str) -> str | None:
        return self.region(region).get_parameter(name)

    def caller(self, region: str) -> str | None:
        """The ARN of the caller (``sts:GetCallerIdentity``), or ``None`` when it cannot be
        had: denied, or the region did not answer."""
        with self._lock:
            config = self.network.client_config(2)
            client = self._session.client("sts", region_name=region, config=config)
        try:
            return str(client.get_caller_identity()["Arn"])
        except (ClientError, BotoCoreError):
            return None

    def close(self) -> None:
        with self._lock:
            for region in self._regions.values():
                region.close()
            self._regions.clear()
