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
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from hatch_startifact.config.organisation import (
    REGIONS_ENV,
    OrganisationConfig,
    load_organisation,
    parameter_name,
)
from hatch_startifact.errors import UsageError
from hatch_startifact.store.names import require_project, require_version
from hatch_startifact.config.regions import parse_regions

if TYPE_CHECKING:
    import boto3

    from hatch_startifact.aws import Aws
    from hatch_startifact.reading.downloads import Downloaded
    from hatch_startifact.plugins.host import Plugins
    from hatch_startifact.reading.reader import Reader, VersionInfo, VersionSummary
    from hatch_startifact.staging.run import Listener, StageReport, StageRequest


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
    :param concurrency: how many files upload at once to each region (at most 48 in all;
        the parts of large files upload three at a time per region).
    :param disable_plugins: names of plugins (built-in or installed) not to load.
    :param plugins: a ready `Plugins` host to use instead of loading the installed ones.
    """

    def __init__(
        self,
        *,
        regions: str | Sequence[str] | None = None,
        parameter: str | None = None,
        boto3_session: boto3.Session | None = None,
        concurrency: int = 8,
        disable_plugins: Sequence[str] = (),
        plugins: Plugins | None = None,
    ) -> None:
        from hatch_startifact.aws import Aws

        self.parameter = parameter_name(parameter)
        self._override = regions_override(regions)
        self.aws: Aws = Aws(boto3_session, concurrency=concurrency)
        self._concurrency = concurrency
        self._organisation: OrganisationConfig | None = None
        self._lock = threading.Lock()
        self._plugins = plugins
        self._disabled = tuple(disable_plugins)

    @property
    def plugins(self) -> Plugins:
        """The plugin host: built-in plugins and the ``startifact`` entry points, loaded once."""
        if self._plugins is None:
            from hatch_startifact.plugins.host import Plugins

            self._plugins = Plugins(self._disabled)
        return self._plugins

    @property
    def organisation(self) -> OrganisationConfig:
        """The organisation configuration, read once from the first region that answers."""
        with self._lock:
            if self._organisation is None:
                # The override's regions in shuffled order, the default region last.
                self._organisation, _ = load_organisation(
                    self.parameter,
                    self._override or (),
                    self.aws.read_parameter,
                    fallback=self.aws.default_region,
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
        directory: str | Path | None = None,
    ) -> StageReport:
        """Stage files as ``project`` ``version`` in every region; see `staging`.

        Plugins may change the version, refuse the stage or add metadata first.

        :param directory: the project directory plugins are told about (default: cwd).
        :raises InvalidInputError: naming every invalid input; nothing was written.
        :raises ConflictError: a file is staged with different bytes; nothing was written.
        :raises PluginError: a plugin failed or misbehaved; nothing was written.
        """
        from hatch_startifact.staging.run import StageRequest

        request = StageRequest.create(
            project,
            version,
            paths,
            metadata,
            dry_run,
            plugins=self.plugins,
            directory=Path(directory) if directory else None,
        )
        return self.stage_request(request, listener=listener)

    def stage_request(
        self, request: StageRequest, *, listener: Listener | None = None
    ) -> StageReport:
        """Stage an already validated `StageRequest`, then tell plugins what was staged."""
        from hatch_startifact.staging.run import Listener, stage

        listener = listener or Listener()
        report = stage(
            request, self.organisation, self.regions, self.aws, listener, self._concurrency
        )
        if not request.dry_run:
            self.plugins.staged(report, listener.warning)
        return report

    def reader(self, warn: Callable[[str], None] | None = None) -> Reader:
        """A `Reader` over this session's regions; ``warn`` hears about regions passed over."""
        from hatch_startifact.reading.reader import Reader

        return Reader(self.organisation, self.regions, self.aws, warn)

    def latest(self, project: str) -> str:
        """The latest staged version of ``project``.

        :raises NoSuchProjectError: nothing was ever staged for it.
        """
        return self.reader().latest(require_project(project))

    def versions(
        self,
        project: str,
        *,
        warn: Callable[[str], None] | None = None,
    ) -> list[VersionSummary]:
        """Every staged version of ``project``, newest first, with the regions holding each."""
        return self.reader(warn).versions(require_project(project))

    def info(
        self, project: str, version: str | None = None, *, warn: Callable[[str], None] | None = None
    ) -> VersionInfo:
        """A staged version (default: the latest): its files, their SHA-256 and metadata, the
        regions holding it, and the bucket and key of each file in each region."""
        reader = self.reader(warn)
        name = require_project(project)
        return reader.info(name, require_version(version) if version else reader.latest(name))

    def download(
        self,
        project: str,
        version: str | None = None,
        dest: str | Path = ".",
        *,
        files: Sequence[str] = (),
        force: bool = False,
        warn: Callable[[str], None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[Downloaded]:
        """Download a version's files (all, or those matching the names or globs in ``files``)
        into ``dest``, each verified against its SHA-256 before it is moved into place.

        :raises StartifactError: some file could not be downloaded with matching bytes from
            any region (each region's failure was passed to ``warn``).
        """
        from hatch_startifact.reading.downloads import Downloader

        version_info = self.info(project, version, warn=warn)
        return Downloader(self.aws, warn).download(version_info, Path(dest), files, force, progress)

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
