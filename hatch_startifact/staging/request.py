"""What to stage: inputs checked (every problem at once), changed and refused by plugins, files
hashed, in that order. Nothing here reads or writes AWS."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hatch_startifact.errors import InvalidInputError
from hatch_startifact.staging.artifacts import Artifact, check_paths
from hatch_startifact.store.names import check_metadata, check_project, check_version, shown


@dataclass(frozen=True)
class StageRequest:
    """What to stage: validated, normalised names and hashed files."""

    project: str
    version: str
    artifacts: tuple[Artifact, ...]
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    dry_run: bool = False
    #: metadata plugins added, per file name (never overlapping ``metadata``)
    file_metadata: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False)

    def metadata_of(self, filename: str) -> dict[str, str]:
        """Everything that goes under ``metadata`` in one file's metadata document."""
        return {**self.metadata, **self.file_metadata.get(filename, {})}


class StageHooks(Protocol):
    """What preparing a stage asks of plugins (`hatch_startifact.plugins.host.Plugins`)."""

    def version(self, project: str, version: str, paths: Sequence[Path], directory: Path) -> str:
        """The version to stage."""

    def check(
        self,
        project: str,
        version: str,
        paths: Sequence[Path],
        metadata: Mapping[str, str],
        directory: Path,
    ) -> list[str]:
        """Every reason not to stage."""

    def metadata(
        self,
        user: Mapping[str, str],
        *,
        project: str,
        version: str,
        filename: str,
        path: Path,
        size: int,
        sha256: str,
        directory: Path,
    ) -> dict[str, str]:
        """Metadata to add to one file's document."""


def prepare(
    project: str,
    version: str,
    paths: Iterable[str | Path],
    metadata: Mapping[str, str] | None = None,
    *,
    dry_run: bool = False,
    problems: Iterable[str] = (),
    hooks: StageHooks | None = None,
    directory: Path | None = None,
) -> StageRequest:
    """Check every input, reporting every problem at once; then let ``hooks`` change the
    version and refuse the stage; then hash the files and let ``hooks`` add metadata.

    :param problems: problems the caller already found (in its own options), reported with
        these.
    :param directory: the project directory plugins are told about (default: cwd).
    :raises InvalidInputError: naming every problem; nothing was read but file names.
    """
    metadata = dict(metadata or {})
    project_name, project_problem = check_project(project)
    version_name, version_problem = check_version(version)
    found, path_problems = check_paths(paths)
    problems = [
        *problems,
        *(p for p in (project_problem, version_problem) if p),
        *check_metadata(metadata),
        *path_problems,
    ]
    if problems:
        raise InvalidInputError(problems)
    assert project_name is not None
    assert version_name is not None
    if hooks is None:
        return StageRequest(project_name, version_name, hash_files(found), metadata, dry_run)
    where = directory or Path.cwd()
    version_name = hooks.version(project_name, version_name, found, where)
    refused = hooks.check(project_name, version_name, found, metadata, where)
    if refused:
        raise InvalidInputError(refused)
    hashed = hash_files(found)
    added = {
        a.filename: hooks.metadata(
            metadata,
            project=project_name,
            version=version_name,
            filename=a.filename,
            path=a.path,
            size=a.size,
            sha256=a.sha256,
            directory=where,
        )
        for a in hashed
    }
    return StageRequest(project_name, version_name, hashed, metadata, dry_run, added)


def hash_files(paths: Sequence[Path]) -> tuple[Artifact, ...]:
    """Hash every file, reporting every one that cannot be read."""
    hashed, problems = [], []
    for path in paths:
        try:
            hashed.append(Artifact.from_path(path))
        except OSError as error:
            problems.append(f"cannot read {shown(str(path))}: {error.strerror or error}")
    if problems:
        raise InvalidInputError(problems)
    return tuple(hashed)
