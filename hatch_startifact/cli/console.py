"""What the command line prints: lines, warnings, errors, a progress bar and JSON.

Data goes to standard output; warnings, errors and the progress bar to standard error.
``--quiet`` leaves only errors; ``--json`` replaces the human lines with one JSON document.
The console is the command line's `hatch_startifact.display.Screen`.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, TextIO

from hatch_startifact.display import ProgressBar


class Console:
    """Where every user-visible line goes."""

    def __init__(
        self,
        *,
        quiet: bool = False,
        json_mode: bool = False,
        verbose: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.quiet = quiet
        self.json_mode = json_mode
        self.verbose = verbose
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._lock = threading.Lock()

    @property
    def chatty(self) -> bool:
        return not (self.quiet or self.json_mode)

    def line(self, text: str) -> None:
        if self.chatty:
            with self._lock:
                print(text, file=self.out, flush=True)

    def warn(self, text: str) -> None:
        if not self.quiet:
            with self._lock:
                print(f"warning: {text}", file=self.err, flush=True)

    def error(self, text: str) -> None:
        with self._lock:
            print(f"error: {text}", file=self.err, flush=True)

    def emit_json(self, document: Any) -> None:
        print(json.dumps(document, indent=2), file=self.out, flush=True)

    def progress_bar(self, total: int) -> ProgressBar | None:
        """A bar on standard error, only when it is a terminal and output is wanted."""
        if self.chatty and total > 0 and self.err.isatty():
            return ProgressBar(self.err, total)
        return None

    # The Screen of hatch_startifact.display: every line of a stage is a line of output.
    info = success = problem = line

    def warning(self, text: str) -> None:
        self.warn(text)
