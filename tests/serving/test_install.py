"""End to end: ``startifact serve`` as a process of its own, reading with the Read grant alone
from a moto server that enforces IAM, and real ``pip install`` and ``uv pip install`` into
fresh virtual environments with ``--index-url`` pointing at it.

One store (`tests.fixtures.serving.Store`: two projects, one depending on the other, with
``Requires-Python``, staged by the real ``startifact stage``; a yanked and a pre-release
version beside them) and one server are shared by the module's tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from pypi_simple import ACCEPT_HTML_ONLY, ACCEPT_JSON_ONLY, PyPISimple

from tests.fixtures.faults import refused_url
from tests.fixtures.prewarmed import Zygote
from tests.fixtures.serving import (
    SDIST,
    STORE_REGIONS,
    ServeProcess,
    Store,
    build_wheel,
    free_port,
    wait_for,
)
from tests.helpers import aws_client, sha256

pytestmark = pytest.mark.e2e

BASE_WHEEL = "base_lib-1.0.0-py3-none-any.whl"


@pytest.fixture(scope="module")
def serve(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """``startifact serve`` with the reader's credentials (the Read grant only)."""
    log = tmp_path_factory.mktemp("serve") / "stderr.txt"
    process = ServeProcess([], store.env(store.reader), log)
    yield process
    process.stop(signal.SIGTERM)


def installed(venv: Path) -> dict[str, str]:
    """The distributions in a virtual environment: name -> version."""
    found = {}
    for info in venv.glob("lib/python*/site-packages/*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").rpartition("-")
        found[name] = version
    return found


def new_venv(where: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "uv", "venv", "-q", "--python", sys.executable, str(where)],
        check=True,
        env=_clean_env(),
    )
    return where


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    return {**env, "UV_NO_CONFIG": "1", "PIP_CONFIG_FILE": os.devnull}


