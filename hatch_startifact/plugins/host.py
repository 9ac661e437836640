"""The plugin host: built-in plugins, then the ``startifact`` entry points, then the calls.

Every hook is called plugin by plugin (in pluggy's order), so each result and each failure
is attributed to the plugin that produced it, and reported by its name.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from hatch_startifact.errors import InvalidInputError, PluginError
from hatch_startifact.plugins import hookspecs
from hatch_startifact.plugins.hookspecs import PROJECT
from hatch_startifact.store.names import RESERVED_PREFIX, check_metadata_item, check_version

if TYPE_CHECKING:
    from hatch_startifact.staging.report import StageReport

#: Names of the built-in plugins, which may set ``startifact.*`` metadata keys.
BUILTIN = ("startifact.git", "startifact.ci")


@dataclass(frozen=True)
class PluginInfo:
    name: str
    hooks: tuple[str, ...]
    builtin: bool
    source: str


def _builtins() -> list[tuple[str, object]]:
    from hatch_startifact.plugins.builtin import CiProvenance, GitProvenance

    return [("startifact.git", GitProvenance()), ("startifact.ci", CiProvenance())]


class Plugins:
    """Built-in plugins and those installed under the ``startifact`` entry-point group.

    :param disabled: plugin names not to load (built-in or entry-point names).
    """

    def __init__(self, disabled: Iterable[str] = (), *, entry_points: bool = True) -> None:
        self.manager = pluggy.PluginManager(PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self._sources: dict[str, str] = {}
        disabled = tuple(disabled)
        for name in disabled:
            self.manager.set_blocked(name)
        known = set(BUILTIN)
        for name, plugin in _builtins():
            if not self.manager.is_blocked(name):
                self.manager.register(plugin, name=name)
                self._sources[name] = "built in"
        if entry_points:
            known.update(self._load_entry_points())
        unknown = sorted(set(disabled) - known)
        if unknown:
            raise InvalidInputError(
                [  # a wrong name in the user's options: a usage error
                    f"cannot disable {', '.join(map(repr, unknown))}: no such plugin "
                    f"(plugins: {', '.join(sorted(known))})"
                ]
            )
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as error:
            culprit = self.manager.get_name(error.plugin)
            raise PluginError(f"plugin {culprit!r} is invalid: {_one_line(error)}") from None

    def _load_entry_points(self) -> set[str]:
        names = set()
        for entry in importlib.metadata.entry_points(group=PROJECT):
            names.add(entry.name)
            if self.manager.is_blocked(entry.name) or self.manager.has_plugin(entry.name):
                continue
            try:
                plugin = entry.load()
                self.manager.register(plugin, name=entry.name)
            except Exception as error:  # a broken plugin is reported, by name, as one line
                raise PluginError(
                    f"plugin {entry.name!r} ({entry.value}) could not be loaded: "
                    f"{type(error).__name__}: {_one_line(error)}"
                ) from error
            self._sources[entry.name] = f"{entry.value} (entry point)"
        return names

    def register(self, plugin: object, name: str) -> None:
        """Register a plugin object directly (for embedding and tests)."""
        self.manager.register(plugin, name=name)
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as error:
            self.manager.unregister(name=name)
            raise PluginError(f"plugin {name!r} is invalid: {_one_line(error)}") from None
        self._sources[name] = "registered"

    def info(self) -> list[PluginInfo]:
        """Every loaded plugin and the hooks it implements."""
        result = []
        for name, plugin in sorted(self.manager.list_name_plugin(), key=lambda item: item[0]):
            if plugin is None:  # a blocked (disabled) name
                continue
            callers = self.manager.get_hookcallers(plugin) or []
            result.append(
                PluginInfo(
                    name,
                    tuple(sorted(c.name for c in callers)),
                    name in BUILTIN,
                    self._sources.get(name, ""),
                )
            )
        return result

    def _each(
        self, hook: str, on_error: Callable[[PluginError], None] | None = None, **kwargs: Any
    ) -> Iterator[tuple[str, Any]]:
        """Call each implementation in pluggy's order, attributing results and failures.

        :param on_error: given, a failing plugin is reported to it and the next one is called.
        """
        caller = getattr(self.manager.hook, hook)
        for impl in reversed(caller.get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue
            try:
                result = impl.function(*(kwargs[name] for name in impl.argnames))
            except Exception as error:  # any plugin bug becomes one line naming the plugin
                failure = PluginError(
                    f"plugin {impl.plugin_name!r} failed in {hook}: {type(error).__name__}: {error}"
                )
                if on_error is None:
                    raise failure from error
                on_error(failure)
                continue
            yield impl.plugin_name, result

    def version(self, project: str, version: str, paths: Sequence[Path], directory: Path) -> str:
        """The version to stage: the first plugin's answer, validated, else ``version``."""
        for name, result in self._each(
            "startifact_version",
            project=project,
            version=version,
            paths=tuple(paths),
            directory=directory,
        ):
            if result is None:
                continue
            value = check_version(result)[0] if isinstance(result, str) else None
            if value is None:
                raise PluginError(
                    f"plugin {name!r} returned {result!r} from "
                    "startifact_version, which is not a PEP 440 version"
                )
            return value
        return version

    def check(
        self,
        project: str,
        version: str,
        paths: Sequence[Path],
        metadata: Mapping[str, str],
        directory: Path,
    ) -> list[str]:
        """Every problem plugins raise against staging, each prefixed with the plugin's name."""
        problems: list[str] = []
        for name, result in self._each(
            "startifact_check",
            project=project,
            version=version,
            paths=tuple(paths),
            metadata=dict(metadata),
            directory=directory,
        ):
            if isinstance(result, str):
                result = [result]
            if result is not None and not (
                isinstance(result, Sequence) and all(isinstance(p, str) for p in result)
            ):
                raise PluginError(
                    f"plugin {name!r} returned {result!r} from startifact_check; "
                    "return a list of problems (strings) or None"
                )
            problems.extend(f"plugin {name!r}: {p}" for p in result or ())
        return problems

    def metadata(self, user: Mapping[str, str], **kwargs: Any) -> dict[str, str]:
        """Plugin metadata for one file, merged; clashes and bad items name the plugins."""
        owners: dict[str, str] = {}
        merged: dict[str, str] = {}
        problems = []
        for name, result in self._each("startifact_metadata", **kwargs):
            if result is None:
                continue
            if not isinstance(result, Mapping):
                problems.append(
                    f"plugin {name!r} returned {type(result).__name__}, not a "
                    "mapping, from startifact_metadata"
                )
                continue
            for key, value in result.items():
                problem = _metadata_problem(name, key, value, user, owners)
                if problem:
                    problems.append(problem)
                else:
                    owners[key], merged[key] = name, value
        if problems:
            raise PluginError("; ".join(problems))
        return merged

    def staged(self, report: StageReport, warn: Callable[[str], None]) -> None:
        """Tell plugins what was staged; a failure is a warning, never a failed stage."""

        def report_failure(error: PluginError) -> None:
            warn(f"{error} (the stage itself is complete)")

        for _ in self._each("startifact_staged", on_error=report_failure, report=report):
            pass


def _metadata_problem(
    plugin: str, key: object, value: object, user: Mapping[str, str], owners: Mapping[str, str]
) -> str | None:
    if not isinstance(key, str) or not isinstance(value, str):
        return f"plugin {plugin!r} set metadata {key!r}={value!r}: keys and values are strings"
    if key in owners:
        return f"plugins {owners[key]!r} and {plugin!r} both set metadata key {key!r}"
    if key in user:
        return (
            f"plugin {plugin!r} sets metadata key {key!r}, which the user set too "
            "(--metadata, -o metadata or [tool.startifact.metadata])"
        )
    builtin_key = plugin in BUILTIN and key.startswith(f"{RESERVED_PREFIX}.")
    problem = None if builtin_key else check_metadata_item(key, value)
    if problem and key.lower().startswith(RESERVED_PREFIX):
        return (
            f"plugin {plugin!r} sets metadata key {key!r}, which belongs to "
            "hatch-startifact (keys starting with 'startifact')"
        )
    return f"plugin {plugin!r}: {problem}" if problem else None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
