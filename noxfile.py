"""Sessions: tests (every supported Python found here), slow, lint, typecheck, docs.

Run ``python -m nox -s tests`` (the README's test command), or ``python -m nox -l`` to list.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
PYPROJECT = nox.project.load_toml("pyproject.toml")

# uv installs a session's dependencies in seconds where pip takes a minute; plain venv + pip
# where uv is missing (``python -m pip install "nox[uv]"`` brings it).
nox.options.default_venv_backend = "uv|venv"
# Bytecode is written by the interpreters as they import, not compiled at install: compiling
# every module of every dependency at install (UV_COMPILE_BYTECODE) took 24 of a session's 27
# seconds of installing, where the modules the tests import compile in about 3. CI machines
# set PYTHONDONTWRITEBYTECODE, which would make every interpreter the tests start compile
# boto3 and botocore from source again: the sessions run without it.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
nox.options.reuse_existing_virtualenvs = False
# A machine with fewer Pythons tests those it has; CI here has them all through pyenv.
nox.options.error_on_missing_interpreters = False


def _expose_pyenv_pythons() -> None:
    """Put every pyenv-installed CPython on PATH so nox finds python3.X without shims."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if not versions.is_dir():
        return
    found = [
        str(p / "bin")
        for minor in PYTHONS
        for p in sorted(versions.glob(f"{minor}.*"))
        if (p / "bin" / "python").exists()
    ]
    os.environ["PATH"] = os.pathsep.join([*found, os.environ.get("PATH", "")])


_expose_pyenv_pythons()


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


#: uv sessions point UV_PYTHON at themselves; Hatch installs its own build environments with uv,
#: so a session that runs ``hatch`` as a user would must not pass it on.
NOT_UV_PYTHON: dict[str, str | None] = {"UV_PYTHON": None, "UV_PROJECT_ENVIRONMENT": None}

#: pytest-xdist: one worker per core, each with its own moto server, zygote and temp dirs; the
#: 25 slowest tests are listed at the end so that what grows is seen.
PARALLEL = ["-n", "auto", "--durations=25"]


#: The end-to-end tiers (tests marked ``e2e`` or ``seaweedfs``: real ``startifact`` and ``hatch``
#: processes talking HTTP to a server) run on the oldest and newest Python; on the Pythons between
#: them every other test runs. The package code those tiers drive runs on every Python in the
#: unit tier; what they add is the processes and servers around it, which do not change between
#: 3.11 and 3.12. Half of the suite's time, on two Pythons of four.
E2E_PYTHONS = (PYTHONS[0], PYTHONS[-1])
UNIT_TIER = ["-m", "not e2e and not seaweedfs"]
#: Those Pythons also spend a quarter of each fuzz test's example budget (new random examples
#: every run; the explicit examples all run): the oldest and newest spend it in full.
UNIT_TIER_ENV = {"STARTIFACT_TEST_FUZZ_SCALE": "0.25"}


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite: unit tests and end-to-end tests against a moto server."""
    session.install(".", *_group("test"))
    every = session.python in E2E_PYTHONS
    tier, env = ([], {}) if every else (UNIT_TIER, UNIT_TIER_ENV)
    session.run("pytest", *(session.posargs or ["-q", *tier, *PARALLEL]), env=env)


@nox.session(python="3.11")
def slow(session: nox.Session) -> None:
    """The slow tier: every race and crash loop (tests marked slow) 25 rounds, with counts."""
    session.install(".", *_group("test"))
    session.run("pytest", "-q", *PARALLEL, "--slow", "-m", "slow", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff (lint and formatting) and import-linter (the package's layers, pyproject.toml)."""
    session.install("-e", ".", *_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, the tests and this file."""
    session.install("-e", ".", *_group("typecheck"))
    session.run("mypy")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation with mkdocs --strict."""
    session.install("-e", ".", *_group("docs"))
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", str(Path(session.create_tmp()) / "site")
    )


@nox.session(python="3.11")
def demo(session: nox.Session) -> None:
    """The quick start: set up, build, stage and inspect, against a local moto server."""
    session.install(".", "hatch", "moto[server]==5.2.5")
    session.run("python", "examples/demo.py", env=NOT_UV_PYTHON)


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmarks against a local moto server; pass options after --, e.g. -- --runs 5."""
    session.install(".", "moto[server]==5.2.5", "hatchling")
    session.run("python", "benchmarks/bench.py", *session.posargs)
    session.run("python", "benchmarks/import_cost.py", "30")
