"""The metadata document staged beside every file (``{F}.metadata.json``).

::

    {"project": "my-lib", "version": "1.0.0", "filename": "my_lib-1.0.0.tar.gz",
     "size": 1234, "sha256": "<hex>", "staged_at": "2026-11-23T16:00:00Z",
     "staged_by": "hatch-startifact 0.1.0", "metadata": {"key": "value"}}

The tool's own fields are top-level; user and plugin metadata live only under ``metadata``,
so they can never collide.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone

from hatch_startifact import __version__
from hatch_startifact.artifacts import Artifact


def utc_now() -> str:
    """The current time as ISO 8601 UTC with a ``Z`` suffix, to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def metadata_document(
    project: str, version: str, artifact: Artifact, metadata: Mapping[str, str], staged_at: str
) -> bytes:
    document = {
        "project": project,
        "version": version,
        "filename": artifact.filename,
        "size": artifact.size,
        "sha256": artifact.sha256,
        "staged_at": staged_at,
        "staged_by": f"hatch-startifact {__version__}",
        "metadata": dict(sorted(metadata.items())),
    }
    return json.dumps(document, indent=1).encode()
