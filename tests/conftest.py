"""Shared fixtures: fake credentials, moto in-process and as a real HTTP server, factories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
import botocore.loaders
import botocore.session
import pytest
from hypothesis import settings
from moto import mock_aws

from tests.faults import Faults, FaultyMotoServer
from tests.prewarmed import Zygote

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ssm import SSMClient

REGIONS = ("us-east-1", "eu-west-2", "ap-south-1")

#: Hypothesis: each fuzz test states its own example budget (``max_examples``, about 4,400
#: examples a run in all). Per-example deadlines are off: on a machine shared by parallel test
#: workers an example's time says more about its neighbours than about the code.
settings.register_profile("startifact", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "startifact"))

#: One botocore model loader for every test session: reading the models once keeps tests fast.
MODELS = botocore.loaders.create_loader()
Hook = tuple[str, Callable[..., Any]]


def boto3_session(*hooks: Hook) -> boto3.Session:
    """A boto3 session with ``hooks`` registered before any client exists (clients copy them)."""
    core = botocore.session.get_session()
    core.register_component("data_loader", MODELS)
    for event, handler in hooks:
        core.register(event, handler)
    return boto3.Session(botocore_session=core)


_CLIENTS: dict[tuple[str, ...], Any] = {}


@overload
def aws_client(service: Literal["s3"], region: str) -> S3Client: ...
@overload
def aws_client(service: Literal["ssm"], region: str) -> SSMClient: ...
@overload
def aws_client(service: str, region: str) -> Any: ...
def aws_client(service: str, region: str) -> Any:
    """A boto3 client for seeding and inspecting AWS state, cached for the worker's life.

    Creating a client costs 10-20 ms of CPU and tests make thousands. The cache key holds
    what a client depends on here (the endpoints and credentials in the environment); each
    client has a session of its own, so no test's hooks are ever on it.
    """
    key = (
        service,
        region,
        *(
            os.environ.get(v, "")
            for v in ("AWS_ENDPOINT_URL", f"AWS_ENDPOINT_URL_{service.upper()}")
        ),
        os.environ.get("AWS_ACCESS_KEY_ID", ""),
    )
    if key not in _CLIENTS:
        _CLIENTS[key] = boto3_session().client(service, region_name=region)  # type: ignore[call-overload]
    return _CLIENTS[key]


BUCKET_PARAMETER = "/buckets/staging"
#: Variables no test inherits from the machine running the tests (see ``aws_env``).
_FOREIGN = ("AWS_", "STARTIFACT_", "BOTO_", "GITHUB_", "GITLAB_", "CIRCLE")


# ---- the slow tier and the reliability tally ------------------------------------------------


#: Rounds of each race and crash loop: a few in every run, many in the slow tier.
ROUNDS, SLOW_ROUNDS = 2, 25


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help=f"the slow tier: loops marked slow run {SLOW_ROUNDS} rounds instead of {ROUNDS} "
        "(python -m nox -s slow runs only those, with this)",
    )


@pytest.fixture(scope="session")
def rounds(request: pytest.FixtureRequest) -> int:
    """How many times a loop marked ``slow`` runs its scenario."""
    return SLOW_ROUNDS if request.config.getoption("--slow") else ROUNDS


class Tally:
    """What the reliability tests did, counted: printed at the end of the run.

    Set ``STARTIFACT_RELIABILITY_REPORT`` to a path to also get it as JSON (the Reliability
    docs page quotes these counts).
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


TALLY = Tally()
REPORT_VARIABLE = "STARTIFACT_RELIABILITY_REPORT"
_REPORT_PATH = os.environ.get(REPORT_VARIABLE)  # read before aws_env clears STARTIFACT_*


@pytest.fixture(scope="session")
def tally() -> Tally:
    """The run's `Tally` (session-scoped, so hypothesis tests may use it too)."""
    return TALLY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY.counts:
        return
    terminalreporter.section("reliability tally")
    for what, n in sorted(TALLY.counts.items()):
        terminalreporter.write_line(f"{what}: {n}")
    if _REPORT_PATH:
        Path(_REPORT_PATH).write_text(json.dumps(TALLY.counts, indent=2, sort_keys=True) + "\n")


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials and no stray configuration from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith(_FOREIGN) and name != "STARTIFACT_TEST_FRESH_PROCESS":
            monkeypatch.delenv(name)
    # Not inside this checkout: the built-in git plugin would add this repository's commit.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    home = tmp_path_factory.mktemp("aws-home")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGIONS[0])
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def mocked() -> Iterator[None]:
    """moto in-process: every boto3 client in the test talks to it."""
    with mock_aws():
        # moto empties boto3's default session for the mock's lifetime; this one shares the
        # parsed service models, so a test's first ``boto3.client`` costs ms, not 0.15 s.
        boto3.DEFAULT_SESSION = boto3_session()
        yield


