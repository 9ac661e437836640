"""Least-privilege IAM: the organisation template, a project's policies, ``startifact iam``.

The documents are checked with cfn-lint and parsed, and their grants compared with the Read,
Write and Configure grants of docs/permissions.md. What moto cannot enforce (SSM resources, S3
conditions) is checked here on the documents, and by replaying the calls a real stage / read
makes against them.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import cfnlint.api  # type: ignore[import-untyped]  # cfn-lint ships no type information
import pytest
from cfnlint.decode.cfn_yaml import (  # type: ignore[import-untyped]  # no type information
    loads as load_cfn_yaml,
)

from hatch_startifact.admin.iam import organisation_template, project_policies, project_template
from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import InvalidInputError
from hatch_startifact.session import Session
from tests.fixtures.commands import RunCli
from tests.helpers import (
    BUCKET_PARAMETER,
    REGIONS,
    Grant,
    MakeFile,
    MakeOrganisation,
    allows,
    as_list,
    aws_client,
    boto3_session,
    grants,
)

ORGANISATION = OrganisationConfig(
    bucket_name_param=BUCKET_PARAMETER,
    regions=("us-east-1", "eu-west-2"),
    bucket_key_prefix="artifacts/",
    parameter_name_prefix="/staging",
)
BUCKETS = {"us-east-1": "bucket-one", "eu-west-2": "bucket-two"}
CONFIGURATION = "/startifact"
BUCKET_ARNS = {"arn:aws:s3:::bucket-one", "arn:aws:s3:::bucket-two"}
ROLES = ("Owner", "Contributor", "Viewer", "Boundary")

#: An SSM parameter ARN in the organisation template (region and account of the stack).
TEMPLATE_SSM = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"


def lint(template: str) -> list[str]:
    """Every cfn-lint match (errors, warnings and informational), as text."""
    return [
        f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}"
        for m in cfnlint.api.lint(template)
    ]


def ssm(name: str, regions: Mapping[str, str] = BUCKETS, account: str = "*") -> set[str]:
    return {f"arn:aws:ssm:{region}:{account}:parameter{name}" for region in regions}


def objects(project: str, buckets: Mapping[str, str] = BUCKETS) -> set[str]:
    return {f"arn:aws:s3:::{bucket}/artifacts/{project}/*" for bucket in buckets.values()}


def old_objects(project: str, buckets: Mapping[str, str] = BUCKETS) -> set[str]:
    """The project's Startifact 1.x keys, ``{K}{P}@{V}`` (and ``.../metadata``)."""
    return {f"arn:aws:s3:::{bucket}/artifacts/{project}@*" for bucket in buckets.values()}


#: The prefixes a project's stagers may list: its keys and its Startifact 1.x keys.
LISTED = json.dumps(
    {"StringLike": {"s3:prefix": ["artifacts/lib-a/*", "artifacts/lib-a@*"]}}, sort_keys=True
)


def each(action: str, resources: set[str], condition: str = "") -> set[Grant]:
    return {(action, resource, condition) for resource in resources}


# ---- the organisation template ------------------------------------------------------------


@pytest.fixture(scope="module")
def organisation() -> Any:
    return load_cfn_yaml(organisation_template())


def test_the_organisation_template_passes_cfn_lint_without_errors_or_warnings() -> None:
    assert lint(organisation_template()) == []


def test_cfn_lint_as_used_here_reports_warnings_and_errors() -> None:
    """The linting above can fail: an unused parameter and a misspelt property are reported."""
    template = (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Parameters:\n  Unused:\n    Type: String\n"
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketNam: x\n"
    )
    assert sorted(found.split(" ", 1)[0] for found in lint(template)) == ["E3002", "W2001"]


def test_the_organisation_template_takes_the_four_parameters(organisation: Any) -> None:
    assert sorted(organisation["Parameters"]) == [
        "BucketParameterName",
        "ConfigurationParameterName",
        "KeyPrefix",
        "NamePrefix",
    ]
    defaults = {name: p.get("Default") for name, p in organisation["Parameters"].items()}
    assert defaults == {
        "BucketParameterName": "/buckets/staging",
        "ConfigurationParameterName": "/startifact",
        "KeyPrefix": "",
        "NamePrefix": "",
    }


