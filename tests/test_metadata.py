"""The metadata document staged beside every file."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hatch_startifact import __version__
from hatch_startifact.artifacts import Artifact
from hatch_startifact.metadata import metadata_document, utc_now

MakeFile = Callable[..., Path]
STAGED_AT = "2026-11-23T16:00:00Z"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest.fixture
def artifact(make_file: MakeFile) -> Artifact:
    return Artifact.from_path(make_file("my_lib-1.0.0.tar.gz", b"sdist bytes"))


def read(data: bytes) -> dict[str, Any]:
    document = json.loads(data)
    assert isinstance(document, dict)
    return document


def test_metadata_document_holds_every_documented_field(artifact: Artifact) -> None:
    document = read(metadata_document("my-lib", "1.0.0", artifact, {"commit": "abc"}, STAGED_AT))

    assert document == {
        "project": "my-lib",
        "version": "1.0.0",
        "filename": "my_lib-1.0.0.tar.gz",
        "size": len(b"sdist bytes"),
        "sha256": hashlib.sha256(b"sdist bytes").hexdigest(),
        "staged_at": STAGED_AT,
        "staged_by": f"hatch-startifact {__version__}",
        "metadata": {"commit": "abc"},
    }


def test_metadata_document_field_types(artifact: Artifact) -> None:
    document = read(metadata_document("my-lib", "1.0.0", artifact, {}, STAGED_AT))

    assert {k: type(v) for k, v in document.items()} == {
        "project": str,
        "version": str,
        "filename": str,
        "size": int,
        "sha256": str,
        "staged_at": str,
        "staged_by": str,
        "metadata": dict,
    }


def test_metadata_document_sha256_is_lower_case_hex(artifact: Artifact) -> None:
    document = read(metadata_document("my-lib", "1.0.0", artifact, {}, STAGED_AT))

    assert re.fullmatch(r"[0-9a-f]{64}", document["sha256"])


def test_metadata_document_keeps_user_metadata_under_metadata_only(artifact: Artifact) -> None:
    user = {"project": "evil", "size": "0", "sha256": "0" * 64, "branch": "main"}

    document = read(metadata_document("my-lib", "1.0.0", artifact, user, STAGED_AT))

    assert document["metadata"] == user
    assert document["project"] == "my-lib"
    assert document["size"] == len(b"sdist bytes")
    assert document["sha256"] == hashlib.sha256(b"sdist bytes").hexdigest()
    assert "branch" not in document


def test_metadata_document_sorts_user_metadata(artifact: Artifact) -> None:
    data = metadata_document("my-lib", "1.0.0", artifact, {"b": "2", "a": "1", "c": "3"}, STAGED_AT)

    assert list(read(data)["metadata"]) == ["a", "b", "c"]


def test_metadata_document_of_an_empty_file(make_file: MakeFile) -> None:
    empty = Artifact.from_path(make_file("empty.txt", b""))

    document = read(metadata_document("p", "1", empty, {}, STAGED_AT))

    assert document["size"] == 0
    assert document["sha256"] == hashlib.sha256(b"").hexdigest()
    assert document["metadata"] == {}


def test_metadata_document_keeps_non_ascii_values(artifact: Artifact) -> None:
    data = metadata_document("my-lib", "1.0.0", artifact, {"note": "caf\u00e9 \u2713"}, STAGED_AT)

    assert read(data)["metadata"] == {"note": "caf\u00e9 \u2713"}


def test_utc_now_is_iso_8601_utc_to_the_second() -> None:
    assert TIMESTAMP.match(utc_now())


def test_utc_now_is_the_current_utc_time() -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)

    stamp = datetime.strptime(utc_now(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)

    after = datetime.now(timezone.utc)
    assert before <= stamp <= after + timedelta(seconds=1)
