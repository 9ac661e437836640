"""hatch_startifact.plugins.hookspecs: the hooks plugins implement, and the markers they use."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pluggy
import pytest

import hatch_startifact
from hatch_startifact.plugins import hookspecs
from hatch_startifact.plugins.host import Plugins

SPECS: dict[str, Callable[..., Any]] = {
    name: function
    for name, function in vars(hookspecs).items()
    if callable(function) and hasattr(function, f"{hookspecs.PROJECT}_spec")
}


def test_one_constant_names_the_project() -> None:
    assert hookspecs.PROJECT == "startifact"


def test_the_markers_use_the_project_name() -> None:
    assert isinstance(hookspecs.hookspec, pluggy.HookspecMarker)
    assert isinstance(hookspecs.hookimpl, pluggy.HookimplMarker)
    assert hookspecs.hookspec.project_name == "startifact"
    assert hookspecs.hookimpl.project_name == "startifact"


def test_the_package_exports_the_hookimpl_marker() -> None:
    assert hatch_startifact.hookimpl is hookspecs.hookimpl
    assert "hookimpl" in hatch_startifact.__all__


def test_the_documented_hooks_are_specified() -> None:
    """The four hooks docs/plugins.md (What a plugin can do) lists."""
    assert set(SPECS) == {
        "startifact_version",
        "startifact_check",
        "startifact_metadata",
        "startifact_staged",
    }


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_hook_name_starts_with_startifact(name: str) -> None:
    assert name.startswith("startifact_")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_hookspec_documents_each_parameter(name: str) -> None:
    function = SPECS[name]
    doc = inspect.getdoc(function)
    assert doc, f"{name} has no docstring"
    lines = [line.strip() for line in doc.splitlines()]
    for parameter in inspect.signature(function).parameters:
        assert any(line.startswith(f":param {parameter}:") for line in lines), (
            f"{name} does not document {parameter}"
        )


def test_the_host_knows_exactly_the_specified_hooks() -> None:
    host = Plugins(entry_points=False)

    known = {name for name in vars(host.manager.hook) if not name.startswith("_")}

    assert known == set(SPECS)
    for name in SPECS:
        assert getattr(host.manager.hook, name).has_spec()