@pytest.mark.parametrize(
    ("parameter", "valid", "invalid"),
    [
        ("KeyPrefix", ["", "artifacts/", "a/b/"], ["artifacts", "/artifacts/", "a//"]),
        ("NamePrefix", ["", "/staging", "/a/b"], ["staging", "/staging/", "/"]),
        ("BucketParameterName", ["/buckets/staging"], ["buckets", "/buckets/"]),
        ("ConfigurationParameterName", ["/startifact"], ["startifact", "/startifact/"]),
    ],
)
def test_the_template_parameters_accept_exactly_the_configurations_forms(
    organisation: Any, parameter: str, valid: list[str], invalid: list[str]
) -> None:
    """The prefixes have the forms of docs/configuration.md (Validation); CloudFormation matches
    whole values."""
    pattern = re.compile(str(organisation["Parameters"][parameter]["AllowedPattern"]))
    assert [v for v in valid if not pattern.fullmatch(v)] == []
    assert [v for v in invalid if pattern.fullmatch(v)] == []


def test_the_bucket_blocks_all_public_access_and_aborts_incomplete_uploads(
    organisation: Any,
) -> None:
    buckets = {n: r for n, r in organisation["Resources"].items() if r["Type"] == "AWS::S3::Bucket"}
    assert list(buckets) == ["Bucket"]
    properties = buckets["Bucket"]["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    aborting = [
        rule
        for rule in properties["LifecycleConfiguration"]["Rules"]
        if rule["Status"] == "Enabled" and "AbortIncompleteMultipartUpload" in rule
    ]
    assert len(aborting) == 1
    assert aborting[0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] >= 1
    # Nothing else in the rule: it must not expire staged artifacts.
    assert set(aborting[0]) <= {"Id", "Status", "AbortIncompleteMultipartUpload", "Prefix"}


def test_the_bucket_name_parameter_holds_the_bucket_name(organisation: Any) -> None:
    parameter = organisation["Resources"]["BucketParameter"]
    assert parameter["Type"] == "AWS::SSM::Parameter"
    assert parameter["Properties"]["Name"] == {"Ref": "BucketParameterName"}
    assert parameter["Properties"]["Value"] == {"Ref": "Bucket"}
    assert parameter["Properties"]["Type"] == "String"


def test_the_organisation_policies_grant_exactly_the_documented_permissions(
    organisation: Any,
) -> None:
    policies = {
        name: grants(resource["Properties"]["PolicyDocument"])
        for name, resource in organisation["Resources"].items()
        if resource["Type"].startswith("AWS::IAM::")
    }
    configuration = f"{TEMPLATE_SSM}${{ConfigurationParameterName}}"
    bucket_name = f"{TEMPLATE_SSM}${{BucketParameterName}}"
    records = f"{TEMPLATE_SSM}${{NamePrefix}}/*/latest"
    keys = "${Bucket.Arn}/${KeyPrefix}*"
    yanks = "${Bucket.Arn}/${KeyPrefix}*/yanks/*"
    assert policies == {
        "AllowRead": {
            ("ssm:GetParameter", configuration, ""),
            ("ssm:GetParameter", bucket_name, ""),
            ("ssm:GetParameter", records, ""),
            ("s3:GetObject", keys, ""),
        },
        "AllowWrite": {
            ("ssm:GetParameter", configuration, ""),
            ("ssm:GetParameter", bucket_name, ""),
            ("ssm:PutParameter", records, ""),
            ("s3:ListBucket", "${Bucket.Arn}", ""),
            ("s3:PutObject", keys, ""),
        },
        "AllowYank": {
            ("ssm:GetParameter", configuration, ""),
            ("ssm:GetParameter", bucket_name, ""),
            ("ssm:PutParameter", records, ""),
            ("ssm:DeleteParameter", records, ""),
            ("s3:ListBucket", "${Bucket.Arn}", ""),
            ("s3:PutObject", keys, ""),
            ("s3:DeleteObject", yanks, ""),
        },
        "AllowConfigure": {
            ("ssm:GetParameter", configuration, ""),
            ("ssm:PutParameter", configuration, ""),
        },
    }
    # The one Deny keeps stagers off the yank keys; it stops nothing else, so an administrator
    # holding AllowWrite and AllowConfigure keeps both (version-record ARNs end in /latest
    # instead of a Deny on the configuration).
    documents = {
        name: organisation["Resources"][name]["Properties"]["PolicyDocument"] for name in policies
    }
    assert {name: grants(document, "Deny") for name, document in documents.items()} == {
        "AllowRead": set(),
        "AllowWrite": {("s3:PutObject", yanks, ""), ("s3:DeleteObject", yanks, "")},
        "AllowYank": set(),
        "AllowConfigure": set(),
    }
    for name in policies:
        assert organisation["Resources"][name]["Type"] == "AWS::IAM::ManagedPolicy"


