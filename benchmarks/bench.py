"""Staging benchmarks against a moto server on 127.0.0.1, with emulated network latency.

Run: ``python -m nox -s bench`` (or ``python benchmarks/bench.py --help``). moto runs as
separate processes (``python -m moto.server``), one per region as real regions are separate
services (``--one-server`` puts every region in one), so its work does not share the
benchmark's interpreter lock. Compared in one run, for each workload and region count, the
median of ``--runs`` runs of:

* ``startifact``: hatch-startifact's `Session.stage` (regions and files in parallel);
* ``sequential``: one region after another, one request at a time, as Startifact 1.x stages;
* ``floor``: a plain boto3 ``upload_file`` of the same bytes to one region.

Latency: every request of every side sleeps ``--rtt-ms`` in a botocore ``before-send`` hook
registered on the one boto3 session all sides use, so each request costs one round trip more,
the same for everyone. Also measured: peak RSS of staging a large file (in a child process),
the plugin's import cost and ``startifact --help``.

The ``startifact serve`` workload (``--serve``, `serve.py`): a 100-version project page
built cold and served warm, a 50 MB wheel served against a direct boto3 download, and the
peak RSS of 32 concurrent downloads.

The command-line workload (``--cli``) runs ``startifact stage``, ``download``, ``info`` and
``versions`` as processes, as a user would, through a router that holds every request for the
round trip and counts the round trips each command takes one after another (`latency.py`),
at ``--rtt-ms`` and at 0 ms, with each region's bucket hinted in the configuration (as
``startifact setup`` writes it) and without (as Startifact 1.x writes it), with a bare process
that imports boto3 and sends one request as the start-up floor. Prints a table and writes
JSON.
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


def routed_session(endpoints: dict[str, str], rtt_ms: float = 0) -> boto3.Session:
    """A session whose requests go to their region's server, each ``rtt_ms`` later."""
    session = boto3.Session(region_name=REGIONS[0])

    def route(request: Any, **kwargs: Any) -> None:
        authorization = request.headers.get("Authorization", b"")
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        region = authorization.split("/")[2] if authorization.count("/") >= 3 else ""
        if region in endpoints:
            path = request.url.split("/", 3)[3] if request.url.count("/") >= 3 else ""
            request.url = f"{endpoints[region]}/{path}"
        if rtt_ms:
            time.sleep(rtt_ms / 1000)

    session.events.register("before-send", route)
    return session


def prepare(
    endpoints: dict[str, str], regions: tuple[str, ...], hinted: bool = False
) -> dict[str, str]:
    """Reset moto; create a bucket and bucket name parameter per region, and the config
    (with each region's bucket hinted in it, as ``startifact setup`` writes it, if ``hinted``)."""
    for endpoint in set(endpoints.values()):
        post(endpoint, "/moto-api/reset")
    session = routed_session(endpoints)
    buckets = {}
    for region in regions:
        bucket = f"bench-{region}"
        extra: Any = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        session.client("s3", region_name=region).create_bucket(Bucket=bucket, **extra)
        ssm = session.client("ssm", region_name=region)
        ssm.put_parameter(Name=PARAMETER, Value=bucket, Type="String", Overwrite=True)
        buckets[region] = bucket
    config: dict[str, Any] = {
        "bucket_name_param": PARAMETER,
        "bucket_key_prefix": "",
        "parameter_name_prefix": "",
        "regions": ",".join(regions),
    }
    if hinted:
        config["buckets"] = buckets
    for region in regions:
        session.client("ssm", region_name=region).put_parameter(
            Name="/startifact", Value=json.dumps(config), Type="String", Overwrite=True
        )
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
    endpoints: dict[str, str],
) -> list[float]:
    times = []
    for run in range(runs):
        prepare(endpoints, regions)  # an empty moto each time: its memory grows with uploads
        started = time.perf_counter()
        SIDES[side](session, regions, files, f"1.0.{run}")
        times.append(time.perf_counter() - started)
    return times


