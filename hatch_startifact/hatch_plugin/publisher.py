"""``hatch publish -p startifact``: a thin adapter over `hatch_startifact.hatch_plugin.project`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from hatch.publish.plugin.interface import PublisherInterface

if TYPE_CHECKING:
    from hatch_startifact.display import Screen
    from hatch_startifact.hatch_plugin.project import HatchProject
    from hatch_startifact.staging.report import StageReport

#: Keys of ``[tool.hatch.publish.startifact]``; everything else lives in ``[tool.startifact]``.
PUBLISH_KEYS = ("disable",)


class StartifactPublisher(PublisherInterface):
    """Stages the project's current wheels and sdists (or the named files) to every region."""

    PLUGIN_NAME = "startifact"

    def publish(self, artifacts: list[str], options: dict[str, Any]) -> None:
        from hatch_startifact.config.project import load_pyproject, project_config_of
        from hatch_startifact.hatch_plugin.options import parse_options
        from hatch_startifact.hatch_plugin.project import check_table, run_in_hatch, stage_project

        def work(screen: Screen) -> StageReport:
            check_table(self.project_config, "tool.hatch.publish.startifact", PUBLISH_KEYS)
            config = project_config_of(load_pyproject(Path(self.root)))
            return stage_project(self._project(), artifacts, parse_options(options), config, screen)

        run_in_hatch(self.app, work)

    def _project(self) -> HatchProject:
        from hatch_startifact.errors import ProjectError
        from hatch_startifact.hatch_plugin.project import HatchProject

        metadata = self.app.project.metadata
        try:
            name, version = metadata.name, metadata.version
        except Exception as error:  # hatchling raises plain exceptions for bad metadata
            raise ProjectError(
                f"could not read the project's name and version: {error}; fix [project] in "
                "pyproject.toml"
            ) from error
        build_dir = metadata.hatch.build_config.get("directory", "dist")
        return HatchProject(Path(self.root), name, version, Path(self.root) / build_dir)
