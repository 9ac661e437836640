"""Which built files belong to a project's current version (wheels and sdists by file name)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from hatch_startifact.errors import InvalidInputError


def distribution_of(path: Path) -> tuple[str, Version] | None:
    """``(normalised name, version)`` of a wheel or sdist file name, else ``None``."""
    try:
        if path.name.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(path.name)
            return str(name), version
        if path.name.endswith((".tar.gz", ".zip")):
            sdist_name, sdist_version = parse_sdist_filename(path.name)
            return str(sdist_name), sdist_version
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


def current_artifacts(directory: Path, project: str, version: str) -> list[Path]:
    """The wheels and sdists of ``project`` ``version`` in ``directory``, sorted by name.

    :raises InvalidInputError: there are none, saying what to run.
    """
    wanted = (canonicalize_name(project), Version(version))
    found = []
    if directory.is_dir():
        found = sorted(
            p for p in directory.iterdir() if p.is_file() and distribution_of(p) == wanted
        )
    if not found:
        raise InvalidInputError(
            [
                f"no wheel or sdist of {wanted[0]} {version} in {directory}: "
                "run `hatch build` first, or name the files to stage"
            ]
        )
    return found


def expand_named(paths: Iterable[str], root: Path, project: str, version: str) -> list[Path]:
    """Files named on the command line; directories contribute their current artifacts.

    Wheels and sdists named explicitly must be of the project's current version, so a stale
    file is never staged under the wrong version. Other files are staged as they are.
    """
    wanted = (canonicalize_name(project), Version(version))
    result: list[Path] = []
    problems = []
    for raw in paths:
        path = Path(raw) if Path(raw).is_absolute() else root / raw
        if path.is_dir():
            result.extend(current_artifacts(path, project, version))
            continue
        found = distribution_of(path)
        if found and found != wanted:
            problems.append(
                f"{raw} is {found[0]} {found[1]}, but the project is {wanted[0]} "
                f"{version}: build it again or stage it with `startifact stage`"
            )
        result.append(path)
    if problems:
        raise InvalidInputError(problems)
    return result
