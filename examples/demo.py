"""The quick start: the whole main job against a local moto server, nothing else needed.

Run it with ``python -m nox -s demo``. It starts moto on 127.0.0.1, prepares three regions
(bucket and bucket name parameter: what the organisation's CloudFormation template does),
runs ``startifact setup``, builds ``examples/demo-project`` with ``hatch build``, stages it
with ``hatch publish -p startifact``, shows what landed where, and stops the server.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

REGIONS = ("us-east-1", "eu-west-2", "ap-southeast-2")
BUCKET_PARAMETER = "/buckets/staging"
PROJECT = Path(__file__).resolve().parent / "demo-project"


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def run(*command: str, cwd: Path | None = None) -> None:
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def prepare_regions() -> None:
    for region in REGIONS:
        bucket = f"example-staging-{region}"
        extra = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        boto3.client("s3", region_name=region).create_bucket(Bucket=bucket, **extra)  # type: ignore[arg-type]
        boto3.client("ssm", region_name=region).put_parameter(
            Name=BUCKET_PARAMETER, Value=bucket, Type="String"
        )
        print(f"{region}: bucket {bucket}, parameter {BUCKET_PARAMETER}")


def show_what_landed() -> None:
    for region in REGIONS:
        s3 = boto3.client("s3", region_name=region)
        bucket = f"example-staging-{region}"
        print(f"{region} (s3://{bucket}):")
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            print(f"  {item['Key']:<58} {item['Size']:>7} bytes")
        latest = boto3.client("ssm", region_name=region).get_parameter(Name="/example-app/latest")[
            "Parameter"
        ]["Value"]
        print(f"  SSM /example-app/latest = {latest}")


def main() -> int:
    started = time.monotonic()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    work = Path(tempfile.mkdtemp(prefix="startifact-demo-"))
    try:
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                "AWS_ACCESS_KEY_ID": "demo",
                "AWS_SECRET_ACCESS_KEY": "demo",
                "AWS_DEFAULT_REGION": REGIONS[0],
                "HATCH_DATA_DIR": str(work / "hatch-data"),
                "HATCH_CACHE_DIR": str(work / "cache"),
            }
        )
        os.environ.pop("AWS_PROFILE", None)
        step(f"moto server on 127.0.0.1:{port}; preparing {len(REGIONS)} regions")
        prepare_regions()
        step("setting up the organisation")
        run(
            sys.executable,
            "-m",
            "hatch_startifact",
            "setup",
            "--regions",
            ",".join(REGIONS),
            "--bucket-parameter",
            BUCKET_PARAMETER,
            "--yes",
        )
        project = work / "demo-project"
        shutil.copytree(PROJECT, project)
        step("building the example project")
        run(sys.executable, "-m", "hatch", "build", cwd=project)
        step("staging it")
        run(
            sys.executable,
            "-m",
            "hatch",
            "publish",
            "-p",
            "startifact",
            "-o",
            "metadata.pipeline=demo",
            cwd=project,
        )
        step("what landed where")
        show_what_landed()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nDemo finished in {time.monotonic() - started:.1f} s; the moto server is stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
