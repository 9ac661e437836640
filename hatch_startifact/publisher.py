"""``hatch publish -p startifact``: a thin adapter over `project_stage`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatch.publish.plugin.interface import PublisherInterface

from hatch_startifact.errors import InvalidInputError, StartifactError
from hatch_startifact.project_config import suggest

#: Keys of ``[tool.hatch.publish.startifact]``; everything else lives in ``[tool.startifact]``.
PUBLISH_KEYS = ("disable",)


class StartifactPublisher(PublisherInterface):
    """Stages the project's current wheels and sdists (or the named files) to every region."""

    PLUGIN_NAME = "startifact"

    def publish(self, artifacts: list[str], options: dict[str, Any]) -> None:
        from hatch_startifact.console import summarise
        from hatch_startifact.options import parse_options
        from hatch_startifact.project_config import load_pyproject, project_config_of
        from hatch_startifact.project_stage import Display, stage_project

        app = self.app
        display = Display(
            app.display_info, app.display_success, app.display_warning, app.display_error
        )
        try:
            _check_publish_table(self.project_config)
            config = project_config_of(load_pyproject(Path(self.root)))
            report = stage_project(
                self._project(), artifacts, parse_options(options), config, display
            )
        except StartifactError as error:
            app.abort(str(error), code=error.exit_code)
            return
        if report.exit_code:
            _, message = summarise(report)
            app.abort(message or "staging failed", code=report.exit_code)

    def _project(self) -> Any:
        from hatch_startifact.project_stage import HatchProject

        metadata = self.app.project.metadata
        try:
            name, version = metadata.name, metadata.version
        except Exception as error:  # hatchling raises plain exceptions for bad metadata
            raise StartifactError(
                f"could not read the project's name and version: {error}"
            ) from error
        build_dir = metadata.hatch.build_config.get("directory", "dist")
        return HatchProject(Path(self.root), name, version, Path(self.root) / build_dir)


def _check_publish_table(table: dict[str, Any]) -> None:
    problems = [
        f"tool.hatch.publish.startifact.{key} is not an option{suggest(key, PUBLISH_KEYS)}; "
        "configure staging in [tool.startifact]"
        for key in table
        if key not in PUBLISH_KEYS
    ]
    if problems:
        raise InvalidInputError(problems)
