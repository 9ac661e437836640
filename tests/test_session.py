"""hatch_startifact.session: which regions a session uses and where it reads the organisation."""

from __future__ import annotations

import pytest

from hatch_startifact.config.organisation import OrganisationConfig
from hatch_startifact.errors import ConfigurationError, UsageError
from hatch_startifact.session import Session
from tests.helpers import (
    BUCKET_PARAMETER,
    REGIONS,
    OpenSession,
    boto3_session,
    write_configuration,
)

DOCUMENT = {
    "bucket_name_param": BUCKET_PARAMETER,
    "bucket_key_prefix": "artifacts/",
    "parameter_name_prefix": "/staging",
    "regions": ",".join(REGIONS),
}
ORGANISATION = OrganisationConfig(BUCKET_PARAMETER, REGIONS, "artifacts/", "/staging", {})


def test_a_session_refuses_bad_regions_when_it_is_created() -> None:
    with pytest.raises(UsageError, match=r"^regions: 'nowhere' is not an AWS region name"):
        Session(regions="nowhere", boto3_session=boto3_session(region_name="us-east-1"))


# ---- organisation -------------------------------------------------------------------------


def test_organisation_is_read_from_the_default_region(
    open_session: OpenSession,
) -> None:
    write_configuration(DOCUMENT, regions=("eu-west-2",))

    assert open_session(region_name="eu-west-2").organisation == ORGANISATION


def test_organisation_is_read_from_startifact_regions_when_the_default_region_lacks_it(
    open_session: OpenSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_configuration(DOCUMENT, regions=("ap-south-1",))
    monkeypatch.setenv("STARTIFACT_REGIONS", "eu-west-2,ap-south-1")

    session = open_session(region_name="us-east-1")

    assert session.organisation == ORGANISATION
    assert session.regions == ("eu-west-2", "ap-south-1")


def test_organisation_is_read_from_the_default_region_when_startifact_regions_lack_it(
    open_session: OpenSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_configuration(DOCUMENT, regions=("us-east-1",))
    monkeypatch.setenv("STARTIFACT_REGIONS", "eu-west-2")

    session = open_session(region_name="us-east-1")

    assert session.organisation == ORGANISATION
    assert session.regions == ("eu-west-2",)


def test_organisation_from_the_parameter_given(
    open_session: OpenSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_configuration(DOCUMENT, regions=("us-east-1",), parameter="/org/startifact")
    monkeypatch.setenv("STARTIFACT_PARAMETER", "/elsewhere")

    assert (
        open_session(region_name="us-east-1", parameter="/org/startifact").organisation
        == ORGANISATION
    )


def test_organisation_from_startifact_parameter(
    open_session: OpenSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_configuration(DOCUMENT, regions=("us-east-1",), parameter="/org/startifact")
    monkeypatch.setenv("STARTIFACT_PARAMETER", "/org/startifact")

    assert open_session(region_name="us-east-1").organisation == ORGANISATION


def test_organisation_missing_from_the_default_region_says_what_to_do(
    open_session: OpenSession,
) -> None:
    write_configuration(DOCUMENT, regions=("eu-west-2",))

    with pytest.raises(ConfigurationError) as raised:
        _ = open_session(region_name="us-east-1").organisation

    assert str(raised.value) == (
        "organisation configuration /startifact could not be read from any region "
        "(us-east-1: not found): run `startifact setup`, or check the parameter name "
        "(--parameter, -o parameter, STARTIFACT_PARAMETER or [tool.startifact]) and your "
        "credentials"
    )


def test_organisation_without_any_region_to_read_from_says_how_to_name_one(
    open_session: OpenSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    with pytest.raises(ConfigurationError) as raised:
        _ = open_session().organisation

    assert str(raised.value) == (
        "no region to read the organisation configuration from: set AWS_REGION or "
        "STARTIFACT_REGIONS (or name regions with --regions, -o regions or [tool.startifact])"
    )


def test_organisation_is_read_once(open_session: OpenSession) -> None:
    write_configuration(DOCUMENT, regions=("us-east-1",))
    session = open_session(region_name="us-east-1")
    first = session.organisation
    write_configuration({**DOCUMENT, "bucket_key_prefix": "changed/"}, regions=("us-east-1",))

    assert session.organisation is first


# ---- regions ------------------------------------------------------------------------------


def test_regions_are_the_organisations_without_an_override(
    open_session: OpenSession,
) -> None:
    write_configuration({**DOCUMENT, "regions": "ap-south-1,eu-west-2"}, regions=("us-east-1",))

    assert open_session(region_name="us-east-1").regions == ("ap-south-1", "eu-west-2")


def test_explicit_regions_need_no_organisation_configuration(
    open_session: OpenSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STARTIFACT_REGIONS", "ap-south-1")

    assert open_session(region_name="us-east-1", regions=["eu-west-2", "us-east-1"]).regions == (
        "eu-west-2",
        "us-east-1",
    )
