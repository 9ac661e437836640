"""``[tool.hatch.build.hooks.startifact]``: stage each artifact as ``hatch build`` finishes it.

A thin adapter over `project_stage`. Nothing heavy is imported until ``finalize`` runs,
so builds where the hook is disabled pay nothing for it. Editable builds are never staged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

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
        from hatch_startifact.console import summarise
        from hatch_startifact.errors import InvalidInputError, StartifactError
        from hatch_startifact.options import PublishOptions
        from hatch_startifact.project_config import load_pyproject, project_config_of, suggest
        from hatch_startifact.project_stage import Display, HatchProject, stage_project

        app = self.app
        display = Display(
            app.display_info, app.display_success, app.display_warning, app.display_error
        )
        try:
            unknown = [k for k in self.config if k not in HATCH_HOOK_KEYS]
            if unknown:
                raise InvalidInputError(
                    [
                        f"tool.hatch.build.hooks.startifact.{k} is not an option"
                        f"{suggest(k, HATCH_HOOK_KEYS)}; configure staging in [tool.startifact]"
                        for k in unknown
                    ]
                )
            config = project_config_of(load_pyproject(Path(self.root)))
            project = HatchProject(
                Path(self.root), self.metadata.name, self.metadata.version, Path(self.directory)
            )
            report = stage_project(project, [artifact_path], PublishOptions(), config, display)
        except StartifactError as error:
            app.abort(str(error), code=error.exit_code)
            return
        if report.exit_code:
            _, message = summarise(report)
            app.abort(message or "staging failed", code=report.exit_code)
