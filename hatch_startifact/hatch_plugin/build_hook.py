"""``[tool.hatch.build.hooks.startifact]``: stage each artifact as ``hatch build`` finishes it.

A thin adapter over `hatch_startifact.hatch_plugin.project`. Nothing heavy is imported until
``finalize`` runs, so builds where the hook is disabled pay nothing for it. Editable builds are
never staged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

if TYPE_CHECKING:
    from hatch_startifact.display import Screen
    from hatch_startifact.staging.report import StageReport

#: Keys Hatchling itself reads from every build hook's table.
HATCH_HOOK_KEYS = (
    "dependencies",
    "require-runtime-dependencies",
    "require-runtime-features",
    "enable-by-default",
)


class StartifactBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "startifact"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if version == "editable":
            return
        from hatch_startifact.config.project import load_pyproject, project_config_of
        from hatch_startifact.hatch_plugin.options import PublishOptions
        from hatch_startifact.hatch_plugin.project import (
            HatchProject,
            check_table,
            run_in_hatch,
            stage_project,
        )

        def work(screen: Screen) -> StageReport:
            check_table(self.config, "tool.hatch.build.hooks.startifact", HATCH_HOOK_KEYS)
            config = project_config_of(load_pyproject(Path(self.root)))
            project = HatchProject(
                Path(self.root), self.metadata.name, self.metadata.version, Path(self.directory)
            )
            return stage_project(project, [artifact_path], PublishOptions(), config, screen)

        run_in_hatch(self.app, work)
