"""Staging works with exactly the Write grant of docs/permissions.md, and no more.

moto enforces IAM in server mode for S3 resources; it evaluates SSM actions against ``*``, so
the SSM side is proven by recording every call a stage makes (in-process, real clients).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import (  # type: ignore[import-untyped]  # no type information
    loads as load_cfn_yaml,
)

from hatch_startifact.admin.iam import organisation_template, project_policies
from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.session import Session
from tests.fixtures.commands import MakeProject, RunCli, RunHatch
from tests.fixtures.moto import disable_iam, enforce_iam
from tests.helpers import (
    BUCKET_PARAMETER,
    MakeFile,
    MakeOrganisation,
    Organisation,
    allows,
    boto3_session,
    grants,
    iam_user,
    one_error_line,
    read_grant,
    resolved,
    staged_by_cli,
)


def write_policy(org: Organisation) -> dict[str, Any]:
    """The Write grant: exactly what docs/permissions.md lists (SSM on * as moto needs)."""
    prefix = org.key_prefix
    buckets = list(org.buckets.values())
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:PutParameter"],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": [f"arn:aws:s3:::{b}" for b in buckets],
            },
            {
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": [f"arn:aws:s3:::{b}/{prefix}*" for b in buckets],
            },
            {
                "Effect": "Deny",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": [f"arn:aws:s3:::{b}/{prefix}*/yanks/*" for b in buckets],
            },
        ],
    }


@pytest.mark.e2e
def test_the_write_grant_is_enough_to_stage_restage_and_move_latest(
    run_cli: RunCli, server: str, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation(key_prefix="artifacts/", parameter_prefix="/staging")
    stager = iam_user(write_policy(org), "stager")
    big = make_file("lib-2.0.tar.gz", b"x" * (9 * 1024 * 1024))  # multipart too
    enforce_iam(server)

    first = run_cli("stage", "lib", "1.0", make_file("lib-1.0.tar.gz"), env=stager)
    again = run_cli("stage", "lib", "1.0", make_file("lib-1.0.tar.gz"), env=stager)
    newer = run_cli("stage", "lib", "2.0", big, env=stager)

    assert (first.returncode, first.stderr) == (0, "")
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout.count("already staged  ") == 3
    assert (newer.returncode, newer.stderr) == (0, "")
    assert "latest version: 2.0." in newer.stdout


@pytest.mark.e2e
def test_a_reader_cannot_stage_and_is_told_which_permission_is_missing(
    run_cli: RunCli, server: str, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation(regions=["us-east-1"])
    reader = iam_user(read_grant(org.buckets.values(), org.key_prefix), "reader")
    enforce_iam(server)

    result = run_cli("stage", "lib", "1.0", make_file("lib-1.0.tar.gz"), env=reader)

    assert result.returncode == 1
    assert result.stderr == (
        "error: 1 of 1 region(s) failed (us-east-1: access denied in us-east-1: s3:ListBucket on "
        "arn:aws:s3:::staging-us-east-1 is not allowed (granted by AllowWrite)); fix the cause "
        "and re-run the same command to complete them\n"
    )


def test_staging_calls_only_the_write_actions_on_the_allowed_parameters(
    mocked: None, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    make_organisation(parameter_prefix="/staging")
    calls: list[tuple[str, str, str]] = []

    def record(model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        service = model.service_model.service_name
        calls.append((service, model.name, str(params.get("Name", ""))))

    session = boto3_session(("before-parameter-build", record), region_name="us-east-1")
    with Session(boto3_session=session) as startifact:
        for _ in range(2):  # stage, then re-stage
            report = startifact.stage("lib", "1.0", [make_file("lib-1.0.tar.gz")])
            assert report.exit_code == 0

    ssm = {(op, name) for service, op, name in calls if service == "ssm"}
    assert ssm == {
        ("GetParameter", "/startifact"),
        ("GetParameter", "/buckets/staging"),
        ("PutParameter", "/staging/lib/latest"),
    }
    s3 = {op for service, op, _ in calls if service == "s3"}
    assert s3 == {"ListObjectsV2", "PutObject"}
    assert {service for service, _, _ in calls} == {"ssm", "s3"}


# ---- project-level access (Owner, Contributor, Viewer) enforced by moto ------------------
#
# The documents are `project_policies(..., account="*")` for lib-a, attached as inline user
# policies. moto evaluates SSM actions against resource ``*`` only, so each SSM statement's
# Resource becomes ``*`` for attachment (its actions kept); the S3 statements are attached
# exactly as generated, and moto enforces their resources. moto also ignores the ``StringLike``
# ``s3:prefix`` condition on ListBucket; what it cannot enforce is asserted on the documents
# (here and in test_iam.py, which replays real calls against them).

PROJECT_REGIONS = ("us-east-1", "eu-west-2")


@dataclass(frozen=True)
class ProjectAccess:
    org: Organisation
    policies: dict[str, dict[str, Any]]
    owner: dict[str, str]
    contributor: dict[str, str]
    viewer: dict[str, str]
    server: str

    def keys(self, project: str) -> dict[str, dict[str, bytes]]:
        """Each region's objects of ``project``, seen with enforcement switched off."""
        disable_iam(self.server)
        prefix = f"{self.org.key_prefix}{project}/"
        return {
            region: {k: v for k, v in self.org.keys(region).items() if k.startswith(prefix)}
            for region in self.org.regions
        }

    def latest(self, project: str) -> dict[str, str | None]:
        disable_iam(self.server)
        return {region: self.org.latest(region, project) for region in self.org.regions}


