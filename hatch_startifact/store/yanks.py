"""Yanks: the marker that takes a version out of "latest", and the events of its history.

The marker ``{key_prefix}{P}/yanks/{V}.json`` exists while ``V`` is yanked: a stager, who may
list but not read, sees the yank in its listing (`ProjectIndex.from_listing`); a reader sees it
in the index, and reads the marker for the reason. Unyanking deletes the marker. Every yank and
unyank also writes one event, never replaced, under ``{key_prefix}{P}/yanks/log/{V}/``: the
audit trail outlives the marker. Documents (docs/layout.md)::

    marker  {"format": "startifact-yank/1", "project": "my-lib", "version": "1.4.0",
             "reason": "...", "yanked_at": "2026-11-23T17:27:43Z", "yanked_by": "arn:..."}
    event   {"format": "startifact-yank-event/1", "action": "yank" or "unyank", "project",
             "version", "reason" (yank only), "at", "by"}
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from hatch_startifact.store.documents import load
from hatch_startifact.store.names import shown

MARKER_FORMAT = "startifact-yank/1"
EVENT_FORMAT = "startifact-yank-event/1"
MAX_REASON = 1000
#: Who yanked, when ``sts:GetCallerIdentity`` was not allowed.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Yank:
    """Why, when and by whom a version was yanked."""

    reason: str
    yanked_at: str
    yanked_by: str = UNKNOWN

    def marker(self, project: str, version: str) -> bytes:
        document = {
            "format": MARKER_FORMAT,
            "project": project,
            "version": version,
            "reason": self.reason,
            "yanked_at": self.yanked_at,
            "yanked_by": self.yanked_by,
        }
        return json.dumps(document, indent=1, sort_keys=True).encode()


def check_reason(reason: str) -> str | None:
    """The problem with a yank's reason, or ``None`` when it is fine."""
    if not reason.strip():
        return "the reason of a yank must not be empty: say why the version is yanked"
    if len(reason) > MAX_REASON:
        return f"the reason of a yank is longer than {MAX_REASON} characters"
    if not reason.isprintable():
        return f"the reason of a yank {shown(reason)} contains control characters"
    return None


def event_document(
    action: str, project: str, version: str, at: str, by: str, reason: str | None
) -> bytes:
    document = {
        "format": EVENT_FORMAT,
        "action": action,
        "project": project,
        "version": version,
        "at": at,
        "by": by,
        **({"reason": reason} if reason is not None else {}),
    }
    return json.dumps(document, indent=1, sort_keys=True).encode()


def event_name(action: str) -> str:
    """The name of one event: the time to the microsecond (sortable, so two yanks in one
    second keep their order), its action and a random part, so two events never collide."""
    now = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{now}-{action}-{secrets.token_hex(4)}"


def parse_marker(data: bytes, project: str, version: str) -> Yank:
    """A marker read back from a bucket, distrusting every field.

    :raises ValueError: it is not the marker of ``project`` ``version``.
    """
    document = load(data)
    if not isinstance(document, dict) or document.get("format") != MARKER_FORMAT:
        raise ValueError("not a yank marker")
    if document.get("project") != project or document.get("version") != version:
        raise ValueError(f"not the yank marker of {project} {version}")
    fields = [document.get(name) for name in ("reason", "yanked_at", "yanked_by")]
    if not all(isinstance(value, str) for value in fields):
        raise ValueError("'reason', 'yanked_at' and 'yanked_by' must be strings")
    reason, at, by = (str(value) for value in fields)
    return Yank(shown(reason[:MAX_REASON]), shown(at[:40]), shown(by[:2048]))
