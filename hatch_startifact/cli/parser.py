"""The ``startifact`` command line's arguments: every command, its options and its help.

Each command names the function that runs it (``module:function`` in `hatch_startifact.cli`);
`hatch_startifact.cli.main` imports it only when that command runs.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hatch_startifact.__about__ import __version__

if TYPE_CHECKING:
    from hatch_startifact.config.settings import Settings

    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


#: Each command: the function that runs it, its line in ``startifact --help``, and its help.
COMMANDS = {
    "setup": (
        "admin:run_setup",
        "write the organisation configuration to every region",
        "Write the organisation configuration to every region in parallel. Values not given "
        "are kept from the existing configuration; interactive sessions are prompted for "
        "what is missing.",
    ),
    "stage": (
        "stage:run_stage",
        "stage files as a project version in every region",
        "Stage files as PROJECT VERSION in every region, in parallel. Staged versions are "
        "immutable: identical files are 'already staged', different bytes are refused.",
    ),
    "yank": (
        "yank:run_yank",
        "take a version out of 'latest' in every region, saying why",
        "Yank PROJECT VERSION in every region, in parallel: it stays downloadable by its exact "
        "version, with a warning quoting the reason, but is never the latest; each region's "
        "version record moves back to the highest version not yanked. Needs the Owner level.",
    ),
    "unyank": (
        "yank:run_unyank",
        "undo a yank in every region",
        "Unyank PROJECT VERSION in every region, in parallel: it may be the latest again, and "
        "each region's version record moves to it if it is the highest. Needs the Owner level.",
    ),
    "migrate": (
        "migrate:run_migrate",
        "copy what Startifact 1.x staged into this layout, in every region",
        "Copy every version Startifact 1.x staged of PROJECT (named as it was given to 1.x, "
        "or normalised), or of every project with --all, into this layout in every region: "
        "server-side copies, each file's SHA-256 recorded, the index and version record "
        "written. Originals are left in place. Idempotent: a re-run completes what failed.",
    ),
    "plugins": (
        "admin:run_plugins",
        "list the loaded plugins and the hooks each implements",
        "List the plugins staging would use: the built-in ones and those installed under "
        "the 'startifact' entry-point group.",
    ),
    "template": (
        "admin:run_iam_template",
        "the organisation's CloudFormation template (deploy it in every region)",
        None,
    ),
    "project": (
        "admin:run_iam_project",
        "Owner, Contributor and Viewer policies and a permissions boundary for a project",
        "Print a CloudFormation template (or, with --format json, the policy documents) "
        "granting Owner, Contributor and Viewer access to one project's keys and version "
        "records in every region, plus a permissions boundary. Reads the organisation "
        "configuration and each region's bucket name.",
    ),
    "info": (
        "read:run_info",
        "show a staged version: files, SHA-256, metadata, regions",
        "Show a staged version (default: the latest): its files with size, SHA-256 and "
        "metadata, and which regions hold it.",
    ),
    "versions": ("read:run_versions", "list a project's staged versions, newest first", None),
    "download": (
        "read:run_download",
        "download a staged version, verifying every file",
        "Download a staged version's files (default: the latest version, every file). Each "
        "file is verified against its SHA-256 before it is moved into place; a region "
        "holding bad bytes is skipped with a warning.",
    ),
    "serve": (
        "serve:run_serve",
        "serve the staged projects as a package index for pip and uv",
        "Serve the staged projects as a Python package index (the Simple Repository API, "
        "PEP 503 and PEP 691) on 127.0.0.1, reading with the Read grant alone; every file "
        "is verified against its SHA-256 before the client has all of it, and regions fail "
        "over. Stop it with Ctrl-C.",
    ),
}


def _command(
    commands: Commands, name: str, parents: list[argparse.ArgumentParser]
) -> argparse.ArgumentParser:
    run, summary, description = COMMANDS[name]
    parser = commands.add_parser(name, parents=parents, help=summary, description=description)
    parser.set_defaults(run=run)
    return parser


def _options(*, where: bool, shown: bool = True) -> argparse.ArgumentParser:
    """Options many commands share: ``--regions`` and ``--parameter`` (``where``), and
    ``--verbose`` and ``--quiet`` (listed in the help when ``shown``)."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
    if where:
        group.add_argument(
            "--regions",
            metavar="R1,R2",
            help="regions to use instead of the organisation's "
            "(default: $STARTIFACT_REGIONS, else the configuration's)",
        )
        group.add_argument(
            "--parameter",
            metavar="NAME",
            help="organisation configuration parameter "
            "(default: $STARTIFACT_PARAMETER, else /startifact)",
        )
    verbose, quiet = (
        ("show a traceback with any error", "print nothing but errors")
        if shown
        else (argparse.SUPPRESS, argparse.SUPPRESS)
    )
    group.add_argument("-v", "--verbose", action="store_true", help=verbose)
    group.add_argument("-q", "--quiet", action="store_true", help=quiet)
    return common


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _repeated(parser: argparse.ArgumentParser, flag: str, metavar: str, help: str) -> None:
    parser.add_argument(flag, metavar=metavar, action="append", default=[], help=help)


