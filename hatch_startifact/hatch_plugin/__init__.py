"""Hatch's entry point (group ``hatch``): registers the publisher and the build hook.

Hatchling imports this module in every build environment, where Hatch itself is absent, so
each class is imported only when its hook is called.
"""

from __future__ import annotations

from typing import Any

from hatchling.plugin import hookimpl


@hookimpl
def hatch_register_publisher() -> Any:
    from hatch_startifact.hatch_plugin.publisher import StartifactPublisher

    return StartifactPublisher


@hookimpl
def hatch_register_build_hook() -> Any:
    from hatch_startifact.hatch_plugin.build_hook import StartifactBuildHook

    return StartifactBuildHook
