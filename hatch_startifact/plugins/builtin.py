"""Built-in plugins: provenance metadata from git and from the CI run.

Registered as ``startifact.git`` and ``startifact.ci`` through the same hooks third-party
plugins use; switch either off with ``disable-plugins`` in ``[tool.startifact]`` or
``--disable-plugin``. Each adds nothing when it has nothing to say (no git, not in CI).

Keys: ``startifact.git.commit``, ``startifact.git.branch``, ``startifact.git.dirty``
(``true``/``false``, tracked files only); ``startifact.ci.provider`` (``github-actions``,
``gitlab-ci``, ``circleci``), ``startifact.ci.run_id``, ``startifact.ci.run_url``,
``startifact.ci.job``.
"""

from __future__ import annotations

import os
import subprocess
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path

from hatch_startifact.plugins.hookspecs import hookimpl

# Documented variables of each provider (their "default environment variables" pages).
_BRANCH_VARIABLES = ("GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME", "CIRCLE_BRANCH")


def _clean(value: str) -> str:
    """A value safe for a metadata document: no control characters, bounded length."""
    return "".join(c for c in value if unicodedata.category(c) != "Cc")[:1024]


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


class GitProvenance:
    """The commit, branch and dirtiness of the working tree the files were built from."""

    def __init__(self) -> None:
        self._described: dict[Path, Mapping[str, str]] = {}

    def _describe(self, directory: Path) -> Mapping[str, str]:
        commit = _git(directory, "rev-parse", "HEAD")
        if not commit:
            return {}
        found = {"startifact.git.commit": commit}
        branch = _git(directory, "rev-parse", "--abbrev-ref", "HEAD")
        if not branch or branch == "HEAD":  # detached, as CI checkouts often are
            branch = next((os.environ[v] for v in _BRANCH_VARIABLES if os.environ.get(v)), None)
        if branch:
            found["startifact.git.branch"] = _clean(branch)
        status = _git(directory, "status", "--porcelain", "--untracked-files=no")
        if status is not None:
            found["startifact.git.dirty"] = "true" if status else "false"
        return found

    @hookimpl
    def startifact_check(self, directory: Path) -> None:
        # Called once per stage, before the per-file metadata: look at the tree now.
        self._described[directory] = self._describe(directory)

    @hookimpl
    def startifact_metadata(self, directory: Path) -> Mapping[str, str]:
        if directory not in self._described:
            self._described[directory] = self._describe(directory)
        return dict(self._described[directory])


#: Providers whose run URL is a variable: (the variable that says so, run id, URL, job).
_PROVIDERS = {
    "gitlab-ci": ("GITLAB_CI", "CI_PIPELINE_ID", "CI_PIPELINE_URL", "CI_JOB_NAME"),
    "circleci": ("CIRCLECI", "CIRCLE_WORKFLOW_ID", "CIRCLE_BUILD_URL", "CIRCLE_JOB"),
}


def _github_actions(get: Callable[..., str | None]) -> dict[str, str]:
    run_id = get("GITHUB_RUN_ID", "") or ""
    url = ""
    if run_id and get("GITHUB_SERVER_URL") and get("GITHUB_REPOSITORY"):
        url = f"{get('GITHUB_SERVER_URL')}/{get('GITHUB_REPOSITORY')}/actions/runs/{run_id}"
        if get("GITHUB_RUN_ATTEMPT"):
            url += f"/attempts/{get('GITHUB_RUN_ATTEMPT')}"
    job = get("GITHUB_JOB", "") or ""
    return {"provider": "github-actions", "run_id": run_id, "run_url": url, "job": job}


def ci_metadata(environ: Mapping[str, str]) -> dict[str, str]:
    """Metadata about the CI run, from the provider's documented environment variables."""
    get = environ.get
    found = _github_actions(get) if get("GITHUB_ACTIONS") == "true" else None
    for provider, (flag, run_id, run_url, job) in _PROVIDERS.items():
        if found is None and get(flag) == "true":
            found = {
                "provider": provider,
                "run_id": get(run_id, ""),
                "run_url": get(run_url, ""),
                "job": get(job, ""),
            }
    if found is None:
        return {}
    cleaned = {f"startifact.ci.{k}": _clean(v) for k, v in found.items()}
    return {k: v for k, v in cleaned.items() if v}


class CiProvenance:
    """Which CI run staged the files: GitHub Actions, GitLab CI or CircleCI."""

    @hookimpl
    def startifact_metadata(self) -> Mapping[str, str]:
        return ci_metadata(os.environ)
