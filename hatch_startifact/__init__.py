"""hatch-startifact: stage build artifacts to S3 in several AWS regions, with versions in SSM.

Importing this package is cheap: it imports neither boto3 nor Hatch. Plugins mark their hook
implementations with `hookimpl` (see `hatch_startifact.plugins.hookspecs`).
"""

from hatch_startifact.__about__ import __version__
from hatch_startifact.plugins.hookspecs import hookimpl

__all__ = ["__version__", "hookimpl"]
