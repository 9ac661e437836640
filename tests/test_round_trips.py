"""Round trips one after another, counted (not timed): what a user waits for when regions are
far apart. The moto server answers requests late, once none has come for ``faults.delay``
seconds (so requests sent together are answered together even on a loaded machine), and logs
them; the count is the longest chain of requests each sent after the previous one was
answered, from the first request to the last, the fewest of up to three runs (load can only
add to a count). A change that adds a round trip in sequence fails here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.fixtures.commands import RunCli
from tests.fixtures.faults import Faults
from tests.helpers import MakeFile, MakeOrganisation

pytestmark = pytest.mark.e2e

#: Longer than the scheduler of a loaded machine keeps requests sent together apart, short
#: enough to keep the tests quick.
DELAY = 0.25

#: The budgets: staging a new small file, downloading the latest version, info, versions;
#: with each region's bucket hinted in the configuration (as `startifact setup` writes it), and
#: without (a configuration written by Startifact 1.x, or by hand).
BUDGETS = {True: (7, 3, 3, 2), False: (8, 4, 4, 3)}

#: Runs of a command before its count is compared with the budget (only while it is over).
ATTEMPTS = 3


@pytest.fixture(params=[True, False], ids=["hinted", "not-hinted"])
def hinted(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def counted(faults: Faults, make_organisation: MakeOrganisation, hinted: bool) -> Faults:
    make_organisation(hints=hinted)
    faults.delay = DELAY
    return faults


def run(faults: Faults, run_cli: RunCli, *args: str | Path) -> int:
    faults.requests.clear()
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    return faults.round_trips()


def fewest(
    faults: Faults, run_cli: RunCli, budget: int, command: Callable[[int], Sequence[str | Path]]
) -> int:
    """The fewest round trips of up to `ATTEMPTS` runs of ``command(attempt)``, stopping at the
    first within ``budget``. A loaded machine can only add to a count (a request that needs an
    answer never leaves before it), so the fewest is the one to compare; a change that adds a
    round trip adds it to every run.
    """
    counts = []
    for attempt in range(ATTEMPTS):
        counts.append(run(faults, run_cli, *command(attempt)))
        if counts[-1] <= budget:
            break
    return min(counts)


def test_staging_a_new_version_of_a_small_file(
    counted: Faults, hinted: bool, run_cli: RunCli, make_file: MakeFile
) -> None:
    def stage(attempt: int) -> list[str | Path]:  # a new version each time
        version = f"1.{attempt}"
        return ["stage", "lib", version, make_file(f"lib-{version}.tar.gz", b"x" * 1000)]

    trips = fewest(counted, run_cli, BUDGETS[hinted][0], stage)

    assert trips <= BUDGETS[hinted][0], counted.requests


def test_reading_the_latest_version(
    counted: Faults, hinted: bool, run_cli: RunCli, make_file: MakeFile, tmp_path: Path
) -> None:
    _, download_budget, info_budget, versions_budget = BUDGETS[hinted]
    run(counted, run_cli, "stage", "lib", "1.0", make_file("lib-1.0.tar.gz", b"x" * 1000))

    download = fewest(
        counted,
        run_cli,
        download_budget,
        lambda attempt: ["download", "lib", "--dest", tmp_path / f"out-{attempt}"],
    )
    info = fewest(counted, run_cli, info_budget, lambda _: ["info", "lib"])
    versions = fewest(counted, run_cli, versions_budget, lambda _: ["versions", "lib"])
    # (each check below shows the requests of the last command run)

    assert download <= download_budget, counted.requests
    assert info <= info_budget, counted.requests
    assert versions <= versions_budget, counted.requests
