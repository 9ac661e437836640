"""Run the ``startifact`` command as a real process, without paying for Python's imports again.

A command-line test needs what a user gets: a process of its own, with its own environment,
working directory, standard input, output and error, and an exit status. Starting a new
interpreter for each costs about 0.6 s of CPU before the first request, nearly all of it
importing boto3 and parsing botocore's service models, and the test suite runs the command
hundreds of times per Python.

So each test worker starts one *zygote*: an interpreter that imports the command line, reads
the service models once and then waits. For each command it forks a child that sets the
environment and working directory, points file descriptors 0, 1 and 2 at ``/dev/null`` and
two files, and runs ``hatch_startifact/__main__.py`` exactly as ``python -m hatch_startifact``
does, then exits with its status. The child is a separate process: nothing it does reaches the
zygote or the tests (CPython reseeds `random` in every forked child), it can be killed by its
pid, and several run at once.

What a fork cannot give is a fresh interpreter: the variables Python reads only at start-up
(``PYTHONPATH`` and the other ``PYTHON*`` variables) and the import of the package itself. A
command whose environment changes a ``PYTHON*`` variable therefore runs as a new interpreter,
as does every command when ``STARTIFACT_TEST_FRESH_PROCESS=1`` is set, or when a test asks for
it (``fresh=True``).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRESH_VARIABLE = "STARTIFACT_TEST_FRESH_PROCESS"


def _warm() -> None:
    """Import what any command imports, and parse the S3 and SSM models once."""
    import hatch_startifact.cli
    import hatch_startifact.cli.admin
    import hatch_startifact.cli.read
    import hatch_startifact.cli.stage
    import hatch_startifact.plugins.builtin
    import hatch_startifact.plugins.host  # noqa: F401
    from hatch_startifact.aws import known_regions, new_boto3_session

    known_regions()
    session = new_boto3_session()
    for service in ("s3", "ssm"):
        session.client(
            service,
            region_name="us-east-1",
            aws_access_key_id="warm-up",
            aws_secret_access_key="warm-up",
        )


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become the command, then exit with its status (never returns)."""
    code = 1
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        for fd, path, flags in (
            (0, os.devnull, os.O_RDONLY),
            (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        ):
            opened = os.open(path, flags, 0o644)
            os.dup2(opened, fd)
            os.close(opened)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.argv = ["startifact", *request["argv"]]
        import runpy

        try:
            runpy.run_module("hatch_startifact", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exit:  # as the interpreter handles it at the top level
            if exit.code is None:
                code = 0
            elif isinstance(exit.code, int):
                code = exit.code
            else:
                print(exit.code, file=sys.stderr)
                code = 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe: nothing more to say
                stream.flush()
        os._exit(code & 0xFF)


def serve() -> None:
    """The zygote: JSON requests in, one per line; for each, ``{"id", "pid"}`` once it is
    forked and ``{"id", "returncode"}`` once it has ended (killed past its timeout).

    Single-threaded on purpose: a process must not fork while other threads hold locks.
    """
    _warm()
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing printed by accident gets mixed in
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    selector = selectors.DefaultSelector()
    selector.register(requests, selectors.EVENT_READ)
    running: dict[int, tuple[str, float]] = {}  # pid -> (request id, deadline)
    pending = b""
    open_ = True

    def answer(**fields: Any) -> None:
        answers.write(json.dumps(fields) + "\n")
        answers.flush()

    while open_ or running:
        if open_ and selector.select(timeout=0.005 if running else None):
            chunk = requests.read(65536)
            open_ = bool(chunk)
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(request)
                running[pid] = (request["id"], time.monotonic() + float(request["timeout"]))
                answer(id=request["id"], pid=pid)
        elif not open_:
            time.sleep(0.005)
        for pid, (ident, deadline) in list(running.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if not done and time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                done, status = os.waitpid(pid, 0)
            if done:
                del running[pid]
                answer(id=ident, returncode=os.waitstatus_to_exitcode(status))


_START = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')"


@dataclass
class _Waiting:
    started: Future[int]
    ended: Future[int]


class Zygote:
    """The test side: starts the zygote, sends it commands and hands out their answers."""

    def __init__(self, environ: Mapping[str, str], directory: Path) -> None:
        self._environ = dict(environ)
        self._lock = threading.Lock()
        self._waiting: dict[str, _Waiting] = {}
        self._log = (directory / "zygote.log").open("ab")
        self._outputs = directory
        self._count = 0
        # Run as a script from an empty directory, so that it imports the installed package,
        # as ``python -m hatch_startifact`` in a test's directory does.
        self._process = subprocess.Popen(
            [sys.executable, "-c", _START, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=self._environ,
            cwd=directory,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, name="zygote-answers", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            answer = json.loads(line)
            with self._lock:
                waiting = self._waiting[answer["id"]]
            if "pid" in answer:
                waiting.started.set_result(int(answer["pid"]))
            else:
                waiting.ended.set_result(int(answer["returncode"]))
        with self._lock:  # the zygote is gone: nobody waits forever
            for waiting in self._waiting.values():
                for future in (waiting.started, waiting.ended):
                    if not future.done():
                        future.set_exception(RuntimeError(self._died()))

    def _died(self) -> str:
        return f"the startifact zygote died; its output is in {self._log.name}"

    def can_run(self, env: Mapping[str, str]) -> bool:
        """Whether a fork gives what a new interpreter with ``env`` would."""
        if os.environ.get(FRESH_VARIABLE) == "1":
            return False
        mine = {k: v for k, v in self._environ.items() if k.startswith("PYTHON")}
        theirs = {k: v for k, v in env.items() if k.startswith("PYTHON")}
        return mine == theirs and self._process.poll() is None

    def run(
        self,
        argv: list[str],
        env: Mapping[str, str],
        cwd: Path,
        timeout: float,
        on_start: Callable[[int], None] | None = None,
    ) -> tuple[int, str, str]:
        """Run ``startifact ARGV``; returns its exit status, standard output and error.

        :param on_start: told the process id as soon as it runs.
        :raises subprocess.TimeoutExpired: it ran longer than ``timeout`` and was killed.
        """
        with self._lock:
            self._count += 1
            ident = str(self._count)
            waiting = self._waiting[ident] = _Waiting(Future(), Future())
        stdout, stderr = (self._outputs / f"{ident}.out", self._outputs / f"{ident}.err")
        request = {
            "id": ident,
            "argv": argv,
            "env": dict(env),
            "cwd": str(cwd),
            "stdout": str(stdout),
            "stderr": str(stderr),
            "timeout": timeout,
        }
        with self._lock:
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        pid = waiting.started.result(timeout=60)
        if on_start:
            on_start(pid)
        returncode = waiting.ended.result(timeout=timeout + 60)
        with self._lock:
            del self._waiting[ident]
        try:
            if returncode == -signal.SIGKILL and not on_start:
                raise subprocess.TimeoutExpired(["startifact", *argv], timeout)
            return returncode, stdout.read_text(), stderr.read_text()
        finally:
            stdout.unlink(missing_ok=True)
            stderr.unlink(missing_ok=True)

    def close(self) -> None:
        """Stop the zygote (it ends when its input does and its commands have)."""
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=10)
        if self._process.stdout:
            self._process.stdout.close()
        self._log.close()


if __name__ == "__main__":
    serve()
