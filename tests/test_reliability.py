"""Faults and secrets: transient errors are retried by botocore's real retry logic, and
credentials never reach the output, even with --verbose.

Faults are injected with ``before-send`` hooks that answer a request with an HTTP error
response, so botocore parses, classifies and retries it exactly as it would a real one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders

from hatch_startifact.session import Session
from tests.conftest import MakeOrganisation, RunCli


def register(session: boto3.Session, event: str, handler: Callable[..., Any]) -> None:
    """(Typed loosely: a ``before-send`` handler may answer with a response.)"""
    session.events.register(event, handler)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **kwargs: Any) -> Any:
        yield self._data


def failing_first(
    times: int, status: int, body: bytes, content_type: str, calls: list[str]
) -> Callable[..., AWSResponse | None]:
    """A ``before-send`` hook answering the first ``times`` requests with an error."""
    counter = itertools.count()

    def handler(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        if next(counter) >= times:
            return None  # let the request through to moto
        calls.append(request.url)
        return AWSResponse(
            request.url, status, HTTPHeaders.from_dict({"Content-Type": content_type}), _Body(body)
        )

    return handler


def test_s3_slowdown_and_ssm_throttling_are_retried_and_staging_succeeds(
    mocked: None, make_organisation: MakeOrganisation, make_file: Callable[..., Path]
) -> None:
    org = make_organisation()
    session = boto3.Session(region_name="us-east-1")
    s3_faults: list[str] = []
    ssm_faults: list[str] = []
    slowdown = (
        b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
    )
    throttled = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
    register(
        session,
        "before-send.s3.PutObject",
        failing_first(4, 503, slowdown, "application/xml", s3_faults),
    )
    register(
        session,
        "before-send.ssm.PutParameter",
        failing_first(2, 400, throttled, "application/x-amz-json-1.1", ssm_faults),
    )

    with Session(boto3_session=session) as startifact:
        report = startifact.stage("lib", "1.0", [make_file("lib-1.0.tar.gz", b"bytes")])

    assert report.exit_code == 0, report
    assert (len(s3_faults), len(ssm_faults)) == (4, 2)
    for region in org.regions:
        assert org.keys(region)["lib/1.0/lib-1.0.tar.gz"] == b"bytes"
        assert org.latest(region, "lib") == "1.0"


def test_a_region_that_keeps_failing_is_reported_after_the_retries_and_the_others_complete(
    mocked: None, make_organisation: MakeOrganisation, make_file: Callable[..., Path]
) -> None:
    org = make_organisation()
    session = boto3.Session(region_name="us-east-1")
    faults: list[str] = []
    internal = b"<Error><Code>InternalError</Code><Message>Internal error.</Message></Error>"
    handler = failing_first(10**6, 500, internal, "application/xml", faults)

    def only_ap_south_1(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        return handler(request) if "ap-south-1" in request.url else None

    register(session, "before-send.s3.ListObjectsV2", only_ap_south_1)

    with Session(boto3_session=session) as startifact:
        report = startifact.stage("lib", "1.0", [make_file("lib-1.0.tar.gz")])

    assert report.exit_code == 3
    assert report.failed_regions == ["ap-south-1"]
    # Standard retry mode with max_attempts=5: the first attempt and 5 retries, then it fails.
    assert len(faults) == 6
    (failed,) = [r for r in report.regions if r.error]
    assert failed.error is not None
    assert "InternalError" in failed.error
    assert org.latest("us-east-1", "lib") == "1.0"


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"  # recognisable, fake
KEY_ID = "AKIASECRETKEYIDTEST1"


@pytest.mark.e2e
@pytest.mark.parametrize(
    "args",
    [
        ["stage", "lib", "1.0", "{file}", "--verbose"],
        ["info", "lib", "--verbose"],
        ["setup", "--regions", "us-east-1", "--bucket-parameter", "/b", "--yes", "--verbose"],
    ],
)
def test_credentials_never_appear_in_output_even_with_verbose(
    run_cli: RunCli, make_organisation: MakeOrganisation, tmp_path: Path, args: list[str]
) -> None:
    make_organisation(regions=["us-east-1"])
    artifact = tmp_path / "lib-1.0.tar.gz"
    artifact.write_bytes(b"x")
    # moto accepts any credentials: these runs succeed or fail on their own, but every line
    # they print (tracebacks included) must not carry the secret or the key id.
    env = {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": "FwoGZXIvYXdzSESSIONTOKENSECRET",
    }

    result = run_cli(*[a.replace("{file}", str(artifact)) for a in args], env=env)
    broken = run_cli(
        *[a.replace("{file}", str(artifact)) for a in args],
        env={**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"},
    )

    for output in (result.stdout, result.stderr, broken.stdout, broken.stderr):
        assert SECRET not in output
        assert KEY_ID not in output
        assert "SESSIONTOKENSECRET" not in output
    assert broken.returncode != 0
