"""The HTTP server around `index`: one thread per connection, HTTP/1.1 kept alive.

The standard library's `ThreadingHTTPServer`: one thread per connection suits boto3, whose
reads block, and keeps the runtime dependencies as they are; HTTP/1.1 keep-alive lets pip and
uv reuse connections, and every response has a ``Content-Length``.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from hatch_startifact.errors import StartifactError
from hatch_startifact.serving.files import AbortedError
from hatch_startifact.serving.index import Answer, Index, not_found

#: Hosts that only this machine can reach: any other needs a token.
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class Handler(BaseHTTPRequestHandler):
    """One connection's requests (HTTP/1.1, kept alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "startifact"
    #: an idle kept-alive connection is closed after this many seconds
    timeout = 60
    index: Index
    log: Callable[[str], None]

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def _handle(self, head: bool) -> None:
        if not self.index.authorised(self.headers.get("Authorization")):
            self._answer(
                Answer(
                    HTTPStatus.UNAUTHORIZED,
                    b"unauthorised: give the token as the password of the index URL\n",
                    headers=(("WWW-Authenticate", 'Basic realm="startifact"'),),
                ),
                head,
            )
            return
        path = urlsplit(self.path).path
        try:
            if path == "/" or path == "/simple":
                self._answer(
                    Answer(HTTPStatus.MOVED_PERMANENTLY, headers=(("Location", "/simple/"),)), head
                )
            elif path.startswith("/simple/"):
                self._answer(self.index.page(path, self.headers.get("Accept")), head)
            elif path.startswith("/files/"):
                self._file(path, head)
            else:
                self._answer(not_found(), head)
        except AbortedError as error:
            self.log(f"{self.command} {path}: {error}")
            self.close_connection = True
        except ConnectionError:  # the client went away mid-answer: nothing left to tell it
            self.close_connection = True
        except StartifactError as error:
            self.log(f"{self.command} {path}: {error}")
            self._answer(Answer(HTTPStatus.BAD_GATEWAY, f"{error}\n".encode()), head)

    def _file(self, path: str, head: bool) -> None:
        found = self.index.find(path)
        if isinstance(found, Answer):
            self._answer(found, head)
            return
        if self.headers.get("If-None-Match") == found.etag:
            self._answer(Answer(HTTPStatus.NOT_MODIFIED, headers=found.headers), head=True)
            return
        if head:
            self._start(HTTPStatus.OK, found.content_type, found.wanted.size, found.headers)
            return
        self.index.files.send(found.wanted, _Respond(self, found.content_type, found.headers))

    def _start(
        self, status: int, kind: str, size: int, headers: tuple[tuple[str, str], ...]
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(size))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _answer(self, answer: Answer, head: bool) -> None:
        if answer.status == HTTPStatus.OK:
            etag = dict(answer.headers).get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                self._start(HTTPStatus.NOT_MODIFIED, answer.content_type, 0, answer.headers)
                return
        size = 0 if answer.status == HTTPStatus.NOT_MODIFIED else len(answer.body)
        self._start(answer.status, answer.content_type, size, answer.headers)
        if not head and answer.status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        # The request line and status only: never a header, so never a token or credential.
        self.log(f"{self.address_string()} {format % args}")


class _Respond:
    def __init__(self, handler: Handler, kind: str, headers: tuple[tuple[str, str], ...]) -> None:
        self._handler = handler
        self._kind = kind
        self._headers = headers

    def begin(self, size: int) -> None:
        self._handler._start(HTTPStatus.OK, self._kind, size, self._headers)

    def write(self, chunk: bytes) -> None:
        self._handler.wfile.write(chunk)


class Server(ThreadingHTTPServer):
    """A thread per connection; threads do not hold up shutting down."""

    daemon_threads = True
    request_queue_size = 128


class Server6(Server):
    """`Server` on an IPv6 address."""

    address_family = socket.AF_INET6


def make_server(host: str, port: int, index: Index, log: Callable[[str], None]) -> Server:
    """A server bound to ``host``:``port`` (0: a free port), not yet serving."""
    handler = type("BoundHandler", (Handler,), {"index": index, "log": staticmethod(log)})
    server_class = Server6 if ":" in host else Server
    return server_class((host, port), handler)


def url_of(server: Server) -> str:
    host, port = server.server_address[:2]
    shown = f"[{host!s}]" if ":" in str(host) else str(host)
    return f"http://{shown}:{port}/simple/"
