"""Each region's bucket: its name is the value of the organisation's bucket name parameter."""

from __future__ import annotations

from hatch_startifact.aws import Region, ssm_arn
from hatch_startifact.errors import NotFoundError


def bucket_name(region: Region, parameter: str) -> str:
    """The name of ``region``'s bucket, read from the bucket name ``parameter``.

    :raises NotFoundError: the parameter does not exist in the region.
    :raises AwsError: it could not be read.
    """
    bucket = region.get_parameter(parameter)
    if bucket is None:
        raise NotFoundError(
            f"bucket name parameter {parameter} does not exist in {region.name}: deploy the "
            f"organisation template there (startifact iam template), or leave {region.name} "
            "out of the organisation's regions (startifact setup --regions)",
            region=region.name,
            resource=ssm_arn(region.name, parameter),
        )
    return bucket
