"""What the two Hatch adapters (publisher and build hook) share: showing and aborting.

Both turn Hatch's ``app`` into a `Display`, run the staging core, and report failure through
``app.abort`` as one line with the exit code the command line would use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hatch_startifact.cli.console import summarise
from hatch_startifact.errors import InvalidInputError, StartifactError
from hatch_startifact.config.project import suggest
from hatch_startifact.hatch_plugin.project import Display
from hatch_startifact.staging.run import StageReport


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


def run_in_hatch(app: Any, work: Callable[[Display], StageReport]) -> None:
    """Run ``work`` with ``app``'s display methods; any failure ends in ``app.abort``."""
    display = Display(app.display_info, app.display_success, app.display_warning, app.display_error)
    try:
        report = work(display)
    except StartifactError as error:
        app.abort(str(error), code=error.exit_code)
        return
    if report.exit_code:
        _, message = summarise(report)
        app.abort(message or "staging failed", code=report.exit_code)
