"""Helpers the tests share: plain functions, classes and constants, no fixtures.

Fixtures are in `tests.conftest` (the environment, factories of organisations, files and
sessions) and in `tests.fixtures` (the servers and processes: moto, SeaweedFS, the commands).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
import botocore.loaders
import botocore.session
import pytest
import urllib3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders

from hatch_startifact.cli.console import Console
from hatch_startifact.errors import EXIT_OK, InvalidInputError
from hatch_startifact.session import Session
from hatch_startifact.staging.report import StageReport, Status

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ssm import SSMClient

#: The regions of the organisation most tests make.
REGIONS = ("us-east-1", "eu-west-2", "ap-south-1")
#: The bucket name parameter of the organisations the tests make.
BUCKET_PARAMETER = "/buckets/staging"
#: Prefixes of the variables no test inherits from the machine running the tests.
FOREIGN = ("AWS_", "STARTIFACT_", "BOTO_", "GITHUB_", "GITLAB_", "CIRCLE")


# ---- hashes ----------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data``, hex, as metadata documents hold it."""
    return hashlib.sha256(data).hexdigest()


def sha256_base64(data: bytes) -> str:
    """The SHA-256 of ``data``, base64, as S3's ``ChecksumSHA256`` holds it."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def md5(data: bytes) -> str:
    """The MD5 of ``data``, hex: S3's ETag of a single-part upload."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# ---- hypothesis ------------------------------------------------------------------------------

#: What share of each fuzz test's example budget a run spends: 1 (every budget in full) unless
#: ``STARTIFACT_TEST_FUZZ_SCALE`` says otherwise. The noxfile gives the Pythons between the
#: oldest and the newest a quarter; those two run every budget in full.
FUZZ_SCALE = float(os.environ.get("STARTIFACT_TEST_FUZZ_SCALE") or 1)


def examples(budget: int) -> int:
    """A fuzz test's ``max_examples``: its full ``budget`` scaled by `FUZZ_SCALE` (at least 1;
    the explicit ``@example`` cases always run besides)."""
    return max(1, round(budget * FUZZ_SCALE))


# ---- boto3 -----------------------------------------------------------------------------------

#: One botocore model loader for every test session: reading the models once keeps tests fast.
MODELS = botocore.loaders.create_loader()
#: A botocore event and its handler, registered on a session before any client exists.
Hook = tuple[str, Callable[..., Any]]


def boto3_session(*hooks: Hook, region_name: str | None = None) -> boto3.Session:
    """A boto3 session with ``hooks`` registered before any client exists (clients copy them),
    sharing the service models already read."""
    core = botocore.session.get_session()
    core.register_component("data_loader", MODELS)
    for event, handler in hooks:
        core.register(event, handler)
    return boto3.Session(botocore_session=core, region_name=region_name)


def register(session: boto3.Session, event: str, handler: Callable[..., Any]) -> None:
    """Register a botocore event handler on ``session``; clients built afterwards call it.

    (Typed loosely: a ``before-send`` handler may answer with a response.)
    """
    session.events.register(event, handler)


_CLIENTS: dict[tuple[str, ...], Any] = {}


@overload
def aws_client(service: Literal["s3"], region: str) -> S3Client: ...
@overload
def aws_client(service: Literal["ssm"], region: str) -> SSMClient: ...
@overload
def aws_client(service: str, region: str) -> Any: ...
def aws_client(service: str, region: str) -> Any:
    """A boto3 client for seeding and inspecting AWS state, cached for the worker's life.

    Creating a client costs 10-20 ms of CPU and tests make thousands. The cache key holds
    what a client depends on here (the endpoints and credentials in the environment); each
    client has a session of its own, so no test's hooks are ever on it.
    """
    key = (
        service,
        region,
        *(
            os.environ.get(v, "")
            for v in ("AWS_ENDPOINT_URL", f"AWS_ENDPOINT_URL_{service.upper()}")
        ),
        os.environ.get("AWS_ACCESS_KEY_ID", ""),
    )
    if key not in _CLIENTS:
        _CLIENTS[key] = boto3_session().client(service, region_name=region)  # type: ignore[call-overload]
    return _CLIENTS[key]


