"""The Python API: a `Session` resolves the organisation once and stages through it.

>>> from hatch_startifact.session import Session
>>> with Session(regions="eu-west-2,us-east-1") as session:          # doctest: +SKIP
...     report = session.stage("my-lib", "1.0.0", ["dist/my_lib-1.0.0.tar.gz"])
...     print(report.exit_code)

Precedence for regions and the configuration parameter: the arguments given here, then
``STARTIFACT_REGIONS`` / ``STARTIFACT_PARAMETER``, then the organisation configuration.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from hatch_startifact.configuration import (
    REGIONS_ENV,
    OrganisationConfig,
    load_organisation,
    parameter_name,
)
from hatch_startifact.errors import UsageError
from hatch_startifact.regions import parse_regions

if TYPE_CHECKING:
    import boto3

    from hatch_startifact.aws import Aws
    from hatch_startifact.staging import Listener, StageReport, StageRequest


def regions_override(explicit: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """Regions from the caller, else ``STARTIFACT_REGIONS``, else ``None`` (use the config's)."""
    value: str | Sequence[str] | None = explicit
    if value is None:
        value = os.environ.get(REGIONS_ENV) or None
    if value is None:
        return None
    regions, problems = parse_regions(value if isinstance(value, str) else list(value))
    if problems:
        source = "--regions" if explicit is not None else REGIONS_ENV
        raise UsageError(f"{source}: {'; '.join(problems)}")
    return regions


class Session:
    """Access to one organisation's staging storage.

    :param regions: regions to use instead of the organisation's (comma-separated or a list).
    :param parameter: the configuration parameter name (default ``/startifact``).
    :param boto3_session: credentials and default region; a new ``boto3.Session()`` if omitted.
    :param concurrency: how many uploads run at once across all regions.
    """

    def __init__(
        self,
        *,
        regions: str | Sequence[str] | None = None,
        parameter: str | None = None,
        boto3_session: boto3.Session | None = None,
        concurrency: int = 8,
    ) -> None:
        from hatch_startifact.aws import Aws

        self.parameter = parameter_name(parameter)
        self._override = regions_override(regions)
        self.aws: Aws = Aws(boto3_session, concurrency=concurrency)
        self._concurrency = concurrency
        self._organisation: OrganisationConfig | None = None
        self._lock = threading.Lock()

    @property
    def organisation(self) -> OrganisationConfig:
        """The organisation configuration, read once from the first region that answers."""
        with self._lock:
            if self._organisation is None:
                default = self.aws.default_region
                # The override's regions, and the default region as a last resort.
                candidates = tuple(
                    dict.fromkeys([*(self._override or ()), *([default] if default else [])])
                )
                self._organisation, _ = load_organisation(
                    self.parameter, candidates, self.aws.read_parameter
                )
            return self._organisation

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions this session works in."""
        return self._override or self.organisation.regions

    def stage(
        self,
        project: str,
        version: str,
        paths: Iterable[str | Path],
        metadata: Mapping[str, str] | None = None,
        *,
        dry_run: bool = False,
        listener: Listener | None = None,
    ) -> StageReport:
        """Stage files as ``project`` ``version`` in every region; see `staging`.

        :raises InvalidInputError: naming every invalid input; nothing was written.
        :raises ConflictError: a file is staged with different bytes; nothing was written.
        """
        from hatch_startifact.staging import StageRequest

        request = StageRequest.create(project, version, paths, metadata, dry_run)
        return self.stage_request(request, listener=listener)

    def stage_request(
        self, request: StageRequest, *, listener: Listener | None = None
    ) -> StageReport:
        """Stage an already validated `staging.StageRequest`."""
        from hatch_startifact.staging import stage

        return stage(
            request, self.organisation, self.regions, self.aws, listener, self._concurrency
        )

    def close(self) -> None:
        self.aws.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