def for_moto(document: dict[str, Any]) -> dict[str, Any]:
    """The document as attached in moto: SSM statements on ``*``, S3 statements untouched."""
    attached = copy.deepcopy(document)
    for statement in attached["Statement"]:
        services = {str(action).split(":")[0] for action in statement["Action"]}
        assert len(services) == 1, statement  # never SSM and S3 in one statement
        if services == {"ssm"}:
            statement["Resource"] = "*"
    return attached


@pytest.fixture
def lib_a(server: str, make_organisation: MakeOrganisation) -> ProjectAccess:
    org = make_organisation(PROJECT_REGIONS, key_prefix="artifacts/", parameter_prefix="/staging")
    config = OrganisationConfig(BUCKET_PARAMETER, org.regions, org.key_prefix, org.parameter_prefix)
    policies = project_policies(config, "/startifact", org.buckets, "lib-a", account="*")
    access = ProjectAccess(
        org,
        policies,
        owner=iam_user(for_moto(policies["Owner"]), "owner-A"),
        contributor=iam_user(for_moto(policies["Contributor"]), "contributor-A"),
        viewer=iam_user(for_moto(policies["Viewer"]), "viewer-A"),
        server=server,
    )
    enforce_iam(server)
    return access


def denied_everywhere(action: str, resource: str) -> str:
    """The error of a stage every region of lib-a refused (regions in the order tried)."""
    return "; ".join(
        f"{region}: access denied in {region}: {action} on "
        f"{resource.format(bucket=f'staging-{region}')} is not allowed (granted by AllowWrite)"
        for region in PROJECT_REGIONS
    )


@pytest.mark.e2e
@pytest.mark.parametrize("role", ["contributor", "owner"])
def test_a_project_writer_stages_restages_and_moves_its_record_forward(
    run_cli: RunCli, lib_a: ProjectAccess, make_file: MakeFile, role: str
) -> None:
    user: dict[str, str] = getattr(lib_a, role)
    sdist = make_file("lib_a-1.0.tar.gz")

    first = run_cli("stage", "lib-a", "1.0", sdist, env=user)
    again = run_cli("stage", "lib-a", "1.0", sdist, env=user)
    newer = run_cli("stage", "lib-a", "2.0", make_file("lib_a-2.0.tar.gz"), env=user)

    assert (first.returncode, first.stderr) == (0, "")
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout.count("already staged  ") == 2  # the file, in both regions
    assert (newer.returncode, newer.stderr) == (0, "")
    assert "latest version: 2.0." in newer.stdout
    stored = lib_a.keys("lib-a")
    for region in PROJECT_REGIONS:
        assert stored[region]["artifacts/lib-a/1.0/lib_a-1.0.tar.gz"] == sdist.read_bytes()
        assert "artifacts/lib-a/2.0/lib_a-2.0.tar.gz" in stored[region]
    assert lib_a.latest("lib-a") == dict.fromkeys(PROJECT_REGIONS, "2.0")


