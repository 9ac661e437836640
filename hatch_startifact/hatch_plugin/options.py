"""Publisher options: ``hatch publish -p startifact -o KEY=VALUE`` (values arrive as strings).

=====================  ==================================================================
``-o dry-run``         check and report, write nothing (``dry-run=false`` turns it off)
``-o regions=R1,R2``   regions to use instead of the organisation's
``-o parameter=NAME``  the organisation configuration parameter
``-o metadata.K=V``    metadata ``K`` for every file (one ``-o`` per key)
``-o disable-plugins``  plugins not to load, comma-separated (``startifact.git,other``)
=====================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hatch_startifact.config.organisation import check_parameter_name
from hatch_startifact.config.project import suggest
from hatch_startifact.config.regions import parse_regions
from hatch_startifact.errors import InvalidInputError
from hatch_startifact.store.names import check_metadata_item, shown

KEYS = ("dry-run", "regions", "parameter", "metadata.KEY", "disable-plugins")
#: Options Hatch itself adds for every publisher.
HATCH_KEYS = frozenset({"no_prompt", "initialize_auth"})
_TRUE = {"", "1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class PublishOptions:
    dry_run: bool = False
    regions: tuple[str, ...] | None = None
    parameter: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    disable_plugins: tuple[str, ...] = ()


def _flag(key: str, value: object, problems: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    problems.append(f"-o {key}={shown(str(value))}: expected true or false")
    return False


def parse_options(options: Mapping[str, object]) -> PublishOptions:
    """Validate the options Hatch passes, reporting every problem at once."""
    problems: list[str] = []
    dry_run = _flag("dry-run", options.get("dry-run", False), problems)
    regions = None
    if "regions" in options:
        regions, region_problems = parse_regions(str(options["regions"]))
        problems.extend(f"-o regions: {p}" for p in region_problems)
    parameter = None
    if "parameter" in options:
        parameter = str(options["parameter"])
        if bad := check_parameter_name(parameter):
            problems.append(f"-o parameter: {bad}")
    metadata: dict[str, str] = {}
    for key, value in options.items():
        if key.startswith("metadata."):
            name = key[len("metadata.") :]
            metadata[name] = str(value)
            if bad := check_metadata_item(name, str(value)):
                problems.append(f"-o {shown(key)}: {bad}")
        elif key not in {"dry-run", "regions", "parameter", "disable-plugins"} | HATCH_KEYS:
            problems.append(f"-o {shown(key)} is not an option{suggest(key, KEYS)}")
    if problems:
        raise InvalidInputError(problems)
    disabled = tuple(
        n.strip() for n in str(options.get("disable-plugins", "")).split(",") if n.strip()
    )
    return PublishOptions(dry_run, regions, parameter, metadata, disabled)
