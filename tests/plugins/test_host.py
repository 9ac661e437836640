"""hatch_startifact.plugins.host: loading plugins, calling hooks, and staging through them."""

from __future__ import annotations

import itertools
import json
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from hatch_startifact import hookimpl
from hatch_startifact.errors import InvalidInputError, PluginError
from hatch_startifact.plugins.host import BUILTIN, PluginInfo, Plugins
from hatch_startifact.session import Session
from hatch_startifact.staging.report import Listener, StageReport
from tests.helpers import MakeFile, MakeOrganisation, Organisation

HERE = Path("/project")
REPORT = StageReport("lib", "1.0", False, ())

# ---- plugins as plain classes ---------------------------------------------------------------


class Versioner:
    """Answers startifact_version with a fixed value, recording what it was told."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    @hookimpl
    def startifact_version(
        self, project: str, version: str, paths: Sequence[Path], directory: Path
    ) -> object:
        self.calls.append(
            {"project": project, "version": version, "paths": paths, "directory": directory}
        )
        return self.answer


class Checker:
    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.seen: list[tuple[str, Mapping[str, str]]] = []

    @hookimpl
    def startifact_check(self, version: str, metadata: Mapping[str, str]) -> object:
        self.seen.append((version, metadata))
        return self.answer


class Tagger:
    """Adds fixed metadata to every file, recording the arguments it was given."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    @hookimpl
    def startifact_metadata(
        self,
        project: str,
        version: str,
        filename: str,
        path: Path,
        size: int,
        sha256: str,
        directory: Path,
    ) -> object:
        self.calls.append(
            {
                "project": project,
                "version": version,
                "filename": filename,
                "path": path,
                "size": size,
                "sha256": sha256,
                "directory": directory,
            }
        )
        return self.answer


class ByKind:
    @hookimpl
    def startifact_metadata(self, filename: str) -> Mapping[str, str]:
        return {"kind": "wheel" if filename.endswith(".whl") else "sdist"}


class Notifier:
    def __init__(self) -> None:
        self.reports: list[StageReport] = []

    @hookimpl
    def startifact_staged(self, report: StageReport) -> None:
        self.reports.append(report)


class Broken:
    """Raises from every hook."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    @hookimpl
    def startifact_version(self) -> str | None:
        raise self.error

    @hookimpl
    def startifact_check(self) -> Sequence[str] | None:
        raise self.error

    @hookimpl
    def startifact_metadata(self) -> Mapping[str, str] | None:
        raise self.error

    @hookimpl
    def startifact_staged(self) -> None:
        raise self.error


class FailingNotifier:
    def __init__(self, error: Exception) -> None:
        self.error = error

    @hookimpl
    def startifact_staged(self) -> None:
        raise self.error


class Unknown:
    @hookimpl
    def startifact_nope(self) -> None:
        """Not a hook hatch-startifact specifies."""


class Recorder(Listener):
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, text: str) -> None:
        self.warnings.append(text)


def make_host(*plugins: tuple[str, object], builtins: bool = False) -> Plugins:
    """A host with these plugins registered in order (and the built-ins only if asked)."""
    host = Plugins(() if builtins else BUILTIN, entry_points=False)
    for name, plugin in plugins:
        host.register(plugin, name)
    return host


def metadata_of(host: Plugins, user: Mapping[str, str] | None = None) -> dict[str, str]:
    return host.metadata(
        user or {},
        project="lib",
        version="1.0",
        filename="lib-1.0.tar.gz",
        path=HERE / "lib-1.0.tar.gz",
        size=3,
        sha256="0" * 64,
        directory=HERE,
    )


def plugin_error(call: Callable[[], object]) -> str:
    with pytest.raises(PluginError) as raised:
        call()
    return str(raised.value)


def usage_error(call: Callable[[], object]) -> str:
    """A wrong plugin name in the user's options: a usage error (exit 2), not a plugin's."""
    with pytest.raises(InvalidInputError) as raised:
        call()
    assert raised.value.exit_code == 2
    return str(raised.value)


# ---- installed plugins (entry points) -------------------------------------------------------

Install = Callable[..., str]


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Factory: install a plugin module under the ``startifact`` entry-point group.

    Writes the module and a ``*.dist-info`` with ``entry_points.txt`` into a directory of its
    own and puts that on ``sys.path``. Returns the module's (unique) name.
    """
    counter = itertools.count()
    modules: list[str] = []

    def install(name: str, source: str, attribute: str = "") -> str:
        number = next(counter)
        module = f"startifact_test_plugin_{number}_{tmp_path.name.replace('-', '_')}"
        site = tmp_path / f"site-{number}"
        dist = site / f"{module}-1.0.dist-info"
        dist.mkdir(parents=True)
        (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n", encoding="utf-8"
        )
        value = f"{module}:{attribute}" if attribute else module
        (dist / "entry_points.txt").write_text(
            f"[startifact]\n{name} = {value}\n", encoding="utf-8"
        )
        monkeypatch.syspath_prepend(str(site))
        modules.append(module)
        return module

    yield install
    for module in modules:
        sys.modules.pop(module, None)


