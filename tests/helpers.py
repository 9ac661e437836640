"""Helpers the tests share: hashes, file factories, fake terminals and clocks, threads."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: The ``make_file`` fixture: ``make_file(name, content=None, directory=None) -> Path``.
MakeFile = Callable[..., Path]


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data``, hex, as metadata documents hold it."""
    return hashlib.sha256(data).hexdigest()


def sha256_base64(data: bytes) -> str:
    """The SHA-256 of ``data``, base64, as S3's ``ChecksumSHA256`` holds it."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def md5(data: bytes) -> str:
    """The MD5 of ``data``, hex: S3's ETag of a single-part upload."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def in_threads(count: int, work: Callable[[int], T]) -> list[T]:
    """``work(0)`` ... ``work(count - 1)`` at once, each on its own thread; their results."""
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(work, range(count)))


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
