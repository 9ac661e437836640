"""``startifact migrate``'s command line (what it migrates: tests/cli/test_startifact1.py)."""

from __future__ import annotations

import pytest

from tests.fixtures.commands import RunCli
from tests.helpers import MakeOrganisation, one_error_line

pytestmark = pytest.mark.e2e


def test_migrate_needs_projects_or_all_but_not_both(
    run_cli: RunCli, make_organisation: MakeOrganisation
) -> None:
    make_organisation()

    neither = run_cli("migrate")
    both = run_cli("migrate", "lib", "--all")
    nothing = run_cli("migrate", "--all")

    message = (
        "error: name the projects to migrate (as they were given to Startifact 1.x), or pass --all"
    )
    assert (neither.returncode, one_error_line(neither)) == (2, message)
    assert (both.returncode, one_error_line(both)) == (2, message)
    assert (nothing.returncode, nothing.stdout) == (
        0,
        "Nothing staged by Startifact 1.x was found.\n",
    )
