"""hatch_startifact.hatch_plugin.project: staging a Hatch project, shown on Hatch's screen."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from hatch_startifact.aws import MULTIPART_THRESHOLD
from hatch_startifact.config.project import ProjectConfig
from hatch_startifact.display import StageDisplay
from hatch_startifact.errors import EXIT_OK, EXIT_PARTIAL, InvalidInputError
from hatch_startifact.hatch_plugin.options import PublishOptions
from hatch_startifact.hatch_plugin.project import HatchProject, HatchScreen, stage_project
from hatch_startifact.staging.artifacts import Artifact
from hatch_startifact.staging.report import FileResult, StageReport, Status
from hatch_startifact.staging.request import StageRequest
from tests.helpers import REGIONS, MakeFile, MakeOrganisation, Terminal

WHEEL = "demo_lib-1.2.0-py3-none-any.whl"
SDIST = "demo_lib-1.2.0.tar.gz"
OLD_FILES = ("demo_lib-1.1.0-py3-none-any.whl", "demo_lib-1.1.0.tar.gz")


class Lines:
    """A `HatchScreen` whose every line is collected in a list of its kind."""

    def __init__(self) -> None:
        self.info: list[str] = []
        self.success: list[str] = []
        self.warning: list[str] = []
        self.error: list[str] = []

    @property
    def display(self) -> HatchScreen:
        return HatchScreen(
            self.info.append, self.success.append, self.warning.append, self.error.append
        )


def size_of(name: str) -> int:
    """The size of a file ``make_file`` wrote with its default contents."""
    return len(f"contents of {name}\n".encode())


def line(status: str, region: str, filename: str, suffix: str = "") -> str:
    return f"{status:<14}  {region:<14}  {filename}{suffix}"


@pytest.fixture
def project(tmp_path: Path, make_file: MakeFile) -> HatchProject:
    """demo-lib 1.2.0, built, with an older version's files still in the build directory."""
    root = tmp_path / "project"
    build_dir = root / "dist"
    for name in (WHEEL, SDIST, *OLD_FILES, "other_lib-1.2.0.tar.gz"):
        make_file(name, directory=build_dir)
    return HatchProject(root, "demo-lib", "1.2.0", build_dir)


def run(
    project: HatchProject,
    artifacts: tuple[str, ...] = (),
    options: PublishOptions | None = None,
    config: ProjectConfig | None = None,
    lines: Lines | None = None,
) -> StageReport:
    return stage_project(
        project,
        artifacts,
        options or PublishOptions(),
        config or ProjectConfig(),
        (lines or Lines()).display,
    )


# ---- what is staged -----------------------------------------------------------------------


