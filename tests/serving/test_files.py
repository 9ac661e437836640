"""hatch_startifact.serving.files: a file's bytes sent from the first region with the right
ones, its hashing thread never left behind.

`tests/serving/test_app.py` serves files over HTTP; here `Files` sends them to a recording
client, against moto in-process, with failures injected through botocore event hooks.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from hatch_startifact.aws import Aws
from hatch_startifact.serving.files import CHUNK, HASHING, AbortedError, Files, Wanted
from tests.helpers import (
    MakeOrganisation,
    Organisation,
    boto3_session,
    md5,
    register,
    streamed,
)

REGION = "us-east-1"
KEY = "my-lib/1.0.0/my_lib-1.0.0-py3-none-any.whl"
DATA = bytes(range(256)) * (4 * CHUNK // 256 + 7)  # four full chunks and a part


class Client:
    """A client that records what it was sent and may go away after ``writes`` writes."""

    def __init__(self, writes: int | None = None) -> None:
        self.size: int | None = None
        self.received = bytearray()
        self._writes = writes

    def begin(self, size: int) -> None:
        self.size = size

    def write(self, chunk: bytes) -> None:
        if self._writes is not None:
            if self._writes == 0:
                raise BrokenPipeError("the client went away")
            self._writes -= 1
        self.received += chunk


@pytest.fixture
def org(mocked: None, make_organisation: MakeOrganisation) -> Organisation:
    org = make_organisation((REGION,))
    org.write(REGION, KEY, DATA)
    return org


def wanted(org: Organisation) -> Wanted:
    sha256 = hashlib.sha256(DATA).hexdigest()
    return Wanted(KEY, len(DATA), sha256, (REGION,), org.buckets)


@pytest.fixture
def hashing_threads() -> Callable[[], list[threading.Thread]]:
    """The hashing threads alive now that were not before the test (another test's server
    may still be finishing one)."""
    before = set(threading.enumerate())

    def alive() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == HASHING and t not in before]

    return alive


def test_a_verified_file_streams_whole_and_leaves_no_thread(
    org: Organisation, hashing_threads: Callable[[], list[threading.Thread]]
) -> None:
    files = Files(Aws(boto3_session()))
    first, later = Client(), Client()
    assert files.send(wanted(org), first) == REGION  # read whole and verified, then sent
    assert files.send(wanted(org), later) == REGION  # streamed, hashed behind the sending
    assert bytes(first.received) == bytes(later.received) == DATA
    assert later.size == len(DATA)
    assert hashing_threads() == []


def test_a_client_gone_mid_stream_leaves_no_thread_behind(
    org: Organisation, hashing_threads: Callable[[], list[threading.Thread]]
) -> None:
    files = Files(Aws(boto3_session()))
    files.send(wanted(org), Client())
    gone = Client(writes=1)
    with pytest.raises(BrokenPipeError):
        files.send(wanted(org), gone)
    assert 0 < len(gone.received) < len(DATA)
    assert hashing_threads() == []
    assert bytes(_sent_again(files, org)) == DATA  # the next client is served as before


def test_a_read_that_fails_mid_stream_is_cut_short_and_leaves_no_thread_behind(
    org: Organisation, hashing_threads: Callable[[], list[threading.Thread]]
) -> None:
    session = boto3_session()
    half = streamed(
        DATA[: len(DATA) // 2], {"ETag": f'"{md5(DATA)}"', "Content-Length": str(len(DATA))}
    )
    cut = False

    def answer(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        return half(request) if cut else None

    register(session, "before-send.s3.GetObject", answer)
    files = Files(Aws(session))
    files.send(wanted(org), Client())
    cut = True  # S3 now announces every byte of the verified copy and sends half of them
    client = Client()
    with pytest.raises(AbortedError, match=r"IncompleteRead.*the response was cut short"):
        files.send(wanted(org), client)
    assert len(client.received) < len(DATA) // 2  # the last chunk read is never sent
    assert hashing_threads() == []


def _sent_again(files: Files, org: Organisation) -> bytearray:
    client = Client()
    files.send(wanted(org), client)
    return client.received
