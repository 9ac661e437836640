"""Yank markers and events: written as JSON, read back distrustfully, reasons checked."""

from __future__ import annotations

import json
import re

import pytest

from hatch_startifact.store.yanks import (
    MAX_REASON,
    Yank,
    check_reason,
    event_document,
    event_name,
    parse_marker,
)


def test_a_marker_round_trips() -> None:
    yank = Yank("breaks upgrades", "2026-01-02T03:04:05Z", "arn:aws:iam::1:user/alice")

    data = yank.marker("my-lib", "1.4.0")

    assert json.loads(data) == {
        "format": "startifact-yank/1",
        "project": "my-lib",
        "version": "1.4.0",
        "reason": "breaks upgrades",
        "yanked_at": "2026-01-02T03:04:05Z",
        "yanked_by": "arn:aws:iam::1:user/alice",
    }
    assert parse_marker(data, "my-lib", "1.4.0") == yank


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"format": "other"}, "not a yank marker"),
        (
            {"format": "startifact-yank/1", "project": "my-lib", "version": "9.0"},
            "not the yank marker of my-lib 1.4.0",
        ),
        (
            {
                "format": "startifact-yank/1",
                "project": "my-lib",
                "version": "1.4.0",
                "reason": 1,
                "yanked_at": "t",
                "yanked_by": "b",
            },
            "'reason', 'yanked_at' and 'yanked_by' must be strings",
        ),
    ],
)
def test_a_marker_that_is_not_one_is_refused(document: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_marker(json.dumps(document).encode(), "my-lib", "1.4.0")


def test_a_marker_reason_with_control_characters_is_shown_escaped() -> None:
    data = Yank("bad\x1b[2J", "t", "b").marker("my-lib", "1.4.0")

    assert parse_marker(data, "my-lib", "1.4.0").reason == repr("bad\x1b[2J")


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("", "the reason of a yank must not be empty: say why the version is yanked"),
        ("   ", "the reason of a yank must not be empty: say why the version is yanked"),
        ("x" * (MAX_REASON + 1), f"the reason of a yank is longer than {MAX_REASON} characters"),
        ("a\nb", "the reason of a yank 'a\\nb' contains control characters"),
    ],
)
def test_check_reason_names_the_problem(reason: str, problem: str) -> None:
    assert check_reason(reason) == problem


def test_a_good_reason_has_no_problem() -> None:
    assert check_reason("1.4.0 corrupts the cache; use 1.3.2") is None


def test_events_record_the_action_and_names_sort_by_time_and_never_collide() -> None:
    yank = json.loads(event_document("yank", "my-lib", "1.4.0", "T", "alice", "why"))
    unyank = json.loads(event_document("unyank", "my-lib", "1.4.0", "T", "bob", None))
    names = [event_name("yank") for _ in range(50)]

    assert yank == {
        "format": "startifact-yank-event/1",
        "action": "yank",
        "project": "my-lib",
        "version": "1.4.0",
        "at": "T",
        "by": "alice",
        "reason": "why",
    }
    assert "reason" not in unyank
    assert len(set(names)) == 50
    assert all(re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-yank-[0-9a-f]{8}", n) for n in names)
    assert names[0] <= names[-1]
