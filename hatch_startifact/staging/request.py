"""What to stage: the caller's inputs checked (every problem at once), then the files hashed
into a `StageRequest`. Plugins act between the two (`hatch_startifact.session.Session.stage`
runs them). Nothing here reads or writes AWS."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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


#: Checked inputs: the normalised project and version, the files to read, the metadata.
Inputs = tuple[str, str, tuple[Path, ...], dict[str, str]]


def check_inputs(
    project: str,
    version: str,
    paths: Iterable[str | Path],
    metadata: Mapping[str, str] | None = None,
    problems: Iterable[str] = (),
) -> Inputs:
    """Check every input, reporting every problem at once (files are looked at, not read).

    :param problems: problems the caller already found (in its own options), reported with
        these.
    :raises InvalidInputError: naming every problem.
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
    return project_name, version_name, tuple(found), metadata


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
