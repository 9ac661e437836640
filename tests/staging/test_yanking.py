"""hatch_startifact.staging.yanking: a yank or unyank in every region (moto in-process)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest

from hatch_startifact.errors import InvalidInputError, NoSuchVersionError
from tests.helpers import (
    MakeFile,
    MakeOrganisation,
    OpenSession,
    s3_error,
    staged,
)

REGIONS = ("us-east-1", "eu-west-2")


@pytest.fixture
def org(mocked: None, make_organisation: MakeOrganisation) -> Any:
    return make_organisation(REGIONS, key_prefix="k/", parameter_prefix="/p")


def test_a_version_staged_in_one_region_is_marked_yanked_in_every_region(
    org: Any, open_session: OpenSession, make_file: MakeFile
) -> None:
    both = open_session(region_name="us-east-1")
    staged(both, "1.0", make_file("a-1.0.tar.gz"), project="a")
    one = open_session(region_name="us-east-1", regions="us-east-1")
    staged(one, "2.0", make_file("a-2.0.tar.gz"), project="a")

    report = both.yank("a", "2.0", "  broken  ")

    assert report.exit_code == 0
    assert [(r.region, r.latest, r.error) for r in report.regions] == [
        ("us-east-1", "1.0", None),
        ("eu-west-2", "1.0", None),
    ]
    for region in REGIONS:
        marker = json.loads(org.read(region, "k/a/yanks/2.0.json"))
        assert marker["reason"] == "broken"
        assert org.latest(region, "a") == "1.0"
    # staged later where it was missing, it is yanked there at once
    staged(both, "2.0", make_file("a-2.0.tar.gz"), project="a")
    assert org.latest("eu-west-2", "a") == "1.0"


def test_unyanking_a_version_that_is_not_yanked_writes_no_event_and_changes_nothing(
    org: Any, open_session: OpenSession, make_file: MakeFile
) -> None:
    session = open_session(region_name="us-east-1")
    staged(session, "1.0", make_file("a-1.0.tar.gz"), project="a")

    report = session.unyank("a", "1.0")

    assert report.exit_code == 0
    assert not report.yanked
    assert all(not any("/yanks/" in k for k in org.keys(r)) for r in REGIONS)
    assert all(org.latest(r, "a") == "1.0" for r in REGIONS)


def test_bad_input_and_unknown_versions_are_refused_before_anything_is_written(
    org: Any, open_session: OpenSession, make_file: MakeFile
) -> None:
    session = open_session(region_name="us-east-1")
    with pytest.raises(NoSuchVersionError) as unknown_project:
        session.yank("a", "1.0", "why")
    staged(session, "1.0", make_file("a-1.0.tar.gz"), project="a")
    before = org.everything()

    with pytest.raises(InvalidInputError) as bad:
        session.yank("a", "not a version", "")
    with pytest.raises(NoSuchVersionError) as unknown:
        session.unyank("a", "2.0")

    assert str(unknown_project.value) == (
        "a 1.0 is not staged in any region that answered (us-east-1, eu-west-2): nothing is "
        "staged for the project there"
    )
    assert bad.value.problems == (
        "the reason of a yank must not be empty: say why the version is yanked",
    )
    assert str(unknown.value) == (
        "a 2.0 is not staged in any region that answered (us-east-1, eu-west-2); staged "
        "versions: 1.0"
    )
    assert org.everything() == before


def test_a_refused_marker_write_says_only_an_owner_may_yank(
    org: Any, open_session: OpenSession, make_file: MakeFile
) -> None:
    denied = s3_error(403, "AccessDenied")

    def refuse_yank_keys(request: AWSPreparedRequest, **kwargs: Any) -> Any:
        if request.method == "PUT" and "/yanks/" in request.url and "eu-west-2" in request.url:
            return denied(request)
        return None

    staged(open_session(region_name="us-east-1"), "1.0", make_file("a-1.0.tar.gz"), project="a")
    session = open_session(("before-send.s3.PutObject", refuse_yank_keys), region_name="us-east-1")

    report = session.yank("a", "1.0", "why")

    assert report.exit_code == 3
    (failed,) = [r for r in report.regions if r.error]
    assert failed.region == "eu-west-2"
    assert failed.error is not None
    assert failed.error.startswith(
        "access denied in eu-west-2: s3:PutObject on arn:aws:s3:::staging-eu-west-2/k/a/yanks/"
    )
    assert failed.error.endswith(
        "is not allowed, so this role may not yank: that needs the project's Owner policy, "
        "or AllowYank"
    )
    assert org.latest("eu-west-2", "a") == "1.0"
    assert org.latest("us-east-1", "a") is None  # every version yanked there: no record
