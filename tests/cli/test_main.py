"""End to end: the real ``startifact`` command in a subprocess against a moto server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fixtures.commands import RunCli
from tests.helpers import (
    BUCKET_PARAMETER,
    REGIONS,
    MakeFile,
    MakeOrganisation,
    aws_client,
    create_region,
    one_error_line,
    sha256,
    staged_by_cli,
    write_configuration,
)

pytestmark = pytest.mark.e2e


def configuration(region: str, parameter: str = "/startifact") -> dict[str, object]:
    value = aws_client("ssm", region).get_parameter(Name=parameter)
    document: dict[str, object] = json.loads(value["Parameter"]["Value"])
    return document


# ---- setup ----------------------------------------------------------------------------


def test_setup_from_scratch_writes_the_configuration_to_every_region(run_cli: RunCli) -> None:
    for region in REGIONS:
        create_region(region)

    result = run_cli(
        "setup",
        "--regions",
        ",".join(REGIONS),
        "--bucket-parameter",
        BUCKET_PARAMETER,
        "--key-prefix",
        "artifacts/",
        "--yes",
    )

    assert result.returncode == 0, result.stderr
    for region in REGIONS:
        assert f"written         {region}" in result.stdout
        assert configuration(region) == {
            "bucket_key_prefix": "artifacts/",
            "bucket_name_param": BUCKET_PARAMETER,
            "parameter_name_prefix": "",
            "regions": ",".join(REGIONS),
            # what each region's bucket name parameter holds: a hint that saves a round trip
            "buckets": {r: f"staging-{r}" for r in REGIONS},
        }
    assert result.stderr == ""


def test_setup_over_a_startifact_1_configuration_keeps_unknown_keys(run_cli: RunCli) -> None:
    for region in REGIONS:
        create_region(region)
    old = {
        "bucket_name_param": BUCKET_PARAMETER,
        "bucket_key_prefix": "old/",
        "parameter_name_prefix": "/old",
        "regions": ",".join(REGIONS),
        "save_ok": "2022-01-01T00:00:00",
        "start_ok": "2022-01-01T00:00:00",
    }
    write_configuration(old)

    result = run_cli("setup", "--key-prefix", "", "--parameter-prefix", "/new", "--yes")

    assert result.returncode == 0, result.stderr
    for region in REGIONS:
        assert configuration(region) == {
            **old,
            "bucket_key_prefix": "",
            "parameter_name_prefix": "/new",
            "buckets": {r: f"staging-{r}" for r in REGIONS},
        }


def test_setup_warns_but_writes_when_a_bucket_is_missing(run_cli: RunCli) -> None:
    create_region("us-east-1")
    create_region("eu-west-2", create_bucket=False)

    result = run_cli(
        "setup", "--regions", "us-east-1,eu-west-2", "--bucket-parameter", BUCKET_PARAMETER, "--yes"
    )

    assert result.returncode == 0
    assert result.stderr == (
        "warning: eu-west-2: bucket 'staging-eu-west-2' (from /buckets/staging) does not "
        "exist; create it before staging\n"
    )
    assert configuration("eu-west-2")["regions"] == "us-east-1,eu-west-2"


def test_setup_refuses_to_write_without_confirmation_when_not_interactive(run_cli: RunCli) -> None:
    create_region("us-east-1")

    result = run_cli("setup", "--regions", "us-east-1", "--bucket-parameter", BUCKET_PARAMETER)

    assert result.returncode == 2
    assert one_error_line(result) == (
        "error: not writing without confirmation: pass --yes to run non-interactively"
    )
    ssm = aws_client("ssm", "us-east-1")
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/startifact")


def test_setup_reports_every_bad_flag_at_once(run_cli: RunCli) -> None:
    result = run_cli(
        "setup",
        "--regions",
        "us-east-1,eu-nowhere-1",
        "--bucket-parameter",
        "no spaces",
        "--key-prefix",
        "/abs",
        "--parameter-prefix",
        "/end/",
        "--yes",
    )

    assert result.returncode == 2
    line = one_error_line(result)
    assert "--regions: 'eu-nowhere-1' is not a region known to botocore" in line
    assert "--bucket-parameter: 'no spaces' is not a valid SSM parameter name" in line
    assert "--key-prefix: '/abs' must be empty or path segments each ending in '/'" in line
    assert "--parameter-prefix: '/end/' must be empty, or start with '/'" in line


# ---- stage ----------------------------------------------------------------------------


def test_stage_writes_the_exact_documented_layout(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation(key_prefix="artifacts/", parameter_prefix="/staging")
    wheel = make_file("my_lib-1.0.0-py3-none-any.whl", b"wheel bytes")
    sdist = make_file("my_lib-1.0.0.tar.gz", b"sdist bytes")

    result = run_cli("stage", "My_Lib", "1.0.0", wheel, sdist, "--metadata", "commit=abc123")

    assert result.returncode == 0, result.stderr
    for region in REGIONS:
        stored = org.keys(region)
        assert sorted(stored) == [
            "artifacts/my-lib/1.0.0/my_lib-1.0.0-py3-none-any.whl",
            "artifacts/my-lib/1.0.0/my_lib-1.0.0-py3-none-any.whl.metadata.json",
            "artifacts/my-lib/1.0.0/my_lib-1.0.0.tar.gz",
            "artifacts/my-lib/1.0.0/my_lib-1.0.0.tar.gz.metadata.json",
            "artifacts/my-lib/index.json",
        ]
        assert stored["artifacts/my-lib/1.0.0/my_lib-1.0.0.tar.gz"] == b"sdist bytes"
        document = json.loads(stored["artifacts/my-lib/1.0.0/my_lib-1.0.0.tar.gz.metadata.json"])
        assert document["project"] == "my-lib"
        assert document["version"] == "1.0.0"
        assert document["filename"] == "my_lib-1.0.0.tar.gz"
        assert document["size"] == len(b"sdist bytes")
        assert document["sha256"] == sha256(b"sdist bytes")
        assert document["metadata"] == {"commit": "abc123"}
        assert document["staged_at"].endswith("Z")
        index = json.loads(stored["artifacts/my-lib/index.json"])
        assert index["versions"] == [
            {"version": "1.0.0", "files": ["my_lib-1.0.0-py3-none-any.whl", "my_lib-1.0.0.tar.gz"]}
        ]
        assert org.latest(region, "my-lib") == "1.0.0"
        assert f"staged          {region:<14}  my_lib-1.0.0.tar.gz (11 B)" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "Staged my-lib 1.0.0 in 3 of 3 region(s): 6 staged; latest version: 1.0.0."
    )


def test_identical_restage_succeeds_and_says_already_staged(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation()
    wheel = make_file("my_lib-1.0.0-py3-none-any.whl")
    staged_by_cli(run_cli, "my-lib", "1.0.0", wheel)
    before = org.everything()

    result = run_cli("stage", "my-lib", "1.0.0", wheel)

    assert result.returncode == 0
    assert result.stdout.count("already staged  ") == 3
    assert org.everything() == before


def test_different_bytes_are_refused_and_nothing_is_overwritten(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation()
    staged_by_cli(run_cli, "my-lib", "1.0.0", make_file("a.whl", b"first"))
    before = org.everything()
    again = make_file("a.whl", b"second", directory=make_file("x").parent / "other")

    result = run_cli("stage", "my-lib", "1.0.0", again)

    assert result.returncode == 1
    assert one_error_line(result) == (
        "error: refusing to stage my-lib 1.0.0: already staged with different bytes (a.whl in "
        "ap-south-1, eu-west-2, us-east-1); staged versions are immutable, so release a new "
        "version"
    )
    assert org.everything() == before


def test_latest_never_moves_backwards_or_to_a_prerelease(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation()
    for version in ("2.0.0", "1.5.0", "3.0.0rc1", "2.0.1.dev1"):
        result = run_cli("stage", "my-lib", version, make_file(f"lib-{version}.tar.gz"))
        assert result.returncode == 0, result.stderr
        assert all(org.latest(r, "my-lib") == "2.0.0" for r in REGIONS)
    staged_by_cli(run_cli, "my-lib", "2.0.1", make_file("lib-2.0.1.tar.gz"))
    assert all(org.latest(r, "my-lib") == "2.0.1" for r in REGIONS)
    index = json.loads(org.keys("us-east-1")["my-lib/index.json"])
    assert [v["version"] for v in index["versions"]] == [
        "3.0.0rc1",
        "2.0.1",
        "2.0.1.dev1",
        "2.0.0",
        "1.5.0",
    ]


def test_a_region_without_its_bucket_fails_alone_and_a_rerun_repairs_it(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation(without_bucket=["eu-west-2"])
    wheel = make_file("a-1.0-py3-none-any.whl")

    result = run_cli("stage", "a", "1.0", wheel)

    assert result.returncode == 3
    assert one_error_line(result) == (
        "error: 1 of 3 region(s) failed (eu-west-2: bucket 'staging-eu-west-2' does not exist "
        "in eu-west-2, where /buckets/staging names it: correct /buckets/staging there, or "
        "create the bucket); fix the cause and re-run the same command to complete them"
    )
    assert org.latest("us-east-1", "a") == "1.0"
    assert org.latest("eu-west-2", "a") is None

    create_region("eu-west-2")
    repair = run_cli("stage", "a", "1.0", wheel)

    assert repair.returncode == 0, repair.stderr
    assert f"staged          {'eu-west-2':<14}  a-1.0-py3-none-any.whl" in repair.stdout
    assert repair.stdout.count("already staged  ") == 2
    assert org.latest("eu-west-2", "a") == "1.0"


def test_concurrent_stagers_of_one_version_both_land_in_every_index(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation()
    names = [f"lib-1.0-cp3{n}-none-any.whl" for n in range(10, 14)]
    with ThreadPoolExecutor(len(names)) as pool:
        processes = list(
            pool.map(lambda name: run_cli("stage", "lib", "1.0", make_file(name), "-q"), names)
        )
    outputs = [(p.stdout, p.stderr) for p in processes]

    assert [p.returncode for p in processes] == [0] * len(names), outputs
    for region in REGIONS:
        index = json.loads(org.keys(region)["lib/index.json"])
        assert index["versions"] == [{"version": "1.0", "files": sorted(names)}]
        assert org.latest(region, "lib") == "1.0"


def test_dry_run_writes_nothing_and_says_what_would_happen(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation()

    result = run_cli("stage", "a", "1.0", make_file("a.whl", b"12345"), "--dry-run")

    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == (
        "Dry run for a 1.0 in 3 region(s): 3 would stage (15 B to upload); nothing was written."
    )
    assert all(org.keys(r) == {} for r in REGIONS)


def test_json_output_describes_every_region_and_file(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    make_organisation(without_bucket=["ap-south-1"])

    result = run_cli("stage", "a", "1.0", make_file("a.whl", b"abc"), "--json")

    assert result.returncode == 3
    document = json.loads(result.stdout)
    assert document["exit_code"] == 3
    by_region = {r["region"]: r for r in document["regions"]}
    assert by_region["us-east-1"] == {
        "region": "us-east-1",
        "ok": True,
        "error": None,
        "latest": "1.0",
        "files": [{"filename": "a.whl", "status": "staged", "size": 3}],
    }
    assert by_region["ap-south-1"]["ok"] is False
    assert "bucket 'staging-ap-south-1' does not exist" in by_region["ap-south-1"]["error"]


def test_quiet_prints_nothing_on_success(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    make_organisation()

    result = run_cli("stage", "a", "1.0", make_file("a.whl"), "--quiet")

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_large_file_is_staged_in_parts_and_recognised_on_restage(
    run_cli: RunCli, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation(regions=["us-east-1"])
    big = make_file("big.whl", bytes(range(256)) * (40 * 1024 + 7))  # ~10 MiB: two parts

    first = run_cli("stage", "big", "1.0", big)
    again = run_cli("stage", "big", "1.0", big)

    assert first.returncode == 0, first.stderr
    assert "staged          us-east-1       big.whl (10.5 MB)" in first.stdout
    assert again.returncode == 0, again.stderr
    assert "already staged  us-east-1       big.whl" in again.stdout
    assert org.keys("us-east-1")["big/1.0/big.whl"] == big.read_bytes()


# ---- bad input: one clear line, exit code, nothing written --------------------------------


BAD_INPUTS = [
    pytest.param(
        ["stage", "a", "not-a-version", "{wheel}"],
        2,
        "error: invalid version 'not-a-version': it is not a PEP 440 version (e.g. 1.2.3, 2.0rc1)",
        id="invalid-version",
    ),
    pytest.param(
        ["stage", "a/b", "1.0", "{wheel}"],
        2,
        "error: invalid project name 'a/b': use letters, digits, '.', '_' and '-', "
        "starting and ending with a letter or digit (PEP 508)",
        id="project-slash",
    ),
    pytest.param(
        ["stage", "..", "1.0", "{wheel}"],
        2,
        "error: invalid project name '..': use letters, digits, '.', '_' and '-', "
        "starting and ending with a letter or digit (PEP 508)",
        id="project-dotdot",
    ),
    pytest.param(
        ["stage", "a", "1.0", "{wheel}", "--metadata", "sha256=x"],
        2,
        "error: metadata key 'sha256' is reserved for hatch-startifact: choose another "
        "name (reserved: filename, metadata, project, sha256, size, staged_at, "
        "staged_by, version and keys starting with 'startifact')",
        id="reserved-key",
    ),
    pytest.param(
        ["stage", "a", "1.0", "{wheel}", "--metadata", "novalue"],
        2,
        "error: invalid metadata 'novalue': expected KEY=VALUE",
        id="metadata-syntax",
    ),
    pytest.param(
        ["stage", "a", "1.0", "missing.whl"],
        2,
        "error: file not found: missing.whl",
        id="missing-file",
    ),
    pytest.param(["stage", "a", "1.0", "."], 2, "error: not a file: .", id="directory"),
    pytest.param(
        ["stage", "a", "1.0", "{wheel}", "--regions", ""],
        2,
        "error: --regions: no regions given: name at least one region (e.g. us-east-1,eu-west-2)",
        id="empty-regions",
    ),
    pytest.param(
        ["stage", "a", "1.0", "{wheel}", "--regions", "us-east-1,eu-nowhere-1"],
        2,
        "error: --regions: 'eu-nowhere-1' is not a region known to botocore",
        id="unknown-region",
    ),
    pytest.param(
        ["stage", "a", "1.0", "{wheel}", "--regions", "Mars"],
        2,
        "error: --regions: 'Mars' is not an AWS region name (e.g. us-east-1)",
        id="malformed-region",
    ),
    pytest.param(
        ["stage", "a", "1.0", "{wheel}", "--parameter", "bad name"],
        2,
        "error: --parameter: 'bad name' is not a valid SSM parameter name "
        "(letters, digits, _ . - /)",
        id="bad-parameter-name",
    ),
    pytest.param(
        ["stage", "a", "1.0", "{wheel}", "--parameter", "/nothing-here"],
        1,
        "error: organisation configuration /nothing-here could not be read from any "
        "region (us-east-1: not found): run `startifact setup`, or check the parameter name "
        "(--parameter, -o parameter, STARTIFACT_PARAMETER or [tool.startifact]) and your "
        "credentials",
        id="no-configuration",
    ),
    pytest.param(["stage"], 2, "", id="usage"),
]


@pytest.mark.parametrize(("args", "code", "message"), BAD_INPUTS)
def test_bad_input_gives_one_clear_line_and_writes_nothing(
    run_cli: RunCli,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    args: list[str],
    code: int,
    message: str,
) -> None:
    org = make_organisation()
    wheel = make_file("a-1.0-py3-none-any.whl")
    workdir = wheel.parent

    result = run_cli(*[a.replace("{wheel}", wheel.name) for a in args], cwd=workdir)

    assert result.returncode == code
    if code == 2 and not message:
        assert "usage: startifact stage" in result.stderr
    else:
        assert one_error_line(result).startswith(message)
    assert all(org.keys(r) == {} for r in REGIONS)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "{not json",
            "error: organisation configuration /startifact in us-east-1 is not valid "
            "JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
            "(char 1)): rewrite it with `startifact setup`",
        ),
        (
            '["a list"]',
            "error: organisation configuration /startifact in us-east-1 must be a JSON "
            "object, not list: rewrite it with `startifact setup`",
        ),
        (
            '{"regions": "", "bucket_key_prefix": "x"}',
            "error: organisation configuration /startifact in us-east-1 is invalid: "
            "bucket_name_param: missing; bucket_key_prefix: 'x' must be empty or path "
            "segments each ending in '/' (e.g. staging/); regions: no regions given: name at "
            "least one region (e.g. us-east-1,eu-west-2). Fix it with `startifact setup`",
        ),
    ],
)
def test_a_broken_organisation_configuration_is_reported_with_every_problem(
    run_cli: RunCli,
    make_organisation: MakeOrganisation,
    make_file: MakeFile,
    document: str,
    message: str,
) -> None:
    org = make_organisation()
    write_configuration(document, ["us-east-1"])

    result = run_cli(
        "stage", "a", "1.0", make_file("a.whl"), env={"AWS_DEFAULT_REGION": "us-east-1"}
    )

    assert result.returncode == 1
    assert one_error_line(result) == message
    assert all(org.keys(r) == {} for r in REGIONS)


def test_module_and_console_script_report_the_version(run_cli: RunCli) -> None:
    from hatch_startifact import __version__

    result = run_cli("--version")

    assert (result.returncode, result.stdout) == (0, f"startifact {__version__}\n")


@pytest.mark.parametrize("command", [["versions", "my-lib"], ["info", "my-lib"]])
def test_reading_commands_reach_aws_without_importing_what_they_do_not_need(
    command: list[str], tmp_path: Path
) -> None:
    # Start-up is what a deploy job pays before its first request: pluggy (plugins only run
    # when staging) and packaging.tags (wheel tags) are not part of it.
    code = (
        "import sys\n"
        "from hatch_startifact.cli import main\n"
        f"code = main({command!r})\n"
        "late = sorted(m for m in ('pluggy', 'packaging.tags', 'hatch') if m in sys.modules)\n"
        "print(code, ','.join(late))\n"
    )
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # refused at once: no AWS is reached
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )

    assert result.stdout == "1 \n", result.stderr
