"""Local files to stage: each read once for its size, SHA-256 and the S3 ETag it will get.

The ETag lets a stager, which may list but not read objects, tell whether an object already
staged holds the same bytes: for a single-part upload S3's ETag is the MD5 of the bytes, and
for a multipart upload it is the MD5 of the parts' MD5s with ``-N`` appended. Both are
computed in the same pass as the SHA-256, with the part size the upload will use.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hatch_startifact.errors import InvalidInputError
from hatch_startifact.names import check_filename

MIB = 1024 * 1024
#: Files at least this large are uploaded in parts, streamed from disk.
MULTIPART_THRESHOLD = 8 * MIB
#: Part size before S3's 10,000-part limit adjusts it for very large files.
PART_SIZE = 8 * MIB


def part_size_for(size: int) -> int:
    """The part size s3transfer will use for a file of ``size`` bytes."""
    from s3transfer.utils import ChunksizeAdjuster

    return int(ChunksizeAdjuster().adjust_chunksize(PART_SIZE, size))


@dataclass(frozen=True)
class Artifact:
    """A local file, hashed, ready to stage."""

    path: Path
    filename: str
    size: int
    sha256: str
    etag: str

    @property
    def multipart(self) -> bool:
        return self.size >= MULTIPART_THRESHOLD

    @property
    def sha256_base64(self) -> str:
        return base64.b64encode(bytes.fromhex(self.sha256)).decode()

    @classmethod
    def from_path(cls, path: Path) -> Artifact:
        """Read ``path`` once, a part at a time, computing its SHA-256 and expected ETag."""
        size = path.stat().st_size
        part = part_size_for(size) if size >= MULTIPART_THRESHOLD else MULTIPART_THRESHOLD
        sha = hashlib.sha256()
        part_digests: list[bytes] = []
        with path.open("rb") as stream:
            while chunk := stream.read(part):
                sha.update(chunk)
                part_digests.append(hashlib.md5(chunk, usedforsecurity=False).digest())
        if size >= MULTIPART_THRESHOLD:
            combined = hashlib.md5(b"".join(part_digests), usedforsecurity=False).hexdigest()
            etag = f"{combined}-{len(part_digests)}"
        else:
            etag = part_digests[0].hex() if part_digests else hashlib.md5(b"").hexdigest()
        return cls(path, path.name, size, sha.hexdigest(), etag)


def same_object(artifact: Artifact, size: int, etag: str) -> bool:
    """True when a listed object (``size``, ``etag``) holds the same bytes as ``artifact``."""
    return size == artifact.size and etag.strip('"') == artifact.etag


def check_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """The files to stage and every problem with them, without reading them yet."""
    problems: list[str] = []
    found: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            problems.append(f"file not found: {raw}")
        elif not path.is_file():
            problems.append(f"not a file: {raw}")
        elif problem := check_filename(path.name)[1]:
            problems.append(f"{raw}: {problem}")
        elif path.name in found:
            problems.append(f"two files named {path.name!r}: {found[path.name]} and {raw}")
        else:
            found[path.name] = path
    if not found and not problems:
        problems.append("no files to stage")
    return list(found.values()), problems


def collect(paths: Iterable[str | Path]) -> list[Artifact]:
    """Check and hash every path, reporting every problem at once."""
    found, problems = check_paths(paths)
    if problems:
        raise InvalidInputError(problems)
    return [Artifact.from_path(path) for path in found]
