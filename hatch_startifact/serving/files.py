"""Files streamed to the client from the first region that gives the right bytes.

A file's bytes are checked against the SHA-256 of its metadata document before the client has
all of them, so a client never receives a complete wrong file:

- the first time a region's copy is served, it is read into a spool (memory up to
  `IN_MEMORY`, then a temporary file: memory stays flat whatever the size) while it is
  hashed, and sent only once it matched; a region whose bytes do not match is passed over
  with a warning and the next is tried, so the client gets the right bytes or, if no region
  has them, an error before any byte;
- once a copy matched, its ETag is remembered, and later requests stream it straight
  through, read from S3 only if it still has that ETag (``If-Match``), still hashed as it
  streams, its last chunk held back until the hash matched: should the bytes differ anyway,
  the connection is closed before the last chunk, and the client's download fails.
"""

from __future__ import annotations

import hashlib
import queue
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Protocol

from hatch_startifact.aws import Aws, ObjectStream
from hatch_startifact.errors import IntegrityError, StartifactError, UnavailableError

#: Bytes read from S3 and sent to the client at a time.
CHUNK = 256 * 1024
#: Chunks of a streamed download sent but not yet hashed, at most.
BEHIND = 4
#: The name of a streamed download's hashing thread.
HASHING = "startifact-sha256"
#: A spool's bytes kept in memory before it moves to a temporary file.
IN_MEMORY = 512 * 1024


@dataclass(frozen=True)
class Wanted:
    """A file to serve: where it is, and what its bytes must be."""

    key: str
    size: int
    sha256: str
    #: the regions holding it, in the order they are tried
    regions: tuple[str, ...]
    buckets: Mapping[str, str] = field(hash=False)


class Respond(Protocol):
    """The client's side: the status and headers once, then the bytes."""

    def begin(self, size: int) -> None: ...
    def write(self, chunk: bytes) -> None: ...


class AbortedError(StartifactError):
    """The bytes failed verification after the client had been sent some: the connection
    must be closed before the response is complete."""


class Files:
    """Serves files with verification and failover (thread-safe)."""

    def __init__(self, aws: Aws, warn: Callable[[str], None] | None = None) -> None:
        self._aws = aws
        self._warn = warn or (lambda message: None)
        #: (region, bucket, key) -> the ETag of a copy whose bytes matched
        self._verified: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()

    def send(self, wanted: Wanted, respond: Respond) -> str:
        """Send the file's bytes; the region they came from.

        :raises UnavailableError: no region gave the right bytes (nothing was sent).
        :raises AbortedError: bytes sent did not match (close the connection).
        """
        problems = []
        for region in wanted.regions:
            bucket = wanted.buckets[region]
            try:
                self._send_from(region, bucket, wanted, respond)
            except (AbortedError, OSError):
                raise
            except StartifactError as error:
                self._warn(f"{region}: {error}; trying another region")
                problems.append(f"{region}: {error}")
                continue
            return region
        raise UnavailableError(
            f"no region gave the right bytes of {wanted.key} ({'; '.join(problems)}): "
            "ask an administrator to check the regions named"
        )

    def _send_from(self, region: str, bucket: str, wanted: Wanted, respond: Respond) -> None:
        where = (region, bucket, wanted.key)
        with self._lock:
            etag = self._verified.get(where)
        if etag is not None:
            opened = self._aws.region(region).open_object(
                bucket, wanted.key, if_match=etag, chunk_size=CHUNK
            )
            if opened is not None:
                self._stream(opened, wanted, respond, region, bucket)
                return
            with self._lock:  # changed since it was verified: check it again
                self._verified.pop(where, None)
        opened = self._aws.region(region).open_object(bucket, wanted.key, chunk_size=CHUNK)
        assert opened is not None  # only a conditional read finds a changed object
        with tempfile.SpooledTemporaryFile(IN_MEMORY) as spool:
            self._spool(opened, wanted, spool, region, bucket)
            with self._lock:
                self._verified[where] = opened.etag
            respond.begin(wanted.size)
            spool.seek(0)
            while chunk := spool.read(CHUNK):
                respond.write(chunk)

    def _spool(
        self, opened: ObjectStream, wanted: Wanted, spool: IO[bytes], region: str, bucket: str
    ) -> None:
        digest = hashlib.sha256()
        try:
            _check_size(opened, wanted, region, bucket)
            for chunk in opened.chunks:
                digest.update(chunk)
                spool.write(chunk)
        finally:
            opened.close()
        _check_digest(digest.hexdigest(), wanted, region, bucket)

    def _stream(
        self, opened: ObjectStream, wanted: Wanted, respond: Respond, region: str, bucket: str
    ) -> None:
        try:
            _check_size(opened, wanted, region, bucket)
        except IntegrityError:
            opened.close()
            with self._lock:
                self._verified.pop((region, bucket, wanted.key), None)
            raise
        hashing: _Hashing | None = None
        held: bytes | None = None
        try:
            respond.begin(wanted.size)
            hashing = _Hashing()
            for chunk in opened.chunks:
                hashing.add(chunk)
                if held is not None:
                    respond.write(held)
                held = chunk
        except StartifactError as error:
            raise AbortedError(f"{error}; the response was cut short") from error
        finally:
            try:
                opened.close()
            finally:
                got = hashing.hexdigest() if hashing is not None else ""
        try:
            _check_digest(got, wanted, region, bucket)
        except IntegrityError as error:
            with self._lock:
                self._verified.pop((region, bucket, wanted.key), None)
            raise AbortedError(f"{error}; the response was cut short") from error
        if held is not None:
            respond.write(held)


class _Hashing:
    """A SHA-256 computed in a thread of its own, behind the sending: the chunks are sent as
    they are read (the socket's buffers read ahead), and hashed meanwhile on the other core
    (``hashlib`` releases the interpreter lock); at most `BEHIND` chunks wait, so memory stays
    flat."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._chunks: queue.Queue[bytes | None] = queue.Queue(BEHIND)
        self._thread = threading.Thread(target=self._hash, name=HASHING, daemon=True)
        self._thread.start()

    def _hash(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            self._digest.update(chunk)

    def add(self, chunk: bytes) -> None:
        self._chunks.put(chunk)

    def hexdigest(self) -> str:
        """The SHA-256 of every chunk added (call once, last)."""
        self._chunks.put(None)
        self._thread.join()
        return self._digest.hexdigest()


def _check_size(opened: ObjectStream, wanted: Wanted, region: str, bucket: str) -> None:
    if opened.size != wanted.size:
        raise IntegrityError(
            f"s3://{bucket}/{wanted.key} in {region} has {opened.size} bytes, not the "
            f"{wanted.size} of its metadata: it may have been tampered with"
        )


def _check_digest(got: str, wanted: Wanted, region: str, bucket: str) -> None:
    if got != wanted.sha256:
        raise IntegrityError(
            f"s3://{bucket}/{wanted.key} in {region} does not match the SHA-256 in its "
            f"metadata (got {got[:12]}..., expected {wanted.sha256[:12]}...): it may have "
            "been tampered with"
        )