def pip(venv: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Real pip (this Python's), installing into ``venv`` from the index only."""
    command = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install"]
    options = ["--isolated", "--no-cache-dir", "--disable-pip-version-check", "-q"]
    return subprocess.run(
        [*command, *options, "--index-url", url, *args],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=120,
        check=False,
    )


def uv(venv: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Real uv (from PyPI, a test dependency), installing into ``venv`` from the index only."""
    command = [sys.executable, "-m", "uv", "pip", "install", "--python", str(venv)]
    return subprocess.run(
        [*command, "--no-cache", "--index-url", url, *args],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=120,
        check=False,
    )


def ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, done.stderr
    return done


def test_the_server_prints_its_url_and_reads_with_the_read_grant_alone(
    store: Store, serve: ServeProcess
) -> None:
    regions = ", ".join(STORE_REGIONS)
    assert serve.first_line == f"Serving the index of {regions} at {serve.url}\n"
    assert serve.url.startswith("http://127.0.0.1:")
    reader = {**store.base_env, **store.reader}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in reader.items():
            patch.setenv(name, value)
        with pytest.raises(ClientError, match="AccessDenied"):  # IAM is enforced
            aws_client("s3", STORE_REGIONS[0]).list_objects_v2(
                Bucket=store.org.buckets[STORE_REGIONS[0]]
            )


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_latest_skips_yanked_pre_releases_and_versions_for_other_pythons_and_pulls_deps(
    installer: str, serve: ServeProcess, tmp_path: Path
) -> None:
    venv = new_venv(tmp_path / "venv")
    ok((pip if installer == "pip" else uv)(venv, serve.url, "app-tool"))
    assert installed(venv) == {"app_tool": "1.0.0", "base_lib": "1.0.0"}


def test_pip_installs_a_pre_release_with_pre(serve: ServeProcess, tmp_path: Path) -> None:
    venv = new_venv(tmp_path / "venv")
    ok(pip(venv, serve.url, "--pre", "base-lib"))
    assert installed(venv) == {"base_lib": "2.0.0rc1"}


def test_pip_installs_a_pinned_yanked_version_with_require_hashes_quoting_the_reason(
    store: Store, serve: ServeProcess, tmp_path: Path
) -> None:
    wheel = store.files["base_lib-1.1.0-py3-none-any.whl"]
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"base-lib==1.1.0 --hash=sha256:{sha256(wheel.read_bytes())}\n")
    pinned = new_venv(tmp_path / "pinned")
    done = ok(pip(pinned, serve.url, "--require-hashes", "-r", str(requirements)))
    assert installed(pinned) == {"base_lib": "1.1.0"}
    assert "yanked" in done.stderr  # pip warns, quoting the reason
    assert 'broken <badly> & "quoted"' in done.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["base-lib==1.1.0"], "1.1.0"),  # yanked, but pinned
        (["--prerelease", "allow", "base-lib"], "2.0.0rc1"),
        (["base-lib<1.2"], "1.0.0"),  # 1.1.0 is yanked
    ],
)
def test_uv_installs_pins_yanked_only_when_pinned_and_pre_releases_when_allowed(
    args: Sequence[str], expected: str, serve: ServeProcess, tmp_path: Path
) -> None:
    venv = new_venv(tmp_path / "venv")
    ok(uv(venv, serve.url, *args))
    assert installed(venv) == {"base_lib": expected}


def test_uv_installs_with_require_hashes(store: Store, serve: ServeProcess, tmp_path: Path) -> None:
    wheel = store.files[BASE_WHEEL]
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"base-lib==1.0.0 --hash=sha256:{sha256(wheel.read_bytes())}\n")
    venv = new_venv(tmp_path / "venv")
    ok(uv(venv, serve.url, "--require-hashes", "-r", str(requirements)))
    assert installed(venv) == {"base_lib": "1.0.0"}


@pytest.fixture
def first_region_wheel(on_store: Store) -> Iterator[tuple[Store, str]]:
    """The first region's copy of base-lib 1.0.0's wheel, put back after the test."""
    key = f"base-lib/1.0.0/{BASE_WHEEL}"
    yield on_store, key
    on_store.org.write(STORE_REGIONS[0], key, on_store.files[BASE_WHEEL].read_bytes())


def test_a_tampered_region_never_delivers_its_bytes_the_next_region_does(
    first_region_wheel: tuple[Store, str], serve: ServeProcess, tmp_path: Path
) -> None:
    store, key = first_region_wheel
    ok(uv(new_venv(tmp_path / "before"), serve.url, "base-lib==1.0.0"))  # verified once
    evil = build_wheel(tmp_path / "evil", "base-lib", "1.0.0", padding=100)
    store.org.write(STORE_REGIONS[0], key, evil.read_bytes())
    venv = new_venv(tmp_path / "venv")
    ok(uv(venv, serve.url, "base-lib==1.0.0"))
    assert installed(venv) == {"base_lib": "1.0.0"}
    assert not list(venv.glob("lib/python*/site-packages/base_lib_mod/padding.bin"))
    bucket = store.org.buckets[STORE_REGIONS[0]]
    assert (
        f"warning: {STORE_REGIONS[0]}: s3://{bucket}/{key} in {STORE_REGIONS[0]} has "
        f"{evil.stat().st_size} bytes, not the {store.files[BASE_WHEEL].stat().st_size} of its "
        "metadata: it may have been tampered with; trying another region"
    ) in serve.stderr()


def test_a_region_that_lost_the_file_fails_over(
    first_region_wheel: tuple[Store, str], serve: ServeProcess, tmp_path: Path
) -> None:
    store, key = first_region_wheel
    store.org.delete(STORE_REGIONS[0], key)
    venv = new_venv(tmp_path / "venv")
    ok(uv(venv, serve.url, "base-lib==1.0.0"))
    assert installed(venv) == {"base_lib": "1.0.0"}
    warned = [
        line
        for line in serve.stderr().splitlines()
        if line.startswith(f"warning: {STORE_REGIONS[0]}: ") and key in line
    ]
    assert warned
    assert warned[-1].endswith("; trying another region")


def test_a_dead_region_is_failed_over_and_pip_and_uv_install(store: Store, tmp_path: Path) -> None:
    # The first region of the organisation's order refuses connections (nobody listens on its
    # address), for S3 and SSM alike, from the server's start; the configuration is read from
    # the default region, the second, which is up. Pages and files come from the second.
    dead = STORE_REGIONS[0]
    env = {
        **store.env(store.reader),
        "AWS_DEFAULT_REGION": STORE_REGIONS[1],
        "AWS_MAX_ATTEMPTS": "2",
        "STARTIFACT_CONNECT_TIMEOUT": "1",
    }
    process = ServeProcess([], env, tmp_path / "stderr.txt", dead=(dead, refused_url()))
    try:
        assert process.first_line == (
            f"Serving the index of {', '.join(STORE_REGIONS)} at {process.url}\n"
        )
        for installer, where in ((pip, "pip"), (uv, "uv")):
            venv = new_venv(tmp_path / where)
            ok(installer(venv, process.url, "app-tool"))
            assert installed(venv) == {"app_tool": "1.0.0", "base_lib": "1.0.0"}
    finally:
        code, _ = process.stop(signal.SIGTERM)
    assert code == 0
    skipped = [line for line in process.stderr().splitlines() if f"{dead} skipped" in line]
    assert skipped
    assert "could not reach" in skipped[0]
    assert "Traceback" not in process.stderr()


@pytest.mark.parametrize("accept", [ACCEPT_JSON_ONLY, ACCEPT_HTML_ONLY])
def test_a_pep_691_client_parses_every_page(accept: str, store: Store, serve: ServeProcess) -> None:
    with PyPISimple(endpoint=serve.url, accept=accept) as client:
        pages = {p: client.get_project_page(p) for p in ("base-lib", "app-tool")}
        root = client.get_index_page()
    assert sorted(root.projects) == ["app-tool", "base-lib"]
    packages = {p.filename: p for page in pages.values() for p in page.packages}
    assert sorted(packages) == sorted(store.files)
    for name, package in packages.items():
        assert package.digests == {"sha256": sha256(store.files[name].read_bytes())}
        # HTML has no way to say "no core metadata": absent (None) there
        assert package.has_metadata is True if name != SDIST else not package.has_metadata
    assert packages["base_lib-1.2.0-py3-none-any.whl"].requires_python == ">=3.99"
    assert packages[SDIST].requires_python == ">=3.9"  # from the sdist's PKG-INFO
    yanked = packages["base_lib-1.1.0-py3-none-any.whl"]
    assert (yanked.is_yanked, yanked.yanked_reason) == (True, 'broken <badly> & "quoted"')
    assert not packages[BASE_WHEEL].is_yanked
    assert pages["base-lib"].repository_version == "1.1"


def test_sigterm_and_ctrl_c_stop_the_server_cleanly(
    store: Store, zygote: Zygote, tmp_path: Path
) -> None:
    # Both forked from the worker's pre-imported startifact (a process of its own each, as
    # `python -m hatch_startifact serve` would be, without paying for its imports again).
    env = store.env(store.reader)
    signals = {signal.SIGTERM: free_port(), signal.SIGINT: free_port()}
    pids: dict[int, int] = {}

    def started(sig: int) -> Callable[[int], None]:
        return lambda pid: pids.__setitem__(sig, pid)

    with ThreadPoolExecutor(2) as pool:
        ran = {
            sig: pool.submit(
                zygote.run,
                ["serve", "--quiet", "--port", str(port)],
                env,
                tmp_path,
                120,
                started(sig),
            )
            for sig, port in signals.items()
        }
        for sig, port in signals.items():
            wait_for(f"http://127.0.0.1:{port}/simple/")
            os.kill(pids[sig], sig)
    regions = ", ".join(STORE_REGIONS)
    for sig, port in signals.items():
        printed = f"Serving the index of {regions} at http://127.0.0.1:{port}/simple/\n"
        assert ran[sig].result() == (0, printed, ""), sig
