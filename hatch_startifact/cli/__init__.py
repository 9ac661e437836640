"""The ``startifact`` command line. Exit codes: 0 success, 1 error, 2 usage, 3 partial success.

Only `argparse` is imported at start-up, so ``startifact --help`` stays fast: `main` parses
the arguments (`hatch_startifact.cli.parser`), then imports and runs the one function the
command names, ``run_<command>(args, console)`` in `stage`, `read` or `admin`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from hatch_startifact.cli.parser import build_parser

if TYPE_CHECKING:
    from hatch_startifact.cli.console import Console

Command = Callable[[argparse.Namespace, "Console"], int]


def command(name: str) -> Command:
    """The function that runs a command, from its ``module:function`` name."""
    module, _, function = name.partition(":")
    found: Command = getattr(importlib.import_module(f"hatch_startifact.cli.{module}"), function)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    from hatch_startifact.cli.console import Console
    from hatch_startifact.errors import EXIT_ERROR, StartifactError

    console = Console(
        quiet=args.quiet, json_mode=getattr(args, "json", False), verbose=args.verbose
    )
    try:
        return command(args.run)(args, console)
    except StartifactError as error:
        _report(console, str(error))
        return error.exit_code
    except BrokenPipeError:  # `startifact ... | head`: the reader left; not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        console.error("interrupted: re-run the same command to complete what was started")
        return 130
    except Exception as error:  # a bug: still one line, the traceback only with --verbose
        _report(
            console,
            f"unexpected {type(error).__name__}: {error} (re-run with --verbose and report it)",
        )
        return EXIT_ERROR


def _report(console: Console, message: str) -> None:
    if console.verbose:
        import traceback

        traceback.print_exc(file=console.err)
    console.error(message)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