@pytest.mark.e2e
def test_a_project_viewer_reads_but_is_refused_staging_naming_the_permission(
    run_cli: RunCli, lib_a: ProjectAccess, make_file: MakeFile, tmp_path: Path
) -> None:
    sdist = make_file("lib_a-1.0.tar.gz")
    staged_by_cli(run_cli, "lib-a", "1.0", sdist, env=lib_a.contributor)

    info = run_cli("info", "lib-a", "--json", env=lib_a.viewer)
    versions = run_cli("versions", "lib-a", "--json", env=lib_a.viewer)
    download = run_cli("download", "lib-a", "--dest", tmp_path / "out", env=lib_a.viewer)
    staged = run_cli("stage", "lib-a", "2.0", make_file("lib_a-2.0.tar.gz"), env=lib_a.viewer)

    assert (info.returncode, info.stderr) == (0, "")
    assert json.loads(info.stdout)["version"] == "1.0"
    assert (versions.returncode, versions.stderr) == (0, "")
    assert json.loads(versions.stdout) == {
        "project": "lib-a",
        "latest": "1.0",
        "versions": [
            {
                "version": "1.0",
                "files": ["lib_a-1.0.tar.gz"],
                "regions": sorted(PROJECT_REGIONS),
                "yanked": False,
                "yank": None,
                "layout": "hatch-startifact",
            }
        ],
    }
    assert (download.returncode, download.stderr) == (0, "")
    assert (tmp_path / "out" / "lib_a-1.0.tar.gz").read_bytes() == sdist.read_bytes()
    assert staged.returncode == 1
    assert one_error_line(staged) == (
        "error: 2 of 2 region(s) failed ("
        + denied_everywhere("s3:ListBucket", "arn:aws:s3:::{bucket}")
        + "); fix the cause and re-run the same command to complete them"
    )
    assert all(not any("/2.0/" in key for key in keys) for keys in lib_a.keys("lib-a").values())
    assert lib_a.latest("lib-a") == dict.fromkeys(PROJECT_REGIONS, "1.0")


@pytest.mark.e2e
@pytest.mark.parametrize("role", ["contributor", "owner"])
def test_a_project_writer_is_refused_another_project_and_writes_nothing(
    run_cli: RunCli, lib_a: ProjectAccess, make_file: MakeFile, role: str
) -> None:
    user: dict[str, str] = getattr(lib_a, role)

    result = run_cli("stage", "lib-b", "1.0", make_file("lib_b-1.0.tar.gz"), env=user)

    # In AWS the s3:prefix condition refuses the listing first; moto ignores conditions, so
    # here the first write is refused.
    assert result.returncode == 1
    assert one_error_line(result) == (
        "error: 2 of 2 region(s) failed ("
        + denied_everywhere(
            "s3:PutObject", "arn:aws:s3:::{bucket}/artifacts/lib-b/1.0/lib_b-1.0.tar.gz"
        )
        + "); fix the cause and re-run the same command to complete them"
    )
    assert lib_a.keys("lib-b") == {region: {} for region in PROJECT_REGIONS}
    assert lib_a.latest("lib-b") == dict.fromkeys(PROJECT_REGIONS, None)


@pytest.mark.e2e
def test_hatch_publish_with_project_contributor_keys_stages_the_project(
    run_hatch: RunHatch, lib_a: ProjectAccess, make_project: MakeProject
) -> None:
    root = make_project(name="lib-a", version="1.2.0")
    (root / "dist").mkdir()
    (root / "dist" / "lib_a-1.2.0.tar.gz").write_bytes(b"sdist of lib-a")

    result = run_hatch("publish", "-p", "startifact", cwd=root, env=lib_a.contributor)

    assert result.returncode == 0, result.stderr
    for keys in lib_a.keys("lib-a").values():
        assert keys["artifacts/lib-a/1.2.0/lib_a-1.2.0.tar.gz"] == b"sdist of lib-a"
    assert lib_a.latest("lib-a") == dict.fromkeys(PROJECT_REGIONS, "1.2.0")


