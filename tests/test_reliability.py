"""Reliability: faults, dead and hung regions, crashes and races, with nothing lost.

Faults are real network behaviour, so botocore's own timeouts and retries run:

- ``before-send`` hooks that answer a request with an HTTP error response (botocore parses,
  classifies and retries it as it would a real one), or send it to a port nobody listens on,
  or to a socket that accepts and never answers;
- the test moto server's `tests.fixtures.faults.Faults` (hang or drop one region, kill a stager at
  its Nth write) for the real ``startifact`` command in a subprocess.

Every scenario audits what the buckets and parameters hold afterwards (`audit`). Loops
marked ``slow`` run `tests.conftest.ROUNDS` rounds, and 25 in the slow tier
(``python -m nox -s slow``); the counts go to the run's reliability tally.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from hatch_startifact.aws import DOWN_FOR, MAX_ATTEMPTS, READ_TIMEOUT
from hatch_startifact.errors import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, StartifactError
from hatch_startifact.session import Session
from hatch_startifact.staging.report import StageReport, YankReport
from tests.fixtures.commands import RunCli
from tests.fixtures.faults import BlackHole, Faults, Kill, refused_url, send_region_to
from tests.fixtures.moto import reset
from tests.helpers import (
    MakeFile,
    MakeOrganisation,
    Organisation,
    Tally,
    answer,
    aws_client,
    boto3_session,
    in_threads,
    register,
    sha256,
    staged,
)

DOWN = "ap-south-1"

#: The crash and race loops run in two regions: what must hold in each region does not depend on
#: how many others there are, and "regions split" needs only two. A third adds requests, not
#: cases (a third of each loop's time).
LOOP_REGIONS = ["us-east-1", "eu-west-2"]


def failing_first(
    times: int, status: int, body: bytes, content_type: str, calls: list[str]
) -> Callable[..., AWSResponse | None]:
    """A ``before-send`` hook answering the first ``times`` requests with an error."""
    counter = itertools.count()
    error = answer(status, body, {"Content-Type": content_type})

    def handler(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        if next(counter) >= times:
            return None  # let the request through to moto
        calls.append(request.url)
        return error(request)

    return handler


# ---- transient faults ----------------------------------------------------------------------


def test_s3_slowdown_and_ssm_throttling_are_retried_and_staging_succeeds(
    mocked: None,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    tally: Tally,
) -> None:
    org = make_organisation()
    session = boto3_session(region_name="us-east-1")
    s3_faults: list[str] = []
    ssm_faults: list[str] = []
    slowdown = (
        b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
    )
    throttled = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
    register(
        session,
        "before-send.s3.PutObject",
        failing_first(MAX_ATTEMPTS - 1, 503, slowdown, "application/xml", s3_faults),
    )
    register(
        session,
        "before-send.ssm.PutParameter",
        failing_first(2, 400, throttled, "application/x-amz-json-1.1", ssm_faults),
    )

    with Session(boto3_session=session) as startifact:
        report = startifact.stage("lib", "1.0", [make_file("lib-1.0.tar.gz", b"bytes")])

    assert report.exit_code == 0, report
    assert (len(s3_faults), len(ssm_faults)) == (MAX_ATTEMPTS - 1, 2)
    tally.add("faults injected", len(s3_faults) + len(ssm_faults))
    for region in org.regions:
        assert org.keys(region)["lib/1.0/lib-1.0.tar.gz"] == b"bytes"
        assert org.latest(region, "lib") == "1.0"


def test_a_region_that_keeps_failing_is_reported_after_the_retries_and_the_others_complete(
    mocked: None,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    tally: Tally,
) -> None:
    org = make_organisation()
    session = boto3_session(region_name="us-east-1")
    faults: list[str] = []
    internal = b"<Error><Code>InternalError</Code><Message>Internal error.</Message></Error>"
    handler = failing_first(10**6, 500, internal, "application/xml", faults)

    def only_down(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        return handler(request) if DOWN in request.url else None

    register(session, "before-send.s3.ListObjectsV2", only_down)

    with Session(boto3_session=session) as startifact:
        report = startifact.stage("lib", "1.0", [make_file("lib-1.0.tar.gz")])

    assert report.exit_code == EXIT_PARTIAL
    assert report.failed_regions == [DOWN]
    # the survey's two listings (this layout's keys and Startifact 1.x's), each tried first and
    # retried, then the region fails
    assert len(faults) == 2 * MAX_ATTEMPTS
    tally.add("faults injected", len(faults))
    (failed,) = [r for r in report.regions if r.error]
    assert failed.error is not None
    assert "InternalError" in failed.error
    assert org.latest("us-east-1", "lib") == "1.0"


# ---- what the buckets hold ---------------------------------------------------------------


@dataclass
class RegionState:
    record: str | None
    objects: dict[str, bytes]
    index: dict[str, list[str]] = field(default_factory=dict)  # version -> files


def audit(org: Organisation, project: str) -> dict[str, RegionState]:
    """Every region's record, objects and index, checked for the invariants that must hold
    whatever happened: the index lists only files whose bytes and metadata are there, every
    metadata document describes the bytes beside it, and a record names a listed version."""
    states = {}
    for region in org.regions:
        objects = org.keys(region, prefix=f"{project}/")
        state = RegionState(org.latest(region, project), objects)
        if f"{project}/index.json" in objects:
            document = json.loads(objects[f"{project}/index.json"])
            state.index = {v["version"]: v["files"] for v in document["versions"]}
        for version, files in state.index.items():
            for name in files:
                key = f"{project}/{version}/{name}"
                assert key in objects, f"{region}: index lists {key}, which is not there"
                assert f"{key}.metadata.json" in objects, f"{region}: {key} has no metadata"
        for key, data in objects.items():
            if key.endswith(".metadata.json"):
                described = json.loads(data)
                artifact = objects.get(key.removesuffix(".metadata.json"))
                assert artifact is not None, f"{region}: metadata {key} without its file"
                assert described["sha256"] == sha256(artifact), key
        if state.record is not None:
            assert state.record in state.index, f"{region}: record {state.record} not indexed"
        states[region] = state
    return states


def assert_complete(org: Organisation, project: str, version: str, files: dict[str, bytes]) -> None:
    """Every region holds exactly ``files`` as ``version``, indexed, and the record names it."""
    for region, state in audit(org, project).items():
        assert state.record == version, region
        assert sorted(state.index[version]) == sorted(files), region
        for name, data in files.items():
            assert state.objects[f"{project}/{version}/{name}"] == data, (region, name)


# ---- regions that are down or hang ---------------------------------------------------------


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> tuple[float, int]:
    """One-second read timeouts and two attempts, so hung regions cost seconds in tests."""
    monkeypatch.setenv("STARTIFACT_READ_TIMEOUT", "1")
    monkeypatch.setenv("STARTIFACT_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    return 1.0, 2


def test_the_default_bound_on_a_dead_region_is_under_a_minute() -> None:
    # What one hung call can cost before its region is skipped: every attempt waits a read
    # timeout, with 1 + 2 + 4 s of backoff at most between them. Skipped regions are retried
    # after DOWN_FOR seconds, longer than any run needs.
    assert MAX_ATTEMPTS * READ_TIMEOUT + sum(2**i for i in range(MAX_ATTEMPTS - 1)) <= 60
    assert DOWN_FOR > 60


@pytest.mark.parametrize("fault", ["refused", "hung"])
def test_a_down_region_fails_staging_there_the_others_complete_and_a_rerun_repairs_it(
    server: str,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    black_hole: BlackHole,
    short_timeouts: tuple[float, int],
    tally: Tally,
    fault: str,
) -> None:
    org = make_organisation()
    files = {f"lib-1.0-{i}.tar.gz": f"file {i}".encode() for i in range(6)}
    paths = [make_file(name, data) for name, data in files.items()]
    url = black_hole.url if fault == "hung" else refused_url()
    session = boto3_session(("before-send", send_region_to(DOWN, url)))

    started = time.monotonic()
    with Session(boto3_session=session) as startifact:
        report = startifact.stage("lib", "1.0", paths)
    elapsed = time.monotonic() - started

    assert report.exit_code == EXIT_PARTIAL
    assert report.failed_regions == [DOWN]
    assert DOWN in str([r.error for r in report.regions if r.error])
    tally.add("faults injected")
    read_timeout, attempts = short_timeouts
    if fault == "hung":
        # The first call found it hung after every attempt; nothing else was tried there.
        assert len(black_hole.connections) == attempts
    # A generous guard against a stall (the bound is attempts x timeout + backoff, once).
    assert elapsed < attempts * read_timeout + 30
    states = audit(org, "lib")
    assert states[DOWN].objects == {}
    assert states[DOWN].record is None

    with Session() as startifact:  # the region is back: the same command completes it
        repaired = startifact.stage("lib", "1.0", paths)

    assert repaired.exit_code == EXIT_OK
    assert_complete(org, "lib", "1.0", files)


def test_a_region_that_hangs_mid_stage_costs_one_bound_not_one_per_file(
    server: str,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    black_hole: BlackHole,
    short_timeouts: tuple[float, int],
) -> None:
    org = make_organisation()
    files = {f"lib-1.0-{i}.tar.gz": f"file {i}".encode() for i in range(12)}
    paths = [make_file(name, data) for name, data in files.items()]
    # The survey (reads and listing) answers; every write to the region hangs.
    hook = send_region_to(DOWN, black_hole.url, only="PutObject")
    session = boto3_session(("before-send.s3.PutObject", hook))

    with Session(boto3_session=session, concurrency=3) as startifact:
        report = startifact.stage("lib", "1.0", paths)

    assert report.failed_regions == [DOWN]
    _, attempts = short_timeouts
    # At most the 3 uploads in flight when it hung spent their attempts; the other 9 files,
    # the index and the record were not tried (12 x 2 connections without that).
    assert attempts <= len(black_hole.connections) <= 3 * attempts
    states = audit(org, "lib")
    assert states[DOWN].record is None
    assert states["us-east-1"].record == "1.0"


@pytest.mark.parametrize("fault", ["refused", "hung"])
def test_reads_fail_over_from_a_down_region(
    server: str,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    black_hole: BlackHole,
    short_timeouts: tuple[float, int],
    tmp_path: Path,
    fault: str,
) -> None:
    make_organisation()
    with Session() as startifact:
        startifact.stage("lib", "1.0", [make_file("lib-1.0.tar.gz", b"payload")])
    url = black_hole.url if fault == "hung" else refused_url()
    session = boto3_session(("before-send", send_region_to(DOWN, url)))
    warnings: list[str] = []

    # Regions are tried in a shuffled order: ask often enough that the down one comes first.
    with Session(boto3_session=session, regions=[DOWN, "us-east-1", "eu-west-2"]) as startifact:
        for attempt in range(3):
            assert startifact.latest("lib") == "1.0"
            info = startifact.info("lib", warn=warnings.append)
            assert info.version == "1.0"
            (got,) = startifact.download("lib", dest=tmp_path / str(attempt), warn=warnings.append)
            assert got.path.read_bytes() == b"payload"

    assert any(DOWN in w for w in warnings), warnings


def test_setup_with_a_down_region_writes_the_others_and_names_it(
    server: str, run_cli: RunCli, faults: Faults, tally: Tally
) -> None:
    faults.dropped.add(DOWN)
    regions = f"us-east-1,eu-west-2,{DOWN}"
    some = ["setup", "--regions", regions, "--bucket-parameter", "/b", "--yes"]
    every = [*some, "--key-prefix", "artifacts/", "--parameter-prefix", "/staging"]
    env = {"AWS_MAX_ATTEMPTS": "2"}

    # It cannot read what DOWN holds, so it will not guess the values it was not given ...
    unsure = run_cli(*some, env=env)
    # ... and with every value given it writes the regions it can reach.
    partial = run_cli(*every, env=env)

    tally.add("faults injected", faults.hits[DOWN])
    assert unsure.returncode == EXIT_ERROR, unsure
    (line,) = unsure.stderr.splitlines()
    assert DOWN in line
    assert "--parameter-prefix" in line
    assert partial.returncode == EXIT_PARTIAL, partial
    assert DOWN in partial.stderr
    for result in (unsure, partial):
        assert "Traceback" not in result.stderr
    for region in ("us-east-1", "eu-west-2"):
        ssm = aws_client("ssm", region)
        assert json.loads(ssm.get_parameter(Name="/startifact")["Parameter"]["Value"])

    faults.clear()
    assert run_cli(*every).returncode == EXIT_OK
    ssm = aws_client("ssm", DOWN)
    assert json.loads(ssm.get_parameter(Name="/startifact")["Parameter"]["Value"])


@pytest.mark.e2e
@pytest.mark.parametrize("fault", ["dropped", "hung"])
def test_the_command_line_with_a_down_region(
    run_cli: RunCli,
    faults: Faults,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    tmp_path: Path,
    tally: Tally,
    fault: str,
) -> None:
    org = make_organisation()
    wheel = make_file("lib-1.0-py3-none-any.whl", b"wheel bytes")
    env = {"STARTIFACT_READ_TIMEOUT": "1", "AWS_MAX_ATTEMPTS": "2"}
    (faults.hung if fault == "hung" else faults.dropped).add(DOWN)

    staged = run_cli("stage", "lib", "1.0", wheel, env=env)
    info = run_cli("info", "lib", env=env)
    downloaded = run_cli("download", "lib", "--dest", tmp_path / "out", env=env)

    tally.add("faults injected", faults.hits[DOWN])
    assert staged.returncode == EXIT_PARTIAL, staged
    (line,) = [line for line in staged.stderr.splitlines() if line.startswith("error:")]
    assert DOWN in line
    assert "re-run" in line
    assert info.returncode == EXIT_OK, info
    assert "1.0" in info.stdout
    assert downloaded.returncode == EXIT_OK, downloaded
    assert (tmp_path / "out" / wheel.name).read_bytes() == b"wheel bytes"
    for result in (staged, info, downloaded):
        assert "Traceback" not in result.stderr

    faults.clear()
    repaired = run_cli("stage", "lib", "1.0", wheel)

    assert repaired.returncode == EXIT_OK, repaired
    assert_complete(org, "lib", "1.0", {wheel.name: b"wheel bytes"})


def test_bad_timeout_settings_are_one_clear_line(run_cli: RunCli) -> None:
    result = run_cli(
        "info", "lib", env={"STARTIFACT_READ_TIMEOUT": "soon", "AWS_MAX_ATTEMPTS": "0"}
    )

    assert result.returncode == 2
    assert "STARTIFACT_READ_TIMEOUT='soon'" in result.stderr
    assert "AWS_MAX_ATTEMPTS" in result.stderr
    assert "Traceback" not in result.stderr


# ---- a stager killed mid-stage -------------------------------------------------------------


def _crash_points(total: int, rounds: int) -> list[int]:
    """Every write in the slow tier; the first, a middle and the last one otherwise."""
    return list(range(1, total + 1)) if rounds > 2 else sorted({1, (total + 1) // 2, total})


@pytest.mark.slow
@pytest.mark.e2e
# Killed before and after each write are two tests, so that the slow tier's workers share them.
@pytest.mark.parametrize("before", [True, False], ids=["before-the-write", "after-the-write"])
def test_a_stager_killed_at_any_write_leaves_nothing_a_rerun_cannot_complete(
    before: bool,
    server: str,
    run_cli: RunCli,
    faults: Faults,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    rounds: int,
    tally: Tally,
) -> None:
    files = {"lib-1.0-py3-none-any.whl": b"wheel", "lib-1.0.tar.gz": b"sdist"}
    paths = [make_file(name, data) for name, data in files.items()]
    # A full stage, counted: 2 files, 2 metadata documents, the index and the record, x 3.
    org = make_organisation(regions=LOOP_REGIONS)
    faults.count_writes = True
    assert run_cli("stage", "lib", "1.0", *paths).returncode == EXIT_OK
    total = len(faults.writes)
    assert total == 6 * len(org.regions), faults.writes

    for at in _crash_points(total, rounds):
        faults.clear()
        reset(server)
        org = make_organisation(regions=LOOP_REGIONS)
        kill = Kill(at=at, before=before)
        faults.kill = kill

        def started(pid: int, kill: Kill = kill) -> None:
            kill.pid = pid
            kill.ready.set()

        stager = run_cli("stage", "lib", "1.0", *paths, on_start=started)
        assert stager.returncode == -9, f"not killed at write {at}: {stager}"

        states = audit(org, "lib")  # whatever it left is consistent ...
        for state in states.values():
            assert state.record in (None, "1.0")
        faults.clear()
        rerun = run_cli("stage", "lib", "1.0", *paths)  # ... and the same command completes it
        assert rerun.returncode == EXIT_OK, (at, before, rerun)
        assert_complete(org, "lib", "1.0", files)
        tally.add("crash points (stager killed, then re-run)")
    tally.add("objects lost", 0)


# ---- races ---------------------------------------------------------------------------------


Outcome = StageReport | YankReport | StartifactError


def race(jobs: Sequence[Callable[[], Outcome]]) -> list[Outcome]:
    """Run every job at once (`in_threads`: released together by a barrier); their outcomes,
    or the first exception one of them raised."""
    outcomes = in_threads(len(jobs), lambda n: jobs[n]())
    for outcome in outcomes:
        if isinstance(outcome, Exception) and not isinstance(outcome, StartifactError):
            raise outcome
    return outcomes


def stager(
    project: str, version: str, paths: Sequence[Path]
) -> Callable[[], StageReport | StartifactError]:
    """One stager with its own session; a stage refused outright is returned, not raised."""

    def job() -> StageReport | StartifactError:
        with Session(boto3_session=boto3_session()) as startifact:
            try:
                return startifact.stage(project, version, paths)
            except StartifactError as error:
                return error

    return job


def yanker(project: str, version: str) -> Callable[[], YankReport | StartifactError]:
    """One yanker with its own session; a yank refused outright is returned, not raised."""

    def job() -> YankReport | StartifactError:
        with Session(boto3_session=boto3_session()) as startifact:
            try:
                return startifact.yank(project, version, f"{version} is broken")
            except StartifactError as error:
                return error

    return job


def exit_code(outcome: Outcome) -> int:
    return outcome.exit_code


def failure(outcome: Outcome) -> str:
    """What a stager that did not succeed told its user."""
    if isinstance(outcome, StartifactError):
        return str(outcome)
    return " ".join(r.error or "" for r in outcome.regions)


@pytest.mark.slow
def test_racing_stagers_of_one_file_with_different_bytes_never_mix_and_losers_fail(
    server: str,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    rounds: int,
    tally: Tally,
    tmp_path: Path,
) -> None:
    org = make_organisation(regions=LOOP_REGIONS)
    name = "lib-1.0-py3-none-any.whl"
    outcomes = {"one winner everywhere": 0, "regions split, every stager failed": 0}
    for round_ in range(rounds):
        project = f"lib{round_}"
        candidates = [f"stager {i} of round {round_}".encode() for i in range(4)]
        paths = [
            make_file(name, data, tmp_path / str(round_) / str(i))
            for i, data in enumerate(candidates)
        ]

        reports = race([stager(project, "1.0", [path]) for path in paths])

        states = audit(org, project)
        stored = [states[r].objects[f"{project}/1.0/{name}"] for r in org.regions]
        assert all(data in candidates for data in stored)
        winners = [i for i, r in enumerate(reports) if exit_code(r) == EXIT_OK]
        for i, report in enumerate(reports):
            if i not in winners:  # every loser fails loudly, naming what happened
                assert exit_code(report) == EXIT_ERROR
                assert re.search("concurrently|different bytes", failure(report)), report
        assert len(winners) <= 1
        if winners:
            assert stored == [candidates[winners[0]]] * len(stored)
            assert {s.record for s in states.values()} == {"1.0"}
            outcomes["one winner everywhere"] += 1
        else:  # each region went to a different stager: nobody may claim the version
            assert len(set(stored)) > 1
            assert {s.record for s in states.values()} == {None}
            outcomes["regions split, every stager failed"] += 1
        tally.add("race rounds: one file, different bytes (4 stagers)")
    for outcome, count in outcomes.items():
        tally.add(f"race outcome: {outcome}", count)


@pytest.mark.slow
def test_racing_stagers_of_different_files_of_one_version_all_land_and_are_indexed(
    server: str,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    rounds: int,
    tally: Tally,
) -> None:
    org = make_organisation(regions=LOOP_REGIONS)
    for round_ in range(rounds):
        project = f"lib{round_}"
        files = {f"{project}-1.0-cp3{i}-none-any.whl": f"wheel {i}".encode() for i in range(6)}
        paths = [make_file(name, data) for name, data in files.items()]

        reports = race([stager(project, "1.0", [path]) for path in paths])

        assert [exit_code(r) for r in reports] == [EXIT_OK] * len(paths), reports
        assert_complete(org, project, "1.0", files)
        tally.add("race rounds: different files of one version (6 stagers)")


@pytest.mark.slow
def test_racing_stagers_of_two_versions_leave_the_higher_one_latest_everywhere(
    server: str,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    rounds: int,
    tally: Tally,
) -> None:
    org = make_organisation(regions=LOOP_REGIONS)
    for round_ in range(rounds):
        project = f"lib{round_}"
        older = make_file(f"{project}-1.0.1.tar.gz", b"1.0.1")
        newer = make_file(f"{project}-1.0.2.tar.gz", b"1.0.2")

        reports = race([stager(project, "1.0.1", [older]), stager(project, "1.0.2", [newer])] * 2)

        assert [exit_code(r) for r in reports] == [EXIT_OK] * 4, reports
        for region, state in audit(org, project).items():
            assert state.record == "1.0.2", region
            assert set(state.index) == {"1.0.1", "1.0.2"}
        tally.add("race rounds: versions 1.0.1 and 1.0.2 (4 stagers)")


def yanked_in(state: RegionState, project: str) -> set[str]:
    prefix = f"{project}/yanks/"
    return {
        k[len(prefix) : -len(".json")]
        for k in state.objects
        if k.startswith(prefix) and "/" not in k[len(prefix) :]
    }


@pytest.mark.slow
def test_a_yank_racing_a_stage_of_a_newer_version_leaves_the_newer_one_latest_everywhere(
    server: str,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    rounds: int,
    tally: Tally,
) -> None:
    org = make_organisation(regions=LOOP_REGIONS)
    with Session(boto3_session=boto3_session()) as setup:  # the racers have their own
        for round_ in range(rounds):
            project = f"lib{round_}"
            for version in ("1.0", "1.1"):
                staged(setup, version, make_file(f"{project}-{version}.tar.gz"), project=project)
            newer = make_file(f"{project}-1.2.tar.gz")

            reports = race([yanker(project, "1.1"), stager(project, "1.2", [newer])])

            assert [exit_code(r) for r in reports] == [EXIT_OK] * 2, reports
            for region, state in audit(org, project).items():
                assert yanked_in(state, project) == {"1.1"}, region
                assert state.record == "1.2", region
            tally.add("race rounds: yank 1.1 while staging 1.2")


@pytest.mark.slow
def test_two_yanks_of_different_versions_leave_the_highest_version_not_yanked_latest(
    server: str,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    rounds: int,
    tally: Tally,
) -> None:
    org = make_organisation(regions=LOOP_REGIONS)
    with Session(boto3_session=boto3_session()) as setup:  # the racers have their own
        for round_ in range(rounds):
            project = f"lib{round_}"
            for version in ("1.0", "1.1", "1.2"):
                staged(setup, version, make_file(f"{project}-{version}.tar.gz"), project=project)

            reports = race([yanker(project, "1.2"), yanker(project, "1.1")])

            assert [exit_code(r) for r in reports] == [EXIT_OK] * 2, reports
            for region, state in audit(org, project).items():
                assert yanked_in(state, project) == {"1.1", "1.2"}, region
                assert state.record == "1.0", region
                index = json.loads(state.objects[f"{project}/index.json"])
                assert {v["version"] for v in index["versions"] if v.get("yanked")} == {
                    "1.1",
                    "1.2",
                }
            tally.add("race rounds: yank 1.2 and 1.1 at once")


# ---- secrets -------------------------------------------------------------------------------

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"  # recognisable, fake
KEY_ID = "AKIASECRETKEYIDTEST1"


@pytest.mark.e2e
@pytest.mark.parametrize(
    "args",
    [
        ["stage", "lib", "1.0", "{file}", "--verbose"],
        ["info", "lib", "--verbose"],
        ["download", "lib", "--verbose"],
        ["setup", "--regions", "us-east-1", "--bucket-parameter", "/b", "--yes", "--verbose"],
    ],
)
def test_credentials_never_appear_in_output_even_with_verbose(
    run_cli: RunCli, make_organisation: MakeOrganisation, tmp_path: Path, args: list[str]
) -> None:
    make_organisation(regions=["us-east-1"])
    artifact = tmp_path / "lib-1.0.tar.gz"
    artifact.write_bytes(b"x")
    # moto accepts any credentials: these runs succeed or fail on their own, but every line
    # they print (tracebacks included) must not carry the secret or the key id.
    env = {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": "FwoGZXIvYXdzSESSIONTOKENSECRET",
    }

    result = run_cli(*[a.replace("{file}", str(artifact)) for a in args], env=env)
    broken = run_cli(
        *[a.replace("{file}", str(artifact)) for a in args],
        env={**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "2"},
    )

    for output in (result.stdout, result.stderr, broken.stdout, broken.stderr):
        assert SECRET not in output
        assert KEY_ID not in output
        assert "SESSIONTOKENSECRET" not in output
    assert broken.returncode != 0
