"""End to end: ``hatch publish -p startifact`` through the real ``hatch`` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.fixtures.commands import MakeProject, RunHatch, hatch, write_project
from tests.helpers import MakeOrganisation, Result

pytestmark = pytest.mark.e2e

WHEEL = "demo_lib-1.2.0-py2.py3-none-any.whl"
SDIST = "demo_lib-1.2.0.tar.gz"
#: Where a command that must not talk to AWS would find nothing.
UNREACHABLE = "http://127.0.0.1:9"


def error_lines(result: Result) -> list[str]:
    assert "Traceback" not in result.stderr + result.stdout
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def built_once(
    tmp_path_factory: pytest.TempPathFactory, plugin_wheel: Path, hatch_home: Path
) -> Path:
    """A project built once with ``hatch build``, with an older version's files left in dist/
    (building talks to no AWS service: the build hook is not configured)."""
    root = write_project(
        tmp_path_factory.mktemp("built") / "project",
        plugin_wheel,
        extra='[tool.startifact.metadata]\nteam = "platform"\n',
    )
    dist = root / "dist"
    dist.mkdir()
    (dist / "demo_lib-1.1.0-py2.py3-none-any.whl").write_bytes(b"old wheel")
    (dist / "demo_lib-1.1.0.tar.gz").write_bytes(b"old sdist")
    result = hatch("build", cwd=root, home=hatch_home, endpoint=UNREACHABLE, env=None, timeout=300)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def built(built_once: Path, tmp_path: Path) -> Path:
    """This test's own copy of the built project (publishing only reads it)."""
    return Path(shutil.copytree(built_once, tmp_path / "project"))


def test_publish_with_no_arguments_stages_only_the_current_version(
    built: Path, run_hatch: RunHatch, make_organisation: MakeOrganisation
) -> None:
    org = make_organisation()

    result = run_hatch("publish", "-p", "startifact", cwd=built)

    assert result.returncode == 0, result.stderr
    for region in org.regions:
        stored = org.keys(region)
        assert sorted(k for k in stored if not k.endswith(".json")) == [
            f"demo-lib/1.2.0/{WHEEL}",
            f"demo-lib/1.2.0/{WHEEL}.metadata",  # its core metadata, read from the wheel
            f"demo-lib/1.2.0/{SDIST}",
        ]
        assert stored[f"demo-lib/1.2.0/{WHEEL}"] == (built / "dist" / WHEEL).read_bytes()
        assert org.latest(region, "demo-lib") == "1.2.0"
    output = result.stdout + result.stderr
    assert "Staged demo-lib 1.2.0 in 3 of 3 region(s): 6 staged; latest version: 1.2.0." in output


def test_publish_with_named_files_stages_just_those(
    built: Path, run_hatch: RunHatch, make_organisation: MakeOrganisation
) -> None:
    org = make_organisation()

    result = run_hatch("publish", "-p", "startifact", f"dist/{SDIST}", cwd=built)

    assert result.returncode == 0, result.stderr
    assert sorted(k for k in org.keys("eu-west-2") if not k.endswith(".json")) == [
        f"demo-lib/1.2.0/{SDIST}"
    ]


def test_publish_refuses_a_named_file_of_another_version(
    built: Path, run_hatch: RunHatch, make_organisation: MakeOrganisation
) -> None:
    org = make_organisation()

    result = run_hatch("publish", "-p", "startifact", "dist/demo_lib-1.1.0.tar.gz", cwd=built)

    assert result.returncode == 2
    assert error_lines(result) == [
        "dist/demo_lib-1.1.0.tar.gz is demo-lib 1.1.0, but the project is demo-lib 1.2.0: "
        "build it again or stage it with `startifact stage`"
    ]
    assert all(org.keys(r) == {} for r in org.regions)


def test_dry_run_option_writes_nothing(
    built: Path, run_hatch: RunHatch, make_organisation: MakeOrganisation
) -> None:
    org = make_organisation()

    result = run_hatch("publish", "-p", "startifact", "-o", "dry-run", cwd=built)

    assert result.returncode == 0, result.stderr
    assert "would stage" in result.stdout + result.stderr
    assert all(org.keys(r) == {} for r in org.regions)


