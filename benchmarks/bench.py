"""Staging benchmarks against a moto server on 127.0.0.1, with emulated network latency.

Run: ``python -m nox -s bench`` (or ``python benchmarks/bench.py --help``). moto runs as a
separate process (``python -m moto.server``), so its work does not share the benchmark's
interpreter lock. Compared in one
run, for each workload and region count, the median of ``--runs`` runs of:

* ``startifact``: hatch-startifact's `Session.stage` (regions and files in parallel);
* ``sequential``: one region after another, one request at a time, as Startifact 1.x stages;
* ``floor``: a plain boto3 ``upload_file`` of the same bytes to one region.

Latency: every request of every side sleeps ``--rtt-ms`` in a botocore ``before-send`` hook
registered on the one boto3 session all sides use, so each request costs one round trip more,
the same for everyone. Also measured: peak RSS of staging a large file (in a child process),
the plugin's import cost and ``startifact --help``. Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig

REGIONS = ("us-east-1", "eu-west-2", "ap-south-1", "ca-central-1", "ap-northeast-1")
PARAMETER = "/buckets/staging"
MB = 1000 * 1000
WORKLOADS = {"1x200MB": (1, 200 * MB), "20x1MB": (20, MB), "200x10KB": (200, 10 * 1000)}


class MotoServer:
    """moto on 127.0.0.1: in this process (threads), or as a separate process."""

    def __init__(self, separate: bool) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        if separate:
            port = _free_port()
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.endpoint = f"http://127.0.0.1:{port}"
            _wait_for(self.endpoint)
        else:
            from moto.server import ThreadedMotoServer

            self._thread = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            self._thread.start()
            host, port = self._thread.get_host_and_port()
            self.endpoint = f"http://{host}:{port}"

    def stop(self) -> None:
        if self._process:
            self._process.terminate()
            self._process.wait(timeout=30)
        else:
            self._thread.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(endpoint: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto did not start at {endpoint}")


def post(endpoint: str, path: str, body: bytes = b"") -> None:
    request = urllib.request.Request(endpoint + path, data=body, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def latency_session(rtt_ms: float) -> boto3.Session:
    session = boto3.Session(region_name=REGIONS[0])
    if rtt_ms:

        def delay(**kwargs: Any) -> None:
            time.sleep(rtt_ms / 1000)

        session.events.register("before-send", delay)
    return session


def prepare(endpoint: str, regions: tuple[str, ...]) -> dict[str, str]:
    """Reset moto; create a bucket and bucket name parameter per region, and the config."""
    post(endpoint, "/moto-api/reset")
    buckets = {}
    for region in regions:
        bucket = f"bench-{region}"
        extra: Any = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        boto3.client("s3", region_name=region).create_bucket(Bucket=bucket, **extra)
        ssm = boto3.client("ssm", region_name=region)
        ssm.put_parameter(Name=PARAMETER, Value=bucket, Type="String", Overwrite=True)
        config = {
            "bucket_name_param": PARAMETER,
            "bucket_key_prefix": "",
            "parameter_name_prefix": "",
            "regions": ",".join(regions),
        }
        ssm.put_parameter(
            Name="/startifact", Value=json.dumps(config), Type="String", Overwrite=True
        )
        buckets[region] = bucket
    return buckets


def make_files(directory: Path, count: int, size: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = directory / f"file-{n:03d}.bin"
        with path.open("wb") as stream:
            left = size
            while left:
                chunk = os.urandom(min(left, 8 * 1024 * 1024))
                stream.write(chunk)
                left -= len(chunk)
        paths.append(path)
    return paths


def run_startifact(
    session: boto3.Session, regions: tuple[str, ...], files: list[Path], version: str
) -> None:
    from hatch_startifact.session import Session

    with Session(
        regions=",".join(regions),
        boto3_session=session,
        disable_plugins=("startifact.git", "startifact.ci"),
    ) as startifact:
        report = startifact.stage("bench", version, files)
    if report.exit_code:
        raise RuntimeError(f"staging failed: {report}")


def run_sequential(
    session: boto3.Session, regions: tuple[str, ...], files: list[Path], version: str
) -> None:
    """Startifact 1.x's way: region after region, file after file, one request at a time."""
    single = TransferConfig(use_threads=False)
    for region in regions:
        ssm = session.client("ssm", region_name=region)
        s3 = session.client("s3", region_name=region)
        bucket = ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"]
        for path in files:
            key = f"sequential/{version}/{path.name}"
            s3.upload_file(str(path), bucket, key, Config=single)
            s3.put_object(Bucket=bucket, Key=key + ".metadata.json", Body=b"{}")
        ssm.put_parameter(Name="/sequential/latest", Value=version, Type="String", Overwrite=True)


def run_floor(
    session: boto3.Session, regions: tuple[str, ...], files: list[Path], version: str
) -> None:
    s3 = session.client("s3", region_name=REGIONS[0])
    for path in files:
        s3.upload_file(str(path), f"bench-{REGIONS[0]}", f"floor/{version}/{path.name}")