VERSION_MODULE = """
    from hatch_startifact import hookimpl

    @hookimpl
    def startifact_version(version):
        return "9.9"
"""


# ---- loading --------------------------------------------------------------------------------


def test_the_builtins_are_registered_and_listed_with_their_hooks() -> None:
    host = Plugins(entry_points=False)

    assert host.info() == [
        PluginInfo("startifact.ci", ("startifact_metadata",), True, "built in"),
        PluginInfo("startifact.git", ("startifact_check", "startifact_metadata"), True, "built in"),
    ]


def test_a_registered_plugin_is_listed_with_the_hooks_it_implements() -> None:
    host = make_host(("mine", Broken(ValueError())), builtins=True)

    assert host.info() == [
        PluginInfo(
            "mine",
            ("startifact_check", "startifact_metadata", "startifact_staged", "startifact_version"),
            False,
            "registered",
        ),
        PluginInfo("startifact.ci", ("startifact_metadata",), True, "built in"),
        PluginInfo("startifact.git", ("startifact_check", "startifact_metadata"), True, "built in"),
    ]


def test_an_entry_point_plugin_is_loaded_and_listed(install: Install) -> None:
    module = install("release-manager", VERSION_MODULE)

    host = Plugins()

    assert host.info() == [
        PluginInfo("release-manager", ("startifact_version",), False, f"{module} (entry point)"),
        PluginInfo("startifact.ci", ("startifact_metadata",), True, "built in"),
        PluginInfo("startifact.git", ("startifact_check", "startifact_metadata"), True, "built in"),
    ]
    assert host.version("lib", "1.0", [], HERE) == "9.9"


def test_an_entry_point_naming_an_object_in_a_module_is_loaded(install: Install) -> None:
    install(
        "tagger",
        """
        from hatch_startifact import hookimpl

        class Tagger:
            @hookimpl
            def startifact_metadata(self, filename):
                return {"seen": filename}

        PLUGIN = Tagger()
        """,
        attribute="PLUGIN",
    )

    assert metadata_of(Plugins(BUILTIN)) == {"seen": "lib-1.0.tar.gz"}


def test_a_disabled_builtin_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PIPELINE_ID", "77")

    assert metadata_of(Plugins(["startifact.ci"], entry_points=False)) == {}


def test_a_disabled_entry_point_plugin_is_not_loaded(install: Install) -> None:
    module = install("release-manager", VERSION_MODULE)

    host = Plugins(["release-manager"])

    assert module not in sys.modules
    assert host.version("lib", "1.0", [], HERE) == "1.0"


def test_a_broken_plugin_can_be_disabled(install: Install) -> None:
    module = install("broken", "import startifact_test_missing_dependency\n")

    Plugins(["broken"])

    assert module not in sys.modules


