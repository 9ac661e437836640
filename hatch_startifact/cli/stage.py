"""``startifact stage``: stage files as a project version in every region."""

from __future__ import annotations

import argparse
from typing import Any

from hatch_startifact.cli.console import Console
from hatch_startifact.cli.parser import settings_of
from hatch_startifact.display import StageDisplay, summarise
from hatch_startifact.session import Session
from hatch_startifact.staging.report import StageReport
from hatch_startifact.store.names import split_metadata_pairs


def run_stage(args: argparse.Namespace, console: Console) -> int:
    metadata, problems = split_metadata_pairs(args.metadata)
    display = StageDisplay(console)
    with Session(settings=settings_of(args)) as session:
        try:
            report = session.stage(
                args.project,
                args.version,
                args.paths,
                metadata,
                dry_run=args.dry_run,
                listener=display,
                problems=problems,
            )
        finally:
            display.close()
    if console.json_mode:
        console.emit_json(stage_json(report))
    summary, error = summarise(report)
    if summary:
        console.line(summary)
    if error:
        console.error(error)
    return report.exit_code


def stage_json(report: StageReport) -> dict[str, Any]:
    return {
        "project": report.project,
        "version": report.version,
        "dry_run": report.dry_run,
        "exit_code": report.exit_code,
        "regions": [
            {
                "region": r.region,
                "ok": r.error is None,
                "error": r.error,
                "latest": r.latest,
                "files": [
                    {
                        "filename": f.filename,
                        "status": f.status.value,
                        "size": f.size,
                        **({"detail": f.detail} if f.detail else {}),
                    }
                    for f in r.files
                ],
            }
            for r in report.regions
        ],
    }
