"""The command layer: setup's per-region report, and staging from a child process."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from hatch_startifact.admin.setup import RegionSetup
from hatch_startifact.cli.admin import _report_setup
from hatch_startifact.cli.console import Console
from hatch_startifact.errors import PartialFailureError, StartifactError
from tests.helpers import MakeFile, MakeOrganisation


def test_setup_that_failed_in_some_regions_is_a_partial_failure_naming_them() -> None:
    results = [
        RegionSetup("us-east-1", True),
        RegionSetup("eu-west-2", False, "access denied in eu-west-2: ..."),
    ]

    with pytest.raises(PartialFailureError) as raised:
        _report_setup(Console(quiet=True), "/startifact", results)

    assert raised.value.exit_code == 3
    assert raised.value.regions == ("eu-west-2",)
    assert str(raised.value) == (
        "could not write /startifact to 1 of 2 region(s) (eu-west-2: access denied in "
        "eu-west-2: ...); fix the cause and re-run `startifact setup`"
    )


def test_setup_that_failed_everywhere_is_an_error() -> None:
    results = [RegionSetup("us-east-1", False, "could not reach us-east-1")]

    with pytest.raises(StartifactError) as raised:
        _report_setup(Console(quiet=True), "/startifact", results)

    assert raised.value.exit_code == 1


def _stage_in_child(endpoint: str, path: str, queue: multiprocessing.Queue[int]) -> None:
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    from hatch_startifact.session import Session

    with Session() as session:
        queue.put(session.stage("lib", "1.0", [path]).exit_code)


@pytest.mark.e2e
@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_staging_works_under_every_multiprocessing_start_method(
    method: str, server: str, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation()
    context = multiprocessing.get_context(method)
    queue: multiprocessing.Queue[int] = context.Queue()
    child = context.Process(  # type: ignore[attr-defined]  # typeshed: BaseContext lacks it
        target=_stage_in_child, args=(server, str(make_file(f"lib-{method}.whl")), queue)
    )

    child.start()
    child.join(timeout=120)

    assert child.exitcode == 0
    assert queue.get(timeout=5) == 0
    assert all(org.latest(region, "lib") == "1.0" for region in org.regions)