def _version(parser: argparse.ArgumentParser, required: bool) -> None:
    """PROJECT and VERSION (or PROJECT and an optional VERSION, the latest by default)."""
    if required:
        parser.add_argument(
            "project", metavar="PROJECT", help="project name (normalised as PEP 503)"
        )
        parser.add_argument("version", metavar="VERSION", help="version (normalised as PEP 440)")
    else:
        parser.add_argument("project", metavar="PROJECT")
        parser.add_argument("version", metavar="VERSION", nargs="?", help="default: the latest")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="startifact",
        description="Stage build artifacts to S3 in several AWS regions, "
        "with versions recorded in SSM Parameter Store.",
        epilog="Exit codes: 0 success, 1 error, 2 usage error, "
        "3 partial success (some regions failed; re-run to complete them).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    common = [_options(where=True)]
    _add_setup(commands, common)
    _add_stage(commands, common)
    _add_yanking(commands, common)
    _add_migrate(commands, common)
    _add_plugins(commands)
    _add_iam(commands, common)
    _add_reading(commands, common)
    _add_serve(commands, common)
    return parser


def _add_setup(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    setup = _command(commands, "setup", common)
    setup.add_argument(
        "--bucket-parameter", metavar="NAME", help="SSM parameter holding each region's bucket name"
    )
    setup.add_argument(
        "--key-prefix",
        metavar="PREFIX",
        help="prefix of every S3 key: '' or ending in '/' ('' clears it)",
    )
    setup.add_argument(
        "--parameter-prefix",
        metavar="PREFIX",
        help="prefix of every version record: '' or like /staging ('' clears it)",
    )
    setup.add_argument("-y", "--yes", action="store_true", help="write without asking")


def _add_stage(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    stage = _command(commands, "stage", common)
    _version(stage, required=True)
    stage.add_argument("paths", metavar="PATH", nargs="+", help="files to stage")
    _repeated(stage, "--metadata", "KEY=VALUE", "metadata for every file (repeatable)")
    stage.add_argument(
        "--dry-run",
        action="store_true",
        help="check and report what would be staged; write nothing",
    )
    _json(stage)
    _repeated(
        stage,
        "--disable-plugin",
        "NAME",
        "do not load this plugin (repeatable; see `startifact plugins`)",
    )


def _add_yanking(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    yank = _command(commands, "yank", common)
    _version(yank, required=True)
    yank.add_argument(
        "--reason",
        metavar="TEXT",
        required=True,
        help="why the version is yanked (shown to everyone who reads it)",
    )
    _json(yank)
    unyank = _command(commands, "unyank", common)
    _version(unyank, required=True)
    _json(unyank)


def _add_migrate(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    migrate = _command(commands, "migrate", common)
    migrate.add_argument(
        "projects",
        metavar="PROJECT",
        nargs="*",
        help="a project as it was given to Startifact 1.x (its normalised name is tried too)",
    )
    migrate.add_argument(
        "--all", action="store_true", help="every project Startifact 1.x staged (lists the bucket)"
    )
    migrate.add_argument(
        "--dry-run", action="store_true", help="report what would be copied; write nothing"
    )
    _json(migrate)


def _add_plugins(commands: Commands) -> None:
    plugins = _command(commands, "plugins", [_options(where=False)])
    _repeated(plugins, "--disable-plugin", "NAME", "leave this plugin out (repeatable)")
    _json(plugins)


def _add_iam(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    iam = commands.add_parser(
        "iam",
        help="print IAM policies and CloudFormation templates",
        description="Print least-privilege IAM for the organisation or for one project.",
    )
    iam_commands = iam.add_subparsers(title="what", metavar="WHAT", required=True)
    _command(iam_commands, "template", [_options(where=False, shown=False)])
    project = _command(iam_commands, "project", common)
    project.add_argument("project", metavar="PROJECT")
    project.add_argument(
        "--format",
        choices=["cloudformation", "json"],
        default="cloudformation",
        help="output format (default: cloudformation)",
    )
    project.add_argument(
        "--account-id",
        metavar="ID",
        default="*",
        help="account id in the SSM ARNs of --format json (default: *)",
    )


def _add_reading(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    info = _command(commands, "info", common)
    _version(info, required=False)
    _json(info)

    versions = _command(commands, "versions", common)
    versions.add_argument("project", metavar="PROJECT")
    _json(versions)

    download = _command(commands, "download", common)
    _version(download, required=False)
    download.add_argument(
        "--dest",
        metavar="DIR",
        default=".",
        help="directory to download into (created if needed; default: .)",
    )
    _repeated(
        download,
        "--file",
        "NAME",
        "a file name or glob such as '*.whl' (repeatable; default: all)",
    )
    download.add_argument(
        "--force", action="store_true", help="replace existing files whose content differs"
    )
    _json(download)


def _add_serve(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    serve = _command(commands, "serve", common)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; any other needs a token)",
    )
    serve.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: 0, a free port)"
    )
    serve.add_argument(
        "--token",
        metavar="TOKEN",
        help="require this token as the password of HTTP basic auth "
        "(default: $STARTIFACT_SERVE_TOKEN; required unless the host is a loopback address)",
    )
    serve.add_argument(
        "--ttl",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long a project's index is used before it is read again (default: 10)",
    )


def settings_of(args: argparse.Namespace) -> Settings:
    """The ranked settings of a command: its ``--regions``, ``--parameter`` and
    ``--disable-plugin`` flags over the environment."""
    from hatch_startifact.config.settings import regions_from, resolve

    regions = getattr(args, "regions", None)
    return resolve(
        regions=regions_from(regions, "--regions") if regions is not None else None,
        parameter=getattr(args, "parameter", None),
        disable_plugins=getattr(args, "disable_plugin", ()),
    )
