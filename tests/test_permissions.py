"""Staging works with exactly the Write grants of DESIGN.md section 3, and no more.

moto enforces IAM in server mode for S3 resources; it evaluates SSM actions against ``*``, so
the SSM side is proven by recording every call a stage makes (in-process, real clients).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from hatch_startifact.session import Session
from tests.conftest import MakeOrganisation, Organisation, RunCli, enforce_iam

MakeFile = Callable[..., Path]


def write_policy(org: Organisation) -> dict[str, Any]:
    """The Write grant: exactly what DESIGN.md section 3 lists (SSM on * as moto needs)."""
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
        ],
    }


def read_policy(org: Organisation) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{b}/{org.key_prefix}*" for b in org.buckets.values()],
            },
        ],
    }


def user_with(policy: dict[str, Any], name: str) -> dict[str, str]:
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="grant", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


@pytest.mark.e2e
def test_the_write_grant_is_enough_to_stage_restage_and_move_latest(
    run_cli: RunCli, server: str, make_organisation: MakeOrganisation, make_file: MakeFile
) -> None:
    org = make_organisation(key_prefix="artifacts/", parameter_prefix="/staging")
    stager = user_with(write_policy(org), "stager")
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
    reader = user_with(read_policy(org), "reader")
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

    session = boto3.Session(region_name="us-east-1")
    session.events.register("before-parameter-build", record)
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
