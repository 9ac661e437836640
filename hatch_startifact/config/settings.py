"""Where a setting comes from: the one ranking of every source, lowest first.

=====================  ===================================================================
``[tool.startifact]``  the project's defaults (`hatch_startifact.config.project`)
environment            ``STARTIFACT_REGIONS``, ``STARTIFACT_PARAMETER``
the caller             command-line flags, ``hatch publish -o`` options, `Session` arguments
=====================  ===================================================================

Each source is parsed once, by its own reader (the flag by the command line, ``-o`` by the
publisher's options, the table by `hatch_startifact.config.project`); the environment is read
here, and only here. Metadata merges key by key, the caller winning.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hatch_startifact.config.organisation import check_parameter_name
from hatch_startifact.config.project import ProjectConfig
from hatch_startifact.config.regions import parse_regions
from hatch_startifact.errors import UsageError

DEFAULT_PARAMETER = "/startifact"
PARAMETER_ENV = "STARTIFACT_PARAMETER"
REGIONS_ENV = "STARTIFACT_REGIONS"


@dataclass(frozen=True)
class Settings:
    """Where to stage and read, after the ranking.

    :param parameter: the organisation configuration parameter.
    :param regions: the regions to use, or ``None`` for the organisation's own.
    :param metadata: metadata for every staged file.
    :param disable_plugins: plugins not to load.
    """

    parameter: str = DEFAULT_PARAMETER
    regions: tuple[str, ...] | None = None
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    disable_plugins: tuple[str, ...] = ()


def regions_from(value: str | Sequence[str], source: str) -> tuple[str, ...]:
    """Regions given by ``source`` (a flag, an argument, a variable), as a comma-separated
    string or a list.

    :raises UsageError: naming ``source`` and every bad region.
    """
    regions, problems = parse_regions(value if isinstance(value, str) else list(value))
    if problems:
        raise UsageError(f"{source}: {'; '.join(problems)}")
    return regions


def resolve(
    project: ProjectConfig | None = None,
    *,
    regions: tuple[str, ...] | None = None,
    parameter: str | None = None,
    metadata: Mapping[str, str] | None = None,
    disable_plugins: Sequence[str] = (),
    parameter_source: str = "--parameter",
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Rank the caller's values over the environment over ``[tool.startifact]``.

    ``regions`` and ``parameter`` are the caller's (``None``: not given); ``regions`` is
    parsed already, by whoever read it.

    :param parameter_source: how the caller's ``parameter`` is named in messages.
    :raises UsageError: a bad ``STARTIFACT_REGIONS``, or a bad parameter name wherever it
        came from (named).
    """
    env = os.environ if environ is None else environ
    config = project or ProjectConfig()
    chosen_regions = regions
    if chosen_regions is None and env.get(REGIONS_ENV, "").strip():
        chosen_regions = regions_from(env[REGIONS_ENV], REGIONS_ENV)
    if chosen_regions is None:
        chosen_regions = config.regions
    for name, source in (
        (parameter, parameter_source),
        (env.get(PARAMETER_ENV) or None, PARAMETER_ENV),
        (config.parameter, "tool.startifact.parameter"),
    ):
        if name is not None:
            if problem := check_parameter_name(name):
                raise UsageError(f"{source}: {problem}")
            break
    return Settings(
        name or DEFAULT_PARAMETER,
        chosen_regions,
        {**config.metadata, **(metadata or {})},
        (*config.disable_plugins, *disable_plugins),
    )