# ---- a project's policies ----------------------------------------------------------------


def test_a_project_viewer_reads_only_the_configuration_and_its_own_records_and_objects() -> None:
    viewer = project_policies(ORGANISATION, CONFIGURATION, BUCKETS, "lib-a")["Viewer"]

    assert viewer["Version"] == "2012-10-17"
    assert grants(viewer) == (
        each("ssm:GetParameter", ssm("/startifact") | ssm("/buckets/staging"))
        | each("ssm:GetParameter", ssm("/staging/lib-a/latest"))
        | each("s3:GetObject", objects("lib-a") | old_objects("lib-a"))
    )


def test_a_project_contributor_adds_staging_of_its_own_keys_and_record() -> None:
    policies = project_policies(ORGANISATION, CONFIGURATION, BUCKETS, "lib-a")

    assert grants(policies["Contributor"]) == grants(policies["Viewer"]) | (
        each("ssm:PutParameter", ssm("/staging/lib-a/latest"))
        | each("s3:ListBucket", BUCKET_ARNS, LISTED)
        | each("s3:PutObject", objects("lib-a"))
    )


def test_a_project_owner_adds_deleting_and_the_boundary_is_the_owner() -> None:
    policies = project_policies(ORGANISATION, CONFIGURATION, BUCKETS, "lib-a")
    prefix = json.dumps({"StringLike": {"s3:prefix": ["artifacts/lib-a/*"]}}, sort_keys=True)

    assert sorted(policies) == sorted(ROLES)
    assert grants(policies["Owner"]) == grants(policies["Contributor"]) | (
        each("s3:DeleteObject", objects("lib-a"))
        | each("s3:AbortMultipartUpload", objects("lib-a"))
        | each("s3:ListBucketMultipartUploads", BUCKET_ARNS, prefix)
        | each("ssm:DeleteParameter", ssm("/staging/lib-a/latest"))
    )
    assert policies["Boundary"] == policies["Owner"]
    yanks = {f"arn:aws:s3:::{bucket}/artifacts/lib-a/yanks/*" for bucket in BUCKETS.values()}
    assert {role: grants(document, "Deny") for role, document in policies.items()} == {
        "Owner": set(),
        "Contributor": each("s3:PutObject", yanks) | each("s3:DeleteObject", yanks),
        "Viewer": set(),
        "Boundary": set(),
    }


def test_the_account_id_goes_into_every_ssm_arn() -> None:
    policies = project_policies(
        ORGANISATION, CONFIGURATION, BUCKETS, "lib-a", account="123456789012"
    )
    ssm_resources = {r for _, r, _ in grants(policies["Owner"]) if r.startswith("arn:aws:ssm:")}
    assert ssm_resources == (
        ssm("/startifact", account="123456789012")
        | ssm("/buckets/staging", account="123456789012")
        | ssm("/staging/lib-a/latest", account="123456789012")
    )


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reaches_outside_the_projects_keys_and_record(role: str) -> None:
    document = project_policies(ORGANISATION, CONFIGURATION, BUCKETS, "lib-a")[role]
    allowed_ssm = ssm("/startifact") | ssm("/buckets/staging") | ssm("/staging/lib-a/latest")
    for action, resource, condition in grants(document):
        if action.startswith("ssm:"):
            assert resource in allowed_ssm, (action, resource)
            assert action == "ssm:GetParameter" or resource.endswith("/lib-a/latest"), (
                action,
                resource,
            )
        elif action == "s3:ListBucket":
            assert resource in BUCKET_ARNS
            assert condition == LISTED
        elif action == "s3:ListBucketMultipartUploads":
            assert resource in BUCKET_ARNS
            assert json.loads(condition) == {"StringLike": {"s3:prefix": ["artifacts/lib-a/*"]}}
        elif action == "s3:GetObject":
            assert resource in objects("lib-a") | old_objects("lib-a"), resource
        else:
            assert action.startswith("s3:"), action
            assert resource in objects("lib-a"), (action, resource)


