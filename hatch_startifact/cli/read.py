"""The reading commands: ``info``, ``versions`` and ``download``."""

from __future__ import annotations

import argparse
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hatch_startifact.aws import MULTIPART_THRESHOLD
from hatch_startifact.cli.console import Console
from hatch_startifact.cli.parser import settings_of
from hatch_startifact.display import ProgressBar, format_size
from hatch_startifact.errors import StartifactError
from hatch_startifact.reading.downloads import Downloaded, select
from hatch_startifact.reading.found import VersionInfo, VersionSummary
from hatch_startifact.session import Session
from hatch_startifact.store.metadata import StagedFile
from hatch_startifact.store.names import check_project
from hatch_startifact.store.yanks import Yank


def run_info(args: argparse.Namespace, console: Console) -> int:
    with Session(settings=settings_of(args)) as session:
        info = session.info(args.project, args.version, warn=console.warn)
    if console.json_mode:
        console.emit_json(info_json(info))
        return 0
    console.line(f"{info.project} {info.version}")
    missing = f" (missing or incomplete in: {', '.join(info.missing)})" if info.missing else ""
    console.line(f"  regions: {', '.join(info.regions) or 'none complete'}{missing}")
    if info.yank:
        console.line(f"  yanked: {info.yank.reason}{_by_and_at(info.yank)}")
    if info.legacy:
        console.line(f"  layout: {LEGACY_NOTE}")
    for staged in info.files:
        digest = staged.sha256 or "none recorded"
        console.line(f"  {staged.filename}  {format_size(staged.size)}  sha256:{digest}")
        console.line(
            f"    staged at {staged.staged_at or 'unknown'}; key {info.keys[staged.filename]}"
        )
        for name, value in sorted(staged.metadata.items()):
            console.line(f"    {name} = {value}")
    return 0


def run_versions(args: argparse.Namespace, console: Console) -> int:
    with Session(settings=settings_of(args)) as session, ThreadPoolExecutor(1) as pool:
        # the version records are read while the indexes are, in the same round trip
        record = pool.submit(session.latest, args.project)
        summaries = session.versions(args.project, warn=console.warn)
        latest = _latest_or_none(record, console)
    if console.json_mode:
        project = check_project(args.project)[0] or args.project
        console.emit_json(versions_json(project, latest, summaries))
        return 0
    width = max(len(s.version) for s in summaries)
    for summary in summaries:
        marker = "latest" if summary.version == latest else "yanked" if summary.yank else ""
        reason = f"  (yanked: {summary.yank.reason})" if summary.yank else ""
        reason += f"  ({LEGACY_NOTE})" if summary.legacy else ""
        console.line(
            f"{summary.version:<{width}}  {marker:<6}  {len(summary.files)} file(s)  "
            f"{', '.join(summary.regions)}{reason}"
        )
    return 0


#: How a version staged by Startifact 1.x is marked in the output.
LEGACY_NOTE = "Startifact 1.x layout, no recorded SHA-256; `startifact migrate` moves it"
#: The value of ``layout`` in the JSON output.
LAYOUTS = {False: "hatch-startifact", True: "startifact-1"}


def _by_and_at(yank: Yank) -> str:
    by = f" by {yank.yanked_by}" if yank.yanked_by else ""
    at = f" at {yank.yanked_at}" if yank.yanked_at else ""
    return f" ({(by + at).strip()})" if by or at else ""


def yank_json(yank: Yank | None) -> dict[str, str] | None:
    if yank is None:
        return None
    return {"reason": yank.reason, "yanked_at": yank.yanked_at, "yanked_by": yank.yanked_by}


def _latest_or_none(record: Future[str], console: Console) -> str | None:
    try:
        return record.result()
    except StartifactError as error:
        console.warn(f"could not read the latest version: {error}")
        return None


def run_download(args: argparse.Namespace, console: Console) -> int:
    dest = Path(args.dest)
    bar = _Bar(console, args.file)
    with Session(settings=settings_of(args)) as session:
        try:
            done = session.download(
                args.project,
                args.version,
                dest,
                files=args.file,
                force=args.force,
                warn=console.warn,
                progress=bar.advance,
                described=bar.described,
            )
        finally:
            bar.clear()
    info = bar.info
    assert info is not None  # described before any file is placed
    if console.json_mode:
        console.emit_json(download_json(info, done))
        return 0
    for item in done:
        if item.region is None:
            console.line(f"{'already present':<16}  {item.path}")
        else:
            checked = "SHA-256 verified" if item.verified else "no SHA-256 recorded: not verified"
            console.line(
                f"{'downloaded':<16}  {item.path}  from {item.region} "
                f"({format_size(item.size)}, {checked})"
            )
    console.line(f"{len(done)} file(s) of {info.project} {info.version} in {dest}.")
    return 0


class _Bar:
    """The progress bar of a download, drawn once the files' sizes are known (their metadata
    documents are read while the files already download)."""

    def __init__(self, console: Console, patterns: list[str]) -> None:
        self._console = console
        self._patterns = patterns
        self._bar: ProgressBar | None = None
        self._early = 0
        self._lock = threading.Lock()
        self.info: VersionInfo | None = None

    def described(self, info: VersionInfo) -> None:
        chosen = select(info.files, self._patterns)
        with self._lock:
            self.info = info
            if any(f.size >= MULTIPART_THRESHOLD for f in chosen):
                self._bar = self._console.progress_bar(sum(f.size for f in chosen))
                if self._bar and self._early:
                    self._bar.advance(self._early)

    def advance(self, received: int) -> None:
        with self._lock:
            if self._bar:
                self._bar.advance(received)
            else:
                self._early += received

    def clear(self) -> None:
        if self._bar:
            self._bar.clear()


def _file_json(info: VersionInfo, staged: StagedFile) -> dict[str, Any]:
    return {
        "filename": staged.filename,
        "size": staged.size,
        "sha256": staged.sha256 or None,
        "staged_at": staged.staged_at,
        "metadata": dict(staged.metadata),
        "key": info.keys[staged.filename],
        "regions": list(info.holders.get(staged.filename, ())),
    }


def info_json(info: VersionInfo) -> dict[str, Any]:
    return {
        "project": info.project,
        "version": info.version,
        "regions": list(info.regions),
        "missing": list(info.missing),
        "buckets": dict(info.buckets),
        "files": [_file_json(info, f) for f in info.files],
        "yanked": info.yank is not None,
        "yank": yank_json(info.yank),
        "layout": LAYOUTS[info.legacy],
    }


def versions_json(
    project: str, latest: str | None, summaries: list[VersionSummary]
) -> dict[str, Any]:
    return {
        "project": project,
        "latest": latest,
        "versions": [
            {
                "version": s.version,
                "files": list(s.files),
                "regions": list(s.regions),
                "yanked": s.yank is not None,
                "yank": yank_json(s.yank),
                "layout": LAYOUTS[s.legacy],
            }
            for s in summaries
        ],
    }


def download_json(info: VersionInfo, done: list[Downloaded]) -> dict[str, Any]:
    return {
        "project": info.project,
        "version": info.version,
        "files": [
            {
                "filename": d.filename,
                "path": str(d.path),
                "region": d.region,
                "status": "already present" if d.region is None else "downloaded",
                "size": d.size,
                "sha256": d.sha256,
                "verified": d.verified,
            }
            for d in done
        ],
    }