class Body:
    """The raw body of a canned HTTP response (what botocore reads ``stream()`` from)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._data


def answer(status: int, body: bytes, headers: dict[str, str]) -> Callable[..., AWSResponse]:
    """A ``before-send`` handler that answers every request with a canned response (botocore
    parses, classifies and retries it as it would a real one)."""

    def handler(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse:
        return AWSResponse(request.url, status, HTTPHeaders.from_dict(headers), Body(body))

    return handler


def streamed(body: bytes, headers: dict[str, str]) -> Callable[..., AWSResponse]:
    """A ``before-send`` handler answering 200 with ``body`` as a stream botocore reads, as it
    reads a real response's (`answer` gives a body that can only be parsed)."""

    def handler(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse:
        raw = urllib3.HTTPResponse(
            io.BytesIO(body), headers=headers, status=200, preload_content=False
        )
        return AWSResponse(request.url, 200, HTTPHeaders.from_dict(headers), raw)

    return handler


def s3_error(status: int, code: str) -> Callable[..., AWSResponse]:
    """A ``before-send`` handler answering with an S3 error ``code``."""
    body = f"<Error><Code>{code}</Code><Message>{code} from test</Message></Error>"
    return answer(status, body.encode(), {"Content-Type": "application/xml"})


def ssm_error(code: str) -> Callable[..., AWSResponse]:
    """A ``before-send`` handler answering with an SSM error ``code`` (HTTP 400)."""
    body = f'{{"__type": "{code}", "message": "{code} from test"}}'
    return answer(400, body.encode(), {"Content-Type": "application/x-amz-json-1.1"})


# ---- an organisation in AWS ------------------------------------------------------------------


def create_region(
    region: str,
    *,
    bucket: str | None = None,
    bucket_parameter: bool = True,
    create_bucket: bool = True,
) -> str:
    """Create a region's bucket and bucket name parameter; returns the bucket name."""
    bucket = bucket or f"staging-{region}"
    if create_bucket:
        s3 = aws_client("s3", region)
        extra: Any = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=bucket, **extra)
    if bucket_parameter:
        aws_client("ssm", region).put_parameter(
            Name=BUCKET_PARAMETER, Value=bucket, Type="String", Overwrite=True
        )
    return bucket


def write_configuration(
    document: dict[str, Any] | str, regions: Sequence[str] = REGIONS, parameter: str = "/startifact"
) -> None:
    """The organisation configuration ``document``, written in each of ``regions``."""
    value = document if isinstance(document, str) else json.dumps(document)
    for region in regions:
        aws_client("ssm", region).put_parameter(
            Name=parameter, Value=value, Type="String", Overwrite=True
        )


@dataclass(frozen=True)
class Organisation:
    """What the ``make_organisation`` fixture made, and what its regions hold."""

    regions: tuple[str, ...]
    buckets: dict[str, str]
    key_prefix: str
    parameter_prefix: str

    def keys(self, region: str, prefix: str = "") -> dict[str, bytes]:
        """Every object in the region's bucket (under ``prefix``), with its bytes."""
        s3 = aws_client("s3", region)
        bucket = self.buckets[region]
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        listed = [o for page in pages for o in page.get("Contents", [])]
        return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}

    def everything(self) -> dict[str, dict[str, bytes]]:
        """Every object of every region, with its bytes."""
        return {region: self.keys(region) for region in self.regions}

    def read(self, region: str, key: str) -> bytes:
        """The bytes of one object of the region's bucket."""
        body = aws_client("s3", region).get_object(Bucket=self.buckets[region], Key=key)["Body"]
        return bytes(body.read())

    def write(self, region: str, key: str, body: bytes) -> None:
        """Write an object into the region's bucket behind the tool's back."""
        aws_client("s3", region).put_object(Bucket=self.buckets[region], Key=key, Body=body)

    def delete(self, region: str, key: str) -> None:
        """Delete an object of the region's bucket behind the tool's back."""
        aws_client("s3", region).delete_object(Bucket=self.buckets[region], Key=key)

    def latest(self, region: str, project: str) -> str | None:
        """The project's version record in ``region``, if there is one."""
        ssm = aws_client("ssm", region)
        try:
            name = f"{self.parameter_prefix}/{project}/latest"
            return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
        except ssm.exceptions.ParameterNotFound:
            return None


