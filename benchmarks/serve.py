"""The ``startifact serve`` workload of ``benchmarks/bench.py --serve``.

- a project page of 100 versions x 2 files: cold (the first request of a new server, every
  metadata document read at ``--rtt-ms``, with the CPU time it cost the server and each moto
  process) and warm (the median of 20 requests after it);
- from a ``startifact serve`` process (its own process, as users run it; one region, no
  emulated round trip): a 50 MB wheel's first download (verified into a spool) and the median
  of ``--runs`` later (streamed) ones, each streamed download right after a direct boto3
  download of the same object from the same moto process (their median is the baseline);
  then 32 concurrent downloads of a 20 MB wheel, and the server's peak RSS (``VmHWM``) after
  one download and after the 32.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from latency import Router

from hatch_startifact.serving.app import make_server, url_of
from hatch_startifact.serving.index import build_index
from hatch_startifact.session import Session
from hatch_startifact.store.index import ProjectIndex
from hatch_startifact.store.metadata import metadata_document

MB = 1000 * 1000
PAGE_PROJECT = "page-lib"


class _Described:
    def __init__(self, filename: str) -> None:
        self.filename, self.size, self.sha256 = filename, 1000, "0" * 64


def seed_page(session: boto3.Session, buckets: dict[str, str], versions: int = 100) -> None:
    """Index and metadata documents of ``versions`` versions x 2 files, in every region."""
    listed = []
    for n in range(versions):
        version = f"1.{n}.0"
        names = (f"page_lib-{version}-py3-none-any.whl", f"page_lib-{version}.tar.gz")
        listed.append((version, names))
    index = ProjectIndex(PAGE_PROJECT, tuple(reversed(listed)))
    for region, bucket in buckets.items():
        s3 = session.client("s3", region_name=region)
        s3.put_object(Bucket=bucket, Key=f"{PAGE_PROJECT}/index.json", Body=index.to_json())

        def put(item: tuple[str, str], s3: Any = s3, bucket: str = bucket) -> None:
            version, name = item
            body = metadata_document(
                PAGE_PROJECT, version, _Described(name), {}, "2026-12-02T00:00:00Z"
            )
            s3.put_object(
                Bucket=bucket, Key=f"{PAGE_PROJECT}/{version}/{name}.metadata.json", Body=body
            )

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(put, [(v, n) for v, names in listed for n in names]))


def make_wheel(path: Path, size: int) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as wheel:
        wheel.writestr("big_lib/data.bin", os.urandom(size))
        wheel.writestr("big_lib-1.0.0.dist-info/METADATA", "Name: big-lib\nVersion: 1.0.0\n\n")
    return path


def _get(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    total = 0
    with urllib.request.urlopen(url, timeout=600) as response:
        while chunk := response.read(1024 * 1024):
            total += len(chunk)
    return time.perf_counter() - started, total


def _direct(s3: Any, bucket: str, key: str) -> float:
    """One download through an existing client (its creation is not timed)."""
    started = time.perf_counter()
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    for _ in body.iter_chunks(1024 * 1024):
        pass
    return time.perf_counter() - started


def _cpu_s(pid: int) -> float:
    """The CPU time (user and system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_workload(
    routed: boto3.Session,
    buckets: dict[str, str],
    runs: int,
    work: Path,
    env: dict[str, str],
    moto_pids: tuple[int, ...] = (),
    rtt_ms: float = 80,
    link_mb_s: float = 0,
) -> dict[str, Any]:
    """Every figure of the workload (the store prepared by the caller, ``routed`` the session
    with the emulated round trip); the CPU time the cold page cost this process (the server)
    and each process of ``moto_pids``."""
    results: dict[str, Any] = {}
    seed_page(routed, buckets)
    big = make_wheel(work / "big_lib-1.0.0-py3-none-any.whl", 50 * MB)
    with Session(boto3_session=routed) as stager:
        assert stager.stage("big-lib", "1.0.0", [big]).exit_code == 0
    with Session(boto3_session=routed, concurrency=16) as session:
        index = build_index(session)
        server = make_server("127.0.0.1", 0, index, lambda line: None)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = url_of(server)
        try:
            before = time.process_time(), [_cpu_s(pid) for pid in moto_pids]
            results["page_cold_s"] = _get(f"{base}{PAGE_PROJECT}/")[0]
            results["page_cold_cpu_s"] = {
                "server": time.process_time() - before[0],
                "moto": [_cpu_s(pid) - was for pid, was in zip(moto_pids, before[1], strict=True)],
            }
            results["page_warm_ms"] = 1000 * statistics.median(
                _get(f"{base}{PAGE_PROJECT}/")[0] for _ in range(20)
            )
        finally:
            server.shutdown()
            server.server_close()
    big_key = f"big-lib/1.0.0/{big.name}"
    results.update(served_process(work, env, big_key, buckets, runs))
    if link_mb_s:
        region = env["AWS_DEFAULT_REGION"]
        results["link"] = over_link(env, big_key, buckets[region], runs, rtt_ms, link_mb_s)
    return results


def _vm_hwm(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def served_process(
    work: Path, env: dict[str, str], big_key: str, buckets: dict[str, str], runs: int
) -> dict[str, Any]:
    """A ``startifact serve`` process (one region, no emulated round trip): the 50 MB wheel
    at ``big_key`` downloaded through it against directly, and its peak RSS after one
    download of a 20 MB wheel and after 32 at once."""
    wheel = make_wheel(work / "rss_lib-1.0.0-py3-none-any.whl", 20 * MB)
    region = env["AWS_DEFAULT_REGION"]
    direct = boto3.Session(region_name=region).client("s3")
    stage = [sys.executable, "-m", "hatch_startifact", "stage", "rss-lib", "1.0.0", str(wheel)]
    subprocess.run(
        [*stage, "--regions", region],
        env=env,
        check=True,
        capture_output=True,
    )
    process, base = _serve(env, region)
    try:
        big = base.replace("/simple/", f"/files/{big_key}")
        _get(base + big_key.split("/")[0] + "/")  # the page first, as pip and uv ask
        first = _get(big)[0]
        pairs, cpu = [], []
        for _ in range(runs):
            direct_s = _direct(direct, buckets[region], big_key)
            before = _cpu_s(process.pid)
            pairs.append((direct_s, _get(big)[0]))
            cpu.append(_cpu_s(process.pid) - before)
        url = base.replace("/simple/", f"/files/rss-lib/1.0.0/{wheel.name}")
        _get(url)
        _get(url)
        one = _vm_hwm(process.pid)
        with ThreadPoolExecutor(32) as pool:
            sizes = list(pool.map(lambda _: _get(url)[1], range(32)))
        assert sizes == [wheel.stat().st_size] * 32
        return {
            "wheel_direct_s": statistics.median(d for d, _ in pairs),
            "wheel_first_s": first,
            "wheel_streamed_s": statistics.median(s for _, s in pairs),
            "wheel_streamed_server_cpu_s": statistics.median(cpu),
            "rss": {"after_one_mb": one, "after_32_concurrent_mb": _vm_hwm(process.pid)},
        }
    finally:
        process.terminate()
        process.wait(30)


def _serve(env: dict[str, str], region: str) -> tuple[subprocess.Popen[str], str]:
    """A ``startifact serve`` process of one region, and its index URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hatch_startifact", "serve", "--quiet", "--regions", region],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().rsplit(" at ", 1)[1].strip()


def over_link(
    env: dict[str, str], big_key: str, bucket: str, runs: int, rtt_ms: float, mb_s: float
) -> dict[str, Any]:
    """The 50 MB wheel at ``big_key`` downloaded directly and through a ``startifact serve``
    process (after its first, verified download), each from S3 through a router that adds
    ``rtt_ms`` to every request and sends every body at ``mb_s`` MB a second: one connection
    to S3 over a network, while the client and the server share the machine."""
    router = Router({env["AWS_DEFAULT_REGION"]: env["AWS_ENDPOINT_URL"]}, rtt_ms, mb_s * MB)
    endpoint = router.start()
    process, base = _serve({**env, "AWS_ENDPOINT_URL": endpoint}, env["AWS_DEFAULT_REGION"])
    try:
        direct = boto3.Session().client("s3", endpoint_url=endpoint)
        big = base.replace("/simple/", f"/files/{big_key}")
        _get(base + big_key.split("/")[0] + "/")
        first = _get(big)[0]
        pairs = [(_direct(direct, bucket, big_key), _get(big)[0]) for _ in range(runs)]
        return {
            "rtt_ms": rtt_ms,
            "mb_s": mb_s,
            "first_s": first,
            "direct_s": statistics.median(d for d, _ in pairs),
            "streamed_s": statistics.median(s for _, s in pairs),
        }
    finally:
        process.terminate()
        process.wait(30)
        router.stop()


def serve_report(results: dict[str, Any]) -> None:
    serve = results["serve"]
    direct, streamed = serve["wheel_direct_s"], serve["wheel_streamed_s"]
    cpu = serve["page_cold_cpu_s"]
    print(
        f"project page, 100 versions x 2 files, cold: {serve['page_cold_s']:.2f} s (CPU: "
        f"server {cpu['server']:.2f} s, moto {', '.join(f'{m:.2f}' for m in cpu['moto'])} s)"
    )
    print(f"project page, warm: {serve['page_warm_ms']:.1f} ms")
    print(
        f"50 MB wheel: direct boto3 {direct:.2f} s, served first {serve['wheel_first_s']:.2f} s "
        f"({direct / serve['wheel_first_s']:.0%}), streamed {streamed:.2f} s "
        f"({direct / streamed:.0%} of direct throughput; the server's CPU "
        f"{serve['wheel_streamed_server_cpu_s']:.2f} s)"
    )
    link = serve.get("link")
    if link:
        print(
            f"50 MB wheel over an emulated link ({link['rtt_ms']:g} ms, {link['mb_s']:g} MB/s per "
            f"connection): direct boto3 {link['direct_s']:.2f} s, streamed "
            f"{link['streamed_s']:.2f} s ({link['direct_s'] / link['streamed_s']:.0%} of direct "
            f"throughput), the first download {link['first_s']:.2f} s "
            f"({link['direct_s'] / link['first_s']:.0%})"
        )
    rss = serve["rss"]
    print(
        f"serve peak RSS: {rss['after_one_mb']:.0f} MB after one 20 MB download, "
        f"{rss['after_32_concurrent_mb']:.0f} MB after 32 at once"
    )
    print(json.dumps(serve))
