"""hatch-startifact: stage build artifacts to S3 in several AWS regions, with versions in SSM.

Importing this package is cheap: it imports neither boto3 nor Hatch, nor pluggy until a plugin
asks for `hookimpl` (see `hatch_startifact.plugins.hookspecs`), so the `startifact` command's
first request leaves as early as it can.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatch_startifact.__about__ import __version__

if TYPE_CHECKING:
    from hatch_startifact.plugins.hookspecs import hookimpl

__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> object:
    """Import pluggy only when a plugin imports `hookimpl` (PEP 562)."""
    if name == "hookimpl":
        from hatch_startifact.plugins.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
