"""Local files to stage: each read once for its size, SHA-256 and the S3 ETag it will get.

The ETag lets a stager, which may list but not read objects, tell whether an object already
staged holds the same bytes: for a single-part upload S3's ETag is the MD5 of the bytes, and
for a multipart upload it is the MD5 of the parts' MD5s with ``-N`` appended. Both are
computed in the same pass as the SHA-256, with the part size the upload will use.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path

from hatch_startifact.aws import MULTIPART_THRESHOLD, part_size_for
from hatch_startifact.store.metadata import MAX_REQUIRES_PYTHON, CoreMetadata
from hatch_startifact.store.names import check_filename, shown

#: A wheel's core metadata: ``{name}-{version}.dist-info/METADATA`` at the top of the zip.
_WHEEL_METADATA = re.compile(r"[^/]+\.dist-info/METADATA")
#: An sdist's core metadata: ``{name}-{version}/PKG-INFO`` at the top of the archive.
_SDIST_PKG_INFO = re.compile(r"[^/]+/PKG-INFO")
#: Larger than any real core metadata (PyPI refuses long descriptions well before this).
MAX_CORE_METADATA = 4 * 1024 * 1024


@dataclass(frozen=True)
class Artifact:
    """A local file, hashed, ready to stage."""

    path: Path
    filename: str
    size: int
    sha256: str
    etag: str
    #: each part's SHA-256, base64, for a file uploaded in parts (sent with each part, so S3
    #: verifies every byte and botocore need not hash the parts again for every region)
    part_sha256: tuple[str, ...] = ()
    #: a wheel's ``.dist-info/METADATA``, staged beside it (PEP 658); ``None`` for others
    core_metadata: bytes | None = field(default=None, repr=False)
    #: an sdist's ``Requires-Python``, from its ``PKG-INFO`` (a wheel's is in `core_metadata`)
    sdist_requires_python: str | None = None

    @property
    def requires_python(self) -> str | None:
        """The file's ``Requires-Python``: a wheel's or an sdist's, when it says."""
        if self.core_metadata is not None:
            return requires_python(self.core_metadata)
        return self.sdist_requires_python

    @property
    def core(self) -> CoreMetadata | None:
        """What the metadata document says of the core metadata."""
        if self.core_metadata is None:
            return None
        return CoreMetadata(
            hashlib.sha256(self.core_metadata).hexdigest(),
            len(self.core_metadata),
            requires_python(self.core_metadata),
        )

    @property
    def multipart(self) -> bool:
        return self.size >= MULTIPART_THRESHOLD

    @property
    def sha256_base64(self) -> str:
        return base64.b64encode(bytes.fromhex(self.sha256)).decode()

    @classmethod
    def from_path(cls, path: Path) -> Artifact:
        """Read ``path`` once, a part at a time, computing its SHA-256 and expected ETag.

        A large file's parts are also hashed one by one (MD5 for the ETag, SHA-256 to send
        with each part), on two more threads: hashlib releases the GIL, so the three digests
        of a part take about as long as the slowest.
        """
        size = path.stat().st_size
        core = wheel_metadata(path) if path.name.endswith(".whl") else None
        sdist = sdist_requires_python(path) if path.name.endswith(".tar.gz") else None
        if size < MULTIPART_THRESHOLD:
            data = path.read_bytes()
            etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
            digest = hashlib.sha256(data).hexdigest()
            return cls(path, path.name, len(data), digest, etag, (), core, sdist)
        sha = hashlib.sha256()
        part_md5: list[bytes] = []
        part_sha256: list[str] = []
        with path.open("rb") as stream, ThreadPoolExecutor(2, thread_name_prefix="hash") as pool:
            while chunk := stream.read(part_size_for(size)):
                md5 = pool.submit(_md5, chunk)
                sha256 = pool.submit(_sha256, chunk)
                sha.update(chunk)
                part_md5.append(md5.result())
                part_sha256.append(base64.b64encode(sha256.result()).decode())
        combined = hashlib.md5(b"".join(part_md5), usedforsecurity=False).hexdigest()
        etag = f"{combined}-{len(part_md5)}"
        return cls(path, path.name, size, sha.hexdigest(), etag, tuple(part_sha256), core, sdist)


def wheel_metadata(path: Path) -> bytes | None:
    """A wheel's ``.dist-info/METADATA``; ``None`` when it is not a wheel with exactly one (the
    file is still staged, without core metadata)."""
    try:
        with zipfile.ZipFile(path) as wheel:
            found = [i for i in wheel.infolist() if _WHEEL_METADATA.fullmatch(i.filename)]
            if len(found) != 1 or found[0].file_size > MAX_CORE_METADATA:
                return None
            return wheel.read(found[0])
    except (  # damaged (zlib.error), encrypted (RuntimeError), unreadable: staged without it
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        EOFError,
        OSError,
    ):
        return None


def sdist_requires_python(path: Path) -> str | None:
    """The ``Requires-Python`` of an sdist's ``{name}-{version}/PKG-INFO`` (PEP 643); ``None``
    when it is not a ``.tar.gz`` with one at its top, or it has none (the file is still
    staged, without it). The archive is read up to that member only."""
    try:
        with tarfile.open(path, "r:gz") as sdist:
            for member in sdist:
                if _SDIST_PKG_INFO.fullmatch(member.name):
                    if not member.isfile() or member.size > MAX_CORE_METADATA:
                        return None
                    extracted = sdist.extractfile(member)
                    return None if extracted is None else requires_python(extracted.read())
    except (tarfile.TarError, zlib.error, EOFError, OSError):  # damaged or unreadable
        return None
    return None


def requires_python(core_metadata: bytes) -> str | None:
    """The ``Requires-Python`` of core metadata, when it has a usable one."""
    value = BytesHeaderParser().parsebytes(core_metadata).get("Requires-Python")
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    if not value or len(value) > MAX_REQUIRES_PYTHON or not value.isprintable():
        return None
    return value


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def same_object(artifact: Artifact, size: int, etag: str) -> bool:
    """True when a listed object (``size``, ``etag``) holds the same bytes as ``artifact``."""
    return size == artifact.size and etag.strip('"') == artifact.etag


def check_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """The files to stage and every problem with them, without reading them yet."""
    problems: list[str] = []
    found: dict[str, Path] = {}
    for raw in paths:
        path, given = Path(raw), shown(str(raw))
        if problem := _problem_with(path, given):
            problems.append(problem)
        elif path.name in found:
            problems.append(
                f"two files named {path.name!r}: {shown(str(found[path.name]))} and {given}"
            )
        else:
            found[path.name] = path
    if not found and not problems:
        problems.append("no files to stage")
    return list(found.values()), problems


def _problem_with(path: Path, given: str) -> str | None:
    """What stops ``path`` (named ``given`` in messages) from being staged, if anything."""
    try:
        if not path.exists():
            return f"file not found: {given}"
        if not path.is_file():
            return f"not a file: {given}"
    except OSError as error:  # a name too long, a directory it may not search, ...
        return f"cannot look at {given}: {error.strerror or error}"
    problem = check_filename(path.name)[1]
    return f"{given}: {problem}" if problem else None
