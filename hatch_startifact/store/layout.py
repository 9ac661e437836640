"""Where things live: S3 keys and SSM parameter names (docs/layout.md).

For project ``P``, version ``V`` and file ``F``, under the organisation's prefixes::

    {key_prefix}{P}/{V}/{F}                  the artifact
    {key_prefix}{P}/{V}/{F}.metadata.json    its metadata document
    {key_prefix}{P}/{V}/{F}.metadata         a wheel's core metadata (PEP 658), beside it
    {key_prefix}{P}/index.json               the project index (see index.py)
    {key_prefix}{P}/yanks/{V}.json           the yank marker: present while V is yanked
    {key_prefix}{P}/yanks/log/{V}/{E}.json   one event of V's yank history (see yanks.py)
    {parameter_prefix}/{P}/latest            the version record (SSM String parameter)

``index.json`` cannot collide with an artifact: artifacts are always one level deeper. Nor can
``yanks/``: it is not a version, and an IAM policy can name ``{key_prefix}{P}/yanks/*`` to
keep stagers from writing there.
"""

from __future__ import annotations

from dataclasses import dataclass

from hatch_startifact.store.names import (
    CORE_METADATA_SUFFIX,
    METADATA_SUFFIX,
    check_filename,
    is_normalised_version,
)

INDEX_NAME = "index.json"
YANKS = "yanks"


@dataclass(frozen=True)
class Layout:
    """Key and parameter names for one organisation's prefixes."""

    key_prefix: str = ""
    parameter_prefix: str = ""

    def project_prefix(self, project: str) -> str:
        return f"{self.key_prefix}{project}/"

    def artifact_key(self, project: str, version: str, filename: str) -> str:
        return f"{self.key_prefix}{project}/{version}/{filename}"

    def metadata_key(self, project: str, version: str, filename: str) -> str:
        return self.artifact_key(project, version, filename) + METADATA_SUFFIX

    def core_metadata_key(self, project: str, version: str, wheel: str) -> str:
        """A wheel's ``.dist-info/METADATA``, staged beside it (PEP 658's name)."""
        return self.artifact_key(project, version, wheel) + CORE_METADATA_SUFFIX

    def index_key(self, project: str) -> str:
        return f"{self.key_prefix}{project}/{INDEX_NAME}"

    def yank_prefix(self, project: str) -> str:
        return f"{self.key_prefix}{project}/{YANKS}/"

    def yank_key(self, project: str, version: str) -> str:
        return f"{self.yank_prefix(project)}{version}.json"

    def yank_event_key(self, project: str, version: str, event: str) -> str:
        return f"{self.yank_prefix(project)}log/{version}/{event}.json"

    def parse_yank_key(self, project: str, key: str) -> str | None:
        """The version a listed key marks as yanked, or ``None`` when it is not a marker."""
        prefix = self.yank_prefix(project)
        if not key.startswith(prefix) or not key.endswith(".json"):
            return None
        version = key[len(prefix) : -len(".json")]
        return version if "/" not in version and is_normalised_version(version) else None

    def version_parameter(self, project: str) -> str:
        return f"{self.parameter_prefix}/{project}/latest"

    def parse_key(self, project: str, key: str) -> tuple[str, str, bool] | None:
        """Split a listed key into ``(version, filename, is_metadata)``.

        Returns ``None`` for keys that are not an artifact or metadata document this tool
        could have written (the index, or anything else someone put there).
        """
        prefix = self.project_prefix(project)
        if not key.startswith(prefix):
            return None
        parts = key[len(prefix) :].split("/")
        if len(parts) != 2 or not is_normalised_version(parts[0]):
            return None
        version, name = parts
        is_metadata = name.endswith(METADATA_SUFFIX)
        filename = name[: -len(METADATA_SUFFIX)] if is_metadata else name
        if check_filename(filename)[0] is None:
            return None
        return version, filename, is_metadata