def test_disabled_plugins_are_not_listed(install: Install) -> None:
    install("release-manager", VERSION_MODULE)

    host = Plugins(["startifact.git", "release-manager"])

    assert host.info() == [PluginInfo("startifact.ci", ("startifact_metadata",), True, "built in")]


def test_disabling_an_unknown_plugin_lists_the_plugins() -> None:
    message = usage_error(lambda: Plugins(["startifact.gti", "other"], entry_points=False))

    assert message == (
        "cannot disable 'other', 'startifact.gti': no such plugin "
        "(plugins: startifact.ci, startifact.git)"
    )


def test_disabling_an_unknown_plugin_lists_the_installed_plugins_too(install: Install) -> None:
    install("release-manager", VERSION_MODULE)

    message = usage_error(lambda: Plugins(["release-manger"]))

    assert message == (
        "cannot disable 'release-manger': no such plugin "
        "(plugins: release-manager, startifact.ci, startifact.git)"
    )


def test_a_plugin_that_fails_to_import_is_named_with_its_entry_point(install: Install) -> None:
    module = install("broken", "import startifact_test_missing_dependency\n")

    with pytest.raises(PluginError) as raised:
        Plugins()

    assert str(raised.value) == (
        f"plugin 'broken' ({module}) could not be loaded: ModuleNotFoundError: "
        "No module named 'startifact_test_missing_dependency'"
    )
    assert isinstance(raised.value.__cause__, ModuleNotFoundError)


def test_an_entry_point_plugin_with_an_unknown_hook_is_named(install: Install) -> None:
    install(
        "typo",
        """
        from hatch_startifact import hookimpl

        @hookimpl
        def startifact_nope():
            pass
        """,
    )

    message = plugin_error(Plugins)

    assert message.startswith("plugin 'typo' is invalid: unknown hook 'startifact_nope' in plugin ")


def test_registering_a_plugin_with_an_unknown_hook_is_a_plugin_error() -> None:
    host = make_host()

    message = plugin_error(lambda: host.register(Unknown(), "typo"))

    assert message.startswith("plugin 'typo' is invalid: unknown hook 'startifact_nope' in plugin ")
    notifier = Notifier()
    host.register(notifier, "notify")  # the invalid plugin is not left behind
    host.staged(REPORT, pytest.fail)
    assert notifier.reports == [REPORT]


def test_a_session_loads_plugins_without_those_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PIPELINE_ID", "77")

    with Session(disable_plugins=["startifact.ci"]) as session:
        assert metadata_of(session.plugins) == {}


def test_a_session_refuses_to_disable_an_unknown_plugin() -> None:
    with Session(disable_plugins=["nope"]) as session, pytest.raises(InvalidInputError) as raised:
        _ = session.plugins

    assert str(raised.value) == (
        "cannot disable 'nope': no such plugin (plugins: startifact.ci, startifact.git)"
    )


# ---- startifact_version ---------------------------------------------------------------------


def test_without_plugins_the_version_is_unchanged() -> None:
    assert make_host().version("lib", "1.0", [], HERE) == "1.0"


def test_a_version_plugin_is_told_everything_by_keyword() -> None:
    plugin = Versioner(None)
    paths = [HERE / "a.whl", HERE / "b.tar.gz"]

    make_host(("v", plugin)).version("lib", "1.0", paths, HERE)

    assert plugin.calls == [
        {"project": "lib", "version": "1.0", "paths": tuple(paths), "directory": HERE}
    ]


def test_the_first_version_that_is_not_none_wins() -> None:
    # pluggy calls the plugin registered last first.
    host = make_host(
        ("early", Versioner("3.0")), ("middle", Versioner("2.0")), ("late", Versioner(None))
    )

    assert host.version("lib", "1.0", [], HERE) == "2.0"


