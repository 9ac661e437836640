"""Staging a Hatch project: what the publisher and the build hook share.

The adapters pass plain values (root, name, version, build directory, option strings) and
their app; `run_in_hatch` draws through the app's ``display_*`` methods (a
`hatch_startifact.display.Screen`) and ends any failure in ``app.abort`` with the exit code
the command line would use. Below this module nothing sees a Hatch object.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hatch_startifact.config.project import ProjectConfig, suggest
from hatch_startifact.config.settings import resolve
from hatch_startifact.display import ProgressBar, Screen, StageDisplay, summarise
from hatch_startifact.errors import InvalidInputError, StartifactError
from hatch_startifact.hatch_plugin.distributions import current_artifacts, expand_named
from hatch_startifact.hatch_plugin.options import PublishOptions
from hatch_startifact.session import Session
from hatch_startifact.staging.report import StageReport


@dataclass(frozen=True)
class HatchProject:
    """What staging needs to know about the project being built or published."""

    root: Path
    name: str
    version: str
    build_dir: Path


@dataclass(frozen=True)
class HatchScreen:
    """Hatch's ``app`` as a `Screen`: its ``display_*`` methods, and a bar on a terminal."""

    info: Callable[[str], None]
    success: Callable[[str], None]
    warning: Callable[[str], None]
    problem: Callable[[str], None]

    @classmethod
    def of(cls, app: Any) -> HatchScreen:
        return cls(app.display_info, app.display_success, app.display_warning, app.display_error)

    def progress_bar(self, total: int) -> ProgressBar | None:
        return ProgressBar(sys.stderr, total) if total > 0 and sys.stderr.isatty() else None


def stage_project(
    project: HatchProject,
    artifacts: Sequence[str],
    options: PublishOptions,
    config: ProjectConfig,
    screen: Screen,
) -> StageReport:
    """Stage the named artifacts, or the current version's wheels and sdists in the build dir.

    :raises StartifactError: for bad input or configuration; nothing was written.
    :returns: the report; its ``exit_code`` says whether every region succeeded.
    """
    settings = resolve(
        config,
        regions=options.regions,
        parameter=options.parameter,
        metadata=options.metadata,
        disable_plugins=options.disable_plugins,
        parameter_source="-o parameter",
    )
    if artifacts:
        paths = expand_named(artifacts, project.root, project.name, project.version)
    else:
        paths = current_artifacts(project.build_dir, project.name, project.version)
    display = StageDisplay(screen)
    with Session(settings=settings) as session:
        try:
            report = session.stage(
                config.project or project.name,
                project.version,
                paths,
                dry_run=options.dry_run,
                listener=display,
                directory=project.root,
            )
        finally:
            display.close()
    summary, _ = summarise(report)
    if summary:
        screen.info(summary)
    return report


def check_table(table: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> None:
    """Refuse keys of a Hatch table that are not ``allowed``, pointing to [tool.startifact]."""
    problems = [
        f"{path}.{key} is not an option{suggest(key, allowed)}; configure staging in "
        "[tool.startifact]"
        for key in table
        if key not in allowed
    ]
    if problems:
        raise InvalidInputError(problems)


def run_in_hatch(app: Any, work: Callable[[Screen], StageReport]) -> None:
    """Run ``work`` drawing on ``app``; any failure ends in ``app.abort``."""
    try:
        report = work(HatchScreen.of(app))
    except StartifactError as error:
        app.abort(str(error), code=error.exit_code)
        return
    if report.exit_code:
        _, message = summarise(report)
        app.abort(message or "staging failed", code=report.exit_code)