def peak_rss(endpoints: dict[str, str], size: int, regions: tuple[str, ...], work: Path) -> float:
    """Peak RSS (MB) of a child process staging one ``size``-byte file to ``regions``."""
    prepare(endpoints, regions)
    (path,) = make_files(work / "rss", 1, size)
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from bench import routed_session\n"
        "from hatch_startifact.session import Session\n"
        f"with Session(regions={','.join(regions)!r}, disable_plugins=('startifact.git',"
        f"'startifact.ci'), boto3_session=routed_session({endpoints!r})) as s:\n"
        f"    report = s.stage('rss', '1.0', [{str(path)!r}])\n"
        "    assert report.exit_code == 0, report\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec from the parent.
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "AWS_DEFAULT_REGION": REGIONS[0],
            # moto completes a 1 GB multipart upload silently for longer than the default
            # 10 s read timeout (S3 sends keep-alive whitespace meanwhile), and a retried
            # completion then breaks moto's upload: give it time.
            "STARTIFACT_READ_TIMEOUT": "600",
        },
    )
    if out.returncode:
        raise RuntimeError(f"the peak RSS child failed:\n{out.stderr}")
    path.unlink()
    return int(out.stdout.strip()) / 1024  # VmHWM is in kB


CLI_COMMANDS = ("stage", "download", "info", "versions")
#: The floor for start-up: a bare process that imports boto3 and sends one request.
BARE = (
    "import boto3\nboto3.client('ssm', region_name='us-east-1').get_parameter(Name='/startifact')\n"
)


def cli_workload(
    endpoints: dict[str, str], rtt_ms: float, runs: int, work: Path, hinted: bool
) -> dict[str, dict[str, list[float]]]:
    """Each command's wall time, round trips in sequence and start-up (seconds from the
    process's start to its first request), ``runs`` times, 3 regions, one 100 KB file; the
    buckets hinted in the configuration (as ``startifact setup`` writes it) or not (as
    Startifact 1.x does)."""
    from latency import Router, first_request, round_trips

    router = Router(endpoints, rtt_ms)
    env = {**os.environ, "AWS_ENDPOINT_URL": router.start()}
    (path,) = make_files(work / "cli", 1, 100 * 1000)
    figures: dict[str, dict[str, list[float]]] = {
        name: {"wall": [], "round_trips": [], "start_up": []} for name in (*CLI_COMMANDS, "bare")
    }
    commands = {
        "stage": ["stage", "bench", "1.0.0", str(path)],
        "download": ["download", "bench", "--dest", str(work / "cli-out"), "--force"],
        "info": ["info", "bench"],
        "versions": ["versions", "bench"],
    }
    try:
        for _ in range(runs):
            prepare(endpoints, REGIONS[:3], hinted)
            for name in (*CLI_COMMANDS, "bare"):
                argv = (
                    [sys.executable, "-c", BARE]
                    if name == "bare"
                    else [sys.executable, "-m", "hatch_startifact", *commands[name]]
                )
                router.clear()
                started = time.monotonic()
                done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=work)
                wall = time.monotonic() - started
                if done.returncode:
                    raise RuntimeError(f"{name} failed: {done.stderr}")
                figures[name]["wall"].append(wall)
                figures[name]["round_trips"].append(round_trips(router.log))
                figures[name]["start_up"].append(first_request(router.log) - started)
    finally:
        router.stop()
    return figures