def test_a_plugin_version_is_normalised() -> None:
    assert make_host(("v", Versioner("1.0.0-RC1"))).version("lib", "1.0", [], HERE) == "1.0.0rc1"


@pytest.mark.parametrize(("answer", "shown"), [("banana", "'banana'"), (42, "42")])
def test_a_version_that_is_not_pep_440_names_the_plugin(answer: object, shown: str) -> None:
    host = make_host(("release-manager", Versioner(answer)))

    assert plugin_error(lambda: host.version("lib", "1.0", [], HERE)) == (
        f"plugin 'release-manager' returned {shown} from startifact_version, "
        "which is not a PEP 440 version"
    )


def test_an_exception_in_a_hook_names_the_plugin_and_the_hook() -> None:
    host = make_host(("x", Broken(ValueError("no tag on HEAD"))))

    with pytest.raises(PluginError) as raised:
        host.version("lib", "1.0", [], HERE)

    assert (
        str(raised.value) == "plugin 'x' failed in startifact_version: ValueError: no tag on HEAD"
    )
    assert isinstance(raised.value.__cause__, ValueError)


# ---- startifact_check -----------------------------------------------------------------------


def test_check_problems_are_prefixed_with_the_plugin_name() -> None:
    host = make_host(
        ("policy", Checker(["releases need a ticket", "no Friday releases"])),
        ("quiet", Checker(None)),
        ("empty", Checker([])),
    )

    assert host.check("lib", "1.0", [], {"ticket": ""}, HERE) == [
        "plugin 'policy': releases need a ticket",
        "plugin 'policy': no Friday releases",
    ]


def test_a_check_returning_a_string_is_one_problem() -> None:
    host = make_host(("policy", Checker("releases need a ticket")))

    assert host.check("lib", "1.0", [], {}, HERE) == ["plugin 'policy': releases need a ticket"]


def test_every_check_plugin_is_asked() -> None:
    first, second = Checker(["one"]), Checker(["two"])

    problems = make_host(("first", first), ("second", second)).check(
        "lib", "1.0", [], {"team": "data"}, HERE
    )

    assert problems == ["plugin 'second': two", "plugin 'first': one"]
    assert first.seen == second.seen == [("1.0", {"team": "data"})]


def test_a_check_returning_something_else_names_the_plugin() -> None:
    host = make_host(("policy", Checker(42)))

    assert plugin_error(lambda: host.check("lib", "1.0", [], {}, HERE)).startswith(
        "plugin 'policy' "
    )


def test_an_exception_in_a_check_names_the_plugin() -> None:
    host = make_host(("policy", Broken(KeyError("ticket"))))

    assert plugin_error(lambda: host.check("lib", "1.0", [], {}, HERE)) == (
        "plugin 'policy' failed in startifact_check: KeyError: 'ticket'"
    )


# ---- startifact_metadata --------------------------------------------------------------------


def test_metadata_plugins_are_told_about_the_file() -> None:
    plugin = Tagger(None)

    metadata_of(make_host(("t", plugin)))

    assert plugin.calls == [
        {
            "project": "lib",
            "version": "1.0",
            "filename": "lib-1.0.tar.gz",
            "path": HERE / "lib-1.0.tar.gz",
            "size": 3,
            "sha256": "0" * 64,
            "directory": HERE,
        }
    ]


def test_metadata_from_several_plugins_is_merged() -> None:
    host = make_host(
        ("ticket", Tagger({"ticket": "REL-1"})),
        ("none", Tagger(None)),
        ("build", Tagger({"build.number": "42", "build.host": "ci-7"})),
    )

    assert metadata_of(host, {"team": "data"}) == {
        "ticket": "REL-1",
        "build.number": "42",
        "build.host": "ci-7",
    }


def test_two_plugins_setting_one_key_are_both_named() -> None:
    host = make_host(("first", Tagger({"build": "1"})), ("second", Tagger({"build": "2"})))

    assert plugin_error(lambda: metadata_of(host)) == (
        "plugins 'second' and 'first' both set metadata key 'build'"
    )


