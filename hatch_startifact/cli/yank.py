"""``startifact yank`` and ``startifact unyank``: take a version out of "latest", or put it
back, in every region."""

from __future__ import annotations

import argparse
from typing import Any

from hatch_startifact.cli.console import Console
from hatch_startifact.cli.parser import settings_of
from hatch_startifact.session import Session
from hatch_startifact.staging.report import YankReport


def run_yank(args: argparse.Namespace, console: Console) -> int:
    with Session(settings=settings_of(args)) as session:
        report = session.yank(args.project, args.version, args.reason)
    return _show(report, console)


def run_unyank(args: argparse.Namespace, console: Console) -> int:
    with Session(settings=settings_of(args)) as session:
        report = session.unyank(args.project, args.version)
    return _show(report, console)


def _show(report: YankReport, console: Console) -> int:
    if console.json_mode:
        console.emit_json(yank_json(report))
    done = "yanked" if report.yanked else "unyanked"
    ok = [r for r in report.regions if not r.error]
    for outcome in ok:
        latest = outcome.latest or "none (every version is yanked)"
        console.line(f"{done:<9}  {outcome.region}  latest version: {latest}")
    if ok:
        console.line(
            f"{done.capitalize()} {report.project} {report.version} in {len(ok)} of "
            f"{len(report.regions)} region(s)."
        )
    failed = [r for r in report.regions if r.error]
    if failed:
        reasons = "; ".join(f"{r.region}: {r.error}" for r in failed)
        console.error(
            f"{len(failed)} of {len(report.regions)} region(s) failed ({reasons}); fix the "
            "cause and re-run the same command to complete them"
        )
    return report.exit_code


def yank_json(report: YankReport) -> dict[str, Any]:
    return {
        "project": report.project,
        "version": report.version,
        "yanked": report.yanked,
        "exit_code": report.exit_code,
        "regions": [
            {"region": r.region, "ok": r.error is None, "error": r.error, "latest": r.latest}
            for r in report.regions
        ],
    }
