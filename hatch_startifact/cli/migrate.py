"""``startifact migrate``: copy what Startifact 1.x staged into this layout, in every region."""

from __future__ import annotations

import argparse
from typing import Any

from hatch_startifact.cli.console import Console
from hatch_startifact.cli.parser import settings_of
from hatch_startifact.errors import UsageError
from hatch_startifact.session import Session
from hatch_startifact.staging.migrating import MigrationReport, Moved


def run_migrate(args: argparse.Namespace, console: Console) -> int:
    if bool(args.projects) == bool(args.all):
        raise UsageError(
            "name the projects to migrate (as they were given to Startifact 1.x), or pass --all"
        )

    def show(moved: Moved) -> None:  # from the regions' threads: the console locks
        console.line(_line(moved))

    with Session(settings=settings_of(args)) as session:
        report = session.migrate(
            None if args.all else args.projects,
            dry_run=args.dry_run,
            report=None if console.json_mode else show,
        )
    return _summary(report, console, args.dry_run)


def _line(moved: Moved) -> str:
    if not moved.version:  # the index or the record of a project
        return f"{'failed':<16}  {moved.region}  {moved.project}: {moved.detail}"
    detail = f"  {moved.detail}" if moved.detail else ""
    return (
        f"{moved.status:<16}  {moved.region}  {moved.project} {moved.version}  "
        f"{moved.filename}{detail}"
    )


def _summary(report: MigrationReport, console: Console, dry_run: bool) -> int:
    for reason in report.skipped:
        console.warn(f"left out: {reason}")
    if console.json_mode:
        console.emit_json(migration_json(report))
    versions = {(m.project, m.version) for m in report.moved if m.version}
    if not versions and not report.unreachable:
        console.line("Nothing staged by Startifact 1.x was found.")
        return report.exit_code
    for (region, project), value in sorted(report.records.items()):
        if value is not None:
            console.line(f"{'recorded':<16}  {region}  {project} latest version: {value}")
    what = "would be migrated" if dry_run else "migrated"
    regions = {m.region for m in report.moved}
    console.line(f"{len(versions)} version(s) {what} in {len(regions)} region(s).")
    failed = sorted({m.region for m in report.moved if m.status == "failed"})
    failed += sorted(set(report.unreachable) - set(failed))
    if failed:
        reasons = "; ".join(f"{r}: {e}" for r, e in sorted(report.unreachable.items()))
        console.error(
            f"{len(failed)} region(s) incomplete ({', '.join(failed)}"
            f"{'; ' + reasons if reasons else ''}); fix the cause and re-run the same command "
            "to complete them"
        )
    return report.exit_code


def migration_json(report: MigrationReport) -> dict[str, Any]:
    return {
        "exit_code": report.exit_code,
        "moved": [
            {
                "region": m.region,
                "project": m.project,
                "version": m.version or None,
                "filename": m.filename or None,
                "status": m.status,
                "detail": m.detail,
            }
            for m in report.moved
        ],
        "records": [
            {"region": r, "project": p, "latest": v} for (r, p), v in sorted(report.records.items())
        ],
        "skipped": list(report.skipped),
        "unreachable": dict(report.unreachable),
    }
