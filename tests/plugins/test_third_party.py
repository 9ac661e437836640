"""End to end: a real third-party plugin package, installed with pip, found by entry point.

The package is built and installed by pip into a directory on ``PYTHONPATH`` of the commands
under test, so ``startifact`` and ``hatch`` discover it exactly as they would discover any
installed distribution, without changing the environment running the tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from tests.fixtures.commands import MakeProject, RunCli, RunHatch
from tests.helpers import MakeOrganisation

pytestmark = pytest.mark.e2e

PLUGIN = """
import json
import os

from hatch_startifact import hookimpl


@hookimpl
def startifact_version(version):
    return os.environ.get("EXAMPLE_PLUGIN_VERSION")


@hookimpl
def startifact_metadata(filename, sha256):
    if os.environ.get("EXAMPLE_PLUGIN_FAIL"):
        raise RuntimeError("ticket service unreachable")
    return {"ticket": "OPS-42", "checked": sha256[:8]}


@hookimpl
def startifact_staged(report):
    log = os.environ.get("EXAMPLE_PLUGIN_LOG")
    if log:
        with open(log, "w") as stream:
            json.dump({r.region: [f.status.value for f in r.files] for r in report.regions},
                      stream)
"""


@pytest.fixture(scope="session")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin, installed by pip into a directory for ``PYTHONPATH``."""
    source = tmp_path_factory.mktemp("plugin-source")
    (source / "startifact_example_plugin.py").write_text(PLUGIN)
    (source / "pyproject.toml").write_text(
        dedent("""
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "startifact-example-plugin"
        version = "1.0"

        [project.entry-points.startifact]
        example = "startifact_example_plugin"

        [tool.hatch.build.targets.wheel]
        include = ["startifact_example_plugin.py"]
    """)
    )
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
    )
    return target


def test_startifact_plugins_lists_the_installed_plugin(run_cli: RunCli, plugin_path: Path) -> None:
    result = run_cli("plugins", "--json", env={"PYTHONPATH": str(plugin_path)})

    assert result.returncode == 0, result.stderr
    found = {p["name"]: p for p in json.loads(result.stdout)}
    assert found["example"]["hooks"] == [
        "startifact_metadata",
        "startifact_staged",
        "startifact_version",
    ]
    assert found["example"]["builtin"] is False
    assert {"startifact.git", "startifact.ci"} <= set(found)


def test_the_plugin_changes_the_version_and_adds_metadata_through_startifact_stage(
    run_cli: RunCli, plugin_path: Path, make_organisation: MakeOrganisation, tmp_path: Path
) -> None:
    org = make_organisation()
    artifact = tmp_path / "lib-1.0.tar.gz"
    artifact.write_bytes(b"lib")
    log = tmp_path / "staged.json"
    env = {
        "PYTHONPATH": str(plugin_path),
        "EXAMPLE_PLUGIN_VERSION": "1.0.post7",
        "EXAMPLE_PLUGIN_LOG": str(log),
    }

    result = run_cli("stage", "lib", "1.0", artifact, env=env)

    assert result.returncode == 0, result.stderr
    for region in org.regions:
        document = json.loads(org.keys(region)["lib/1.0.post7/lib-1.0.tar.gz.metadata.json"])
        assert document["version"] == "1.0.post7"
        assert document["metadata"] == {"ticket": "OPS-42", "checked": document["sha256"][:8]}
        assert org.latest(region, "lib") == "1.0.post7"
    assert json.loads(log.read_text()) == {r: ["staged"] for r in org.regions}


def test_the_plugin_works_through_hatch_publish(
    make_project: MakeProject,
    run_hatch: RunHatch,
    plugin_path: Path,
    make_organisation: MakeOrganisation,
) -> None:
    org = make_organisation()
    root = make_project()
    assert run_hatch("build", cwd=root).returncode == 0
    env = {"PYTHONPATH": str(plugin_path), "EXAMPLE_PLUGIN_VERSION": "1.2.0+ci.5"}

    result = run_hatch("publish", "-p", "startifact", cwd=root, env=env)

    assert result.returncode == 0, result.stderr
    stored = org.keys("eu-west-2")
    document = json.loads(stored["demo-lib/1.2.0+ci.5/demo_lib-1.2.0.tar.gz.metadata.json"])
    assert document["metadata"]["ticket"] == "OPS-42"
    assert org.latest("eu-west-2", "demo-lib") == "1.2.0+ci.5"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"EXAMPLE_PLUGIN_FAIL": "1"},
            "error: plugin 'example' failed in startifact_metadata: RuntimeError: ticket service "
            "unreachable",
        ),
        (
            {"EXAMPLE_PLUGIN_VERSION": "banana"},
            "error: plugin 'example' returned 'banana' from startifact_version, which is not a "
            "PEP 440 version",
        ),
    ],
)
def test_a_misbehaving_plugin_is_named_and_nothing_is_written(
    run_cli: RunCli,
    plugin_path: Path,
    make_organisation: MakeOrganisation,
    tmp_path: Path,
    env: dict[str, str],
    message: str,
) -> None:
    org = make_organisation()
    artifact = tmp_path / "lib-1.0.tar.gz"
    artifact.write_bytes(b"lib")

    result = run_cli("stage", "lib", "1.0", artifact, env={"PYTHONPATH": str(plugin_path), **env})

    assert result.returncode == 1
    assert result.stderr.splitlines() == [message]
    assert all(org.keys(r) == {} for r in org.regions)


def test_a_plugin_can_be_disabled_by_name(
    run_cli: RunCli, plugin_path: Path, make_organisation: MakeOrganisation, tmp_path: Path
) -> None:
    org = make_organisation()
    artifact = tmp_path / "lib-1.0.tar.gz"
    artifact.write_bytes(b"lib")
    env = {"PYTHONPATH": str(plugin_path), "EXAMPLE_PLUGIN_FAIL": "1"}

    result = run_cli("stage", "lib", "1.0", artifact, "--disable-plugin", "example", env=env)

    assert result.returncode == 0, result.stderr
    document = json.loads(org.keys("us-east-1")["lib/1.0/lib-1.0.tar.gz.metadata.json"])
    assert document["metadata"] == {}