def test_a_plugin_setting_a_key_the_user_set_is_an_error() -> None:
    host = make_host(("ticket", Tagger({"ticket": "REL-1"})))

    assert plugin_error(lambda: metadata_of(host, {"ticket": "REL-2"})) == (
        "plugin 'ticket' sets metadata key 'ticket', which the user set too "
        "(--metadata, -o metadata or [tool.startifact.metadata])"
    )


@pytest.mark.parametrize("key", ["startifact.anything", "startifact.git.commit", "Startifact"])
def test_a_third_party_plugin_may_not_set_startifact_keys(key: str) -> None:
    host = make_host(("sneaky", Tagger({key: "x"})))

    assert plugin_error(lambda: metadata_of(host)) == (
        f"plugin 'sneaky' sets metadata key {key!r}, which belongs to hatch-startifact "
        "(keys starting with 'startifact')"
    )


def test_a_plugin_with_a_builtin_name_may_set_startifact_keys() -> None:
    host = Plugins(["startifact.git"], entry_points=False)
    host.manager.unregister(name="startifact.ci")  # stands in for the built-in
    host.register(Tagger({"startifact.ci.provider": "jenkins"}), "startifact.ci")

    assert metadata_of(host) == {"startifact.ci.provider": "jenkins"}


def test_a_third_party_plugin_setting_a_document_field_is_an_error() -> None:
    host = make_host(("t", Tagger({"sha256": "x"})))

    assert plugin_error(lambda: metadata_of(host)).startswith(
        "plugin 't': metadata key 'sha256' is reserved for hatch-startifact: choose another name"
    )


def test_a_metadata_result_that_is_not_a_mapping_is_an_error() -> None:
    host = make_host(("t", Tagger(["ticket", "REL-1"])))

    assert plugin_error(lambda: metadata_of(host)) == (
        "plugin 't' returned list, not a mapping, from startifact_metadata"
    )


@pytest.mark.parametrize(("answer", "shown"), [({"build": 42}, "'build'=42"), ({1: "x"}, "1='x'")])
def test_metadata_keys_and_values_must_be_strings(answer: object, shown: str) -> None:
    host = make_host(("t", Tagger(answer)))

    assert plugin_error(lambda: metadata_of(host)) == (
        f"plugin 't' set metadata {shown}: keys and values are strings"
    )


def test_every_metadata_problem_is_reported_at_once() -> None:
    host = make_host(
        ("a", Tagger({"build": "1", "ok": "fine"})),
        ("b", Tagger({"build": "2", "team": "x", "startifact.x": "y", "n": 1})),
        ("c", Tagger("nope")),
    )

    assert plugin_error(lambda: metadata_of(host, {"team": "data"})) == "; ".join(
        [
            "plugin 'c' returned str, not a mapping, from startifact_metadata",
            "plugin 'b' sets metadata key 'team', which the user set too "
            "(--metadata, -o metadata or [tool.startifact.metadata])",
            "plugin 'b' sets metadata key 'startifact.x', which belongs to hatch-startifact "
            "(keys starting with 'startifact')",
            "plugin 'b' set metadata 'n'=1: keys and values are strings",
            "plugins 'b' and 'a' both set metadata key 'build'",
        ]
    )


def test_an_exception_in_a_metadata_hook_names_the_plugin() -> None:
    host = make_host(("t", Broken(OSError("disk gone"))))

    assert plugin_error(lambda: metadata_of(host)) == (
        "plugin 't' failed in startifact_metadata: OSError: disk gone"
    )


def test_the_ci_builtin_adds_metadata_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PIPELINE_ID", "77")

    host = Plugins(["startifact.git"], entry_points=False)

    assert metadata_of(host) == {
        "startifact.ci.provider": "gitlab-ci",
        "startifact.ci.run_id": "77",
    }


