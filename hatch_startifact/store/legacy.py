"""What Startifact 1.x staged: its keys, its metadata object and the file name it implies.

Startifact 1.x (1.0a10) writes one artifact per version, with the project ``P`` and version
``V`` exactly as the user typed them (``Acme_X`` stays ``Acme_X``, ``1.0.0-rc.1`` stays
``1.0.0-rc.1``)::

    {key_prefix}{P}@{V}             the artifact
    {key_prefix}{P}@{V}/metadata    JSON object of strings, only when there was metadata:
                                    the user's, plus "startifact:filename" with --filename
    {parameter_prefix}/{P}/latest   the version record (the last stage wins)

There is no checksum and no index. docs/layout.md (Startifact 1.x) describes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from hatch_startifact.store.documents import load
from hatch_startifact.store.names import check_filename, check_project

#: The metadata key under which Startifact 1.x records the staged file's name.
FILENAME_KEY = "startifact:filename"
#: What a migrated version's metadata says it came from.
MIGRATED_FROM_KEY = "migrated-from"


# A semantic version (semver.org 2.0.0), which is all Startifact 1.x accepted as a version.
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?",
    re.ASCII,
)


@dataclass(frozen=True)
class LegacyLayout:
    """Startifact 1.x's key and parameter names for one organisation's prefixes."""

    key_prefix: str = ""
    parameter_prefix: str = ""

    def artifact_key(self, project: str, version: str) -> str:
        return f"{self.key_prefix}{project}@{version}"

    def metadata_key(self, project: str, version: str) -> str:
        return f"{self.artifact_key(project, version)}/metadata"

    def project_prefix(self, project: str) -> str:
        """The prefix every 1.x key of ``project`` (as typed) starts with."""
        return f"{self.key_prefix}{project}@"

    def version_parameter(self, project: str) -> str:
        return f"{self.parameter_prefix}/{project}/latest"

    def parse_key(self, key: str) -> tuple[str, str] | None:
        """``(project, version)`` as typed, when ``key`` is a 1.x artifact key; else ``None``.

        A key of this layout has ``@`` after the prefix and no ``/`` after it (the
        ``/metadata`` objects and this tool's keys are not artifacts).
        """
        if not key.startswith(self.key_prefix):
            return None
        name, at, version = key[len(self.key_prefix) :].partition("@")
        if not at or "/" in name or "/" in version or not version:
            return None
        if check_project(name)[0] is None:
            return None
        return name, version


def parse_version(text: str) -> Version | None:
    """A 1.x version (a semantic version, as typed) as PEP 440 reads it; ``None`` when it is
    not a semantic version or PEP 440 cannot read it (``1.0.0-beta.x``)."""
    if not _SEMVER.fullmatch(text):
        return None
    try:
        return Version(text)
    except (InvalidVersion, ValueError):
        return None


def parse_legacy_metadata(data: bytes) -> dict[str, str]:
    """The JSON object Startifact 1.x wrote beside an artifact, distrusting it.

    :raises ValueError: it is not a JSON object of strings.
    """
    document = load(data)
    if not isinstance(document, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in document.items()
    ):
        raise ValueError("not a JSON object of strings")
    return dict(document)


def derived_filename(project: str, version: str) -> str:
    """The file name of a 1.x artifact staged without ``--filename``: ``{P}-{V}`` as typed."""
    return f"{project}-{version}"


def legacy_filename(
    project: str, version: str, metadata: Mapping[str, str]
) -> tuple[str, str | None]:
    """The file name of a 1.x artifact, and the problem with its recorded name, if any.

    ``startifact:filename`` when it passes the file name rules (never a path); otherwise,
    or when absent, `derived_filename`.
    """
    recorded = metadata.get(FILENAME_KEY)
    derived = derived_filename(project, version)
    if recorded is None:
        return derived, None
    name, problem = check_filename(recorded)
    if name is None:
        return derived, f"its {FILENAME_KEY} is not a safe file name ({problem}); using {derived}"
    return name, None


def user_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """The 1.x metadata without the file name Startifact 1.x kept in it."""
    return {k: v for k, v in sorted(metadata.items()) if k != FILENAME_KEY}