@pytest.mark.parametrize("role", ["Contributor", "Viewer"])
def test_no_ssm_statement_of_a_contributor_or_viewer_is_on_every_parameter(role: str) -> None:
    """moto evaluates SSM actions against ``*``; what it cannot enforce is checked here."""
    document = project_policies(
        ORGANISATION, CONFIGURATION, BUCKETS, "lib-a", account="123456789012"
    )[role]
    for statement in document["Statement"]:
        if any(str(a).startswith("ssm:") for a in as_list(statement["Action"])):
            resources = as_list(statement["Resource"])
            assert "*" not in resources, statement
            assert all("*" not in r for r in resources), statement


@pytest.mark.parametrize("role", ROLES)
def test_every_put_parameter_resource_is_the_projects_version_record(role: str) -> None:
    document = project_policies(ORGANISATION, CONFIGURATION, BUCKETS, "lib-a")[role]
    puts = {r for action, r, _ in grants(document) if action == "ssm:PutParameter"}
    if role == "Viewer":
        assert puts == set()
    else:
        assert puts == ssm("/staging/lib-a/latest")
        assert all(r.endswith("/lib-a/latest") for r in puts)


def test_a_projects_keys_do_not_cover_a_project_whose_name_extends_it() -> None:
    """``lib`` must not reach ``lib-a``'s keys or record (the prefix ends in a slash)."""
    lib = project_policies(ORGANISATION, CONFIGURATION, BUCKETS, "lib")["Owner"]
    other_key = "arn:aws:s3:::bucket-one/artifacts/lib-a/1.0/lib_a-1.0.tar.gz"
    assert not allows(lib, "s3:PutObject", other_key)
    assert not allows(
        lib, "s3:ListBucket", "arn:aws:s3:::bucket-one", {"s3:prefix": "artifacts/lib-a/"}
    )
    assert not allows(
        lib, "ssm:PutParameter", "arn:aws:ssm:us-east-1:1:parameter/staging/lib-a/latest"
    )
    assert allows(lib, "s3:PutObject", "arn:aws:s3:::bucket-one/artifacts/lib/1.0/lib-1.0.tar.gz")


def test_empty_prefixes_scope_the_project_at_the_top_level() -> None:
    organisation = OrganisationConfig(BUCKET_PARAMETER, ("us-east-1",))
    buckets = {"us-east-1": "bucket-one"}
    contributor = project_policies(organisation, CONFIGURATION, buckets, "lib-a")["Contributor"]
    assert {(a, r) for a, r, _ in grants(contributor) if "Put" in a} == {
        ("ssm:PutParameter", "arn:aws:ssm:us-east-1:*:parameter/lib-a/latest"),
        ("s3:PutObject", "arn:aws:s3:::bucket-one/lib-a/*"),
    }


# ---- the project's CloudFormation template -----------------------------------------------


@pytest.fixture(scope="module")
def lib_a_template() -> str:
    return project_template(ORGANISATION, CONFIGURATION, BUCKETS, "lib-a")


def test_the_project_template_passes_cfn_lint(lib_a_template: str) -> None:
    assert lint(lib_a_template) == []


def test_the_project_template_names_four_managed_policies(lib_a_template: str) -> None:
    resources = json.loads(lib_a_template)["Resources"]
    assert {r["Type"] for r in resources.values()} == {"AWS::IAM::ManagedPolicy"}
    assert sorted(r["Properties"]["ManagedPolicyName"] for r in resources.values()) == [
        "startifact-lib-a-boundary",
        "startifact-lib-a-contributor",
        "startifact-lib-a-owner",
        "startifact-lib-a-viewer",
    ]


def test_every_resource_of_the_project_template_is_a_plain_fn_sub_string(
    lib_a_template: str,
) -> None:
    for policy in json.loads(lib_a_template)["Resources"].values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            for resource in as_list(statement["Resource"]):
                assert isinstance(resource, dict), resource
                assert list(resource) == ["Fn::Sub"], resource
                assert isinstance(resource["Fn::Sub"], str), resource