# ---- startifact_staged ----------------------------------------------------------------------


def test_staged_plugins_receive_the_report() -> None:
    plugin = Notifier()
    warnings: list[str] = []

    make_host(("notify", plugin)).staged(REPORT, warnings.append)

    assert plugin.reports == [REPORT]
    assert warnings == []


def test_a_failing_staged_hook_is_a_warning() -> None:
    warnings: list[str] = []

    make_host(("notify", FailingNotifier(RuntimeError("mail server down")))).staged(
        REPORT, warnings.append
    )

    assert warnings == [
        "plugin 'notify' failed in startifact_staged: RuntimeError: mail server down "
        "(the stage itself is complete)"
    ]


def test_a_failing_staged_hook_does_not_keep_the_report_from_other_plugins() -> None:
    plugin = Notifier()
    warnings: list[str] = []
    host = make_host(("notify", plugin), ("broken", FailingNotifier(RuntimeError("down"))))

    host.staged(REPORT, warnings.append)

    assert plugin.reports == [REPORT]
    assert warnings == [
        "plugin 'broken' failed in startifact_staged: RuntimeError: down "
        "(the stage itself is complete)"
    ]


# ---- staging through a session --------------------------------------------------------------

TWO_REGIONS = ("us-east-1", "eu-west-2")
GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "o/r",
    "GITHUB_RUN_ID": "123",
    "GITHUB_JOB": "release",
}


@pytest.fixture
def organisation(mocked: None, make_organisation: MakeOrganisation) -> Organisation:
    return make_organisation(TWO_REGIONS)


def stage_with(
    host: Plugins,
    files: Sequence[Path],
    *,
    metadata: Mapping[str, str] | None = None,
    dry_run: bool = False,
    listener: Listener | None = None,
    directory: Path | None = None,
) -> StageReport:
    with Session(plugins=host) as session:
        return session.stage(
            "lib", "1.0", files, metadata, dry_run=dry_run, listener=listener, directory=directory
        )


def assert_nothing_written(organisation: Organisation) -> None:
    for region in TWO_REGIONS:
        assert organisation.keys(region) == {}
        assert organisation.latest(region, "lib") is None


