"""The organisation configuration: its JSON format, its validation, and loading it from a region.

The configuration is a JSON object in an SSM ``String`` parameter (``/startifact`` by default,
or ``STARTIFACT_PARAMETER``), identical in every region. This module never talks to AWS itself:
`load_organisation` is given a function that reads one parameter in one region.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hatch_startifact.config.regions import parse_regions, shuffled
from hatch_startifact.errors import AwsError, ConfigurationError
from hatch_startifact.store.documents import MAX_DEPTH, TOO_DEEP, load
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.names import shown

KNOWN_KEYS = (
    "bucket_name_param",
    "bucket_key_prefix",
    "parameter_name_prefix",
    "regions",
    "buckets",
)
#: An S3 bucket name (general purpose buckets: 3 to 63 lowercase letters, digits, dots, hyphens).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

_PARAMETER_NAME = re.compile(r"^[A-Za-z0-9_.\-/]{1,1011}$")
_KEY_PREFIX = re.compile(r"^([A-Za-z0-9!_.*'()\-]+/)*$")


@dataclass(frozen=True)
class OrganisationConfig:
    """The organisation configuration, validated.

    ``extra`` holds keys this version does not know (such as Startifact 1.x's ``save_ok``);
    they are written back unchanged when the configuration is rewritten. ``buckets`` is what
    ``startifact setup`` found each region's bucket name parameter to hold: a hint that saves
    a round trip, checked against the parameter every time it is used.
    """

    bucket_name_param: str
    regions: tuple[str, ...]
    bucket_key_prefix: str = ""
    parameter_name_prefix: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)
    buckets: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def layout(self) -> Layout:
        """Where this organisation keeps things: its key and parameter name prefixes."""
        return Layout(self.bucket_key_prefix, self.parameter_name_prefix)

    def to_json(self) -> str:
        """The JSON document, with ``regions`` comma-separated as Startifact 1.x writes it."""
        document = dict(self.extra)
        document.update(
            bucket_key_prefix=self.bucket_key_prefix,
            bucket_name_param=self.bucket_name_param,
            parameter_name_prefix=self.parameter_name_prefix,
            regions=",".join(self.regions),
        )
        if self.buckets:
            document["buckets"] = dict(sorted(self.buckets.items()))
        return json.dumps(document, sort_keys=True)


def check_parameter_name(name: object) -> str | None:
    """Return the problem with an SSM parameter name, or ``None``."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty string naming an SSM parameter (e.g. /buckets/staging)"
    if not _PARAMETER_NAME.fullmatch(name):
        return f"{name!r} is not a valid SSM parameter name (letters, digits, _ . - /)"
    if "/" in name and not name.startswith("/"):
        return f"{name!r} is not a valid SSM parameter name: a path must start with '/'"
    if "//" in name or name.endswith("/"):
        return f"{name!r} is not a valid SSM parameter name: empty path segment"
    if name.lstrip("/").lower().startswith(("aws", "ssm")):
        return f"{name!r} is not a valid SSM parameter name: names may not start with aws or ssm"
    return None


def check_key_prefix(prefix: object) -> str | None:
    """Return the problem with an S3 key prefix (``""`` or ending in ``/``), or ``None``."""
    if not isinstance(prefix, str):
        return f"must be a string, not {type(prefix).__name__}"
    if not _KEY_PREFIX.fullmatch(prefix) or any(p in {".", ".."} for p in prefix.split("/")):
        return f"{prefix!r} must be empty or path segments each ending in '/' (e.g. staging/)"
    return None


def check_parameter_prefix(prefix: object) -> str | None:
    """Return the problem with an SSM name prefix (``""`` or ``/a/b``), or ``None``."""
    if not isinstance(prefix, str):
        return f"must be a string, not {type(prefix).__name__}"
    if prefix == "":
        return None
    if not prefix.startswith("/") or prefix.endswith("/"):
        return f"{prefix!r} must be empty, or start with '/' and not end with '/' (e.g. /staging)"
    problem = check_parameter_name(prefix)
    return problem.replace("parameter name", "parameter name prefix") if problem else None


def parse_organisation(text: str, *, where: str) -> OrganisationConfig:
    """Parse and validate a configuration document, reporting every problem at once.

    :param where: names the parameter and region, for messages.
    """
    try:
        document = load(text)
    except ValueError as error:
        what = (
            f"nests arrays or objects more than {MAX_DEPTH} deep"
            if str(error) == TOO_DEEP
            else f"is not valid JSON ({error})"
        )
        raise ConfigurationError(
            f"organisation configuration {where} {what}: rewrite it with `startifact setup`"
        ) from None
    if not isinstance(document, dict):
        raise ConfigurationError(
            f"organisation configuration {where} must be a JSON object, not "
            f"{type(document).__name__}: rewrite it with `startifact setup`"
        )
    problems: list[str] = []
    bucket_param = document.get("bucket_name_param")
    if "bucket_name_param" not in document:
        problems.append("bucket_name_param: missing")
    elif problem := check_parameter_name(bucket_param):
        problems.append(f"bucket_name_param: {problem}")
    key_prefix = document.get("bucket_key_prefix", "")
    if problem := check_key_prefix(key_prefix):
        problems.append(f"bucket_key_prefix: {problem}")
    name_prefix = document.get("parameter_name_prefix", "")
    if problem := check_parameter_prefix(name_prefix):
        problems.append(f"parameter_name_prefix: {problem}")
    regions: tuple[str, ...] = ()
    if "regions" not in document:
        problems.append("regions: missing")
    else:
        regions, region_problems = parse_regions(document["regions"])
        problems.extend(f"regions: {p}" for p in region_problems)
    buckets = document.get("buckets", {})
    if problem := check_buckets(buckets):
        problems.append(f"buckets: {problem}")
    if problems:
        raise ConfigurationError(
            f"organisation configuration {where} is invalid: {'; '.join(problems)}. "
            "Fix it with `startifact setup`"
        )
    return OrganisationConfig(
        bucket_name_param=str(bucket_param),
        regions=regions,
        bucket_key_prefix=key_prefix,
        parameter_name_prefix=name_prefix,
        extra={k: v for k, v in document.items() if k not in KNOWN_KEYS},
        buckets=dict(buckets),
    )


def check_buckets(buckets: object) -> str | None:
    """Return the problem with the ``buckets`` hint (region to bucket name), or ``None``."""
    if not isinstance(buckets, dict):
        return f"must be an object of region names to bucket names, not {type(buckets).__name__}"
    for region, bucket in buckets.items():
        if not isinstance(bucket, str) or not _BUCKET.fullmatch(bucket):
            return f"{shown(str(region)[:80])}: {shown(repr(bucket)[:80])} is not an S3 bucket name"
    return None


ReadParameter = Callable[[str, str], "str | None"]


def load_organisation(
    parameter: str,
    candidates: Sequence[str],
    read: ReadParameter,
    rng: random.Random | None = None,
    fallback: str | None = None,
) -> tuple[OrganisationConfig, str]:
    """Read the configuration from the first candidate region that has it, in shuffled order,
    then from ``fallback`` (the default region) if no candidate had it.

    A region that cannot be reached or lacks the parameter is passed over; a region whose
    configuration is invalid stops the search, because an administrator must fix it.

    :param read: ``read(region, name)`` returns the value, ``None`` when the parameter is
        missing, or raises `hatch_startifact.errors.AwsError`.
    :returns: the configuration and the region it came from.
    """
    order = shuffled(candidates, rng)
    if fallback and fallback not in order:
        order.append(fallback)
    if not order:
        raise ConfigurationError(
            "no region to read the organisation configuration from: set AWS_REGION or "
            "STARTIFACT_REGIONS (or name regions with --regions, -o regions or [tool.startifact])"
        )
    failures: list[str] = []
    for region in order:
        try:
            text = read(region, parameter)
        except AwsError as error:
            failures.append(f"{region}: {error}")
            continue
        if text is None:
            failures.append(f"{region}: not found")
            continue
        return parse_organisation(text, where=f"{parameter} in {region}"), region
    raise ConfigurationError(
        f"organisation configuration {parameter} could not be read from any region "
        f"({'; '.join(failures)}): run `startifact setup`, or check the parameter name "
        "(--parameter, -o parameter, STARTIFACT_PARAMETER or [tool.startifact]) and your "
        "credentials"
    )
