"""End to end: the build hook staging during the real ``hatch build``, and never for editables."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.fixtures.commands import MakeProject, RunHatch
from tests.helpers import MakeOrganisation

HOOK_OFF_BY_DEFAULT = "[tool.hatch.build.hooks.startifact]\nenable-by-default = false\n"
ENABLE = {"HATCH_BUILD_HOOK_ENABLE_STARTIFACT": "1"}


@pytest.mark.e2e
def test_the_hook_stages_sdist_and_wheel_when_enabled_in_ci(
    make_project: MakeProject,
    run_hatch: RunHatch,
    make_organisation: MakeOrganisation,
) -> None:
    org = make_organisation()
    root = make_project(extra=HOOK_OFF_BY_DEFAULT)

    result = run_hatch("build", cwd=root, env=ENABLE)

    assert result.returncode == 0, result.stderr
    for region in org.regions:
        stored = org.keys(region)
        assert sorted(k for k in stored if not k.endswith(".json")) == [
            "demo-lib/1.2.0/demo_lib-1.2.0-py2.py3-none-any.whl",
            "demo-lib/1.2.0/demo_lib-1.2.0-py2.py3-none-any.whl.metadata",  # its core metadata
            "demo-lib/1.2.0/demo_lib-1.2.0.tar.gz",
        ]
        assert (
            stored["demo-lib/1.2.0/demo_lib-1.2.0.tar.gz"]
            == (root / "dist" / "demo_lib-1.2.0.tar.gz").read_bytes()
        )
        assert org.latest(region, "demo-lib") == "1.2.0"


@pytest.mark.e2e
def test_the_hook_stages_nothing_unless_enabled(
    make_project: MakeProject,
    run_hatch: RunHatch,
    make_organisation: MakeOrganisation,
) -> None:
    org = make_organisation()
    root = make_project(extra=HOOK_OFF_BY_DEFAULT)

    result = run_hatch("build", cwd=root)

    assert result.returncode == 0, result.stderr
    assert all(org.keys(r) == {} for r in org.regions)


@pytest.mark.e2e
def test_the_hook_never_stages_an_editable_install(
    make_project: MakeProject,
    run_hatch: RunHatch,
    make_organisation: MakeOrganisation,
) -> None:
    org = make_organisation()
    # uv installs the project as pip would (the same PEP 660 editable build), in a third of the
    # time.
    root = make_project(extra=HOOK_OFF_BY_DEFAULT + '[tool.hatch.envs.default]\ninstaller = "uv"\n')

    result = run_hatch("env", "create", cwd=root, env=ENABLE)

    assert result.returncode == 0, result.stderr
    assert all(org.keys(r) == {} for r in org.regions)


@pytest.mark.e2e
def test_bad_configuration_fails_the_build_with_one_line(
    make_project: MakeProject,
    run_hatch: RunHatch,
    make_organisation: MakeOrganisation,
) -> None:
    org = make_organisation()
    root = make_project(extra=HOOK_OFF_BY_DEFAULT + '\n[tool.startifact]\nmetdata = {a = "b"}\n')

    result = run_hatch("build", cwd=root, env=ENABLE)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "tool.startifact.metdata is not an option (did you mean 'metadata'?)" in (
        result.stderr.splitlines()
    )
    assert all(org.keys(r) == {} for r in org.regions)


def test_registering_the_hooks_imports_neither_boto3_nor_hatch() -> None:
    code = (
        "import sys\n"
        "import hatch_startifact.hatch_plugin as hooks\n"
        "hooks.hatch_register_build_hook()\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'hatch', 's3transfer') "
        "if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout == "\n"
