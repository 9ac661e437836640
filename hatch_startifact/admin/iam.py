"""Least-privilege IAM: the organisation template, and project-level policies.

Organisation level: `organisation_template` is the CloudFormation template each region
deploys (bucket, bucket name parameter, AllowRead / AllowWrite / AllowConfigure).

Project level, after the AWS CodeStar model: `project_policies` scopes Owner, Contributor and
Viewer to one project's S3 keys and SSM version records under the organisation's prefixes, in
every region, plus a permissions boundary (the most any role created for the project may do).

==============  ===========================================================================
Viewer          read the configuration, bucket names and the project's records; get objects
Contributor     Viewer, plus stage: list and put the project's keys, put its version records;
                denied writing the yank keys ``{P}/yanks/*`` (so it can neither yank nor unyank)
Owner           Contributor's grants without that Deny, plus delete the project's objects and
                records, abort uploads: so yank and unyank
Boundary        exactly Owner's grants, to attach as the permissions boundary of project roles
==============  ===========================================================================

The Contributor's Deny is why a role gets one of the three, not several: an explicit Deny wins
over any Allow, so a role holding the Contributor and the Owner policy could not yank.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import InvalidInputError
from hatch_startifact.store.legacy import LegacyLayout

Statement = dict[str, Any]
ROLES = ("Owner", "Contributor", "Viewer")


def organisation_template() -> str:
    """The organisation's CloudFormation template (YAML), as shipped with the package."""
    return (
        resources.files("hatch_startifact.admin") / "templates" / "organisation.yaml"
    ).read_text()


def _statement(
    sid: str,
    actions: list[str],
    resources_: list[str],
    condition: Mapping[str, Any] | None = None,
    effect: str = "Allow",
) -> Statement:
    statement: Statement = {
        "Sid": sid,
        "Effect": effect,
        "Action": actions,
        "Resource": resources_,
    }
    if condition:
        statement["Condition"] = dict(condition)
    return statement


def project_policies(
    organisation: OrganisationConfig,
    parameter: str,
    buckets: Mapping[str, str],
    project: str,
    *,
    account: str = "*",
    partition: str = "aws",
) -> dict[str, dict[str, Any]]:
    """Owner, Contributor, Viewer and Boundary policy documents for one project.

    :param parameter: the organisation configuration parameter name.
    :param buckets: each region's bucket name.
    :param account: the account id in SSM ARNs (``*`` matches any).
    """
    layout = organisation.layout

    def ssm(name: str) -> list[str]:
        return [f"arn:{partition}:ssm:{region}:{account}:parameter{name}" for region in buckets]

    keys = layout.project_prefix(project)
    objects = [f"arn:{partition}:s3:::{bucket}/{keys}*" for bucket in buckets.values()]
    # Startifact 1.x's keys of the project under its normalised name, {K}{P}@{V}: read, and
    # listed by stagers so that the version record never goes below a 1.x version.
    old_keys = LegacyLayout(layout.key_prefix).project_prefix(project)
    old = [f"arn:{partition}:s3:::{bucket}/{old_keys}*" for bucket in buckets.values()]
    bucket_arns = [f"arn:{partition}:s3:::{bucket}" for bucket in buckets.values()]
    record = ssm(layout.version_parameter(project))
    view = [
        _statement(
            "ReadConfigurationAndBucketNames",
            ["ssm:GetParameter"],
            ssm(parameter) + ssm(organisation.bucket_name_param),
        ),
        _statement("ReadVersionRecord", ["ssm:GetParameter"], record),
        _statement("ReadProjectObjects", ["s3:GetObject"], objects + old),
    ]
    in_project = {"StringLike": {"s3:prefix": [f"{keys}*"]}}
    listed = {"StringLike": {"s3:prefix": [f"{keys}*", f"{old_keys}*"]}}
    stage = [
        *view,
        _statement("WriteVersionRecord", ["ssm:PutParameter"], record),
        _statement("ListProjectKeys", ["s3:ListBucket"], bucket_arns, listed),
        _statement("WriteProjectObjects", ["s3:PutObject"], objects),
    ]
    yanks = [
        f"arn:{partition}:s3:::{bucket}/{layout.yank_prefix(project)}*"
        for bucket in buckets.values()
    ]
    contribute = [
        *stage,
        _statement("NoYanking", ["s3:PutObject", "s3:DeleteObject"], yanks, effect="Deny"),
    ]
    uploads = ["s3:ListBucketMultipartUploads"]
    own = [
        *stage,
        _statement("DeleteProjectObjects", ["s3:DeleteObject", "s3:AbortMultipartUpload"], objects),
        _statement("FindProjectUploads", uploads, bucket_arns, in_project),
        _statement("DeleteVersionRecord", ["ssm:DeleteParameter"], record),
    ]

    def document(statements: list[Statement]) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": statements}

    return {
        "Owner": document(own),
        "Contributor": document(contribute),
        "Viewer": document(view),
        "Boundary": document(own),
    }


def project_template(
    organisation: OrganisationConfig, parameter: str, buckets: Mapping[str, str], project: str
) -> str:
    """A CloudFormation template (JSON) creating the project's four managed policies."""
    longest = f"startifact-{project}-contributor"
    if len(longest) > 128:
        raise InvalidInputError(
            [
                f"project name {project!r} is too long for IAM policy names "
                f"({longest!r} would be {len(longest)} characters; at most 128)"
            ]
        )
    policies = project_policies(
        organisation,
        parameter,
        buckets,
        project,
        account="${AWS::AccountId}",
        partition="${AWS::Partition}",
    )
    resources_: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for role, shared in policies.items():
        logical = f"{role}Policy"
        policy = copy.deepcopy(shared)  # roles share statements; each gets its own copy
        for statement in policy["Statement"]:
            statement["Resource"] = [{"Fn::Sub": r} for r in statement["Resource"]]
        description = (
            f"hatch-startifact: {role.lower()} of project {project}"
            if role != "Boundary"
            else f"hatch-startifact: permissions boundary for roles of project {project}"
        )
        resources_[logical] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": f"startifact-{project}-{role.lower()}",
                "Description": description,
                "PolicyDocument": policy,
            },
        }
        outputs[f"{logical}Arn"] = {"Value": {"Ref": logical}}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"hatch-startifact: Owner, Contributor and Viewer access to project "
        f"{project}, and its permissions boundary",
        "Resources": resources_,
        "Outputs": outputs,
    }
    return json.dumps(template, indent=2)