def create_region(
    region: str,
    *,
    bucket: str | None = None,
    bucket_parameter: bool = True,
    create_bucket: bool = True,
) -> str:
    """Create a region's bucket and bucket name parameter; returns the bucket name."""
    bucket = bucket or f"staging-{region}"
    if create_bucket:
        s3 = aws_client("s3", region)
        extra: Any = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=bucket, **extra)
    if bucket_parameter:
        aws_client("ssm", region).put_parameter(
            Name=BUCKET_PARAMETER, Value=bucket, Type="String", Overwrite=True
        )
    return bucket


def write_configuration(
    document: dict[str, Any] | str, regions: Sequence[str] = REGIONS, parameter: str = "/startifact"
) -> None:
    value = document if isinstance(document, str) else json.dumps(document)
    for region in regions:
        aws_client("ssm", region).put_parameter(
            Name=parameter, Value=value, Type="String", Overwrite=True
        )


@dataclass(frozen=True)
class Organisation:
    regions: tuple[str, ...]
    buckets: dict[str, str]
    key_prefix: str
    parameter_prefix: str

    def keys(self, region: str) -> dict[str, bytes]:
        """Every object in the region's bucket, with its bytes."""
        s3 = aws_client("s3", region)
        bucket = self.buckets[region]
        listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}

    def latest(self, region: str, project: str) -> str | None:
        ssm = aws_client("ssm", region)
        try:
            name = f"{self.parameter_prefix}/{project}/latest"
            return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
        except ssm.exceptions.ParameterNotFound:
            return None


MakeOrganisation = Callable[..., Organisation]


@pytest.fixture
def make_organisation() -> MakeOrganisation:
    """Factory: buckets, bucket name parameters and the configuration in each region."""

    def make(
        regions: Sequence[str] = REGIONS,
        *,
        key_prefix: str = "",
        parameter_prefix: str = "",
        without_bucket: Sequence[str] = (),
        without_parameter: Sequence[str] = (),
        extra: dict[str, Any] | None = None,
        bucket_prefix: str = "staging",
    ) -> Organisation:
        buckets = {
            r: create_region(
                r,
                bucket=f"{bucket_prefix}-{r}",
                create_bucket=r not in without_bucket,
                bucket_parameter=r not in without_parameter,
            )
            for r in regions
        }
        document = {
            "bucket_name_param": BUCKET_PARAMETER,
            "bucket_key_prefix": key_prefix,
            "parameter_name_prefix": parameter_prefix,
            "regions": ",".join(regions),
            **(extra or {}),
        }
        write_configuration(document, regions)
        return Organisation(tuple(regions), buckets, key_prefix, parameter_prefix)

    return make


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[..., Path]:
    """Factory: a file with the given name and bytes (default: bytes derived from the name)."""

    def make(name: str, content: bytes | None = None, directory: Path | None = None) -> Path:
        path = (directory or tmp_path / "files") / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if content is not None else f"contents of {name}\n".encode())
        return path

    return make


# ---- a real HTTP server ------------------------------------------------------------------


FAULTS = Faults()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto as a real HTTP server on 127.0.0.1, started once for the session.

    It is moto's own application with `tests.faults.Faults` in front, which do nothing unless
    a test asks (the ``faults`` fixture).
    """
    server = FaultyMotoServer(FAULTS)
    yield server.start()
    server.stop()


@pytest.fixture
def faults(server: str) -> Iterator[Faults]:
    """Network faults of the moto server for this test (cleared after it)."""
    FAULTS.clear()
    yield FAULTS
    FAULTS.clear()


def _post(url: str, body: bytes = b"", content_type: str = "application/json") -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@pytest.fixture
def server(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A freshly reset moto server; boto3 in the test process talks to it too."""
    _post(f"{moto_endpoint}/moto-api/reset")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    yield moto_endpoint
    FAULTS.clear()
    disable_iam(moto_endpoint)
    _post(f"{moto_endpoint}/moto-api/reset")


def enforce_iam(endpoint: str, initial_no_auth_action_count: int = 0) -> None:
    """Switch moto's IAM enforcement on (after that many unauthenticated calls)."""
    _post(
        f"{endpoint}/moto-api/reset-auth", str(initial_no_auth_action_count).encode(), "text/plain"
    )


