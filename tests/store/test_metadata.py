"""The metadata document staged beside every file."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hatch_startifact import __version__
from hatch_startifact.staging.artifacts import Artifact
from hatch_startifact.store.metadata import (
    CoreMetadata,
    StagedFile,
    metadata_document,
    parse_metadata_document,
    utc_now,
)
from tests.fixtures.serving import build_sdist
from tests.helpers import MakeFile, sha256, sha256_base64

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
        "sha256": sha256(b"sdist bytes"),
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
    assert document["sha256"] == sha256(b"sdist bytes")
    assert "branch" not in document


def test_metadata_document_sorts_user_metadata(artifact: Artifact) -> None:
    data = metadata_document("my-lib", "1.0.0", artifact, {"b": "2", "a": "1", "c": "3"}, STAGED_AT)

    assert list(read(data)["metadata"]) == ["a", "b", "c"]


def test_metadata_document_of_an_empty_file(make_file: MakeFile) -> None:
    empty = Artifact.from_path(make_file("empty.txt", b""))

    document = read(metadata_document("p", "1", empty, {}, STAGED_AT))

    assert document["size"] == 0
    assert document["sha256"] == sha256(b"")
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


# ---- parse_metadata_document --------------------------------------------------------------


def document_of(artifact: Artifact, **changes: Any) -> bytes:
    """A document as staging writes it, with some fields replaced (``None`` removes one)."""
    document = read(metadata_document("my-lib", "1.0.0", artifact, {"commit": "abc"}, STAGED_AT))
    document.update(changes)
    return json.dumps({k: v for k, v in document.items() if v is not None}).encode()


def parse(data: bytes) -> StagedFile:
    return parse_metadata_document(data, "my-lib", "1.0.0", "my_lib-1.0.0.tar.gz")


def test_parse_metadata_document_reads_what_metadata_document_writes(artifact: Artifact) -> None:
    data = metadata_document("my-lib", "1.0.0", artifact, {"commit": "abc"}, STAGED_AT)

    staged = parse(data)

    assert staged == StagedFile(
        "my_lib-1.0.0.tar.gz",
        len(b"sdist bytes"),
        sha256(b"sdist bytes"),
        STAGED_AT,
        {"commit": "abc"},
    )
    assert dict(staged.metadata) == {"commit": "abc"}


def test_core_metadata_is_written_and_read_back(artifact: Artifact) -> None:
    core = CoreMetadata("ab" * 32, 321, ">=3.10")
    data = metadata_document("my-lib", "1.0.0", artifact, {}, STAGED_AT, core)
    assert read(data)["core_metadata"] == {
        "sha256": "ab" * 32,
        "size": 321,
        "requires_python": ">=3.10",
    }
    assert parse(data).core_metadata == core
    without = CoreMetadata("ab" * 32, 321)
    data = metadata_document("my-lib", "1.0.0", artifact, {}, STAGED_AT, without)
    assert read(data)["core_metadata"] == {"sha256": "ab" * 32, "size": 321}
    assert parse(data).core_metadata == without


@pytest.mark.parametrize(
    "value",
    [
        "text",
        {"sha256": "AB" * 32, "size": 1},
        {"sha256": "ab" * 32, "size": -1},
        {"sha256": "ab" * 32, "size": True},
        {"sha256": "ab" * 32, "size": 1, "requires_python": 3},
        {"sha256": "ab" * 32, "size": 1, "requires_python": ">=3\n<script>"},
        {"sha256": "ab" * 32, "size": 1, "requires_python": ">" * 201},
    ],
)
def test_core_metadata_that_this_tool_cannot_have_written_is_ignored(
    value: Any, artifact: Artifact
) -> None:
    assert parse(document_of(artifact, core_metadata=value)).core_metadata is None


def test_requires_python_is_written_at_the_top_level_and_read_back(tmp_path: Path) -> None:
    sdist = Artifact.from_path(build_sdist(tmp_path, "my-lib", "1.0.0", requires_python=">=3.9"))
    data = metadata_document(
        "my-lib", "1.0.0", sdist, {}, STAGED_AT, requires_python=sdist.requires_python
    )
    assert read(data)["requires_python"] == ">=3.9"
    assert "core_metadata" not in read(data)
    assert parse_metadata_document(data, "my-lib", "1.0.0", sdist.filename).requires_python == (
        ">=3.9"
    )


def test_a_document_without_requires_python_has_none_or_its_core_metadata_s(
    artifact: Artifact,
) -> None:
    data = metadata_document("my-lib", "1.0.0", artifact, {}, STAGED_AT)
    assert "requires_python" not in read(data)
    assert parse(data).requires_python is None
    # written before the top-level field existed: the wheel's core metadata says
    core = {"sha256": "ab" * 32, "size": 1, "requires_python": ">=3.8"}
    assert parse(document_of(artifact, core_metadata=core)).requires_python == ">=3.8"


@pytest.mark.parametrize("value", [3, "", ">=3\n<script>", ">" * 201, [">=3.9"]])
def test_requires_python_that_this_tool_cannot_have_written_is_ignored(
    value: Any, artifact: Artifact
) -> None:
    assert parse(document_of(artifact, requires_python=value)).requires_python is None


def test_parse_metadata_document_without_metadata_or_staged_at(artifact: Artifact) -> None:
    staged = parse(document_of(artifact, metadata=None, staged_at=None))

    assert (staged.staged_at, dict(staged.metadata)) == ("", {})


@pytest.mark.parametrize("data", [b"[]", b'"text"', b"1", b"null"])
def test_parse_metadata_document_refuses_a_document_that_is_not_an_object(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"^not a JSON object$"):
        parse(data)


@pytest.mark.parametrize("data", [b"", b"{", b"\xff\xfe{}", b'{"project": "my-lib"'])
def test_parse_metadata_document_refuses_bytes_that_are_not_json(data: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  # json's own messages vary by version
        parse(data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"project": "other"}, "its project is 'other', not 'my-lib'"),
        ({"project": None}, "its project is None, not 'my-lib'"),
        ({"version": "1.0"}, "its version is '1.0', not '1.0.0'"),
        ({"version": 1}, "its version is 1, not '1.0.0'"),
        ({"filename": "other.tar.gz"}, "its filename is 'other.tar.gz', not 'my_lib-1.0.0.tar.gz'"),
    ],
)
def test_parse_metadata_document_refuses_a_document_about_another_file(
    artifact: Artifact, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as raised:  # noqa: PT011  # the message is asserted below
        parse(document_of(artifact, **changes))

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("size", "shown"),
    [(-1, "-1"), (True, "True"), (False, "False"), ("11", "'11'"), (11.0, "11.0"), ([], "[]")],
)
def test_parse_metadata_document_refuses_a_size_that_is_not_a_byte_count(
    artifact: Artifact, size: object, shown: str
) -> None:
    with pytest.raises(ValueError) as raised:  # noqa: PT011  # the message is asserted below
        parse(document_of(artifact, size=size))

    assert str(raised.value) == f"its size {shown} is not a byte count"


def test_parse_metadata_document_refuses_a_missing_size(artifact: Artifact) -> None:
    with pytest.raises(ValueError) as raised:  # noqa: PT011  # the message is asserted below
        parse(document_of(artifact, size=None))

    assert str(raised.value) == "its size None is not a byte count"


def test_parse_metadata_document_accepts_a_size_of_zero(artifact: Artifact) -> None:
    assert parse(document_of(artifact, size=0)).size == 0


@pytest.mark.parametrize(
    "sha256",
    [
        "A" * 64,
        "a" * 63,
        "a" * 65,
        "g" * 64,
        "a" * 64 + "\n",
        " " + "a" * 63,
        "",
        64,
        ["a" * 64],
    ],
)
def test_parse_metadata_document_refuses_a_sha256_that_is_not_64_lower_case_hex_digits(
    artifact: Artifact, sha256: object
) -> None:
    with pytest.raises(ValueError) as raised:  # noqa: PT011  # the message is asserted below
        parse(document_of(artifact, sha256=sha256))

    assert str(raised.value) == f"its sha256 {sha256!r} is not 64 hex digits"


@pytest.mark.parametrize(
    "metadata",
    [None, ["commit", "abc"], "commit=abc", {"commit": 1}, {"commit": None}, {"a": {"b": "c"}}],
)
def test_parse_metadata_document_refuses_metadata_that_is_not_an_object_of_strings(
    artifact: Artifact, metadata: object
) -> None:
    data = json.dumps({**read(document_of(artifact)), "metadata": metadata}).encode()

    with pytest.raises(ValueError) as raised:  # noqa: PT011  # the message is asserted below
        parse(data)

    assert str(raised.value) == "its metadata is not an object of strings"


def test_staged_file_sha256_base64_is_the_digest_in_base64_as_lambda_reports_it(
    artifact: Artifact,
) -> None:
    staged = parse(metadata_document("my-lib", "1.0.0", artifact, {}, STAGED_AT))

    expected = sha256_base64(b"sdist bytes")
    assert staged.sha256_base64 == expected
    assert base64.b64decode(staged.sha256_base64).hex() == staged.sha256
    assert len(staged.sha256_base64) == 44


# ---- found by fuzzing (tests/test_fuzz.py) ------------------------------------------------


def test_parse_metadata_document_refuses_one_nested_too_deeply_for_json() -> None:
    with pytest.raises(ValueError, match=r"^it nests arrays or objects too deeply$"):
        parse(b"[" * 5000 + b"]" * 5000)


SHOWN_OR_TOO_DEEP = (
    r"^(its project is \[\[\[\.\.\.\]\]\], not 'my-lib'|it nests arrays or objects too deeply)$"
)


def test_parse_metadata_document_never_overflows_showing_a_deeply_nested_value() -> None:
    """At some depth just under the recursion limit ``json.loads`` succeeded and then showing
    the value in the message overflowed; every depth up to the limit must give a ValueError."""
    for depth in range(500, 1001):
        data = f'{{"project": {"[" * depth}{"]" * depth}}}'.encode()
        with pytest.raises(ValueError, match=SHOWN_OR_TOO_DEEP):
            parse(data)


def test_parse_metadata_document_cuts_a_huge_value_short_in_its_message(artifact: Artifact) -> None:
    with pytest.raises(ValueError) as raised:  # noqa: PT011  # the message is asserted below
        parse(document_of(artifact, project="x" * 100_000))

    message = str(raised.value)
    assert message.startswith("its project is 'xxxxxxxx")
    assert "..." in message
    assert message.endswith(", not 'my-lib'")
    assert len(message) < 150
