"""What the server answers, whatever carries it: the routes of ``/simple/`` and ``/files/``,
content negotiation, caching headers and authentication (`app` is the HTTP around it).

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
from dataclasses import dataclass
from http import HTTPStatus

from hatch_startifact.errors import NoSuchProjectError
from hatch_startifact.reading.found import Warn
from hatch_startifact.serving import pages
from hatch_startifact.serving.catalogue import Catalogue, Link, Project
from hatch_startifact.serving.files import Files, Wanted
from hatch_startifact.session import Session
from hatch_startifact.store.layout import Layout
from hatch_startifact.store.names import check_filename, check_project, is_normalised_version

#: Files never change once staged.
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Answer:
    """A response: status, body and headers (the body is left out for HEAD)."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Found:
    """A file to answer with: what to send, and its content type."""

    wanted: Wanted
    content_type: str

    @property
    def etag(self) -> str:
        """A file never changes once staged: its SHA-256 is its ETag."""
        return f'"{self.wanted.sha256}"'

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return (("ETag", self.etag), ("Cache-Control", IMMUTABLE), ("Accept-Ranges", "none"))


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
                return not_found()
            if name != parts[2] or len(parts) == 3:
                return Answer(
                    HTTPStatus.MOVED_PERMANENTLY, headers=(("Location", f"/simple/{name}/"),)
                )
            try:
                project = self.catalogue.project(name)
            except NoSuchProjectError:
                return not_found()
            body = (
                pages.project_json(project)
                if kind == pages.JSON_V1
                else pages.project_html(project)
            )
            return self._page_answer(body, kind)
        return not_found()

    def _page_answer(self, body: bytes, kind: str) -> Answer:
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers = (
            ("ETag", etag),
            ("Cache-Control", f"max-age={self._page_max_age}"),
            ("Vary", "Accept, Authorization"),
        )
        content_type = f"{kind}; charset=utf-8" if kind == pages.HTML else kind
        return Answer(HTTPStatus.OK, body, content_type, headers)

    def find(self, path: str) -> Found | Answer:
        """The file a ``/files/`` path names, with how to answer with it; or the answer
        saying why not."""
        parts = path.split("/")  # "", "files", project, version, filename
        if len(parts) != 5:
            return not_found()
        _, _, name, version, filename = parts
        if check_project(name)[0] != name or not is_normalised_version(version):
            return not_found()
        core = _is_core_metadata(filename)
        staged_name = filename[: -len(pages.CORE_METADATA)] if core else filename
        if check_filename(staged_name)[0] is None:
            return not_found()
        try:
            project = self.catalogue.project(name)
        except NoSuchProjectError:
            return not_found()
        link = project.link(version, staged_name)
        if link is None:
            return not_found()
        return self._wanted(project, link, core)

    def _wanted(self, project: Project, link: Link, core: bool) -> Found | Answer:
        key = self._layout.artifact_key(project.name, link.version, link.filename)
        size, sha256 = link.staged.size, link.staged.sha256
        if core:
            described = link.staged.core_metadata
            if described is None:
                return not_found()
            key = self._layout.core_metadata_key(project.name, link.version, link.filename)
            size, sha256 = described.size, described.sha256
        buckets = {r: project.buckets[r] for r in link.regions}
        return Found(
            Wanted(key, size, sha256, link.regions, buckets),
            "text/plain; charset=utf-8" if core else "application/octet-stream",
        )


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


def not_found() -> Answer:
    """404, for anything this index does not serve."""
    return Answer(HTTPStatus.NOT_FOUND, b"not found\n")
