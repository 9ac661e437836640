"""``[tool.startifact]`` in pyproject.toml, and how it combines with the environment and options.

How the table ranks against the environment and the caller's options is
`hatch_startifact.config.settings`'s job.

Every problem is collected before raising, each naming the full TOML path, the bad value and,
for an unknown key, the nearest valid key.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hatch_startifact.config.organisation import check_parameter_name
from hatch_startifact.config.regions import parse_regions
from hatch_startifact.errors import InvalidInputError, ProjectError
from hatch_startifact.store.names import check_metadata_item, check_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TABLE = "tool.startifact"
KEYS = ("project", "regions", "parameter", "metadata", "disable-plugins")


@dataclass(frozen=True)
class ProjectConfig:
    """``[tool.startifact]``, validated. ``None`` means "not set here"."""

    project: str | None = None
    regions: tuple[str, ...] | None = None
    parameter: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    disable_plugins: tuple[str, ...] = ()


def suggest(key: str, valid: tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for a near miss, else the list of valid keys."""
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (valid keys: {', '.join(valid)})"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(key: str) -> str:
    """``key`` as a TOML path writes it: bare when it can be, else quoted, with escapes for
    quotes, backslashes and anything unprintable (so the message stays on one line)."""
    return key if _BARE_KEY.fullmatch(key) else '"' + "".join(map(_escape, key)) + '"'


def _escape(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if char.isprintable():
        return char
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


def parse_project_config(table: Mapping[str, Any], where: str = TABLE) -> ProjectConfig:
    """Validate a ``[tool.startifact]`` table, reporting every problem at once."""
    problems: list[str] = []
    for key in table:
        if key not in KEYS:
            problems.append(f"{where}.{toml_key(key)} is not an option{suggest(key, KEYS)}")
    project = table.get("project")
    if project is not None:
        if not isinstance(project, str):
            problems.append(
                f"{where}.project must be a string, not {type(project).__name__} ({project!r})"
            )
        elif bad := check_project(project)[1]:
            problems.append(f"{where}.project: {bad}")
    regions = None
    if "regions" in table:
        regions, region_problems = parse_regions(table["regions"])
        problems.extend(f"{where}.regions: {p}" for p in region_problems)
    parameter = table.get("parameter")
    if parameter is not None and not isinstance(parameter, str):
        problems.append(
            f"{where}.parameter must be a string, not {type(parameter).__name__} ({parameter!r})"
        )
    elif parameter is not None and (bad := check_parameter_name(parameter)):
        problems.append(f"{where}.parameter: {bad}")
    metadata = table.get("metadata", {})
    if not isinstance(metadata, Mapping):
        problems.append(
            f"{where}.metadata must be a table of strings, not "
            f"{type(metadata).__name__} ({metadata!r})"
        )
        metadata = {}
    for key, value in metadata.items():
        if bad := check_metadata_item(key, value):
            problems.append(f"{where}.metadata.{toml_key(key)}: {bad}")
    disabled = table.get("disable-plugins", [])
    if not isinstance(disabled, list) or not all(isinstance(n, str) for n in disabled):
        problems.append(f"{where}.disable-plugins must be a list of plugin names, not {disabled!r}")
        disabled = []
    if problems:
        raise InvalidInputError(problems)
    return ProjectConfig(project, regions, parameter, dict(metadata), tuple(disabled))


def load_pyproject(root: Path) -> dict[str, Any]:
    """The parsed pyproject.toml of a project root."""
    path = root / "pyproject.toml"
    try:
        with path.open("rb") as stream:
            document: dict[str, Any] = tomllib.load(stream)
            return document
    except FileNotFoundError:
        raise ProjectError(
            f"no pyproject.toml in {root}: run the command in the project's directory"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectError(f"{path} is not valid TOML: {error}; fix it and re-run") from None
    except RecursionError:
        raise ProjectError(
            f"{path} is not valid TOML: it is nested too deeply; fix it and re-run"
        ) from None


def project_config_of(pyproject: Mapping[str, Any]) -> ProjectConfig:
    tool = pyproject.get("tool", {})
    if not isinstance(tool, Mapping):
        raise InvalidInputError([f"tool must be a table, not {type(tool).__name__} ({tool!r})"])
    table = tool.get("startifact", {})
    if not isinstance(table, Mapping):
        raise InvalidInputError(
            [f"{TABLE} must be a table, not {type(table).__name__} ({table!r})"]
        )
    return parse_project_config(table)
