"""A moto server with network faults: the tests' stand-in for regions that are down or hang,
and for a stager killed between two writes.

It is moto's own WSGI application (as ``ThreadedMotoServer`` serves it) behind a thin layer
that, per AWS region (read from the request's SigV4 credential scope), can:

- **hang**: hold the request without answering until the test ends (a read timeout for the
  client, as from a region that accepts connections and never answers);
- **drop**: close the connection without an answer (what a dead load balancer does);
- **kill**: SIGKILL a stager process when its Nth write arrives, either before moto applies
  that write or after (the answer never reaches it).

Clients see real network behaviour, so botocore's own timeouts and retries run.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
StartResponse = Callable[..., Any]


def scope(environ: dict[str, Any]) -> tuple[str, str]:
    """(region, service) of a signed request; empty strings when unsigned (moto's own API)."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group(1), match.group(2)) if match else ("", "")


def is_write(environ: dict[str, Any]) -> bool:
    """An S3 PUT/POST/DELETE or an SSM PutParameter: what a stager changes."""
    service = scope(environ)[1]
    if service == "s3":
        return str(environ.get("REQUEST_METHOD")) in {"PUT", "POST", "DELETE"}
    if service == "ssm":
        return str(environ.get("HTTP_X_AMZ_TARGET", "")).endswith(".PutParameter")
    return False


@dataclass
class Kill:
    """SIGKILL ``pid`` at its ``at``-th write (1-based), ``before`` or after moto applies it."""

    at: int
    before: bool
    pid: int = 0
    fired: bool = False
    #: set once ``pid`` is known (the process may write before ``Popen`` returns)
    ready: threading.Event = field(default_factory=threading.Event)


class Faults:
    """What the server does wrong, set by a test and cleared after it."""

    def __init__(self) -> None:
        self.hung: set[str] = set()
        self.dropped: set[str] = set()
        self.kill: Kill | None = None
        #: requests that met a fault, per region
        self.hits: Counter[str] = Counter()
        #: writes seen while counting (``count_writes``)
        self.writes: list[str] = []
        self.count_writes = False
        self._release = threading.Event()
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Answer every held request and forget every fault."""
        self._release.set()
        with self._lock:
            self.hung.clear()
            self.dropped.clear()
            self.kill = None
            self.hits.clear()
            self.writes.clear()
            self.count_writes = False
            self._release = threading.Event()

    def wrap(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def faulty(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            region, _ = scope(environ)
            if region in self.hung:
                self._note(region)
                self._release.wait(600)
                return _answer(start_response, "503 Service Unavailable")
            if region in self.dropped:
                self._note(region)
                connection: socket.socket = environ["werkzeug.socket"]
                connection.shutdown(socket.SHUT_RDWR)
                return _answer(start_response, "503 Service Unavailable")
            if not is_write(environ):
                return app(environ, start_response)
            return self._write(app, environ, start_response)

        return faulty

    def _note(self, region: str) -> None:
        with self._lock:
            self.hits[region] += 1

    def _write(
        self, app: Callable[..., Iterable[bytes]], environ: dict[str, Any], sr: StartResponse
    ) -> Iterable[bytes]:
        with self._lock:
            if self.count_writes or self.kill:
                self.writes.append(f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO')}")
            kill = self.kill
            due = kill is not None and not kill.fired and len(self.writes) == kill.at
            if due and kill is not None:
                kill.fired = True
        if not (due and kill is not None):
            return app(environ, sr)
        kill.ready.wait(30)
        if kill.before:
            os.kill(kill.pid, signal.SIGKILL)
            return _answer(sr, "503 Service Unavailable")
        body = list(app(environ, sr))  # applied: moto has stored it ...
        os.kill(kill.pid, signal.SIGKILL)  # ... but the stager never hears so
        return body


def _answer(start_response: StartResponse, status: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", "0")])
    return [b""]


class FaultyMotoServer:
    """``ThreadedMotoServer`` with `Faults` in front of moto's application."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        app = self.faults.wrap(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.faults.clear()
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