def test_the_project_template_substitutes_to_the_policies_of_the_account(
    lib_a_template: str,
) -> None:
    """Only the partition and account are left to CloudFormation; the rest is the documents."""
    expected = project_policies(
        ORGANISATION, CONFIGURATION, BUCKETS, "lib-a", account="111122223333"
    )
    role_of = {f"startifact-lib-a-{role.lower()}": role for role in ROLES}
    found = {}
    for policy in json.loads(lib_a_template)["Resources"].values():
        document = policy["Properties"]["PolicyDocument"]
        for statement in document["Statement"]:
            statement["Resource"] = [
                r["Fn::Sub"]
                .replace("${AWS::Partition}", "aws")
                .replace("${AWS::AccountId}", "111122223333")
                for r in statement["Resource"]
            ]
            assert all("${" not in r for r in statement["Resource"]), statement
        found[role_of[policy["Properties"]["ManagedPolicyName"]]] = document
    assert found == expected


def test_a_project_name_too_long_for_iam_policy_names_is_refused() -> None:
    longest = "a" * 105  # startifact-<105>-contributor is 128 characters, IAM's limit
    names = json.loads(project_template(ORGANISATION, CONFIGURATION, BUCKETS, longest))
    assert (
        max(len(r["Properties"]["ManagedPolicyName"]) for r in names["Resources"].values()) == 128
    )

    with pytest.raises(InvalidInputError) as raised:
        project_template(ORGANISATION, CONFIGURATION, BUCKETS, "a" * 106)

    assert str(raised.value) == (
        f"project name {'a' * 106!r} is too long for IAM policy names "
        f"('startifact-{'a' * 106}-contributor' would be 129 characters; at most 128)"
    )


# ---- replaying real calls against the documents ------------------------------------------


Call = tuple[str, str, dict[str, str]]  # action, resource, condition context

_S3_ACTIONS = {
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "DeleteObject": "s3:DeleteObject",
    "CopyObject": "s3:PutObject",  # on the target; the source's s3:GetObject: `_copied_from`
}


def _as_call(service: str, operation: str, params: Mapping[str, Any], region: str) -> Call:
    if service == "ssm" and operation in {"GetParameter", "PutParameter", "DeleteParameter"}:
        return (
            f"ssm:{operation}",
            f"arn:aws:ssm:{region}:123456789012:parameter{params['Name']}",
            {},
        )
    if service == "s3" and operation in {"ListObjectsV2", "ListObjects", "ListMultipartUploads"}:
        context = {"s3:prefix": str(params["Prefix"])} if "Prefix" in params else {}
        action = "s3:ListBucketMultipartUploads" if "Multipart" in operation else "s3:ListBucket"
        return action, f"arn:aws:s3:::{params['Bucket']}", context
    if service == "s3" and operation in _S3_ACTIONS:
        return _S3_ACTIONS[operation], f"arn:aws:s3:::{params['Bucket']}/{params['Key']}", {}
    return f"{service}:{operation}", "?", {}  # no policy grants this: the test says which


def _copied_from(source: Mapping[str, str] | str) -> Call:
    """The read of a copy's source (botocore may have made it ``bucket/key``, URL-quoted)."""
    if isinstance(source, str):
        return "s3:GetObject", f"arn:aws:s3:::{urllib.parse.unquote(source)}", {}
    return "s3:GetObject", f"arn:aws:s3:::{source['Bucket']}/{source['Key']}", {}


