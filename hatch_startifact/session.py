"""The Python API: a `Session` resolves the organisation once and stages and reads through it.

>>> from hatch_startifact.session import Session
>>> with Session(regions="eu-west-2,us-east-1") as session:          # doctest: +SKIP
...     report = session.stage("my-lib", "1.0.0", ["dist/my_lib-1.0.0.tar.gz"])
...     print(report.exit_code)

Precedence for regions and the configuration parameter: the arguments given here, then
``STARTIFACT_REGIONS`` / ``STARTIFACT_PARAMETER``, then the organisation configuration (see
`hatch_startifact.config.settings`). The types the methods take and return are importable
from here too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from hatch_startifact.config.organisation import OrganisationConfig, load_organisation
from hatch_startifact.config.settings import Settings, regions_from, resolve
from hatch_startifact.store.names import require_project, require_version

if TYPE_CHECKING:
    from hatch_startifact.admin.setup import Existing, RegionSetup
    from hatch_startifact.aws import Aws, Boto3Session
    from hatch_startifact.plugins.host import Plugins
    from hatch_startifact.reading.downloads import Downloaded
    from hatch_startifact.reading.found import VersionInfo, VersionSummary
    from hatch_startifact.reading.reader import Reader
    from hatch_startifact.staging.migrating import MigrationReport, Moved
    from hatch_startifact.staging.regional import Survey
    from hatch_startifact.staging.report import Listener, StageReport, YankReport
    from hatch_startifact.staging.request import Inputs, StageRequest
    from hatch_startifact.store.metadata import StagedFile
    from hatch_startifact.store.yanks import Yank

__all__ = [
    "Downloaded",
    "Listener",
    "MigrationReport",
    "Moved",
    "Plugins",
    "Session",
    "Settings",
    "StageReport",
    "StageRequest",
    "StagedFile",
    "VersionInfo",
    "VersionSummary",
    "Yank",
    "YankReport",
]

Warn = Callable[[str], None]


class Session:
    """Access to one organisation's staging storage.

    :param regions: regions to use instead of the organisation's (comma-separated or a list).
    :param parameter: the configuration parameter name (default ``/startifact``).
    :param boto3_session: credentials and default region; a new ``boto3.Session()`` if omitted.
    :param concurrency: how many files upload at once to each region (at most 48 in all;
        the parts of large files upload three at a time per region).
    :param disable_plugins: names of plugins (built-in or installed) not to load.
    :param plugins: a ready `Plugins` host to use instead of loading the installed ones.
    :param settings: settings already ranked by a front end (instead of ``regions``,
        ``parameter`` and ``disable_plugins``).
    """

    def __init__(
        self,
        *,
        regions: str | Sequence[str] | None = None,
        parameter: str | None = None,
        boto3_session: Boto3Session | None = None,
        concurrency: int = 8,
        disable_plugins: Sequence[str] = (),
        plugins: Plugins | None = None,
        settings: Settings | None = None,
    ) -> None:
        from hatch_startifact.aws import Aws

        if settings is None:
            settings = resolve(
                regions=regions_from(regions, "regions") if regions is not None else None,
                parameter=parameter,
                parameter_source="parameter",
                disable_plugins=disable_plugins,
            )
        self.settings = settings
        self.parameter = settings.parameter
        self.aws: Aws = Aws(boto3_session, concurrency=concurrency)
        self._concurrency = concurrency
        self._organisation: OrganisationConfig | None = None
        self._lock = threading.Lock()
        self._plugins = plugins

    @property
    def plugins(self) -> Plugins:
        """The plugin host: built-in plugins and the ``startifact`` entry points, loaded once."""
        if self._plugins is None:
            from hatch_startifact.plugins.host import Plugins

            self._plugins = Plugins(self.settings.disable_plugins)
        return self._plugins

    @property
    def organisation(self) -> OrganisationConfig:
        """The organisation configuration, read once from the first region that answers."""
        with self._lock:
            if self._organisation is None:
                # The chosen regions in shuffled order, the default region last.
                self._organisation, _ = load_organisation(
                    self.parameter,
                    self.settings.regions or (),
                    self.aws.read_parameter,
                    fallback=self.aws.default_region,
                )
            return self._organisation

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions this session works in."""
        return self.settings.regions or self.organisation.regions

    @property
    def default_region(self) -> str | None:
        """The boto3 session's region (``AWS_REGION``, the profile's), if any."""
        return self.aws.default_region

    def buckets(self) -> dict[str, str]:
        """Each region's bucket name, from the organisation's bucket name parameter.

        :raises NotFoundError: a region lacks the parameter (named, with what to do).
        """
        from hatch_startifact.store.buckets import bucket_name

        parameter = self.organisation.bucket_name_param
        return {r: bucket_name(self.aws.region(r), parameter) for r in self.regions}

    def existing_configuration(self, regions: Sequence[str]) -> Existing:
        """The configuration document as it is, from the first of ``regions`` that has one,
        read leniently so that ``setup`` can repair it (see `admin.setup.read_existing`)."""
        from hatch_startifact.admin.setup import read_existing

        return read_existing(self.aws, self.parameter, regions)

    def write_configuration(self, config: OrganisationConfig) -> list[RegionSetup]:
        """Write ``config`` to each of its regions in parallel; each region's outcome."""
        from hatch_startifact.admin.setup import write_everywhere

        return write_everywhere(self.aws, self.parameter, config)

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
        problems: Iterable[str] = (),
    ) -> StageReport:
        """Stage files as ``project`` ``version`` in every region; see `staging`.

        The inputs are checked (every problem at once, with the caller's own ``problems``);
        then plugins may change the version and refuse the stage; then the files are hashed
        and plugins may add metadata to each; then the files are staged, and plugins are told.

        :param metadata: for every file, over the settings' metadata (``[tool.startifact]``).
        :param directory: the project directory plugins are told about (default: cwd).
        :raises InvalidInputError: naming every invalid input; nothing was written.
        :raises ConflictError: a file is staged with different bytes; nothing was written.
        :raises PluginError: a plugin failed or misbehaved; nothing was written.
        """
        from hatch_startifact.staging.request import check_inputs

        with ThreadPoolExecutor(1, thread_name_prefix="survey") as early:
            # The configuration's round trip and the survey of every region (which lists the
            # whole project, whatever version the plugins choose) overlap the plugins' work
            # and the hashing.
            surveys = early.submit(self._survey, project)
            merged = {**self.settings.metadata, **(metadata or {})}
            inputs = check_inputs(project, version, paths, merged, problems)
            where = Path(directory) if directory else Path.cwd()
            request = self._prepare(inputs, dry_run, where)
            surveyed = surveys.result()
        return self._stage(request, listener, surveyed)

    def _survey(self, project: str) -> Mapping[str, Survey | Exception] | None:
        """Read the configuration, then survey every region for ``project`` (``None`` when
        the name is invalid: `check_inputs` says so)."""
        from hatch_startifact.staging.regional import survey_regions
        from hatch_startifact.store.names import check_project

        organisation = self.organisation
        name, _ = check_project(project)
        if name is None:
            return None
        return survey_regions(self.aws, organisation, self.regions, name)

    def _prepare(self, inputs: Inputs, dry_run: bool, directory: Path) -> StageRequest:
        """Plugins choose the version and may refuse; the files are hashed; plugins add
        metadata to each."""
        from hatch_startifact.errors import InvalidInputError
        from hatch_startifact.staging.request import StageRequest, hash_files

        project, asked, paths, metadata = inputs
        plugins = self.plugins
        version = plugins.version(project, asked, paths, directory)
        refused = plugins.check(project, version, paths, metadata, directory)
        if refused:
            raise InvalidInputError(refused)
        hashed = hash_files(paths)
        added = {
            a.filename: plugins.metadata(
                metadata,
                project=project,
                version=version,
                filename=a.filename,
                path=a.path,
                size=a.size,
                sha256=a.sha256,
                directory=directory,
            )
            for a in hashed
        }
        return StageRequest(project, version, hashed, metadata, dry_run, added)

    def stage_request(
        self, request: StageRequest, *, listener: Listener | None = None
    ) -> StageReport:
        """Stage a `StageRequest` as it is (no plugin changes it), then tell plugins what was
        staged."""
        return self._stage(request, listener, None)

    def _stage(
        self,
        request: StageRequest,
        listener: Listener | None,
        surveyed: Mapping[str, Survey | Exception] | None,
    ) -> StageReport:
        from hatch_startifact.staging.report import Listener
        from hatch_startifact.staging.run import stage

        listener = listener or Listener()
        report = stage(
            request,
            self.organisation,
            self.regions,
            self.aws,
            listener,
            self._concurrency,
            surveyed,
        )
        if not request.dry_run:
            self.plugins.staged(report, listener.warning)
        return report

    def reader(self, warn: Warn | None = None) -> Reader:
        """A `Reader` over this session's regions; ``warn`` hears about regions passed over."""
        from hatch_startifact.reading.reader import Reader

        return Reader(self.organisation, self.regions, self.aws, warn)

    def latest(self, project: str, *, warn: Warn | None = None) -> str:
        """The latest staged version of ``project`` that is not yanked.

        :raises NoSuchProjectError: nothing was ever staged for it.
        :raises AllYankedError: every staged version of it is yanked.
        """
        return self.reader(warn).latest(require_project(project), typed=project)

    def yank(self, project: str, version: str, reason: str) -> YankReport:
        """Yank ``project`` ``version`` in every region, in parallel: it stays downloadable by
        its exact version, but is never the latest; each region's version record moves to the
        highest version not yanked (or is removed when every version is). Needs the Owner
        level. Yanking a yanked version again replaces its reason.

        :raises InvalidInputError: a bad name, version or reason; nothing was written.
        :raises NoSuchVersionError: no region that answered holds the version.
        """
        from hatch_startifact.errors import InvalidInputError
        from hatch_startifact.store.metadata import utc_now
        from hatch_startifact.store.yanks import Yank, check_reason

        problem = check_reason(reason)
        if problem:
            raise InvalidInputError([problem])
        return self._change(
            project, version, lambda by: Yank(reason.strip(), utc_now(), by or "unknown")
        )

    def unyank(self, project: str, version: str) -> YankReport:
        """Undo `yank` in every region, in parallel: the version may be the latest again, and
        each region's version record moves to it if it is the highest. Needs the Owner level.
        Unyanking a version that is not yanked changes nothing but the index and the record,
        which are rewritten from what each region holds.

        :raises NoSuchVersionError: no region that answered holds the version.
        """
        return self._change(project, version, None)

    def _change(
        self, project: str, version: str, make: Callable[[str | None], Yank] | None
    ) -> YankReport:
        from hatch_startifact.staging.yanking import change

        project, version = require_project(project), require_version(version)
        known = self.settings.regions or ((self.default_region,) if self.default_region else ())
        with ThreadPoolExecutor(1, thread_name_prefix="caller") as pool:
            # Who is asking (sts:GetCallerIdentity), looked up while the configuration is read.
            caller = pool.submit(self.aws.caller, known[0]) if known else None
            organisation, regions = self.organisation, self.regions
            by = caller.result() if caller else self.aws.caller(regions[0])
        yank = make(by) if make else None
        return change(project, version, yank, organisation, regions, self.aws, by or "unknown")

    def migrate(
        self,
        projects: Sequence[str] | None,
        *,
        dry_run: bool = False,
        report: Callable[[Moved], None] | None = None,
    ) -> MigrationReport:
        """Copy every version Startifact 1.x staged of ``projects`` (as typed for 1.x, or
        normalised; ``None``: every project) into this layout in every region, server-side,
        with each file's SHA-256, the index and the version record (docs/migrating.md).
        Needs what the Read and Write grants give together, listing included.

        :param report: told each version's outcome in each region as it is known.
        """
        from hatch_startifact.staging.migrating import Migration

        return Migration(self.organisation, self.regions, self.aws).run(
            projects, dry_run=dry_run, report=report
        )

    def versions(self, project: str, *, warn: Warn | None = None) -> list[VersionSummary]:
        """Every staged version of ``project``, newest first, with the regions holding each."""
        return self.reader(warn).versions(require_project(project), typed=project)

    def info(
        self, project: str, version: str | None = None, *, warn: Warn | None = None
    ) -> VersionInfo:
        """A staged version (default: the latest): its files, their SHA-256 and metadata, the
        regions holding it, and the bucket and key of each file in each region."""
        return self.reader(warn).info(
            require_project(project),
            require_version(version) if version else None,
            typed=project,
            typed_version=version,
        )

    def download(
        self,
        project: str | VersionInfo,
        version: str | None = None,
        dest: str | Path = ".",
        *,
        files: Sequence[str] = (),
        force: bool = False,
        warn: Warn | None = None,
        progress: Callable[[int], None] | None = None,
        described: Callable[[VersionInfo], None] | None = None,
    ) -> list[Downloaded]:
        """Download a version's files (all, or those matching the names or globs in ``files``)
        into ``dest``, each verified against its SHA-256 before it is moved into place.

        :param project: the project, or a version already looked up with `info` (then
            ``version`` is not used).
        :param described: told the version (a `VersionInfo`) as soon as its metadata
            documents are read, while the files are still downloading.
        :raises StartifactError: some file could not be downloaded with matching bytes from
            any region (each region's failure was passed to ``warn``).
        """
        from hatch_startifact.reading.downloads import Downloader

        downloader = Downloader(self.aws, warn)
        if not isinstance(project, str):
            return downloader.download(project, Path(dest), files, force, progress)
        reader = self.reader(warn)
        located = reader.locate(
            require_project(project),
            require_version(version) if version else None,
            typed=project,
            typed_version=version,
        )
        return downloader.download_located(
            located, reader.describe, Path(dest), files, force, progress, described
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


def __getattr__(name: str) -> object:
    """The public types of the methods above, imported when first asked for."""
    where = {
        "Downloaded": "hatch_startifact.reading.downloads",
        "Listener": "hatch_startifact.staging.report",
        "MigrationReport": "hatch_startifact.staging.migrating",
        "Moved": "hatch_startifact.staging.migrating",
        "Plugins": "hatch_startifact.plugins.host",
        "StageReport": "hatch_startifact.staging.report",
        "StageRequest": "hatch_startifact.staging.request",
        "StagedFile": "hatch_startifact.store.metadata",
        "VersionInfo": "hatch_startifact.reading.found",
        "VersionSummary": "hatch_startifact.reading.found",
        "Yank": "hatch_startifact.store.yanks",
        "YankReport": "hatch_startifact.staging.report",
    }
    if name not in where:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(where[name]), name)