def test_metadata_from_pyproject_and_options_lands_in_every_document(
    built: Path, run_hatch: RunHatch, make_organisation: MakeOrganisation
) -> None:
    org = make_organisation()

    result = run_hatch(
        "publish",
        "-p",
        "startifact",
        "-o",
        "metadata.commit=abc123",
        "-o",
        "metadata.team=release",
        cwd=built,
    )

    assert result.returncode == 0, result.stderr
    document = json.loads(org.keys("ap-south-1")[f"demo-lib/1.2.0/{WHEEL}.metadata.json"])
    assert document["metadata"] == {"commit": "abc123", "team": "release"}


def test_republishing_identical_files_succeeds_as_already_staged(
    built: Path, run_hatch: RunHatch, make_organisation: MakeOrganisation
) -> None:
    make_organisation()
    assert run_hatch("publish", "-p", "startifact", cwd=built).returncode == 0

    result = run_hatch("publish", "-p", "startifact", cwd=built)

    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).count("already staged  ") == 6


def test_a_failed_region_exits_3_naming_it(
    built: Path, run_hatch: RunHatch, make_organisation: MakeOrganisation
) -> None:
    make_organisation(without_bucket=["ap-south-1"])

    result = run_hatch("publish", "-p", "startifact", "--no-prompt", cwd=built)

    assert result.returncode == 3
    assert error_lines(result)[-1] == (
        "1 of 3 region(s) failed (ap-south-1: bucket 'staging-ap-south-1' does not exist in "
        "ap-south-1, where /buckets/staging names it: correct /buckets/staging there, or "
        "create the bucket); fix the cause and re-run the same command to complete them"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[tool.startifact]\nregion = "us-east-1"\n',
            "tool.startifact.region is not an option (did you mean 'regions'?)",
        ),
        (
            "[tool.startifact]\nparameter = 5\n",
            "tool.startifact.parameter must be a string, not int (5)",
        ),
        (
            "[tool.hatch.publish.startifact]\nregions = ['us-east-1']\n",
            "tool.hatch.publish.startifact.regions is not an option (valid keys: disable); "
            "configure staging in [tool.startifact]",
        ),
    ],
)
def test_bad_configuration_fails_with_one_line_naming_the_key(
    make_project: MakeProject,
    run_hatch: RunHatch,
    make_organisation: MakeOrganisation,
    extra: str,
    message: str,
) -> None:
    org = make_organisation()
    root = make_project(extra=extra)
    (root / "dist").mkdir()
    (root / "dist" / SDIST).write_bytes(b"sdist")

    result = run_hatch("publish", "-p", "startifact", cwd=root)

    assert result.returncode == 2
    assert error_lines(result) == [message]
    assert all(org.keys(r) == {} for r in org.regions)


def test_an_unknown_option_is_refused_with_a_suggestion(
    built: Path, run_hatch: RunHatch, make_organisation: MakeOrganisation
) -> None:
    make_organisation()

    result = run_hatch("publish", "-p", "startifact", "-o", "dryrun", cwd=built)

    assert result.returncode == 2
    assert error_lines(result) == ["-o dryrun is not an option (did you mean 'dry-run'?)"]


def test_a_disabled_publisher_is_not_run_without_confirmation(
    make_project: MakeProject,
    run_hatch: RunHatch,
    make_organisation: MakeOrganisation,
) -> None:
    org = make_organisation()
    root = make_project(extra="[tool.hatch.publish.startifact]\ndisable = true\n")
    (root / "dist").mkdir()
    (root / "dist" / SDIST).write_bytes(b"sdist")

    result = run_hatch("publish", "-p", "startifact", "--no-prompt", cwd=root)

    assert result.returncode == 1
    assert error_lines(result) == ["Publisher is disabled: startifact"]
    assert all(org.keys(r) == {} for r in org.regions)


def test_nothing_built_says_what_to_run(
    make_project: MakeProject,
    run_hatch: RunHatch,
    make_organisation: MakeOrganisation,
) -> None:
    make_organisation()
    root = make_project()

    result = run_hatch("publish", "-p", "startifact", cwd=root)

    assert result.returncode == 2
    assert error_lines(result) == [
        f"no wheel or sdist of demo-lib 1.2.0 in {root / 'dist'}: run `hatch build` first, "
        "or name the files to stage"
    ]
