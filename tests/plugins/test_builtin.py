"""hatch_startifact.plugins.builtin: the built-in git and CI plugins."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from hatch_startifact.plugins.builtin import CiProvenance, GitProvenance, ci_metadata
from hatch_startifact.plugins.host import Plugins

# ---- ci_metadata ----------------------------------------------------------------------------

GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "o/r",
    "GITHUB_RUN_ID": "123",
    "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_JOB": "build",
}


def test_github_actions() -> None:
    assert ci_metadata(GITHUB) == {
        "startifact.ci.provider": "github-actions",
        "startifact.ci.run_id": "123",
        "startifact.ci.run_url": "https://github.com/o/r/actions/runs/123/attempts/2",
        "startifact.ci.job": "build",
    }


def test_github_actions_without_a_run_attempt_links_the_run() -> None:
    environ = {k: v for k, v in GITHUB.items() if k != "GITHUB_RUN_ATTEMPT"}

    assert (
        ci_metadata(environ)["startifact.ci.run_url"] == "https://github.com/o/r/actions/runs/123"
    )


@pytest.mark.parametrize("missing", ["GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"])
def test_github_actions_without_what_the_url_needs_has_no_url(missing: str) -> None:
    found = ci_metadata({**GITHUB, missing: ""})

    assert "startifact.ci.run_url" not in found
    assert found["startifact.ci.provider"] == "github-actions"


def test_gitlab_ci() -> None:
    environ = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_ID": "9876",
        "CI_PIPELINE_URL": "https://gitlab.com/o/r/-/pipelines/9876",
        "CI_JOB_NAME": "stage",
    }

    assert ci_metadata(environ) == {
        "startifact.ci.provider": "gitlab-ci",
        "startifact.ci.run_id": "9876",
        "startifact.ci.run_url": "https://gitlab.com/o/r/-/pipelines/9876",
        "startifact.ci.job": "stage",
    }


def test_circleci() -> None:
    environ = {
        "CIRCLECI": "true",
        "CIRCLE_WORKFLOW_ID": "6a1c-77",
        "CIRCLE_BUILD_URL": "https://circleci.com/gh/o/r/42",
        "CIRCLE_JOB": "release",
    }

    assert ci_metadata(environ) == {
        "startifact.ci.provider": "circleci",
        "startifact.ci.run_id": "6a1c-77",
        "startifact.ci.run_url": "https://circleci.com/gh/o/r/42",
        "startifact.ci.job": "release",
    }


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"GITHUB_ACTIONS": "false", "GITHUB_RUN_ID": "123"},
        {"CI": "true", "CI_PIPELINE_ID": "1", "CIRCLE_JOB": "x"},
    ],
)
def test_outside_a_known_ci_there_is_nothing(environ: Mapping[str, str]) -> None:
    assert ci_metadata(environ) == {}


def test_empty_values_are_left_out() -> None:
    environ = {"GITLAB_CI": "true", "CI_PIPELINE_ID": "", "CI_JOB_NAME": "stage"}

    assert ci_metadata(environ) == {
        "startifact.ci.provider": "gitlab-ci",
        "startifact.ci.job": "stage",
    }


def test_control_characters_are_stripped() -> None:
    environ = {"CIRCLECI": "true", "CIRCLE_JOB": "re\x1b[31mlease\n", "CIRCLE_WORKFLOW_ID": "\t1\r"}

    assert ci_metadata(environ) == {
        "startifact.ci.provider": "circleci",
        "startifact.ci.run_id": "1",
        "startifact.ci.job": "re[31mlease",
    }


def test_a_value_of_only_control_characters_is_left_out() -> None:
    assert ci_metadata({"CIRCLECI": "true", "CIRCLE_JOB": "\n"}) == {
        "startifact.ci.provider": "circleci"
    }


def test_long_values_are_cut_short() -> None:
    found = ci_metadata({"GITLAB_CI": "true", "CI_JOB_NAME": "j" * 5000})

    assert found["startifact.ci.job"] == "j" * 1024


def test_the_ci_plugin_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in GITHUB.items():
        monkeypatch.setenv(name, value)

    assert CiProvenance().startifact_metadata() == ci_metadata(GITHUB)


# ---- GitProvenance --------------------------------------------------------------------------


@dataclass(frozen=True)
class Repo:
    path: Path

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.email=a@b", "-c", "user.name=n", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        return done.stdout.strip()

    def commit(self, name: str = "README", text: str = "hello\n") -> str:
        (self.path / name).write_text(text, encoding="utf-8")
        self.git("add", name)
        self.git("commit", "-q", "-m", f"change {name}")
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A fresh git repository on branch ``trunk``, without commits, free of the user's config."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "gitconfig"
    config.write_text("[commit]\n\tgpgsign = false\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    path = tmp_path / "repo"
    path.mkdir()
    made = Repo(path)
    made.git("init", "-q", "--initial-branch=trunk")
    return made


def describe(directory: Path) -> Mapping[str, str]:
    """What a fresh git plugin says about ``directory``."""
    return GitProvenance().startifact_metadata(directory=directory)


def test_a_clean_checkout(repo: Repo) -> None:
    commit = repo.commit()

    assert describe(repo.path) == {
        "startifact.git.commit": commit,
        "startifact.git.branch": "trunk",
        "startifact.git.dirty": "false",
    }
    assert len(commit) == 40


def test_the_branch_checked_out(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit()
    repo.git("checkout", "-q", "-b", "feature/plugins")
    monkeypatch.setenv("GITHUB_REF_NAME", "main")

    assert describe(repo.path)["startifact.git.branch"] == "feature/plugins"


def test_a_modified_tracked_file_makes_it_dirty(repo: Repo) -> None:
    repo.commit("README")
    assert describe(repo.path)["startifact.git.dirty"] == "false"

    (repo.path / "README").write_text("changed\n", encoding="utf-8")

    assert describe(repo.path)["startifact.git.dirty"] == "true"


def test_untracked_files_do_not_make_it_dirty(repo: Repo) -> None:
    repo.commit("README")
    (repo.path / "dist").mkdir()
    (repo.path / "dist" / "lib-1.0.tar.gz").write_bytes(b"built")

    assert describe(repo.path)["startifact.git.dirty"] == "false"


def test_a_subdirectory_of_the_checkout(repo: Repo) -> None:
    commit = repo.commit("README")
    (repo.path / "packages" / "lib").mkdir(parents=True)

    assert describe(repo.path / "packages" / "lib")["startifact.git.commit"] == commit


def test_a_detached_head_takes_the_branch_from_the_ci(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = repo.commit()
    repo.git("checkout", "-q", "--detach")
    monkeypatch.setenv("GITHUB_REF_NAME", "release/1.0")

    assert describe(repo.path) == {
        "startifact.git.commit": commit,
        "startifact.git.branch": "release/1.0",
        "startifact.git.dirty": "false",
    }


def test_a_detached_head_outside_ci_has_no_branch(repo: Repo) -> None:
    commit = repo.commit()
    repo.git("checkout", "-q", "--detach")

    assert describe(repo.path) == {
        "startifact.git.commit": commit,
        "startifact.git.dirty": "false",
    }


def test_a_repository_without_commits_says_nothing(repo: Repo) -> None:
    assert describe(repo.path) == {}


def test_a_directory_outside_git_says_nothing(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    assert describe(outside) == {}


def test_without_git_installed_it_says_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    assert describe(tmp_path) == {}


def test_the_git_builtin_adds_metadata_through_the_host(repo: Repo) -> None:
    commit = repo.commit()
    host = Plugins(["startifact.ci"], entry_points=False)

    found = host.metadata(
        {},
        project="lib",
        version="1.0",
        filename="lib-1.0.tar.gz",
        path=repo.path / "lib-1.0.tar.gz",
        size=0,
        sha256="0" * 64,
        directory=repo.path,
    )

    assert found == {
        "startifact.git.commit": commit,
        "startifact.git.branch": "trunk",
        "startifact.git.dirty": "false",
    }


def test_the_same_plugin_sees_later_changes_to_the_checkout(repo: Repo) -> None:
    """A long-lived host (one `Session` staging twice) must not report a stale commit: each
    stage calls startifact_check once before the per-file metadata, and the plugin looks
    at the tree again then."""
    plugin = GitProvenance()
    repo.commit("README", "one\n")
    plugin.startifact_check(directory=repo.path)
    assert plugin.startifact_metadata(directory=repo.path)["startifact.git.dirty"] == "false"

    (repo.path / "README").write_text("two\n", encoding="utf-8")
    plugin.startifact_check(directory=repo.path)
    assert plugin.startifact_metadata(directory=repo.path)["startifact.git.dirty"] == "true"
    second = repo.commit("README", "two\n")

    plugin.startifact_check(directory=repo.path)
    assert plugin.startifact_metadata(directory=repo.path) == {
        "startifact.git.commit": second,
        "startifact.git.branch": "trunk",
        "startifact.git.dirty": "false",
    }
