"""The metadata document staged beside every file (``{F}.metadata.json``).

::

    {"project": "my-lib", "version": "1.0.0", "filename": "my_lib-1.0.0.tar.gz",
     "size": 1234, "sha256": "<hex>", "staged_at": "2026-11-23T16:00:00Z",
     "staged_by": "hatch-startifact 0.1.0", "metadata": {"key": "value"},
     "core_metadata": {"sha256": "<hex>", "size": 987, "requires_python": ">=3.10"},
     "requires_python": ">=3.10"}

The tool's own fields are top-level; user and plugin metadata live only under ``metadata``,
so they can never collide. ``core_metadata`` describes a wheel's ``.dist-info/METADATA``,
staged beside it as ``{F}.metadata`` (PEP 658); it is absent for other files, and for wheels
staged before it existed (``requires_python`` is absent when the wheel does not say).
``requires_python`` (top level) is the file's ``Requires-Python``: a wheel's, from its core
metadata, an sdist's, from its ``PKG-INFO``; absent when the file does not say, and in
documents written before it existed (a reader then takes the one of ``core_metadata``).
"""

from __future__ import annotations

import base64
import json
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol, TypeGuard

from hatch_startifact.__about__ import __version__
from hatch_startifact.store.documents import load


def utc_now() -> str:
    """The current time as ISO 8601 UTC with a ``Z`` suffix, to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Described(Protocol):
    """What a metadata document says of a file (`hatch_startifact.staging.artifacts.Artifact`
    is one)."""

    @property
    def filename(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...


@dataclass(frozen=True)
class CoreMetadata:
    """A wheel's core metadata (``.dist-info/METADATA``), as staged beside it."""

    sha256: str
    size: int
    requires_python: str | None = None

    def to_json(self) -> dict[str, object]:
        extra = {"requires_python": self.requires_python} if self.requires_python else {}
        return {"sha256": self.sha256, "size": self.size, **extra}


def metadata_document(
    project: str,
    version: str,
    artifact: Described,
    metadata: Mapping[str, str],
    staged_at: str,
    core: CoreMetadata | None = None,
    requires_python: str | None = None,
) -> bytes:
    """The metadata document of a staged file.

    :param core: a wheel's core metadata, as staged beside it.
    :param requires_python: the file's Requires-Python (a wheel's or an sdist's), if any.
    """
    document: dict[str, object] = {
        "project": project,
        "version": version,
        "filename": artifact.filename,
        "size": artifact.size,
        "sha256": artifact.sha256,
        "staged_at": staged_at,
        "staged_by": f"hatch-startifact {__version__}",
        "metadata": dict(sorted(metadata.items())),
    }
    if core is not None:
        document["core_metadata"] = core.to_json()
    if requires_python:
        document["requires_python"] = requires_python
    return json.dumps(document, indent=1).encode()


@dataclass(frozen=True)
class StagedFile:
    """A staged file as its metadata document describes it."""

    filename: str
    size: int
    sha256: str
    staged_at: str
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: the wheel's core metadata staged beside it; ``None`` for other files and older wheels
    core_metadata: CoreMetadata | None = None
    #: the file's ``Requires-Python`` (a wheel's or an sdist's), when it says
    requires_python: str | None = None

    @property
    def sha256_base64(self) -> str:
        """The SHA-256 as base64, as AWS Lambda's ``CodeSha256`` reports it."""
        return base64.b64encode(bytes.fromhex(self.sha256)).decode()


_SHA256 = re.compile(r"[0-9a-f]{64}")

#: Shows values read back in messages, cut short: they may be huge or nested deeply.
_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 80
_SHOWN.maxlevel = 2


def parse_metadata_document(data: bytes, project: str, version: str, filename: str) -> StagedFile:
    """Parse a metadata document read from a bucket, distrusting every field.

    :raises ValueError: naming what is wrong; the caller tries another region.
    """
    document = load(data)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    expected = {"project": project, "version": version, "filename": filename}
    for key, value in expected.items():
        if document.get(key) != value:
            raise ValueError(f"its {key} is {_SHOWN.repr(document.get(key))}, not {value!r}")
    size, sha256 = document.get("size"), document.get("sha256")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"its size {_SHOWN.repr(size)} is not a byte count")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"its sha256 {_SHOWN.repr(sha256)} is not 64 hex digits")
    metadata = document.get("metadata", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise ValueError("its metadata is not an object of strings")
    staged_at = document.get("staged_at")
    core = _core_metadata(document.get("core_metadata"))
    requires = document.get("requires_python")
    return StagedFile(
        filename,
        size,
        sha256,
        staged_at if isinstance(staged_at, str) else "",
        dict(metadata),
        core,
        requires if _is_requires_python(requires) else core.requires_python if core else None,
    )


#: Longer than any real ``Requires-Python`` (a specifier set).
MAX_REQUIRES_PYTHON = 200


def _core_metadata(value: object) -> CoreMetadata | None:
    """``core_metadata`` read back; ``None`` unless it is what this tool writes."""
    if not isinstance(value, dict):
        return None
    sha256, size, requires = value.get("sha256"), value.get("size"), value.get("requires_python")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    if requires not in (None, "") and not _is_requires_python(requires):
        return None
    return CoreMetadata(sha256, size, requires or None)


def _is_requires_python(value: object) -> TypeGuard[str]:
    """Whether a ``requires_python`` read back is what this tool writes."""
    return isinstance(value, str) and 0 < len(value) <= MAX_REQUIRES_PYTHON and value.isprintable()
