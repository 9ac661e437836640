"""hatch_startifact.store.documents: JSON read back from AWS, refused when nested too deeply."""

from __future__ import annotations

import pytest

from hatch_startifact.store.documents import MAX_DEPTH, TOO_DEEP, deeper_than, load


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_load_accepts_a_document_as_deep_as_the_limit() -> None:
    assert load(nested(MAX_DEPTH + 1)) is not None  # the outer list is depth 0


def test_load_refuses_one_level_deeper_on_every_python() -> None:
    with pytest.raises(ValueError, match=f"^{TOO_DEEP}$"):
        load(nested(MAX_DEPTH + 2))


def test_load_refuses_nesting_deeper_than_json_itself_can_parse() -> None:
    with pytest.raises(ValueError, match=f"^{TOO_DEEP}$"):
        load(nested(100_000))


def test_load_passes_on_what_is_not_json_as_a_value_error() -> None:
    with pytest.raises(ValueError, match="Expecting value"):
        load(b"not json")


def test_deeper_than_counts_objects_and_arrays() -> None:
    assert not deeper_than({"a": [{"b": 1}]}, 3)
    assert deeper_than({"a": [{"b": [1]}]}, 3)
