"""The ``startifact`` command line's arguments: every command, its options and its help.

Each command names the function that runs it (``module:function`` in `hatch_startifact.cli`);
`hatch_startifact.cli.main` imports it only when that command runs.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hatch_startifact import __version__

if TYPE_CHECKING:
    from hatch_startifact.config.settings import Settings


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
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
    group.add_argument(
        "-v", "--verbose", action="store_true", help="show a traceback with any error"
    )
    group.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return common


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
    common = _common()

    setup = commands.add_parser(
        "setup",
        parents=[common],
        help="write the organisation configuration to every region",
        description="Write the organisation configuration to every region in parallel. "
        "Values not given are kept from the existing configuration; "
        "interactive sessions are prompted for what is missing.",
    )
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
    setup.set_defaults(run="admin:run_setup")

    stage = commands.add_parser(
        "stage",
        parents=[common],
        help="stage files as a project version in every region",
        description="Stage files as PROJECT VERSION in every region, in parallel. "
        "Staged versions are immutable: identical files are 'already staged', "
        "different bytes are refused.",
    )
    stage.add_argument("project", metavar="PROJECT", help="project name (normalised as PEP 503)")
    stage.add_argument("version", metavar="VERSION", help="version (normalised as PEP 440)")
    stage.add_argument("paths", metavar="PATH", nargs="+", help="files to stage")
    stage.add_argument(
        "--metadata",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="metadata for every file (repeatable)",
    )
    stage.add_argument(
        "--dry-run",
        action="store_true",
        help="check and report what would be staged; write nothing",
    )
    stage.add_argument("--json", action="store_true", help="print the result as JSON")
    stage.add_argument(
        "--disable-plugin",
        metavar="NAME",
        action="append",
        default=[],
        help="do not load this plugin (repeatable; see `startifact plugins`)",
    )
    stage.set_defaults(run="stage:run_stage")

    plugins = commands.add_parser(
        "plugins",
        help="list the loaded plugins and the hooks each implements",
        description="List the plugins staging would use: the built-in ones and those "
        "installed under the 'startifact' entry-point group.",
    )
    plugins.add_argument(
        "--disable-plugin",
        metavar="NAME",
        action="append",
        default=[],
        help="leave this plugin out (repeatable)",
    )
    plugins.add_argument("--json", action="store_true", help="print the result as JSON")
    plugins.add_argument(
        "-v", "--verbose", action="store_true", help="show a traceback with any error"
    )
    plugins.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    plugins.set_defaults(run="admin:run_plugins")

    iam = commands.add_parser(
        "iam",
        help="print IAM policies and CloudFormation templates",
        description="Print least-privilege IAM for the organisation or for one project.",
    )
    iam_commands = iam.add_subparsers(title="what", metavar="WHAT", required=True)
    template = iam_commands.add_parser(
        "template",
        help="the organisation's CloudFormation template (deploy it in every region)",
    )
    template.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    template.add_argument("-q", "--quiet", action="store_true", help=argparse.SUPPRESS)
    template.set_defaults(run="admin:run_iam_template")
    project = iam_commands.add_parser(
        "project",
        parents=[common],
        help="Owner, Contributor and Viewer policies and a permissions boundary for a project",
        description="Print a CloudFormation template (or, with --format json, the policy "
        "documents) granting Owner, Contributor and Viewer access to one project's "
        "keys and version records in every region, plus a permissions boundary. "
        "Reads the organisation configuration and each region's bucket name.",
    )
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
    project.set_defaults(run="admin:run_iam_project")

    info = commands.add_parser(
        "info",
        parents=[common],
        help="show a staged version: files, SHA-256, metadata, regions",
        description="Show a staged version (default: the latest): its files with size, "
        "SHA-256 and metadata, and which regions hold it.",
    )
    info.add_argument("project", metavar="PROJECT")
    info.add_argument("version", metavar="VERSION", nargs="?", help="default: the latest")
    info.add_argument("--json", action="store_true", help="print the result as JSON")
    info.set_defaults(run="read:run_info")

    versions = commands.add_parser(
        "versions", parents=[common], help="list a project's staged versions, newest first"
    )
    versions.add_argument("project", metavar="PROJECT")
    versions.add_argument("--json", action="store_true", help="print the result as JSON")
    versions.set_defaults(run="read:run_versions")

    download = commands.add_parser(
        "download",
        parents=[common],
        help="download a staged version, verifying every file",
        description="Download a staged version's files (default: the latest version, every "
        "file). Each file is verified against its SHA-256 before it is moved into "
        "place; a region holding bad bytes is skipped with a warning.",
    )
    download.add_argument("project", metavar="PROJECT")
    download.add_argument("version", metavar="VERSION", nargs="?", help="default: the latest")
    download.add_argument(
        "--dest",
        metavar="DIR",
        default=".",
        help="directory to download into (created if needed; default: .)",
    )
    download.add_argument(
        "--file",
        metavar="NAME",
        action="append",
        default=[],
        help="a file name or glob such as '*.whl' (repeatable; default: all)",
    )
    download.add_argument(
        "--force", action="store_true", help="replace existing files whose content differs"
    )
    download.add_argument("--json", action="store_true", help="print the result as JSON")
    download.set_defaults(run="read:run_download")
    return parser


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