@pytest.mark.e2e
def test_hatch_publish_with_project_viewer_keys_fails_with_one_line(
    run_hatch: RunHatch, lib_a: ProjectAccess, make_project: MakeProject
) -> None:
    root = make_project(name="lib-a", version="1.2.0")
    (root / "dist").mkdir()
    (root / "dist" / "lib_a-1.2.0.tar.gz").write_bytes(b"sdist of lib-a")

    result = run_hatch("publish", "-p", "startifact", cwd=root, env=lib_a.viewer)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    # Hatch shows each region's failure as it happens, then aborts with the one summary.
    denied = "access denied in {r}: s3:ListBucket on arn:aws:s3:::staging-{r} is not allowed"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert sorted(lines[:-1]) == sorted(
        f"{'failed':<14}  {r:<14}  {denied.format(r=r)} (granted by AllowWrite)"
        for r in PROJECT_REGIONS
    )
    assert lines[-1] == (
        "2 of 2 region(s) failed ("
        + denied_everywhere("s3:ListBucket", "arn:aws:s3:::{bucket}")
        + "); fix the cause and re-run the same command to complete them"
    )
    assert lib_a.keys("lib-a") == {region: {} for region in PROJECT_REGIONS}


# A stager must not be able to rewrite the organisation configuration (`startifact setup
# --yes`) or a bucket name parameter. moto evaluates SSM actions against ``*`` and cannot refuse
# it (nor honour a Deny on a named parameter), so this is asserted on the documents: the grants
# of ssm:PutParameter, and what the template's policies allow once its parameters are filled in.

TEMPLATE_SSM = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
PARAMETER_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter"


def organisation_document(policy: str) -> dict[str, Any]:
    """One organisation policy's document, as in the template."""
    template = load_cfn_yaml(organisation_template())
    document: dict[str, Any] = template["Resources"][policy]["Properties"]["PolicyDocument"]
    return document


def deployed(policy: str, name_prefix: str) -> dict[str, Any]:
    """One organisation policy as a stack in us-east-1 with the default parameters would
    create it, but for ``NamePrefix``."""
    return resolved(
        organisation_document(policy),
        {
            "AWS::Partition": "aws",
            "AWS::Region": "us-east-1",
            "AWS::AccountId": "123456789012",
            "ConfigurationParameterName": "/startifact",
            "BucketParameterName": BUCKET_PARAMETER,
            "NamePrefix": name_prefix,
            "KeyPrefix": "",
            "Bucket.Arn": "arn:aws:s3:::staging-us-east-1",
        },
    )


def test_the_write_grant_puts_only_parameters_under_the_name_prefix() -> None:
    write = organisation_document("AllowWrite")
    configure = organisation_document("AllowConfigure")

    def puts(document: dict[str, Any], effect: str) -> set[str]:
        return {r for a, r, _ in grants(document, effect) if a == "ssm:PutParameter"}

    assert puts(write, "Allow") == {f"{TEMPLATE_SSM}${{NamePrefix}}/*/latest"}
    assert puts(write, "Deny") == set()
    assert puts(configure, "Allow") == {f"{TEMPLATE_SSM}${{ConfigurationParameterName}}"}


def test_a_project_contributor_puts_only_its_version_records() -> None:
    config = OrganisationConfig(BUCKET_PARAMETER, PROJECT_REGIONS, "artifacts/", "/staging")
    buckets = {r: f"staging-{r}" for r in PROJECT_REGIONS}
    contributor = project_policies(config, "/startifact", buckets, "lib-a")["Contributor"]
    puts = {r for a, r, _ in grants(contributor) if a == "ssm:PutParameter"}
    assert puts == {
        "arn:aws:ssm:eu-west-2:*:parameter/staging/lib-a/latest",
        "arn:aws:ssm:us-east-1:*:parameter/staging/lib-a/latest",
    }
    assert not allows(contributor, "ssm:PutParameter", f"{PARAMETER_ARN}/startifact")
    assert not allows(contributor, "ssm:PutParameter", f"{PARAMETER_ARN}{BUCKET_PARAMETER}")


@pytest.mark.parametrize("name_prefix", ["", "/staging", "/a/b"])
def test_the_write_grant_cannot_rewrite_the_configuration_or_bucket_name(
    name_prefix: str,
) -> None:
    """For every name prefix the template accepts, its default (empty) included."""
    write = deployed("AllowWrite", name_prefix)

    assert not allows(write, "ssm:PutParameter", f"{PARAMETER_ARN}/startifact")
    assert not allows(write, "ssm:PutParameter", f"{PARAMETER_ARN}{BUCKET_PARAMETER}")
    # ... while the version records stay writable.
    assert allows(write, "ssm:PutParameter", f"{PARAMETER_ARN}{name_prefix}/lib-a/latest")