def disable_iam(endpoint: str) -> None:
    """Switch enforcement off again: allow a practically endless number of free calls."""
    _post(f"{endpoint}/moto-api/reset-auth", str(10**15).encode(), "text/plain")


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


RunCli = Callable[..., Result]


@pytest.fixture(scope="session")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    """The worker's pre-imported ``startifact`` process (see `tests.prewarmed`)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
    started = Zygote(clean, tmp_path_factory.mktemp("zygote"))
    yield started
    started.close()


@pytest.fixture
def run_cli(server: str, tmp_path: Path, zygote: Zygote) -> RunCli:
    """Run ``startifact ARGS`` as a process of its own against the moto server.

    The process is forked from the worker's zygote unless ``fresh=True`` (or the environment
    changes a ``PYTHON*`` variable): then it is a new ``python -m hatch_startifact``. Several
    may run at once (from threads); ``on_start`` is told the process id as soon as it runs.
    """

    def run(
        *args: str | Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 120,
        fresh: bool = False,
        on_start: Callable[[int], None] | None = None,
    ) -> Result:
        full_env = {**os.environ, "AWS_ENDPOINT_URL": server, **(env or {})}
        argv = [str(a) for a in args]
        if not fresh and zygote.can_run(full_env):
            return Result(*zygote.run(argv, full_env, cwd or tmp_path, timeout, on_start))
        with subprocess.Popen(
            [sys.executable, "-m", "hatch_startifact", *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
            cwd=cwd or tmp_path,
        ) as process:
            if on_start:
                on_start(process.pid)
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
        return Result(process.returncode, stdout, stderr)

    return run


# ---- real Hatch projects -----------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def plugin_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout built once as a wheel, for projects to require by ``file://`` URL."""
    out = tmp_path_factory.mktemp("plugin-wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = out.glob("hatch_startifact-*.whl")
    return wheel


MakeProject = Callable[..., Path]


def write_project(
    root: Path, plugin_wheel: Path, name: str = "Demo_Lib", version: str = "1.2.0", extra: str = ""
) -> Path:
    """A throwaway Hatch project in ``root`` that requires the plugin by file:// URL."""
    package = root / "src" / "demo_lib"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(f'__version__ = "{version}"\n')
    (root / "pyproject.toml").write_text(
        "[build-system]\n"
        f'requires = ["hatchling", "hatch-startifact @ {plugin_wheel.as_uri()}"]\n'
        'build-backend = "hatchling.build"\n\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["src/demo_lib"]\n\n' + extra
    )
    return root


@pytest.fixture
def make_project(tmp_path: Path, plugin_wheel: Path) -> MakeProject:
    """Factory: a throwaway Hatch project that requires the plugin by file:// URL."""

    def make(
        name: str = "Demo_Lib", version: str = "1.2.0", extra: str = "", directory: str = "project"
    ) -> Path:
        return write_project(tmp_path / directory, plugin_wheel, name, version, extra)

    return make


RunHatch = Callable[..., Result]


@pytest.fixture(scope="session")
def hatch_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hatch's data, cache and configuration for the worker's ``hatch`` commands."""
    home = tmp_path_factory.mktemp("hatch-home")
    (home / "config.toml").touch()
    return home


_NOX_UV = ("UV_PYTHON", "UV_PROJECT_ENVIRONMENT")


def hatch(
    *args: str, cwd: Path, home: Path, endpoint: str, env: dict[str, str] | None, timeout: float
) -> Result:
    """The real ``hatch`` command in a subprocess, as a user runs it."""
    # nox's uv sessions set UV_PYTHON to the test environment, which would send the packages
    # of Hatch's own build environments (installed with uv) there instead.
    inherited = {k: v for k, v in os.environ.items() if k not in _NOX_UV}
    full_env = {
        **inherited,
        "AWS_ENDPOINT_URL": endpoint,
        "HATCH_DATA_DIR": str(home / "data"),
        "HATCH_CACHE_DIR": str(home / "cache"),
        "HATCH_CONFIG": str(home / "config.toml"),
        "NO_COLOR": "1",
        "COLUMNS": "200",
        **(env or {}),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "hatch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def run_hatch(server: str, hatch_home: Path) -> RunHatch:
    """Run the real ``hatch`` command in a subprocess, as a user would, against moto."""

    def run(
        *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
    ) -> Result:
        return hatch(*args, cwd=cwd, home=hatch_home, endpoint=server, env=env, timeout=timeout)

    return run