#: The ``make_organisation`` fixture: buckets, bucket name parameters and the configuration.
MakeOrganisation = Callable[..., Organisation]
#: The ``make_file`` fixture: ``make_file(name, content=None, directory=None) -> Path``.
MakeFile = Callable[..., Path]


# ---- staging through the product -------------------------------------------------------------

#: The ``open_session`` fixture: ``open_session(*hooks, region_name=None, **options)``.
OpenSession = Callable[..., Session]


@contextlib.contextmanager
def session_factory() -> Iterator[OpenSession]:
    """Open product Sessions, each over a boto3 session of its own with the hooks given (and
    ``region_name`` as its default region); all are closed at the end."""
    opened: list[Session] = []

    def open_session(*hooks: Hook, region_name: str | None = None, **options: Any) -> Session:
        opened.append(
            Session(boto3_session=boto3_session(*hooks, region_name=region_name), **options)
        )
        return opened[-1]

    try:
        yield open_session
    finally:
        for session in opened:
            session.close()


def stage(
    session: Session, version: str, *paths: Path, project: str = "my-lib", **options: Any
) -> StageReport:
    """Stage ``paths`` as ``project`` ``version`` through a product Session; its report."""
    return session.stage(project, version, paths, **options)


def staged(
    session: Session, version: str, *paths: Path, project: str = "my-lib", **options: Any
) -> StageReport:
    """`stage`, which must succeed in every region: a test's set-up."""
    report = stage(session, version, *paths, project=project, **options)
    assert report.exit_code == EXIT_OK, report
    return report


def statuses(report: StageReport) -> dict[str, list[tuple[str, Status]]]:
    """Each region's files and what happened to them."""
    return {r.region: [(f.filename, f.status) for f in r.files] for r in report.regions}


# ---- commands --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What a command run in a process of its own did."""

    returncode: int
    stdout: str
    stderr: str


def staged_by_cli(
    run_cli: Callable[..., Result],
    project: str,
    version: str,
    *args: str | Path,
    env: dict[str, str] | None = None,
) -> Result:
    """``startifact stage PROJECT VERSION ARGS`` (files and options), which must succeed."""
    result = run_cli("stage", project, version, *args, env=env)
    assert result.returncode == EXIT_OK, result.stderr
    return result


def one_error_line(result: Result) -> str:
    """The single ``error:`` line a failure must print on standard error, no traceback."""
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


def problems_of(parse: Callable[[Any], object], value: Any) -> tuple[str, ...]:
    """The problems of the `InvalidInputError` that ``parse(value)`` must raise."""
    with pytest.raises(InvalidInputError) as raised:
        parse(value)
    return raised.value.problems


# ---- threads ---------------------------------------------------------------------------------


def in_threads(count: int, work: Callable[[int], Any], timeout: float = 120) -> list[Any]:
    """Run ``work(0)`` ... ``work(count - 1)`` on threads of their own, released together by a
    barrier (a race); their results, or the exceptions they raised, in order."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(number: int) -> None:
        start.wait()
        try:
            results[number] = work(number)
        except Exception as error:  # the caller asserts on it
            results[number] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


# ---- terminals and clocks --------------------------------------------------------------------


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A ``time`` stand-in whose ``monotonic`` only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def make_console(**options: bool) -> tuple[Console, io.StringIO, io.StringIO]:
    """A command-line `Console` writing to two strings; it and they."""
    out, err = io.StringIO(), io.StringIO()
    return Console(out=out, err=err, **options), out, err


# ---- the reliability tally -------------------------------------------------------------------


class Tally:
    """What the reliability tests did, counted: printed at the end of the run.

    Set ``STARTIFACT_RELIABILITY_REPORT`` to a path to also get it as JSON (the Reliability
    docs page quotes these counts).
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