def test_plugins_change_the_version_and_add_metadata_when_staging(
    organisation: Organisation,
    make_file: MakeFile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in GITHUB.items():
        monkeypatch.setenv(name, value)
    file = make_file("lib-1.0.tar.gz")
    tagger = Tagger({"ticket": "REL-7"})
    host = make_host(("version", Versioner("2.0.0-RC1")), ("ticket", tagger), builtins=True)

    report = stage_with(host, [file], metadata={"team": "data"})

    assert (report.version, report.exit_code) == ("2.0.0rc1", 0)
    assert tagger.calls[0]["version"] == "2.0.0rc1"
    for region in TWO_REGIONS:
        keys = organisation.keys(region)
        assert sorted(keys) == [
            "lib/2.0.0rc1/lib-1.0.tar.gz",
            "lib/2.0.0rc1/lib-1.0.tar.gz.metadata.json",
            "lib/index.json",
        ]
        document = json.loads(keys["lib/2.0.0rc1/lib-1.0.tar.gz.metadata.json"])
        assert document["version"] == "2.0.0rc1"
        assert document["metadata"] == {
            "team": "data",
            "ticket": "REL-7",
            "startifact.ci.provider": "github-actions",
            "startifact.ci.run_id": "123",
            "startifact.ci.run_url": "https://github.com/o/r/actions/runs/123",
            "startifact.ci.job": "release",
        }
        assert organisation.latest(region, "lib") == "2.0.0rc1"


def test_plugin_metadata_is_per_file(organisation: Organisation, make_file: MakeFile) -> None:
    files = [make_file("lib-1.0-py3-none-any.whl"), make_file("lib-1.0.tar.gz")]

    stage_with(make_host(("kind", ByKind())), files, metadata={"team": "data"})

    keys = organisation.keys("eu-west-2")
    documents = {
        name: json.loads(keys[f"lib/1.0/{name}.metadata.json"])["metadata"]
        for name in ("lib-1.0-py3-none-any.whl", "lib-1.0.tar.gz")
    }
    assert documents == {
        "lib-1.0-py3-none-any.whl": {"team": "data", "kind": "wheel"},
        "lib-1.0.tar.gz": {"team": "data", "kind": "sdist"},
    }


def test_plugins_are_told_the_working_directory_by_default(
    organisation: Organisation, make_file: MakeFile
) -> None:
    plugin = Versioner(None)

    stage_with(make_host(("v", plugin)), [make_file("lib-1.0.tar.gz")], dry_run=True)

    assert plugin.calls[0]["directory"] == Path.cwd()


def test_plugins_are_told_the_project_directory_given(
    organisation: Organisation, make_file: MakeFile, tmp_path: Path
) -> None:
    plugin = Tagger(None)

    report = stage_with(
        make_host(("t", plugin)), [make_file("lib-1.0.tar.gz")], dry_run=True, directory=tmp_path
    )

    assert plugin.calls[0]["directory"] == tmp_path
    assert report.exit_code == 0


def test_a_check_refusal_stops_staging_before_anything_is_written(
    organisation: Organisation, make_file: MakeFile
) -> None:
    checker = Checker(["releases need a ticket"])
    host = make_host(("version", Versioner("2.0")), ("policy", checker))

    with pytest.raises(InvalidInputError) as raised:
        stage_with(host, [make_file("lib-1.0.tar.gz")], metadata={"team": "data"})

    assert raised.value.problems == ("plugin 'policy': releases need a ticket",)
    assert checker.seen == [("2.0", {"team": "data"})]
    assert_nothing_written(organisation)


def test_a_metadata_clash_stops_staging_before_anything_is_written(
    organisation: Organisation, make_file: MakeFile
) -> None:
    host = make_host(("ticket", Tagger({"team": "ops"})))

    with pytest.raises(PluginError) as raised:
        stage_with(host, [make_file("lib-1.0.tar.gz")], metadata={"team": "data"})

    assert str(raised.value).startswith("plugin 'ticket' sets metadata key 'team'")
    assert_nothing_written(organisation)


def test_staged_plugins_are_told_what_was_staged(
    organisation: Organisation, make_file: MakeFile
) -> None:
    notifier = Notifier()
    listener = Recorder()

    report = stage_with(
        make_host(("notify", notifier)), [make_file("lib-1.0.tar.gz")], listener=listener
    )

    assert report.exit_code == 0
    assert [r.region for r in report.regions] == list(TWO_REGIONS)
    assert all(r.latest == "1.0" for r in report.regions)
    assert notifier.reports == [report]
    assert listener.warnings == []


def test_a_failing_staged_plugin_leaves_the_stage_successful(
    organisation: Organisation, make_file: MakeFile
) -> None:
    listener = Recorder()
    host = make_host(("broken", FailingNotifier(RuntimeError("mail server down"))))

    report = stage_with(host, [make_file("lib-1.0.tar.gz")], listener=listener)

    assert report.exit_code == 0
    assert listener.warnings == [
        "plugin 'broken' failed in startifact_staged: RuntimeError: mail server down "
        "(the stage itself is complete)"
    ]
    for region in TWO_REGIONS:
        assert organisation.latest(region, "lib") == "1.0"


def test_a_dry_run_does_not_call_staged_plugins(
    organisation: Organisation, make_file: MakeFile
) -> None:
    notifier = Notifier()
    host = make_host(("notify", notifier), ("version", Versioner("2.0")))

    report = stage_with(host, [make_file("lib-1.0.tar.gz")], dry_run=True)

    assert (report.version, report.dry_run, report.exit_code) == ("2.0", True, 0)
    assert notifier.reports == []
    assert_nothing_written(organisation)