SIDES: dict[str, Callable[[boto3.Session, tuple[str, ...], list[Path], str], None]] = {
    "startifact": run_startifact,
    "sequential": run_sequential,
    "floor": run_floor,
}


def time_side(
    side: str,
    session: boto3.Session,
    regions: tuple[str, ...],
    files: list[Path],
    runs: int,
    endpoint: str,
) -> list[float]:
    times = []
    for run in range(runs):
        prepare(endpoint, regions)  # an empty moto each time: its memory grows with uploads
        started = time.perf_counter()
        SIDES[side](session, regions, files, f"1.0.{run}")
        times.append(time.perf_counter() - started)
    return times


def peak_rss(endpoint: str, size: int, regions: tuple[str, ...], work: Path) -> float:
    """Peak RSS (MB) of a child process staging one ``size``-byte file to ``regions``."""
    prepare(endpoint, regions)
    (path,) = make_files(work / "rss", 1, size)
    code = (
        "from hatch_startifact.session import Session\n"
        f"with Session(regions={','.join(regions)!r}, disable_plugins=('startifact.git',"
        "'startifact.ci')) as s:\n"
        f"    assert s.stage('rss', '1.0', [{str(path)!r}]).exit_code == 0\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec from the parent.
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "AWS_DEFAULT_REGION": REGIONS[0]},
    )
    path.unlink()
    return int(out.stdout.strip()) / 1024  # VmHWM is in kB


def command_time(args: list[str], runs: int = 10) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt-ms", type=float, default=80)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--regions", default="1,3,5", help="region counts to compare")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--sides", default=",".join(SIDES))
    parser.add_argument(
        "--baseline-regions",
        default=None,
        help="region counts for the slow sequential baseline (default: --regions)",
    )
    parser.add_argument("--rss-mb", type=int, default=1000, help="file size for peak RSS")
    parser.add_argument("--output", default="benchmarks/results/latest.json")
    parser.add_argument(
        "--moto-in-process",
        action="store_true",
        help="run moto in this process (it then shares this process's GIL and CPU, which "
        "makes the client look slower than it is); by default it is a separate process",
    )
    args = parser.parse_args()

    server = MotoServer(separate=not args.moto_in_process)
    endpoint = server.endpoint
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": REGIONS[0],
        }
    )
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}",
        "rtt_ms": args.rtt_ms,
        "runs": args.runs,
        "times": {},
    }
    session = latency_session(args.rtt_ms)
    counts = [int(n) for n in args.regions.split(",")]
    try:
        with tempfile.TemporaryDirectory(prefix="startifact-bench-") as temp:
            work = Path(temp)
            for name in args.workloads.split(","):
                count, size = WORKLOADS[name]
                files = make_files(work / name, count, size)
                baseline = (
                    [int(n) for n in args.baseline_regions.split(",")]
                    if args.baseline_regions
                    else counts
                )
                for side in args.sides.split(","):
                    for n in {"floor": [1], "sequential": baseline}.get(side, counts):
                        times = time_side(side, session, REGIONS[:n], files, args.runs, endpoint)
                        key = f"{name}/{side}/{n}"
                        results["times"][key] = times
                        print(
                            f"{key:<28} median {statistics.median(times):7.2f} s  "
                            f"runs {', '.join(f'{t:.2f}' for t in times)}",
                            flush=True,
                        )
                for path in files:
                    path.unlink()
            if args.rss_mb:
                rss = peak_rss(endpoint, args.rss_mb * MB, REGIONS[:3], work)
                results["peak_rss_mb"] = {f"{args.rss_mb}MB to 3 regions": rss}
                print(f"peak RSS staging {args.rss_mb} MB to 3 regions: {rss:.0f} MB", flush=True)
    finally:
        server.stop()
    results["startifact_help_ms"] = command_time(
        [sys.executable, "-m", "hatch_startifact", "--help"]
    )
    print(f"startifact --help: median {results['startifact_help_ms']:.0f} ms")
    report(results)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    print(f"wrote {output}")
    return 0


def report(results: dict[str, Any]) -> None:
    """The ratios the targets are stated in (only those whose inputs were measured)."""
    median = {k: statistics.median(v) for k, v in results["times"].items()}
    ratios = {}
    for name in WORKLOADS:
        one, three = median.get(f"{name}/startifact/1"), median.get(f"{name}/startifact/3")
        seq = median.get(f"{name}/sequential/3")
        if one and three:
            ratios[f"{name}: 3 regions / 1 region"] = three / one
        if seq and three:
            ratios[f"{name}: sequential / startifact at 3 regions"] = seq / three
        floor = median.get(f"{name}/floor/1")
        if floor and one:
            ratios[f"{name}: startifact 1 region / floor"] = one / floor
    results["ratios"] = ratios
    for label, value in ratios.items():
        print(f"{label:<50} {value:6.2f}x")


if __name__ == "__main__":
    sys.exit(main())