# ---- IAM policy documents --------------------------------------------------------------------

#: action, resource, condition (JSON, "" when none)
Grant = tuple[str, str, str]


def as_list(value: Any) -> list[Any]:
    """A policy field (one value or a list) as a list."""
    return list(value) if isinstance(value, list) else [value]


def grants(document: Mapping[str, Any], effect: str = "Allow") -> set[Grant]:
    """Every (action, resource, condition) of a policy document's ``effect`` statements."""
    found: set[Grant] = set()
    for statement in document["Statement"]:
        assert statement["Effect"] in {"Allow", "Deny"}, statement
        assert not {"NotAction", "NotResource", "Principal"} & set(statement)
        if statement["Effect"] != effect:
            continue
        condition = (
            json.dumps(statement["Condition"], sort_keys=True) if "Condition" in statement else ""
        )
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                found.add((str(action), resource_text(resource), condition))
    return found


def resource_text(resource: Any) -> str:
    """A template resource as text: ``!Sub`` strings as written, ``!GetAtt X.Arn`` as
    ``${X.Arn}``."""
    if isinstance(resource, str):
        return str(resource)
    assert isinstance(resource, Mapping), resource
    assert len(resource) == 1, resource
    ((function, argument),) = resource.items()
    if function == "Fn::Sub":
        assert isinstance(argument, str), f"Fn::Sub of {argument!r} is not a plain string"
        return str(argument)
    if function == "Fn::GetAtt":
        parts = argument.split(".") if isinstance(argument, str) else list(argument)
        return "${" + ".".join(map(str, parts)) + "}"
    raise AssertionError(f"unexpected resource {resource!r}")


def resolved(document: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """A template's policy document with every ``${...}`` of its resources substituted."""
    statements = []
    for statement in document["Statement"]:
        resources = []
        for resource in as_list(statement["Resource"]):
            text = resource_text(resource)
            for name, value in values.items():
                text = text.replace(f"${{{name}}}", value)
            assert "${" not in text, text
            resources.append(text)
        statements.append({**statement, "Resource": resources})
    return {**document, "Statement": statements}


def _pattern(glob: str) -> re.Pattern[str]:
    """An IAM wildcard (``*`` any run, ``?`` one character) as a regular expression."""
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    )


def allows(
    document: Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> bool:
    """Whether a document allows ``action`` on ``resource``, as IAM decides: an explicit Deny
    wins, else some Allow must apply (a StringLike condition on a missing key does not)."""
    applying = [s for s in document["Statement"] if _applies(s, action, resource, context or {})]
    if any(s["Effect"] == "Deny" for s in applying):
        return False
    return any(s["Effect"] == "Allow" for s in applying)


def _applies(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]
) -> bool:
    if not any(_pattern(a).fullmatch(action) for a in as_list(statement["Action"])):
        return False
    if not any(_pattern(r).fullmatch(resource) for r in as_list(statement["Resource"])):
        return False
    conditions = statement.get("Condition", {})
    assert set(conditions) <= {"StringLike"}, conditions
    return all(
        key in context and any(_pattern(v).fullmatch(context[key]) for v in as_list(values))
        for key, values in conditions.get("StringLike", {}).items()
    )


def read_grant(buckets: Iterable[str], key_prefix: str = "") -> dict[str, Any]:
    """The Read grant of docs/permissions.md: ``s3:GetObject`` under the key prefix of each
    bucket and no listing (SSM on ``*``, the only resource moto checks SSM calls against)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{b}/{key_prefix}*" for b in buckets],
            },
        ],
    }


def iam_user(policy: Mapping[str, Any], name: str) -> dict[str, str]:
    """A new IAM user with ``policy`` only: its access key, as environment variables."""
    iam = aws_client("iam", "us-east-1")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="grant", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }
