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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
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
from hatch_startifact.parallel import per_region
from hatch_startifact.reading.found import Located, VersionInfo, Warn
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
    #: ``False`` for a file staged by Startifact 1.x, which has no SHA-256 to check against:
    #: ``sha256`` is then what was computed while downloading it
    verified: bool = True


def select(files: Sequence[StagedFile], patterns: Sequence[str]) -> list[StagedFile]:
    """The files whose names match any of ``patterns`` (names or globs); all without any."""
    return [f for f in files if not patterns or _matches(f.filename, patterns)]


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


@dataclass(frozen=True)
class _Fetched:
    """A file's bytes from one region, in a temporary file beside its destination."""

    region: str
    bucket: str
    key: str
    temporary: Path
    sha256: str


@dataclass(frozen=True)
class _Failed:
    """A file that one region could not give."""

    region: str
    error: StartifactError


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
            _nothing_matches(info.project, info.version, [f.filename for f in info.files], patterns)
        _make_destination(dest)
        self._unverifiable(info)
        return self._settle(info, chosen, {}, dest, force, progress)

    def download_located(
        self,
        located: Located,
        describe: Callable[[Located], VersionInfo],
        dest: Path,
        patterns: Sequence[str] = (),
        force: bool = False,
        progress: Callable[[int], None] | None = None,
        described: Callable[[VersionInfo], None] | None = None,
    ) -> list[Downloaded]:
        """`download`, fetching the files while their metadata documents are read (one round
        trip, not two): each is kept in a temporary file until its SHA-256 is known and
        checked, and a file already in ``dest`` is fetched only once the documents say it
        must be replaced.

        :param described: told the version's files as soon as their documents are read.
        """
        names = [n for n in located.files if not patterns or _matches(n, patterns)]
        if not names:
            _nothing_matches(located.project, located.version, list(located.files), patterns)
        _make_destination(dest)
        there = [n for n in names if (dest / n).exists()]
        # Fetched early: files not in dest yet; none while a file in dest may have to be
        # refused (without --force), so that a refused download fetches nothing.
        early = [n for n in names if n not in there] if force or not there else []
        with ThreadPoolExecutor(1, thread_name_prefix="documents") as pool:
            documents = pool.submit(describe, located)
            fetched = per_region(early, lambda n: self._early(located, n, dest, progress))
            try:
                info = documents.result()
            except BaseException:
                _discard(fetched.values())
                raise
        self._unverifiable(info)
        if described:
            described(info)
        chosen = [f for f in select(info.files, patterns) if f.filename in names]
        return self._settle(info, chosen, fetched, dest, force, progress)

    def _unverifiable(self, info: VersionInfo) -> None:
        if info.legacy:
            self._warn(
                f"{info.project} {info.version} was staged by Startifact 1.x and has no recorded "
                "SHA-256: its files are downloaded without verification (`startifact migrate` "
                "records one)"
            )

    def _early(
        self, located: Located, name: str, dest: Path, progress: Callable[[int], None] | None
    ) -> _Fetched | _Failed:
        region = shuffled(located.files[name])[0]
        bucket, key = located.buckets[region], located.keys[name]
        try:
            return self._stream(region, bucket, key, name, dest, progress)
        except DestinationError:
            raise
        except StartifactError as error:
            return _Failed(region, error)

    def _settle(
        self,
        info: VersionInfo,
        chosen: Sequence[StagedFile],
        fetched: Mapping[str, _Fetched | _Failed | Exception],
        dest: Path,
        force: bool,
        progress: Callable[[int], None] | None,
    ) -> list[Downloaded]:
        """Check the destination, then put every chosen file in place: a fetched copy that
        matches its SHA-256, else one from another region."""
        try:
            present = self._check_destination(chosen, dest, force)
            done = [_downloaded(f, dest, None) for f in chosen if f.filename in present]
            wanted = [f for f in chosen if f.filename not in present]
            results = per_region(
                [f.filename for f in wanted],
                lambda n: self._place(info, _named(wanted, n), fetched.get(n), dest, progress),
            )
        finally:
            _discard(fetched.values())
        failed = []
        for name, result in results.items():
            if isinstance(result, DestinationError):
                raise result
            if isinstance(result, Downloaded):
                done.append(result)
            else:
                failed.append(name)
        if failed:
            raise UnavailableError(
                f"could not download {', '.join(failed)} from any region (see the warnings): "
                "re-run later, or ask an administrator to check the regions named"
            )
        return done

    def _place(
        self,
        info: VersionInfo,
        staged: StagedFile,
        early: _Fetched | _Failed | Exception | None,
        dest: Path,
        progress: Callable[[int], None] | None,
    ) -> Downloaded | None:
        """Put ``staged`` in place: the copy fetched early if it matches, else another's."""
        if isinstance(early, Exception):  # DestinationError: local, no region helps
            raise early
        if isinstance(early, _Failed):
            self._warn(f"{early.region}: {early.error}; trying another region")
        elif isinstance(early, _Fetched) and early.region in info.holders[staged.filename]:
            try:
                self._verify(early, staged)
                with _writing_into(dest):
                    early.temporary.replace(dest / staged.filename)
                return _downloaded(staged, dest, early.region, early.sha256)
            except DestinationError:
                raise
            except StartifactError as error:
                self._warn(f"{early.region}: {error}; trying another region")
        tried = early.region if isinstance(early, _Fetched | _Failed) else None
        return self._fetch(info, staged, dest, progress, skip=tried)

    def _check_destination(self, chosen: Sequence[StagedFile], dest: Path, force: bool) -> set[str]:
        present, clashing, unknown = set(), [], []
        for staged in chosen:
            target = dest / staged.filename
            if not target.exists():
                continue
            if not target.is_file():
                raise DestinationError(
                    f"{target} exists and is not a file; remove it or choose another --dest"
                )
            if not staged.sha256:
                if not force:
                    unknown.append(str(target))
            elif file_sha256(target) == staged.sha256:
                present.add(staged.filename)
            elif not force:
                clashing.append(str(target))
        if clashing:
            raise DestinationError(
                f"{', '.join(clashing)} already exist(s) with other content; "
                "pass --force to replace, or choose another --dest"
            )
        if unknown:
            raise DestinationError(
                f"{', '.join(unknown)} already exist(s), and a file staged by Startifact 1.x has "
                "no SHA-256 to compare with; pass --force to replace, or choose another --dest"
            )
        return present

    def _fetch(
        self,
        info: VersionInfo,
        staged: StagedFile,
        dest: Path,
        progress: Callable[[int], None] | None,
        skip: str | None = None,
    ) -> Downloaded | None:
        key = info.keys[staged.filename]
        for region in shuffled([r for r in info.holders[staged.filename] if r != skip]):
            bucket = info.buckets[region]
            fetched = None
            try:
                fetched = self._stream(region, bucket, key, staged.filename, dest, progress)
                self._verify(fetched, staged)
                with _writing_into(dest):
                    fetched.temporary.replace(dest / staged.filename)
            except DestinationError:
                raise  # local: another region would fail the same way
            except StartifactError as error:
                self._warn(f"{region}: {error}; trying another region")
                continue
            finally:
                if fetched:
                    _discard([fetched])
            return _downloaded(staged, dest, region, fetched.sha256)
        return None

    def _stream(
        self,
        region: str,
        bucket: str,
        key: str,
        filename: str,
        dest: Path,
        progress: Callable[[int], None] | None,
    ) -> _Fetched:
        """The object's bytes in a new temporary file in ``dest``, with their SHA-256."""
        digest = hashlib.sha256()
        # Created like any new file (mode from the umask, unlike mkstemp's 0600), exclusively.
        # Its name cut short so that it, too, fits in 255 bytes (file names are ASCII).
        temporary = dest / f".{filename[:200]}.{secrets.token_hex(6)}.partial"
        with _writing_into(dest):
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(handle, "wb") as stream:

                def sink(chunk: bytes) -> None:
                    digest.update(chunk)
                    with _writing_into(dest):
                        stream.write(chunk)

                self._aws.region(region).download(bucket, key, sink, progress)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            raise
        return _Fetched(region, bucket, key, temporary, digest.hexdigest())

    @staticmethod
    def _verify(fetched: _Fetched, staged: StagedFile) -> None:
        if staged.sha256 and fetched.sha256 != staged.sha256:
            raise IntegrityError(
                f"s3://{fetched.bucket}/{fetched.key} in {fetched.region} does not match the "
                f"SHA-256 in its metadata (got {fetched.sha256[:12]}..., "
                f"expected {staged.sha256[:12]}...): it may have been tampered with"
            )


def _discard(fetched: Iterable[_Fetched | _Failed | Exception]) -> None:
    """Remove the temporary files still there (those not moved into place)."""
    for item in fetched:
        if isinstance(item, _Fetched):
            with contextlib.suppress(FileNotFoundError):
                item.temporary.unlink()


def _downloaded(
    staged: StagedFile, dest: Path, region: str | None, computed: str | None = None
) -> Downloaded:
    """What was put in place; a file with no recorded SHA-256 gets the one ``computed``."""
    sha256 = staged.sha256 or computed or ""
    path = dest / staged.filename
    return Downloaded(staged.filename, path, region, staged.size, sha256, bool(staged.sha256))


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatchcase(name, p) for p in patterns)


def _named(files: Sequence[StagedFile], name: str) -> StagedFile:
    return next(f for f in files if f.filename == name)


def _nothing_matches(project: str, version: str, names: list[str], patterns: Sequence[str]) -> None:
    raise NoSuchFileError(
        f"no file of {project} {version} matches {' '.join(patterns)!r} "
        f"(files: {', '.join(names)}): name one of these, or a glob"
    )
