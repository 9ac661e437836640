"""Staging a Hatch project's artifacts: the plain core behind the publisher and the build hook.

The adapters pass plain values (root, name, version, build directory, option strings) and a
`Display` made of their app's ``display_*`` methods; nothing here sees a Hatch object.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hatch_startifact.cli.console import ProgressBar, file_line, summarise
from hatch_startifact.hatch_plugin.distributions import current_artifacts, expand_named
from hatch_startifact.hatch_plugin.options import PublishOptions
from hatch_startifact.config.project import ProjectConfig, combine
from hatch_startifact.staging.regional import FileResult, Status
from hatch_startifact.session import Session
from hatch_startifact.staging.run import Listener, StageReport, StageRequest

Show = Callable[[str], None]


@dataclass(frozen=True)
class Display:
    """How to show a line of each kind (for Hatch: ``app.display_success`` and friends)."""

    info: Show
    success: Show
    warning: Show
    error: Show


@dataclass(frozen=True)
class HatchProject:
    """What staging needs to know about the project being built or published."""

    root: Path
    name: str
    version: str
    build_dir: Path


class DisplayListener(Listener):
    """Reports each file and region through a `Display`, with a bar on a terminal."""

    def __init__(self, display: Display) -> None:
        self._display = display
        self._bar: ProgressBar | None = None

    def begin(self, request: StageRequest, regions: Sequence[str]) -> None:
        large = sum(a.size for a in request.artifacts if a.multipart) * len(regions)
        if large and not request.dry_run and sys.stderr.isatty():
            self._bar = ProgressBar(sys.stderr, large)

    def file_done(self, result: FileResult) -> None:
        if self._bar:
            self._bar.clear()
        show = {Status.STAGED: self._display.success, Status.CONFLICT: self._display.error}.get(
            result.status, self._display.info
        )
        show(file_line(result))

    def warning(self, text: str) -> None:
        self._display.warning(text)

    def region_failed(self, region: str, reason: str) -> None:
        if self._bar:
            self._bar.clear()
        self._display.error(f"{'failed':<14}  {region:<14}  {reason}")

    def progress(self, region: str, filename: str, transferred: int) -> None:
        if self._bar:
            self._bar.advance(transferred)


def stage_project(
    project: HatchProject,
    artifacts: Sequence[str],
    options: PublishOptions,
    config: ProjectConfig,
    display: Display,
) -> StageReport:
    """Stage the named artifacts, or the current version's wheels and sdists in the build dir.

    :raises StartifactError: for bad input or configuration; nothing was written.
    :returns: the report; its ``exit_code`` says whether every region succeeded.
    """
    effective = combine(
        config, regions=options.regions, parameter=options.parameter, metadata=options.metadata
    )
    if artifacts:
        paths = expand_named(artifacts, project.root, project.name, project.version)
    else:
        paths = current_artifacts(project.build_dir, project.name, project.version)
    listener = DisplayListener(display)
    disabled = (*config.disable_plugins, *options.disable_plugins)
    with Session(
        regions=effective.regions, parameter=effective.parameter, disable_plugins=disabled
    ) as session:
        request = StageRequest.create(
            config.project or project.name,
            project.version,
            paths,
            effective.metadata,
            options.dry_run,
            plugins=session.plugins,
            directory=project.root,
        )
        report = session.stage_request(request, listener=listener)
    summary, _ = summarise(report)
    if summary:
        display.info(summary)
    return report
