"""hatch_startifact.reading.latest: which version the records and indexes make the latest.

The rules alone, on values; `tests/reading/test_reader.py` reads the records and indexes from
the regions, with failures injected.
"""

from __future__ import annotations

import re

import pytest

from hatch_startifact.errors import (
    AllYankedError,
    NoSuchProjectError,
    UnavailableError,
)
from hatch_startifact.reading.found import Indexed
from hatch_startifact.reading.latest import choose, not_yanked
from hatch_startifact.store.index import ProjectIndex

PARAMETER = "/my-lib/latest"


def chosen(records: dict[str, str | Exception | None], regions: int = 3) -> str:
    return choose("my-lib", records, parameter=PARAMETER, regions=regions)


def indexed(
    versions: list[str], yanked: frozenset[str] | set[str] = frozenset()
) -> dict[str, Indexed]:
    staged = tuple((v, (f"my_lib-{v}.tar.gz",)) for v in versions)
    return {"us-east-1": ("bucket", ProjectIndex("my-lib", staged, frozenset(yanked)))}


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ({"a": "1.0.0", "b": "1.0.0", "c": "2.0.0"}, "1.0.0"),  # a majority of all regions
        ({"a": "1.0.0", "b": "2.0.0", "c": None}, "2.0.0"),  # no majority: the highest
        ({"a": "1.0.0", "b": "1.0.0", "c": OSError("down")}, "1.0.0"),
        ({"a": "1.10.0", "b": "1.9.0", "c": None}, "1.10.0"),  # PEP 440, not text
        ({"a": "2.0.0rc1", "b": "1.0.0", "c": None}, "2.0.0rc1"),
    ],
)
def test_choose_takes_the_majority_of_all_regions_else_the_highest(
    records: dict[str, str | Exception | None], expected: str
) -> None:
    assert chosen(records) == expected


def test_choose_counts_a_majority_of_every_region_not_only_of_those_that_answered() -> None:
    # 2 of 5 regions agree: not a majority, so the highest wins.
    records: dict[str, str | Exception | None] = {"a": "1.0.0", "b": "1.0.0", "c": "2.0.0"}
    assert chosen(records, regions=5) == "2.0.0"
    assert chosen(records, regions=3) == "1.0.0"


def test_choose_with_no_record_where_regions_answered_is_no_such_project() -> None:
    with pytest.raises(
        NoSuchProjectError, match=r"no region has a version record /my-lib/latest \(a: down\)"
    ):
        chosen({"a": UnavailableError("a: down"), "b": None})


def test_choose_when_no_region_answered_names_every_failure() -> None:
    with pytest.raises(
        UnavailableError, match=re.escape("could not read /my-lib/latest from any region (a; b)")
    ):
        chosen({"a": UnavailableError("a"), "b": UnavailableError("b")})


def test_not_yanked_keeps_a_version_no_index_says_is_yanked() -> None:
    warnings: list[str] = []
    assert not_yanked("my-lib", indexed(["2.0.0", "1.0.0"]), "2.0.0", warnings.append) == "2.0.0"
    assert warnings == []


def test_not_yanked_falls_back_to_the_highest_version_not_yanked_with_a_warning() -> None:
    warnings: list[str] = []
    indexes = indexed(["3.0.0", "2.0.0", "1.0.0"], {"3.0.0", "2.0.0"})
    assert not_yanked("my-lib", indexes, "3.0.0", warnings.append) == "1.0.0"
    (warning,) = warnings
    assert warning.startswith(
        "the version record of my-lib names 3.0.0, which is yanked; using 1.0.0"
    )


def test_not_yanked_when_every_version_is_yanked_says_so() -> None:
    with pytest.raises(
        AllYankedError, match=re.escape("every version of my-lib is yanked (2.0.0, 1.0.0)")
    ):
        not_yanked(
            "my-lib", indexed(["2.0.0", "1.0.0"], {"2.0.0", "1.0.0"}), "2.0.0", lambda message: None
        )


def test_not_yanked_without_a_record_is_the_records_error_unless_every_version_is_yanked() -> None:
    missing = NoSuchProjectError("no such project")
    with pytest.raises(NoSuchProjectError):
        not_yanked("my-lib", indexed(["2.0.0", "1.0.0"], {"2.0.0"}), missing, lambda m: None)
    with pytest.raises(AllYankedError):
        not_yanked("my-lib", indexed(["1.0.0"], {"1.0.0"}), missing, lambda m: None)
