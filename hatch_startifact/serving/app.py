"""The HTTP server: routes, content negotiation, caching headers and authentication.

The standard library's `ThreadingHTTPServer`: one thread per connection suits boto3, whose
reads block, and keeps the runtime dependencies as they are; HTTP/1.1 keep-alive lets pip and
uv reuse connections, and every response has a ``Content-Length``.

Routes (anything else is 404)::

    /simple/                       the projects this server has found so far
    /simple/{project}/             a project page (PEP 503 HTML or PEP 691 JSON)
    /files/{project}/{version}/{filename}            a staged file
    /files/{project}/{version}/{filename}.metadata   a wheel's core metadata (PEP 658)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import socket
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from hatch_startifact.errors import NoSuchProjectError, StartifactError
from hatch_startifact.reading.found import Warn
from hatch_startifact.serving import pages
from hatch_startifact.serving.catalogue import Catalogue, Link, Project
from hatch_startifact.serving.files import AbortedError, Files, Wanted
from hatch_startifact.session import Session
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.names import check_filename, check_project, is_normalised_version

#: Files never change once staged.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Hosts that only this machine can reach: any other needs a token.
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class Answer:
    """A response: status, body and headers (the body is left out for HEAD)."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


class Index:
    """What the server answers, independent of the HTTP plumbing."""

    def __init__(
        self,
        catalogue: Catalogue,
        files: Files,
        layout: Layout,
        *,
        token: str | None = None,
        page_max_age: int = 10,
    ) -> None:
        self.catalogue = catalogue
        self.files = files
        self._layout = layout
        self._token = token.encode() if token else None
        self._page_max_age = page_max_age

    def authorised(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries the token (HTTP basic auth, any user
        name, the token as the password); always, when the server has no token."""
        if self._token is None:
            return True
        scheme, _, encoded = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        password = decoded.partition(b":")[2]
        return hmac.compare_digest(password, self._token)

    def page(self, path: str, accept: str | None) -> Answer:
        """A page of ``/simple/``; the content type from ``accept``."""
        kind = pages.negotiate(accept)
        if kind is None:
            return Answer(
                HTTPStatus.NOT_ACCEPTABLE,
                b"not acceptable: ask for text/html or " + pages.JSON_V1.encode() + b"\n",
            )
        parts = path.split("/")  # "", "simple", name, ""
        if path == "/simple/":
            known = self.catalogue.known()
            body = pages.root_json(known) if kind == pages.JSON_V1 else pages.root_html(known)
            return self._page_answer(body, kind)
        if len(parts) == 3 or (len(parts) == 4 and parts[3] == ""):
            name = check_project(parts[2])[0]
            if name is None:
                return _not_found()
            if name != parts[2] or len(parts) == 3:
                return Answer(
                    HTTPStatus.MOVED_PERMANENTLY, headers=(("Location", f"/simple/{name}/"),)
                )
            try:
                project = self.catalogue.project(name)
            except NoSuchProjectError:
                return _not_found()
            body = (
                pages.project_json(project)
                if kind == pages.JSON_V1
                else pages.project_html(project)
            )
            return self._page_answer(body, kind)
        return _not_found()

    def _page_answer(self, body: bytes, kind: str) -> Answer:
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers = (
            ("ETag", etag),
            ("Cache-Control", f"max-age={self._page_max_age}"),
            ("Vary", "Accept, Authorization"),
        )
        content_type = f"{kind}; charset=utf-8" if kind == pages.HTML else kind
        return Answer(HTTPStatus.OK, body, content_type, headers)

    def find(self, path: str) -> tuple[Wanted, str] | Answer:
        """The file a ``/files/`` path names, with its ETag; or the answer saying why not."""
        parts = path.split("/")  # "", "files", project, version, filename
        if len(parts) != 5:
            return _not_found()
        _, _, name, version, filename = parts
        if check_project(name)[0] != name or not is_normalised_version(version):
            return _not_found()
        core = _is_core_metadata(filename)
        staged_name = filename[: -len(pages.CORE_METADATA)] if core else filename
        if check_filename(staged_name)[0] is None:
            return _not_found()
        try:
            project = self.catalogue.project(name)
        except NoSuchProjectError:
            return _not_found()
        link = project.link(version, staged_name)
        if link is None:
            return _not_found()
        return self._wanted(project, link, core)

    def _wanted(self, project: Project, link: Link, core: bool) -> tuple[Wanted, str] | Answer:
        key = self._layout.artifact_key(project.name, link.version, link.filename)
        size, sha256 = link.staged.size, link.staged.sha256
        if core:
            described = link.staged.core_metadata
            if described is None:
                return _not_found()
            key = self._layout.core_metadata_key(project.name, link.version, link.filename)
            size, sha256 = described.size, described.sha256
        buckets = {r: project.buckets[r] for r in link.regions}
        return Wanted(key, size, sha256, link.regions, buckets), f'"{sha256}"'


def build_index(
    session: Session, *, token: str | None = None, ttl: float = 10.0, warn: Warn | None = None
) -> Index:
    """The index over a session's organisation and regions (read once, here)."""
    layout, regions = session.organisation.layout, session.regions
    reader = session.reader(warn)
    catalogue = Catalogue(reader, session.aws, layout, regions, ttl=ttl, warn=warn)
    files = Files(session.aws, warn)
    return Index(catalogue, files, layout, token=token, page_max_age=int(ttl))


def _is_core_metadata(name: str) -> bool:
    """Whether a requested name asks for a wheel's core metadata: only wheels have it, and no
    staged file's name ends in ".whl.metadata" (any other may end in ".metadata")."""
    return name.endswith(".whl" + pages.CORE_METADATA)


def _not_found() -> Answer:
    return Answer(HTTPStatus.NOT_FOUND, b"not found\n")


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
                self._answer(_not_found(), head)
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
        wanted, etag = found
        headers = (("ETag", etag), ("Cache-Control", IMMUTABLE), ("Accept-Ranges", "none"))
        if self.headers.get("If-None-Match") == etag:
            self._answer(Answer(HTTPStatus.NOT_MODIFIED, headers=headers), head=True)
            return
        kind = (
            "text/plain; charset=utf-8" if _is_core_metadata(path) else "application/octet-stream"
        )
        if head:
            self._start(HTTPStatus.OK, kind, wanted.size, headers)
            return
        self.index.files.send(wanted, _Respond(self, kind, headers))

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