@pytest.mark.parametrize("name_prefix", ["", "/staging"])
def test_an_administrator_who_also_stages_can_still_configure(name_prefix: str) -> None:
    """AllowConfigure is enough for `startifact setup`, whatever else is attached with it."""
    both = {
        "Version": "2012-10-17",
        "Statement": [
            *deployed("AllowWrite", name_prefix)["Statement"],
            *deployed("AllowConfigure", name_prefix)["Statement"],
        ],
    }

    assert allows(both, "ssm:GetParameter", f"{PARAMETER_ARN}/startifact")
    assert allows(both, "ssm:PutParameter", f"{PARAMETER_ARN}/startifact")


@pytest.mark.e2e
def test_an_owner_yanks_and_unyanks_a_contributor_cannot_and_a_viewer_sees_the_yank(
    run_cli: RunCli, lib_a: ProjectAccess, make_file: MakeFile
) -> None:
    for version in ("1.0", "2.0"):
        staged_by_cli(
            run_cli, "lib-a", version, make_file(f"lib_a-{version}.tar.gz"), env=lib_a.contributor
        )

    refused = run_cli("yank", "lib-a", "2.0", "--reason", "broken", env=lib_a.contributor)
    assert refused.returncode == 1
    line = one_error_line(refused)
    assert line.startswith("error: 2 of 2 region(s) failed (us-east-1: access denied in ")
    assert line.count("so this role may not yank: that needs the project's Owner policy") == 2
    assert all("/yanks/" not in key for keys in lib_a.keys("lib-a").values() for key in keys)
    assert lib_a.latest("lib-a") == dict.fromkeys(PROJECT_REGIONS, "2.0")

    enforce_iam(lib_a.server)  # checking what is stored switched it off
    yanked = run_cli("yank", "lib-a", "2.0", "--reason", "broken", env=lib_a.owner)
    assert (yanked.returncode, yanked.stderr) == (0, "")
    assert lib_a.latest("lib-a") == dict.fromkeys(PROJECT_REGIONS, "1.0")

    enforce_iam(lib_a.server)
    seen = run_cli("versions", "lib-a", "--json", env=lib_a.viewer)
    info = run_cli("info", "lib-a", env=lib_a.viewer)
    assert (seen.returncode, seen.stderr) == (0, "")
    document = json.loads(seen.stdout)
    assert document["latest"] == "1.0"
    assert [(v["version"], v["yanked"]) for v in document["versions"]] == [
        ("2.0", True),
        ("1.0", False),
    ]
    assert document["versions"][0]["yank"]["reason"] == "broken"
    assert (info.returncode, info.stdout.splitlines()[0]) == (0, "lib-a 1.0")

    enforce_iam(lib_a.server)  # checking what is stored switched it off
    undo = run_cli("unyank", "lib-a", "2.0", env=lib_a.contributor)
    assert undo.returncode == 1
    assert "so this role may not unyank" in one_error_line(undo)
    assert all("artifacts/lib-a/yanks/2.0.json" in keys for keys in lib_a.keys("lib-a").values())

    enforce_iam(lib_a.server)
    restored = run_cli("unyank", "lib-a", "2.0", env=lib_a.owner)
    assert (restored.returncode, restored.stderr) == (0, "")
    assert lib_a.latest("lib-a") == dict.fromkeys(PROJECT_REGIONS, "2.0")


# ---- yanking at the organisation level ------------------------------------------------------


