"""AWS region names: parsed from user input, checked against botocore's list, shuffled."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}")


def check_region(name: str) -> str | None:
    """Return the problem with a region name, or ``None`` when it is a known region."""
    if not _REGION.fullmatch(name):
        return f"{name!r} is not an AWS region name (e.g. us-east-1)"
    from hatch_startifact.aws import botocore_version, known_regions  # only when checking

    if name not in known_regions():
        return (
            f"{name!r} is not a region known to botocore {botocore_version()} "
            "(upgrade boto3 if the region is new)"
        )
    return None


def parse_regions(value: object) -> tuple[tuple[str, ...], list[str]]:
    """Parse regions from a comma-separated string or a list of strings.

    Returns the regions in order without duplicates, and every problem found.
    """
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
        items = [item for item in items if item]
    elif isinstance(value, list | tuple):
        wrong = [v for v in value if not isinstance(v, str)]
        if wrong:
            return (), [
                f"every region must be a string, not {type(wrong[0]).__name__} ({wrong[0]!r})"
            ]
        items = [v.strip() for v in value]
    else:
        kind = type(value).__name__
        return (), [
            f"must be a comma-separated string or a list of regions, not {kind} ({value!r})"
        ]
    if not items:
        return (), ["no regions given: name at least one region (e.g. us-east-1,eu-west-2)"]
    problems = [p for item in items if (p := check_region(item))]
    return tuple(dict.fromkeys(items)), problems


def shuffled(regions: Sequence[str], rng: random.Random | None = None) -> list[str]:
    """The regions in a random order, so that readers spread load and survive a dead region."""
    result = list(regions)
    (rng or random).shuffle(result)
    return result
