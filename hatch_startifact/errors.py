"""The one exception hierarchy: every failure a user can meet is a `StartifactError`.

Each message is one line that says what is wrong, where, and what to do next. The command
line prints it as ``error: <message>`` and exits with `StartifactError.exit_code`.
"""

from __future__ import annotations

from collections.abc import Iterable

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3


class StartifactError(Exception):
    """Base of every error hatch-startifact raises on purpose."""

    exit_code = EXIT_ERROR


class UsageError(StartifactError):
    """The command was called wrongly: a bad flag, a missing argument, a bad value."""

    exit_code = EXIT_USAGE


class InvalidInputError(StartifactError):
    """One or more inputs (names, versions, metadata, files) are invalid.

    Every problem found is kept in `problems`, so a user fixes them all in one go.
    Like any usage error it exits with 2.
    """

    exit_code = EXIT_USAGE

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class ConfigurationError(StartifactError):
    """The organisation configuration is missing, unreadable or invalid."""


class ProjectError(StartifactError):
    """The project's own files cannot be used: no ``pyproject.toml``, invalid TOML, or
    metadata Hatch cannot read."""


class CancelledError(StartifactError):
    """The user said no (or could not be asked); nothing was written."""


class AwsError(StartifactError):
    """An AWS call failed; carries the region and the resource it was about."""

    def __init__(self, message: str, *, region: str, resource: str = "") -> None:
        super().__init__(message)
        self.region = region
        self.resource = resource


class AccessDeniedError(AwsError):
    """AWS refused a call for lack of permission."""


class NotFoundError(AwsError):
    """A bucket, object or parameter that must exist does not."""


class NoSuchBucketError(NotFoundError):
    """The bucket a region's bucket name parameter names does not exist."""


class EndpointError(AwsError):
    """The region could not be reached (connection refused, timed out, DNS)."""


class ConflictError(StartifactError):
    """A file is already staged with different bytes; staged versions are immutable."""


class PartialFailureError(StartifactError):
    """Some regions failed while the others succeeded; re-running completes them."""

    exit_code = EXIT_PARTIAL

    def __init__(self, message: str, regions: Iterable[str]) -> None:
        super().__init__(message)
        self.regions = tuple(regions)


class NoSuchProjectError(StartifactError):
    """No region has anything staged for the project."""


class NoSuchVersionError(StartifactError):
    """The project exists but no region's index lists the version."""


class AllYankedError(StartifactError):
    """Every staged version of the project is yanked: there is no latest version."""


class NoSuchFileError(StartifactError):
    """The version exists but none of its files match the names asked for."""


class UnavailableError(StartifactError):
    """No region could give what was asked for; each region's reason was a warning."""


class DocumentError(StartifactError):
    """A document in a bucket (an index, a metadata document) is missing or is not one this
    tool wrote; the region holding it is passed over."""


class IntegrityError(StartifactError):
    """Bytes or metadata failed verification.

    Raised when regions disagree about a file's SHA-256 with no majority. A download whose
    bytes do not match raises it inside one region's attempt, which becomes a warning, and
    the next region is tried.
    """


class DestinationError(StartifactError):
    """A download's destination cannot be created or written (a local problem: no other
    region is tried)."""


class PluginError(StartifactError):
    """A plugin failed, misbehaved or could not be loaded; the message names it."""


def reason(error: Exception) -> str:
    """What a warning or a report says of a failure: a `StartifactError`'s own message, or
    what an unexpected one was."""
    if isinstance(error, StartifactError):
        return str(error)
    return f"unexpected {type(error).__name__}: {error}"
