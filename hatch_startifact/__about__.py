"""The version of hatch-startifact (read by Hatch when it builds, and by the package)."""

__version__ = "0.1.0"