def test_without_artifacts_only_the_current_versions_files_are_staged(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    org = make_organisation()

    report = run(project)

    assert report.exit_code == EXIT_OK
    for region in REGIONS:
        assert sorted(org.keys(region)) == [
            "demo-lib/1.2.0/demo_lib-1.2.0-py3-none-any.whl",
            "demo-lib/1.2.0/demo_lib-1.2.0-py3-none-any.whl.metadata.json",
            "demo-lib/1.2.0/demo_lib-1.2.0.tar.gz",
            "demo-lib/1.2.0/demo_lib-1.2.0.tar.gz.metadata.json",
            "demo-lib/index.json",
        ]
        assert org.latest(region, "demo-lib") == "1.2.0"


def test_without_artifacts_and_no_build_says_to_build_first(
    mocked: None, make_organisation: MakeOrganisation, tmp_path: Path
) -> None:
    org = make_organisation()
    root = tmp_path / "unbuilt"

    with pytest.raises(InvalidInputError) as raised:
        run(HatchProject(root, "demo-lib", "1.2.0", root / "dist"))

    assert raised.value.problems == (
        f"no wheel or sdist of demo-lib 1.2.0 in {root / 'dist'}: run `hatch build` first, "
        "or name the files to stage",
    )
    assert all(org.keys(r) == {} for r in REGIONS)


def test_named_files_are_staged_instead_of_the_build_directory(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject, make_file: MakeFile
) -> None:
    org = make_organisation()
    make_file("sbom.json", directory=project.root / "extra")

    report = run(project, (f"dist/{WHEEL}", "extra/sbom.json"))

    assert report.exit_code == EXIT_OK
    for region in REGIONS:
        assert sorted(org.keys(region)) == [
            "demo-lib/1.2.0/demo_lib-1.2.0-py3-none-any.whl",
            "demo-lib/1.2.0/demo_lib-1.2.0-py3-none-any.whl.metadata.json",
            "demo-lib/1.2.0/sbom.json",
            "demo-lib/1.2.0/sbom.json.metadata.json",
            "demo-lib/index.json",
        ]


def test_a_named_file_of_an_older_version_is_refused_before_anything_is_written(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    org = make_organisation()

    with pytest.raises(InvalidInputError) as raised:
        run(project, (f"dist/{WHEEL}", f"dist/{OLD_FILES[0]}"))

    assert raised.value.problems == (
        "dist/demo_lib-1.1.0-py3-none-any.whl is demo-lib 1.1.0, but the project is demo-lib "
        "1.2.0: build it again or stage it with `startifact stage`",
    )
    assert all(org.keys(r) == {} for r in REGIONS)


def test_a_dry_run_writes_nothing_and_says_what_it_would_stage(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    org = make_organisation()
    lines = Lines()

    report = run(project, options=PublishOptions(dry_run=True), lines=lines)

    assert report.dry_run
    assert report.exit_code == EXIT_OK
    for region in REGIONS:
        assert org.keys(region) == {}
        assert org.latest(region, "demo-lib") is None
    assert sorted(lines.info[:-1]) == sorted(
        line("would stage", r, name) for r in REGIONS for name in (WHEEL, SDIST)
    )
    total = 3 * (size_of(WHEEL) + size_of(SDIST))
    assert lines.info[-1] == (
        f"Dry run for demo-lib 1.2.0 in 3 region(s): 6 would stage ({total} B to upload); "
        "nothing was written."
    )
    assert (lines.success, lines.warning, lines.error) == ([], [], [])


def test_the_project_in_tool_startifact_is_the_name_staged_under(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    org = make_organisation()

    report = run(project, config=ProjectConfig(project="Renamed_Lib"))

    assert report.project == "renamed-lib"
    for region in REGIONS:
        assert sorted(org.keys(region)) == [
            "renamed-lib/1.2.0/demo_lib-1.2.0-py3-none-any.whl",
            "renamed-lib/1.2.0/demo_lib-1.2.0-py3-none-any.whl.metadata.json",
            "renamed-lib/1.2.0/demo_lib-1.2.0.tar.gz",
            "renamed-lib/1.2.0/demo_lib-1.2.0.tar.gz.metadata.json",
            "renamed-lib/index.json",
        ]
        assert org.latest(region, "renamed-lib") == "1.2.0"
        assert org.latest(region, "demo-lib") is None


def test_metadata_from_the_config_and_the_options_lands_in_the_metadata_documents(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    org = make_organisation()
    config = ProjectConfig(metadata={"team": "data", "commit": "from-pyproject"})
    options = PublishOptions(metadata={"commit": "abc123", "pipeline": "42"})

    run(project, options=options, config=config)

    for region in REGIONS:
        for name in (WHEEL, SDIST):
            document = json.loads(org.keys(region)[f"demo-lib/1.2.0/{name}.metadata.json"])
            assert (document["filename"], document["size"]) == (name, size_of(name))
            assert document["metadata"] == {
                "commit": "abc123",
                "pipeline": "42",
                "team": "data",
            }


def test_regions_from_the_options_win_over_tool_startifact(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    org = make_organisation()

    report = run(
        project,
        options=PublishOptions(regions=("eu-west-2",)),
        config=ProjectConfig(regions=("us-east-1", "ap-south-1")),
    )

    assert [r.region for r in report.regions] == ["eu-west-2"]
    assert org.keys("eu-west-2") != {}
    assert org.keys("us-east-1") == {}
    assert org.keys("ap-south-1") == {}


def test_regions_from_the_environment_win_over_tool_startifact(
    mocked: None,
    make_organisation: MakeOrganisation,
    project: HatchProject,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = make_organisation()
    monkeypatch.setenv("STARTIFACT_REGIONS", "ap-south-1")

    report = run(project, config=ProjectConfig(regions=("us-east-1", "eu-west-2")))

    assert [r.region for r in report.regions] == ["ap-south-1"]
    assert org.keys("ap-south-1") != {}
    assert org.keys("us-east-1") == {}
    assert org.keys("eu-west-2") == {}


# ---- what Hatch's screen is told -------------------------------------------------------------


def test_staged_files_are_success_lines_followed_by_an_info_summary(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    make_organisation()
    lines = Lines()

    run(project, lines=lines)

    assert sorted(lines.success) == sorted(
        line("staged", r, name, f" ({size_of(name)} B)") for r in REGIONS for name in (WHEEL, SDIST)
    )
    assert lines.info == [
        "Staged demo-lib 1.2.0 in 3 of 3 region(s): 6 staged; latest version: 1.2.0."
    ]
    assert (lines.warning, lines.error) == ([], [])


def test_files_already_staged_are_info_lines(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    make_organisation()
    run(project)
    lines = Lines()

    report = run(project, lines=lines)

    assert report.exit_code == EXIT_OK
    assert lines.success == []
    assert sorted(lines.info[:-1]) == sorted(
        line("already staged", r, name) for r in REGIONS for name in (WHEEL, SDIST)
    )
    assert lines.info[-1] == (
        "Staged demo-lib 1.2.0 in 3 of 3 region(s): 6 already staged; latest version: 1.2.0."
    )
    assert (lines.warning, lines.error) == ([], [])


def test_a_failed_region_is_an_error_line_and_the_others_are_staged(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    org = make_organisation(without_parameter=("ap-south-1",))
    lines = Lines()

    report = run(project, lines=lines)

    assert report.exit_code == EXIT_PARTIAL
    assert report.failed_regions == ["ap-south-1"]
    assert lines.error == [
        line(
            "failed",
            "ap-south-1",
            "bucket name parameter /buckets/staging does not exist in ap-south-1: deploy the "
            "organisation template there (startifact iam template), or leave ap-south-1 out "
            "of the organisation's regions (startifact setup --regions)",
        )
    ]
    assert sorted(lines.success) == sorted(
        line("staged", r, name, f" ({size_of(name)} B)")
        for r in ("us-east-1", "eu-west-2")
        for name in (WHEEL, SDIST)
    )
    assert lines.info == [
        "Staged demo-lib 1.2.0 in 2 of 3 region(s): 4 staged; latest version: 1.2.0."
    ]
    assert org.keys("ap-south-1") == {}


def test_a_region_without_its_bucket_is_an_error_line_with_the_reason(
    mocked: None, make_organisation: MakeOrganisation, project: HatchProject
) -> None:
    make_organisation(without_bucket=("eu-west-2",))
    lines = Lines()

    report = run(project, lines=lines)

    (failed,) = [r for r in report.regions if r.error]
    assert failed.region == "eu-west-2"
    assert lines.error == [line("failed", "eu-west-2", failed.error or "")]
    assert len(lines.success) == 4


# ---- the progress bar on Hatch's screen -------------------------------------------------------


def large_request(tmp_path: Path, *, dry_run: bool = False) -> StageRequest:
    artifact = Artifact(
        tmp_path / "demo_lib-1.2.0.tar.gz",
        "demo_lib-1.2.0.tar.gz",
        MULTIPART_THRESHOLD,
        "0" * 64,
        "0" * 32 + "-1",
    )
    return StageRequest("demo-lib", "1.2.0", (artifact,), {}, dry_run)


def exercise(listener: StageDisplay, request: StageRequest) -> None:
    listener.begin(request, REGIONS)
    listener.progress("us-east-1", "demo_lib-1.2.0.tar.gz", MULTIPART_THRESHOLD)
    listener.file_done(
        FileResult("us-east-1", "demo_lib-1.2.0.tar.gz", Status.STAGED, MULTIPART_THRESHOLD)
    )


def test_display_listener_draws_no_bar_when_stderr_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    lines = Lines()

    exercise(StageDisplay(lines.display), large_request(tmp_path))

    assert stderr.getvalue() == ""
    assert lines.success == [line("staged", "us-east-1", "demo_lib-1.2.0.tar.gz", " (8.4 MB)")]


def test_display_listener_draws_a_bar_for_large_files_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    lines = Lines()

    exercise(StageDisplay(lines.display), large_request(tmp_path))

    assert "[##########....................]  33%" in stderr.getvalue()
    assert lines.success == [line("staged", "us-east-1", "demo_lib-1.2.0.tar.gz", " (8.4 MB)")]


def test_display_listener_draws_no_bar_for_a_dry_run_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)

    exercise(StageDisplay(Lines().display), large_request(tmp_path, dry_run=True))

    assert stderr.getvalue() == ""


def test_display_listener_reports_a_conflict_as_an_error_line() -> None:
    lines = Lines()

    StageDisplay(lines.display).file_done(
        FileResult(
            "eu-west-2", WHEEL, Status.CONFLICT, 10, "staged concurrently with different bytes"
        )
    )

    assert lines.error == [
        line("conflict", "eu-west-2", WHEEL, ": staged concurrently with different bytes")
    ]
    assert (lines.info, lines.success) == ([], [])
