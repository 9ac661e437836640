"""Verified downloads: every file checked against its SHA-256 before it is moved into place.

Each file is streamed to a temporary file beside its destination and renamed only when its
SHA-256 matches its metadata document; a mismatch is a warning naming region and key, and the
next region is tried. Existing files are kept unless they already match or ``force`` is given.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from hatch_startifact.aws import Aws
from hatch_startifact.config.regions import shuffled
from hatch_startifact.errors import (
    DestinationError,
    IntegrityError,
    NoSuchFileError,
    StartifactError,
    UnavailableError,
)
from hatch_startifact.reading.reader import VersionInfo, Warn
from hatch_startifact.store.metadata import StagedFile
from hatch_startifact.store.names import shown


@dataclass(frozen=True)
class Downloaded:
    """One file of a download: where it is, and where it came from."""

    filename: str
    path: Path
    region: str | None  # None when a matching file was already there
    size: int
    sha256: str


def select(files: Sequence[StagedFile], patterns: Sequence[str]) -> list[StagedFile]:
    """The files whose names match any of ``patterns`` (names or globs); all without any."""
    return [f for f in files if not patterns or any(fnmatchcase(f.filename, p) for p in patterns)]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _make_destination(dest: Path) -> None:
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as error:  # a file in the way, no permission, a NUL in the name
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise DestinationError(
            f"cannot create the destination {shown(str(dest))} ({reason}): choose another --dest"
        ) from None


@contextlib.contextmanager
def _writing_into(dest: Path) -> Iterator[None]:
    try:
        yield
    except OSError as error:  # no permission, disk full, ...
        raise DestinationError(
            f"cannot write into {shown(str(dest))}: {error.strerror or error}; free some space, "
            "fix its permissions or choose another --dest"
        ) from error


class Downloader:
    """Downloads a version's files with failover across the regions holding them."""

    def __init__(self, aws: Aws, warn: Warn | None = None) -> None:
        self._aws = aws
        self._warn = warn or (lambda message: None)

    def download(
        self,
        info: VersionInfo,
        dest: Path,
        patterns: Sequence[str] = (),
        force: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> list[Downloaded]:
        """Download and verify the version's files (those matching ``patterns``) into ``dest``."""
        chosen = select(info.files, patterns)
        if not chosen:
            names = ", ".join(f.filename for f in info.files)
            raise NoSuchFileError(
                f"no file of {info.project} {info.version} matches "
                f"{' '.join(patterns)!r} (files: {names}): name one of these, or a glob"
            )
        _make_destination(dest)
        present = self._check_destination(chosen, dest, force)
        done = [
            Downloaded(f.filename, dest / f.filename, None, f.size, f.sha256)
            for f in chosen
            if f.filename in present
        ]
        failed = []
        for staged in (f for f in chosen if f.filename not in present):
            result = self._fetch(info, staged, dest, progress)
            if result is None:
                failed.append(staged.filename)
            else:
                done.append(result)
        if failed:
            raise UnavailableError(
                f"could not download {', '.join(failed)} from any region (see the warnings): "
                "re-run later, or ask an administrator to check the regions named"
            )
        return done

    def _check_destination(self, chosen: Sequence[StagedFile], dest: Path, force: bool) -> set[str]:
        present, clashing = set(), []
        for staged in chosen:
            target = dest / staged.filename
            if not target.exists():
                continue
            if not target.is_file():
                raise DestinationError(
                    f"{target} exists and is not a file; remove it or choose another --dest"
                )
            if file_sha256(target) == staged.sha256:
                present.add(staged.filename)
            elif not force:
                clashing.append(str(target))
        if clashing:
            raise DestinationError(
                f"{', '.join(clashing)} already exist(s) with other content; "
                "pass --force to replace, or choose another --dest"
            )
        return present

    def _fetch(
        self,
        info: VersionInfo,
        staged: StagedFile,
        dest: Path,
        progress: Callable[[int], None] | None,
    ) -> Downloaded | None:
        key = info.keys[staged.filename]
        for region in shuffled(info.holders[staged.filename]):
            bucket = info.buckets[region]
            try:
                self._fetch_from(region, bucket, key, staged, dest, progress)
            except DestinationError:
                raise  # local: another region would fail the same way
            except StartifactError as error:
                self._warn(f"{region}: {error}; trying another region")
                continue
            return Downloaded(
                staged.filename, dest / staged.filename, region, staged.size, staged.sha256
            )
        return None

    def _fetch_from(
        self,
        region: str,
        bucket: str,
        key: str,
        staged: StagedFile,
        dest: Path,
        progress: Callable[[int], None] | None,
    ) -> None:
        digest = hashlib.sha256()
        # Created like any new file (mode from the umask, unlike mkstemp's 0600), exclusively.
        # Its name cut short so that it, too, fits in 255 bytes (file names are ASCII).
        partial = f".{staged.filename[:200]}.{secrets.token_hex(6)}.partial"
        temporary = str(dest / partial)
        with _writing_into(dest):
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(handle, "wb") as stream:

                def sink(chunk: bytes) -> None:
                    digest.update(chunk)
                    with _writing_into(dest):
                        stream.write(chunk)

                self._aws.region(region).download(bucket, key, sink, progress)
            if digest.hexdigest() != staged.sha256:
                raise IntegrityError(
                    f"s3://{bucket}/{key} in {region} does not match the "
                    f"SHA-256 in its metadata (got {digest.hexdigest()[:12]}..., "
                    f"expected {staged.sha256[:12]}...): it may have been "
                    "tampered with"
                )
            with _writing_into(dest):
                Path(temporary).replace(dest / staged.filename)
        finally:
            with contextlib.suppress(FileNotFoundError):
                Path(temporary).unlink()
