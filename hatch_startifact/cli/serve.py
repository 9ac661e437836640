"""``startifact serve``: a local package index over the staged projects, for pip and uv."""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Callable
from types import FrameType

from hatch_startifact.cli.console import Console
from hatch_startifact.cli.parser import settings_of
from hatch_startifact.errors import UsageError
from hatch_startifact.session import Session

#: Where the token may come from instead of ``--token`` (which other users can see in ps).
TOKEN_VARIABLE = "STARTIFACT_SERVE_TOKEN"


def token_of(args: argparse.Namespace) -> str | None:
    """The token: ``--token``, else ``$STARTIFACT_SERVE_TOKEN``; required off loopback.

    :raises UsageError: a non-loopback host without a token, or an unusable token.
    """
    from hatch_startifact.serving.app import LOOPBACK

    token = args.token if args.token is not None else os.environ.get(TOKEN_VARIABLE)
    if token is not None and (len(token) < 16 or not token.isprintable() or " " in token):
        raise UsageError(
            "the token must be at least 16 printable characters without spaces: generate one "
            'with python -c "import secrets; print(secrets.token_urlsafe())"'
        )
    if args.host not in LOOPBACK and not token:
        raise UsageError(
            f"serving on {args.host} lets other machines read the index: give a token "
            f"(--token or ${TOKEN_VARIABLE}), or serve on 127.0.0.1"
        )
    return token


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_serve(args: argparse.Namespace, console: Console) -> int:
    from hatch_startifact.serving.app import make_server, url_of
    from hatch_startifact.serving.index import build_index

    token = token_of(args)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number (0 to 65535; 0: a free one)")
    if not 0 <= args.ttl <= 3600:
        raise UsageError(f"--ttl {args.ttl:g} is not between 0 and 3600 seconds")
    with Session(settings=settings_of(args), concurrency=16) as session:
        index = build_index(session, token=token, ttl=args.ttl, warn=console.warn)
        regions = session.regions
        try:
            server = make_server(args.host, args.port, index, _log(console))
        except OSError as error:
            raise UsageError(
                f"cannot listen on {args.host}:{args.port} ({error.strerror or error}): "
                "choose another --host or --port"
            ) from None
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            # Always printed, even with --quiet: it is what a caller needs to use the server.
            url = url_of(server)
            print(
                f"Serving the index of {', '.join(regions)} at {url}", file=console.out, flush=True
            )
            console.line("Press Ctrl-C to stop.")
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.server_close()
    console.line("Stopped.")
    return 0


def _log(console: Console) -> Callable[[str], None]:
    """Each request's line (and why a file could not be served) on standard error, unless
    ``--quiet``; never a header, so never a token or credential."""

    def log(line: str) -> None:
        if not console.quiet:
            print(line, file=console.err, flush=True)

    return log
