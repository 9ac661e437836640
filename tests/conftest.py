"""Fixtures every test may use: a clean environment with fake credentials, factories of
organisations, files and product sessions, the slow tier and the reliability tally.

The servers and processes the tests run are managed in `tests.fixtures`, registered here;
helpers the tests share are in `tests.helpers`.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.fixtures.prewarmed import FRESH_VARIABLE
from tests.helpers import (
    BUCKET_PARAMETER,
    FOREIGN,
    REGIONS,
    MakeFile,
    MakeOrganisation,
    OpenSession,
    Organisation,
    Tally,
    create_region,
    examples,
    session_factory,
    write_configuration,
)

pytest_plugins = [
    "tests.fixtures.moto",
    "tests.fixtures.seaweedfs",
    "tests.fixtures.commands",
]

#: Hypothesis: each fuzz test states its own example budget (``examples(n)``: about 4,400
#: examples a run in all, scaled by ``STARTIFACT_TEST_FUZZ_SCALE``, see `tests.helpers.examples`).
#: Per-example deadlines are off: on a machine shared by parallel test workers an example's
#: time says more about its neighbours than about the code.
settings.register_profile("startifact", deadline=None, print_blob=True, max_examples=examples(100))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "startifact"))


# ---- the slow tier and the reliability tally ------------------------------------------------


#: Rounds of each race and crash loop: one in every run (each scenario is exercised on every
#: Python), many in the slow tier, which CI runs.
ROUNDS, SLOW_ROUNDS = 1, 25


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help=f"the slow tier: loops marked slow run {SLOW_ROUNDS} rounds instead of {ROUNDS} "
        "(python -m nox -s slow runs only those, with this)",
    )


@pytest.fixture(scope="session")
def rounds(request: pytest.FixtureRequest) -> int:
    """How many times a loop marked ``slow`` runs its scenario."""
    return SLOW_ROUNDS if request.config.getoption("--slow") else ROUNDS


TALLY = Tally()
REPORT_VARIABLE = "STARTIFACT_RELIABILITY_REPORT"
_REPORT_PATH = os.environ.get(REPORT_VARIABLE)  # read before aws_env clears STARTIFACT_*


@pytest.fixture(scope="session")
def tally() -> Tally:
    """The run's `Tally` (session-scoped, so hypothesis tests may use it too)."""
    return TALLY


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands its counts to the controller, which prints the sum."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["tally"] = dict(TALLY.counts)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist: a worker finished; add its counts to this (the controller's) tally."""
    for what, n in getattr(node, "workeroutput", {}).get("tally", {}).items():
        TALLY.add(what, n)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY.counts:
        return
    terminalreporter.section("reliability tally")
    for what, n in sorted(TALLY.counts.items()):
        terminalreporter.write_line(f"{what}: {n}")
    if _REPORT_PATH:
        Path(_REPORT_PATH).write_text(json.dumps(TALLY.counts, indent=2, sort_keys=True) + "\n")


# ---- garbage collection ----------------------------------------------------------------------

#: How many collections of the middle generation between two of the oldest (Python's default
#: is 10). A test worker holds about half a million objects (botocore's models, moto's
#: backends, the collected tests); each full collection scans them all, and with the default
#: a worker spent 10 to 13 s of a 62 to 70 s unit tier in them (``gc.callbacks``, Python 3.12).
#: With 100 it spent about 4 s and finished about 10 % sooner, at about 100 MB more peak memory
#: per worker. The tests themselves are unchanged; only when cyclic garbage is collected.
OLDEST_GENERATION_EVERY = 100


def pytest_collection_finish(session: pytest.Session) -> None:
    """After collection: what exists now (modules, the tests) stays, so it is frozen out of
    every later collection, and the oldest generation is collected less often."""
    gc.collect()
    gc.freeze()
    youngest, middle, _ = gc.get_threshold()
    gc.set_threshold(youngest, middle, OLDEST_GENERATION_EVERY)


# ---- the environment -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials and no stray configuration from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith(FOREIGN) and name != FRESH_VARIABLE:
            monkeypatch.delenv(name)
    # Not inside this checkout: the built-in git plugin would add this repository's commit.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    home = tmp_path_factory.mktemp("aws-home")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGIONS[0])
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


# ---- factories -------------------------------------------------------------------------------


@pytest.fixture
def make_organisation() -> MakeOrganisation:
    """Factory: buckets, bucket name parameters and the configuration in each region (of moto
    in-process or the moto server, whichever the test uses)."""

    def make(
        regions: Sequence[str] = REGIONS,
        *,
        key_prefix: str = "",
        parameter_prefix: str = "",
        without_bucket: Sequence[str] = (),
        without_parameter: Sequence[str] = (),
        extra: dict[str, Any] | None = None,
        bucket_prefix: str = "staging",
        hints: bool = False,
    ) -> Organisation:
        buckets = {
            r: create_region(
                r,
                bucket=f"{bucket_prefix}-{r}",
                create_bucket=r not in without_bucket,
                bucket_parameter=r not in without_parameter,
            )
            for r in regions
        }
        document = {
            "bucket_name_param": BUCKET_PARAMETER,
            "bucket_key_prefix": key_prefix,
            "parameter_name_prefix": parameter_prefix,
            "regions": ",".join(regions),
            # each region's bucket in the configuration, as `startifact setup` writes it
            **({"buckets": {r: buckets[r] for r in regions}} if hints else {}),
            **(extra or {}),
        }
        write_configuration(document, regions)
        return Organisation(tuple(regions), buckets, key_prefix, parameter_prefix)

    return make


@pytest.fixture
def make_file(tmp_path: Path) -> MakeFile:
    """Factory: a file with the given name and bytes (default: bytes derived from the name)."""

    def make(name: str, content: bytes | None = None, directory: Path | None = None) -> Path:
        path = (directory or tmp_path / "files") / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if content is not None else f"contents of {name}\n".encode())
        return path

    return make


@pytest.fixture
def open_session(mocked: None) -> Iterator[OpenSession]:
    """Factory: a product Session against moto in-process, over a boto3 session of its own
    with the hooks given: ``open_session(*hooks, region_name=None, **options)``."""
    with session_factory() as open_:
        yield open_