@pytest.fixture
def recorded(
    mocked: None, make_organisation: MakeOrganisation
) -> Iterator[tuple[Session, list[Call]]]:
    """A Session on two regions (moto in-process) and the IAM request of every call it makes."""
    make_organisation(
        ["us-east-1", "eu-west-2"], key_prefix="artifacts/", parameter_prefix="/staging"
    )
    calls: list[Call] = []

    def record(model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        calls.append(_as_call(service, model.name, params, str(context["client_region"])))
        if model.name == "CopyObject":
            calls.append(_copied_from(params["CopySource"]))

    with Session(
        boto3_session=boto3_session(("before-parameter-build", record), region_name="us-east-1")
    ) as session:
        yield session, calls


def _policies_of_the_organisation() -> dict[str, dict[str, Any]]:
    organisation = OrganisationConfig(
        BUCKET_PARAMETER, ("us-east-1", "eu-west-2"), "artifacts/", "/staging"
    )
    buckets = {r: f"staging-{r}" for r in organisation.regions}
    return project_policies(organisation, CONFIGURATION, buckets, "lib-a")


def denied(document: Mapping[str, Any], calls: list[Call]) -> list[Call]:
    return [call for call in calls if not allows(document, *call)]


def test_the_contributor_grants_every_call_of_staging_restaging_and_moving_latest(
    recorded: tuple[Session, list[Call]], make_file: MakeFile
) -> None:
    """Including the SSM resources and the ``s3:prefix`` condition, which moto ignores."""
    session, calls = recorded
    small = make_file("lib_a-1.0.tar.gz")
    big = make_file("lib_a-2.0.tar.gz", b"x" * (9 * 1024 * 1024))  # multipart too

    for version, path in [("1.0", small), ("1.0", small), ("2.0", big)]:
        assert session.stage("lib-a", version, [path]).exit_code == 0

    policies = _policies_of_the_organisation()
    assert {action for action, _, _ in calls} >= {
        "s3:ListBucket",
        "s3:PutObject",
        "ssm:PutParameter",
    }
    assert denied(policies["Contributor"], calls) == []
    assert denied(policies["Owner"], calls) == []
    # The replay can fail: a viewer is refused the writes.
    refused = {action for action, _, _ in denied(policies["Viewer"], calls)}
    assert refused == {"s3:ListBucket", "s3:PutObject", "ssm:PutParameter"}


def test_the_viewer_grants_every_call_of_info_versions_and_download(
    recorded: tuple[Session, list[Call]], make_file: MakeFile, tmp_path: Path
) -> None:
    session, calls = recorded
    assert session.stage("lib-a", "1.0", [make_file("lib_a-1.0.tar.gz")]).exit_code == 0
    calls.clear()

    assert [v.version for v in session.versions("lib-a")] == ["1.0"]
    assert session.info("lib-a").version == "1.0"
    assert [d.path.name for d in session.download("lib-a", dest=tmp_path / "out")] == [
        "lib_a-1.0.tar.gz"
    ]

    assert calls, "nothing was recorded"
    assert denied(_policies_of_the_organisation()["Viewer"], calls) == []


def test_another_projects_contributor_is_refused_every_write_of_a_stage(
    recorded: tuple[Session, list[Call]], make_file: MakeFile
) -> None:
    session, calls = recorded
    assert session.stage("lib-b", "1.0", [make_file("lib_b-1.0.tar.gz")]).exit_code == 0

    refused = denied(_policies_of_the_organisation()["Contributor"], calls)
    assert {action for action, _, _ in refused} == {
        "ssm:PutParameter",
        "s3:ListBucket",
        "s3:PutObject",
    }
    assert all("lib-b" in resource + json.dumps(context) for _, resource, context in refused)


def test_the_owner_grants_every_call_of_yanking_and_the_contributor_is_refused_the_yank_keys(
    recorded: tuple[Session, list[Call]], make_file: MakeFile
) -> None:
    """Yanking every version, so that the record is removed, then unyanking."""
    session, calls = recorded
    assert session.stage("lib-a", "1.0", [make_file("lib_a-1.0.tar.gz")]).exit_code == 0
    calls.clear()

    assert session.yank("lib-a", "1.0", "broken").exit_code == 0
    assert session.unyank("lib-a", "1.0").exit_code == 0

    policies = _policies_of_the_organisation()
    made = {action for action, _, _ in calls}
    assert made >= {"s3:PutObject", "s3:DeleteObject", "ssm:DeleteParameter", "ssm:PutParameter"}
    assert denied(policies["Owner"], [c for c in calls if not c[0].startswith("sts:")]) == []
    refused = denied(policies["Contributor"], calls)
    assert {action for action, _, _ in refused} == {
        "s3:PutObject",
        "s3:DeleteObject",
        "ssm:DeleteParameter",
        "sts:GetCallerIdentity",  # allowed to every caller in AWS, whatever the policies say
    }
    assert all(
        "/artifacts/lib-a/yanks/" in resource
        for action, resource, _ in refused
        if action.startswith("s3:")
    )


# ---- startifact iam ----------------------------------------------------------------------


@pytest.mark.e2e
def test_iam_template_prints_the_organisation_template(run_cli: RunCli) -> None:
    result = run_cli("iam", "template")

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == organisation_template()


@pytest.mark.e2e
def test_iam_project_prints_a_template_for_the_normalised_project_and_real_buckets(
    run_cli: RunCli, make_organisation: MakeOrganisation
) -> None:
    org = make_organisation(key_prefix="artifacts/", parameter_prefix="/staging")

    result = run_cli("iam", "project", "My_Lib")

    assert (result.returncode, result.stderr) == (0, "")
    assert lint(result.stdout) == []
    organisation = OrganisationConfig(BUCKET_PARAMETER, REGIONS, "artifacts/", "/staging")
    assert (
        result.stdout == project_template(organisation, CONFIGURATION, org.buckets, "my-lib") + "\n"
    )
    resources = json.loads(result.stdout)["Resources"]
    assert sorted(r["Properties"]["ManagedPolicyName"] for r in resources.values()) == [
        f"startifact-my-lib-{role}" for role in ("boundary", "contributor", "owner", "viewer")
    ]
    for bucket in org.buckets.values():
        assert f'"arn:${{AWS::Partition}}:s3:::{bucket}/artifacts/my-lib/*"' in result.stdout


@pytest.mark.e2e
def test_iam_project_format_json_prints_the_four_documents(
    run_cli: RunCli, make_organisation: MakeOrganisation
) -> None:
    org = make_organisation(["us-east-1", "eu-west-2"], parameter_prefix="/staging")

    result = run_cli("iam", "project", "My_Lib", "--format", "json", "--account-id", "123456789012")

    assert (result.returncode, result.stderr) == (0, "")
    organisation = OrganisationConfig(BUCKET_PARAMETER, org.regions, "", "/staging")
    assert json.loads(result.stdout) == project_policies(
        organisation, CONFIGURATION, org.buckets, "my-lib", account="123456789012"
    )


@pytest.mark.e2e
def test_iam_project_fails_naming_a_region_without_its_bucket_name_parameter(
    run_cli: RunCli, make_organisation: MakeOrganisation
) -> None:
    make_organisation(without_parameter=["eu-west-2"])

    result = run_cli("iam", "project", "my-lib")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: bucket name parameter /buckets/staging does not exist in eu-west-2: deploy the "
        "organisation template there (startifact iam template), or leave eu-west-2 out of the "
        "organisation's regions (startifact setup --regions)\n"
    )