@pytest.mark.parametrize("name_prefix", ["", "/staging"])
@pytest.mark.parametrize("project", ["lib-a", "yanks", "y"])
def test_the_write_grant_stages_any_project_but_never_writes_a_yank_key(
    name_prefix: str, project: str
) -> None:
    write, yank = deployed("AllowWrite", name_prefix), deployed("AllowYank", name_prefix)
    bucket = "arn:aws:s3:::staging-us-east-1"
    staged_keys = [f"{project}/1.0/a-1.0.tar.gz", f"{project}/1.0/a.whl.metadata.json"]
    yank_keys = [f"{project}/yanks/1.0.json", f"{project}/yanks/log/1.0/e.json"]

    for key in [*staged_keys, f"{project}/index.json"]:
        assert allows(write, "s3:PutObject", f"{bucket}/{key}"), key
        assert allows(yank, "s3:PutObject", f"{bucket}/{key}"), key
    for key in yank_keys:
        assert not allows(write, "s3:PutObject", f"{bucket}/{key}"), key
        assert not allows(write, "s3:DeleteObject", f"{bucket}/{key}"), key
        assert allows(yank, "s3:PutObject", f"{bucket}/{key}"), key
        assert allows(yank, "s3:DeleteObject", f"{bucket}/{key}"), key
    assert not allows(yank, "s3:DeleteObject", f"{bucket}/{staged_keys[0]}")
    record = f"{PARAMETER_ARN}{name_prefix}/{project}/latest"
    assert allows(yank, "ssm:DeleteParameter", record)
    assert not allows(write, "ssm:DeleteParameter", record)
    assert not allows(yank, "ssm:PutParameter", f"{PARAMETER_ARN}/startifact")


def organisation_user(org: Organisation, policies: list[str], name: str) -> dict[str, str]:
    """An IAM user holding the template's ``policies`` of every region of ``org`` (SSM
    statements on ``*`` as moto needs)."""
    statements = []
    for region in org.regions:
        for policy in policies:
            document = resolved(
                organisation_document(policy),
                {
                    "AWS::Partition": "aws",
                    "AWS::Region": region,
                    "AWS::AccountId": "123456789012",
                    "ConfigurationParameterName": "/startifact",
                    "BucketParameterName": BUCKET_PARAMETER,
                    "NamePrefix": org.parameter_prefix,
                    "KeyPrefix": org.key_prefix,
                    "Bucket.Arn": f"arn:aws:s3:::{org.buckets[region]}",
                },
            )
            document["Statement"] = [
                {**s, "Action": s["Action"] if isinstance(s["Action"], list) else [s["Action"]]}
                for s in document["Statement"]
            ]
            for statement in for_moto(document)["Statement"]:
                statements.append({k: v for k, v in statement.items() if k != "Sid"})
    return iam_user({"Version": "2012-10-17", "Statement": statements}, name)


@pytest.mark.e2e
def test_allow_yank_yanks_allow_write_cannot_and_allow_read_sees_the_yank(
    run_cli: RunCli, server: str, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation(PROJECT_REGIONS, key_prefix="artifacts/", parameter_prefix="/staging")
    stager = organisation_user(org, ["AllowRead", "AllowWrite"], "stager")
    owner = organisation_user(org, ["AllowRead", "AllowYank"], "owner")
    reader = organisation_user(org, ["AllowRead"], "reader")
    enforce_iam(server)
    for version in ("1.0", "2.0"):
        staged_by_cli(run_cli, "lib", version, make_file(f"lib-{version}.tar.gz"), env=owner)

    refused = run_cli("yank", "lib", "2.0", "--reason", "broken", env=stager)
    yanked = run_cli("yank", "lib", "2.0", "--reason", "broken", env=owner)
    seen = run_cli("versions", "lib", env=reader)
    undo = run_cli("unyank", "lib", "2.0", env=stager)
    # The stager sees the yank with the Write grant alone: re-staging 2.0 leaves it yanked.
    restaged = run_cli("stage", "lib", "2.0", make_file("lib-2.0.tar.gz"), env=stager)

    assert refused.returncode == 1
    assert one_error_line(refused).count("so this role may not yank") == 2
    assert (yanked.returncode, yanked.stderr) == (0, "")
    assert seen.stdout.splitlines() == [
        "2.0  yanked  1 file(s)  eu-west-2, us-east-1  (yanked: broken)",
        "1.0  latest  1 file(s)  eu-west-2, us-east-1",
    ]
    assert undo.returncode == 1
    assert one_error_line(undo).count("so this role may not unyank") == 2
    assert (restaged.returncode, restaged.stderr) == (0, "")
    assert "latest version: 1.0." in restaged.stdout
    disable_iam(server)
    assert {r: org.latest(r, "lib") for r in PROJECT_REGIONS} == dict.fromkeys(
        PROJECT_REGIONS, "1.0"
    )
