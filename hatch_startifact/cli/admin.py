"""The administrator's commands: ``setup``, ``plugins``, ``iam template`` and ``iam project``."""

from __future__ import annotations

import argparse
import sys

from hatch_startifact.admin.setup import Existing, RegionSetup
from hatch_startifact.cli.console import Console
from hatch_startifact.cli.parser import settings_of
from hatch_startifact.config.regions import check_region, parse_regions
from hatch_startifact.config.settings import resolve
from hatch_startifact.errors import (
    EXIT_OK,
    CancelledError,
    ConfigurationError,
    PartialFailureError,
    UnavailableError,
    UsageError,
)
from hatch_startifact.session import Session
from hatch_startifact.store.names import require_project


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask(question: str) -> str:
    return input(question).strip()


def run_setup(args: argparse.Namespace, console: Console) -> int:
    from hatch_startifact.admin.setup import build_config

    # --regions is checked with the other values below, every problem at once.
    settings = resolve(parameter=args.parameter)
    parameter = settings.parameter
    with Session(settings=settings) as session:
        # Read any existing configuration from the regions named (those that are valid), or
        # STARTIFACT_REGIONS, then the default region.
        named = [r for r in parse_regions(args.regions or "")[0] if check_region(r) is None]
        default = session.default_region
        candidates = list(
            dict.fromkeys([*(named or settings.regions or ()), *([default] if default else [])])
        )
        found = session.existing_configuration(candidates)
        _check_existing(args, parameter, found, console)
        existing = found.document
        regions = args.regions
        bucket = args.bucket_parameter
        if _interactive() and not args.yes:
            if regions is None and not (existing and existing.get("regions")):
                regions = _ask("Regions (comma-separated, e.g. us-east-1,eu-west-2): ")
            if bucket is None and not (existing and existing.get("bucket_name_param")):
                bucket = _ask("Bucket name parameter (e.g. /buckets/staging): ")
        config = build_config(
            existing,
            regions=regions,
            bucket_parameter=bucket,
            key_prefix=args.key_prefix,
            parameter_prefix=args.parameter_prefix,
        )
        console.line(f"Organisation configuration {parameter}:")
        console.line(f"  regions:               {', '.join(config.regions)}")
        console.line(f"  bucket name parameter: {config.bucket_name_param}")
        console.line(f"  S3 key prefix:         {config.bucket_key_prefix!r}")
        console.line(f"  SSM name prefix:       {config.parameter_name_prefix!r}")
        _confirm(args, f"Write it to {len(config.regions)} region(s)? [y/N] ")
        results = session.write_configuration(config)
    return _report_setup(console, parameter, results)


def _check_existing(
    args: argparse.Namespace, parameter: str, found: Existing, console: Console
) -> None:
    """Refuse to overwrite a configuration that could not be read, unless told every value."""
    if found.broken:
        console.warn(f"{found.broken}; it will be replaced")
    flags = (args.regions, args.bucket_parameter, args.key_prefix, args.parameter_prefix)
    if found.document is None and found.unreadable:
        reasons = "; ".join(found.unreadable)
        if any(flag is None for flag in flags):
            raise ConfigurationError(
                f"could not read the existing configuration {parameter} ({reasons}); "
                "rather than lose its values, setup stops: fix the cause, or give --regions, "
                "--bucket-parameter, --key-prefix and --parameter-prefix"
            )
        console.warn(
            f"could not read the existing configuration ({reasons}); "
            "any keys it had beyond the four given will be lost"
        )


def _confirm(args: argparse.Namespace, question: str) -> None:
    if args.yes:
        return
    if not _interactive():
        raise UsageError("not writing without confirmation: pass --yes to run non-interactively")
    if _ask(question).lower() not in {"y", "yes"}:
        raise CancelledError(
            "setup cancelled: nothing was written (re-run and answer y, or pass --yes)"
        )


def _report_setup(console: Console, parameter: str, results: list[RegionSetup]) -> int:
    for result in results:
        if result.written:
            console.line(f"{'written':<14}  {result.region}")
        else:
            console.line(f"{'failed':<14}  {result.region}: {result.error}")
        for warning in result.warnings:
            console.warn(warning)
    failed = [r for r in results if not r.written]
    if not failed:
        console.line(f"Wrote {parameter} to {len(results)} region(s).")
        return EXIT_OK
    reasons = "; ".join(f"{r.region}: {r.error}" for r in failed)
    message = (
        f"could not write {parameter} to {len(failed)} of {len(results)} region(s) "
        f"({reasons}); fix the cause and re-run `startifact setup`"
    )
    if len(failed) == len(results):
        raise UnavailableError(message)
    raise PartialFailureError(message, [r.region for r in failed])


def run_plugins(args: argparse.Namespace, console: Console) -> int:
    from hatch_startifact.plugins.host import Plugins

    found = Plugins(args.disable_plugin).info()
    if console.json_mode:
        console.emit_json(
            [
                {"name": p.name, "hooks": list(p.hooks), "builtin": p.builtin, "source": p.source}
                for p in found
            ]
        )
        return EXIT_OK
    for plugin in found:
        console.line(f"{plugin.name}  ({plugin.source})")
        console.line(f"  hooks: {', '.join(plugin.hooks) or 'none'}")
    return EXIT_OK


def run_iam_template(args: argparse.Namespace, console: Console) -> int:
    from hatch_startifact.admin.iam import organisation_template

    print(organisation_template(), end="", file=console.out)
    return EXIT_OK


def run_iam_project(args: argparse.Namespace, console: Console) -> int:
    from hatch_startifact.admin.iam import project_policies, project_template

    with Session(settings=settings_of(args)) as session:
        project = require_project(args.project)
        buckets = session.buckets()
        if args.format == "json":
            console.emit_json(
                project_policies(
                    session.organisation,
                    session.parameter,
                    buckets,
                    project,
                    account=args.account_id,
                )
            )
        else:
            print(
                project_template(session.organisation, session.parameter, buckets, project),
                file=console.out,
            )
    return EXIT_OK