def test_a_project_contributor_migrates_the_1x_versions_of_its_normalised_name(
    recorded: tuple[Session, list[Call]],
) -> None:
    """Startifact 1.x's keys of ``lib-a`` (``{K}lib-a@{V}``, as it writes them) are listed,
    read and copied within the project's grants; another spelling (``Lib_A``) is not."""
    session, calls = recorded
    for region in ("us-east-1", "eu-west-2"):
        s3 = aws_client("s3", region)
        s3.put_object(Bucket=f"staging-{region}", Key="artifacts/lib-a@1.0.0", Body=b"1.x")
        s3.put_object(Bucket=f"staging-{region}", Key="artifacts/lib-a@1.0.0/metadata", Body=b"{}")

    report = session.migrate(["lib-a"])
    migrated = list(calls)
    calls.clear()
    spelled = session.migrate(["Lib_A"])

    assert report.exit_code == 0
    assert {m.status for m in report.moved} == {"copied"}
    policies = _policies_of_the_organisation()
    assert {"s3:GetObject", "s3:PutObject", "s3:ListBucket"} <= {a for a, _, _ in migrated}
    assert denied(policies["Contributor"], migrated) == []
    assert denied(policies["Owner"], migrated) == []
    assert {m.status for m in spelled.moved} == {"already migrated"}
    assert sorted(c[2]["s3:prefix"] for c in denied(policies["Owner"], calls)) == [
        "artifacts/Lib_A@",
        "artifacts/Lib_A@",
    ]
