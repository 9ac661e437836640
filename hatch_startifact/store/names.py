"""Names as docs/staging.md (Names) has them: validated, then normalised, never mangled.

Each ``check_*`` function returns ``(value, problem)``: the normalised value, or ``None`` and
a sentence saying what is wrong, so callers can collect every problem before raising.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from packaging.version import Version

from hatch_startifact.errors import InvalidInputError

# PEP 508 names: letters, digits, ".", "_" and "-", starting and ending with a letter or digit.
# re.ASCII: without it IGNORECASE lets the long s (U+017F) match "s" and the Kelvin sign "k".
_PROJECT = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE | re.ASCII)
# A conservative set of characters that are safe in an S3 key, a URL and any file system.
_FILENAME = re.compile(r"^[A-Za-z0-9._+\-=~,@()!]+$")
_METADATA_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# PEP 503 normalisation, as packaging.utils.canonicalize_name does it; that module is not
# imported because it pulls in packaging.tags, which every command would pay for at start-up.
_SEPARATORS = re.compile(r"[-_.]+")

METADATA_SUFFIX = ".metadata.json"
#: Beside a wheel ``F``, ``F.metadata`` is its core metadata (PEP 658).
CORE_METADATA_SUFFIX = ".metadata"
MAX_FILENAME = 255
MAX_METADATA_VALUE = 4096

#: Fields of the metadata document the tool itself writes; user metadata may not use them.
DOCUMENT_FIELDS = frozenset(
    {"project", "version", "filename", "size", "sha256", "staged_at", "staged_by", "metadata"}
)
#: Metadata keys beginning with this prefix are reserved for hatch-startifact and its plugins.
RESERVED_PREFIX = "startifact"

Checked = tuple[str | None, str | None]


def check_project(name: str) -> Checked:
    """Normalise a project name as PEP 503 does (``My_Lib.X`` becomes ``my-lib-x``)."""
    if not _PROJECT.fullmatch(name):
        return None, (
            f"invalid project name {name!r}: use letters, digits, '.', '_' and '-', "
            "starting and ending with a letter or digit (PEP 508)"
        )
    return _SEPARATORS.sub("-", name).lower(), None


def check_version(version: str) -> Checked:
    """Normalise a version as PEP 440 does (``1.0.0-RC1`` becomes ``1.0.0rc1``)."""
    try:
        return str(Version(version)), None
    except ValueError:  # InvalidVersion, or a number too long for int() (over 4,300 digits)
        return None, (
            f"invalid version {version!r}: it is not a PEP 440 version (e.g. 1.2.3, 2.0rc1)"
        )


def check_filename(name: str) -> Checked:
    """Accept a file's base name when it is safe as an S3 key part and a local file name."""
    problem = None
    if name in {"", ".", ".."} or not _FILENAME.fullmatch(name):
        problem = (
            f"invalid file name {name!r}: use letters, digits and . _ + - = ~ , @ ( ) ! "
            "(no separators, spaces or control characters)"
        )
    elif len(name) > MAX_FILENAME:
        problem = f"invalid file name {name[:40]!r}...: longer than {MAX_FILENAME} characters"
    elif name.endswith(METADATA_SUFFIX) or name.endswith(".whl" + CORE_METADATA_SUFFIX):
        suffix = METADATA_SUFFIX if name.endswith(METADATA_SUFFIX) else ".whl.metadata"
        problem = f"invalid file name {name!r}: names ending in {suffix!r} are reserved"
    return (None, problem) if problem else (name, None)


def check_metadata_item(key: str, value: str) -> str | None:
    """Return the problem with one user metadata item, or ``None`` when it is fine."""
    if not _METADATA_KEY.fullmatch(key):
        return (
            f"invalid metadata key {key!r}: use up to 128 letters, digits, '.', '_' and '-', "
            "starting with a letter or digit"
        )
    if key in DOCUMENT_FIELDS or key.lower().startswith(RESERVED_PREFIX):
        return (
            f"metadata key {key!r} is reserved for hatch-startifact: choose another name "
            f"(reserved: {', '.join(sorted(DOCUMENT_FIELDS))} and keys starting with "
            f"{RESERVED_PREFIX!r})"
        )
    if not isinstance(value, str):
        return f"metadata value of {key!r} must be a string, not {type(value).__name__} ({value!r})"
    if len(value) > MAX_METADATA_VALUE:
        return f"metadata value of {key!r} is longer than {MAX_METADATA_VALUE} characters"
    if any(unicodedata.category(c) == "Cc" and c != "\t" for c in value):
        return f"metadata value of {key!r} contains control characters"
    return None


def check_metadata(metadata: Mapping[str, str]) -> list[str]:
    """Return every problem with a user metadata mapping."""
    return [p for k, v in metadata.items() if (p := check_metadata_item(k, v))]


def split_metadata_pairs(pairs: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Split ``KEY=VALUE`` strings (from ``--metadata`` or ``-o``) into a mapping.

    Returns the mapping and the syntax problems; the items themselves are checked by
    `check_metadata` with everything else.
    """
    result: dict[str, str] = {}
    problems: list[str] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            problems.append(f"invalid metadata {pair!r}: expected KEY=VALUE")
        elif key in result:
            problems.append(f"metadata key {key!r} is given twice")
        else:
            result[key] = value
    return result, problems


def shown(text: str) -> str:
    """``text`` for a one-line message: as it is when printable, else quoted with escapes
    (so a newline, an escape sequence or a lone surrogate cannot break or garble the line)."""
    return text if text.isprintable() else repr(text)


def is_normalised_version(text: str) -> bool:
    """True when ``text`` is a PEP 440 version already in normal form (as stored)."""
    value, _ = check_version(text)
    return value == text


def parse_stored_version(text: str) -> Version | None:
    """A version read back from storage, or ``None`` when it is not one we could have written."""
    return Version(text) if is_normalised_version(text) else None


def require_project(name: str) -> str:
    """The normalised project name, or `InvalidInputError` saying why it is not one."""
    value, problem = check_project(name)
    if value is None:
        raise InvalidInputError([problem or f"invalid project name {name!r}"])
    return value


def require_version(text: str) -> str:
    """The normalised version, or `InvalidInputError` saying why it is not one."""
    value, problem = check_version(text)
    if value is None:
        raise InvalidInputError([problem or f"invalid version {text!r}"])
    return value
