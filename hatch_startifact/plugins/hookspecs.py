"""The hooks other tools implement to customise staging (entry-point group ``startifact``).

A plugin is a module (or object) with functions named like these specifications and marked
with `hatch_startifact.hookimpl`, registered through an entry point:

```toml
[project.entry-points.startifact]
my-plugin = "my_plugin"
```

Hooks are called with keyword arguments; an implementation may accept any subset of them.
Every hook sees normalised names (PEP 503 project, PEP 440 version).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from hatch_startifact.staging.report import StageReport

#: Names the hook markers, the plugin manager and the entry-point group.
PROJECT = "startifact"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def startifact_version(
    project: str, version: str, paths: Sequence[Path], directory: Path
) -> str | None:
    """Change the version to stage (a release manager computing it, say).

    The first plugin to return a version wins; it is validated and normalised like any
    version, and a plugin returning something that is not a PEP 440 version is reported by
    name. Wheel and sdist names are not rewritten: the files are staged as they are.

    :param project: the project being staged.
    :param version: the version asked for.
    :param paths: the files about to be staged.
    :param directory: the project directory (the working directory for ``startifact stage``).
    :return: the version to stage instead, or ``None`` to leave it.
    """


@hookspec
def startifact_check(
    project: str, version: str, paths: Sequence[Path], metadata: Mapping[str, str], directory: Path
) -> Sequence[str] | None:
    """Refuse to stage, before anything is written (a release policy, say).

    :param project: the project being staged.
    :param version: the version being staged (after `startifact_version`).
    :param paths: the files about to be staged.
    :param metadata: the user's metadata for every file.
    :param directory: the project directory.
    :return: problems, each a sentence saying what to do; empty or ``None`` to allow.
    """


@hookspec
def startifact_metadata(
    project: str, version: str, filename: str, path: Path, size: int, sha256: str, directory: Path
) -> Mapping[str, str] | None:
    """Add metadata to one file's metadata document (provenance, a ticket number...).

    Results of all plugins are merged. Two plugins setting the same key, a plugin setting a key
    the user set, or a plugin other than the built-ins setting a key starting with
    ``startifact`` is an error naming the plugins involved.

    :param project: the project being staged.
    :param version: the version being staged.
    :param filename: the file's name, as it is staged.
    :param path: the local file.
    :param size: its size in bytes.
    :param sha256: its SHA-256, hex.
    :param directory: the project directory.
    :return: keys and values (strings), or ``None``.
    """


@hookspec
def startifact_staged(report: StageReport) -> None:
    """Be told what was staged, per region, after staging (to send a notification, say).

    Called once per stage, after every region finished or failed (not for dry runs). A
    failure here is reported as a warning naming the plugin; it never undoes or fails the
    stage.

    :param report: per region: the files with their status (staged, already staged,
        conflict), the latest version recorded, or the region's error.
    """