def cli_report(results: dict[str, Any]) -> None:
    for rtt, figures in results["cli"].items():
        bare = statistics.median(figures["bare"]["start_up"])
        for name in CLI_COMMANDS:
            f = figures[name]
            print(
                f"cli {name:<9} {rtt:<18} wall {statistics.median(f['wall']):5.2f} s, "
                f"round trips in sequence {statistics.median(f['round_trips']):.0f} "
                f"(max {max(f['round_trips']):.0f}), first request "
                f"{statistics.median(f['start_up']) - bare:+.3f} s after the bare floor "
                f"({bare:.3f} s)",
                flush=True,
            )


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
    parser.add_argument(
        "--cli",
        action="store_true",
        help="only the command-line workload (startifact stage, download, info and versions "
        "as processes, at --rtt-ms and at 0 ms)",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="only the startifact serve workload (a 100-version project page cold and warm, "
        "a 50 MB wheel served against a direct download, 32 concurrent downloads' peak RSS)",
    )
    parser.add_argument(
        "--link-mb-s",
        type=float,
        default=90,
        help="--serve: also download the 50 MB wheel directly and through the server over an "
        "emulated link of --rtt-ms and this many MB/s per connection (0 skips it)",
    )
    parser.add_argument("--output", default="benchmarks/results/latest.json")
    parser.add_argument(
        "--moto-in-process",
        action="store_true",
        help="run moto in this process (it then shares this process's GIL and CPU, which "
        "makes the client look slower than it is); implies --one-server",
    )
    parser.add_argument(
        "--one-server",
        action="store_true",
        help="one moto server for every region (then all regions share one interpreter lock, "
        "which no real regions do); by default each region has its own moto process",
    )
    args = parser.parse_args()

    counts = [int(n) for n in args.regions.split(",")]
    baseline = [int(n) for n in (args.baseline_regions or args.regions).split(",")]
    used = REGIONS[: max([*counts, *baseline, 3 if args.rss_mb else 1])]
    if args.one_server or args.moto_in_process:
        servers = [MotoServer(separate=not args.moto_in_process)]
        endpoints = dict.fromkeys(used, servers[0].endpoint)
    else:
        servers = [MotoServer(separate=True) for _ in used]
        endpoints = {region: server.endpoint for region, server in zip(used, servers, strict=True)}
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": servers[0].endpoint,
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
        "moto": "one server" if len(servers) == 1 else "one server per region",
        "times": {},
    }
    session = routed_session(endpoints, args.rtt_ms)
    try:
        with tempfile.TemporaryDirectory(prefix="startifact-bench-") as temp:
            work = Path(temp)
            if args.serve:
                from serve import serve_report, serve_workload

                buckets = prepare(endpoints, REGIONS[:2], hinted=True)
                pids = tuple(s._process.pid for s in servers if s._process)
                results["serve"] = serve_workload(
                    session,
                    buckets,
                    args.runs,
                    work,
                    dict(os.environ),
                    pids,
                    rtt_ms=args.rtt_ms,
                    link_mb_s=args.link_mb_s,
                )
                serve_report(results)
            results["cli"] = (
                {}
                if args.serve
                else {
                    f"{rtt:g} ms, {'hinted' if hinted else 'not hinted'}": cli_workload(
                        endpoints, rtt, args.runs, work, hinted
                    )
                    for hinted in (True, False)
                    for rtt in dict.fromkeys([args.rtt_ms, 0.0])
                }
            )
            if not args.serve:
                cli_report(results)
            for name in [] if args.cli or args.serve else args.workloads.split(","):
                count, size = WORKLOADS[name]
                files = make_files(work / name, count, size)
                for side in args.sides.split(","):
                    for n in {"floor": [1], "sequential": baseline}.get(side, counts):
                        times = time_side(side, session, REGIONS[:n], files, args.runs, endpoints)
                        key = f"{name}/{side}/{n}"
                        results["times"][key] = times
                        print(
                            f"{key:<28} median {statistics.median(times):7.2f} s  "
                            f"runs {', '.join(f'{t:.2f}' for t in times)}",
                            flush=True,
                        )
                for path in files:
                    path.unlink()
            if args.rss_mb and not (args.cli or args.serve):
                rss = peak_rss(endpoints, args.rss_mb * MB, REGIONS[:3], work)
                results["peak_rss_mb"] = {f"{args.rss_mb}MB to 3 regions": rss}
                print(f"peak RSS staging {args.rss_mb} MB to 3 regions: {rss:.0f} MB", flush=True)
    finally:
        for server in servers:
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
