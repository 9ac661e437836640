"""The Simple Repository API's pages: PEP 503 HTML and PEP 691 JSON (API version 1.1), with
hashes, ``Requires-Python`` (PEP 503), yanks (PEP 592), core metadata (PEP 658 / PEP 714) and
sizes and upload times (PEP 700); and which of the two a client asked for (PEP 691).
"""

from __future__ import annotations

import json
from html import escape

from hatch_startifact.serving.catalogue import Link, Project

HTML = "text/html"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
JSON_V1 = "application/vnd.pypi.simple.v1+json"
_JSON_LATEST = "application/vnd.pypi.simple.latest+json"
_HTML_LATEST = "application/vnd.pypi.simple.latest+html"
API_VERSION = "1.1"
#: What the suffix of a file's URL gives: the wheel's core metadata (PEP 658).
CORE_METADATA = ".metadata"


def negotiate(accept: str | None) -> str | None:
    """The content type to answer with, from an ``Accept`` header (PEP 691); ``None`` when
    the client accepts none of them. No header, or ``*/*``, is answered with HTML."""
    if not accept or not accept.strip():
        return HTML
    offered = {
        JSON_V1: JSON_V1,
        _JSON_LATEST: JSON_V1,
        HTML_V1: HTML_V1,
        _HTML_LATEST: HTML_V1,
        HTML: HTML,
        "text/*": HTML,
        "*/*": HTML,
    }
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept.split(",")):
        kind, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        answer = offered.get(kind.lower())
        if answer is None or quality <= 0:
            continue
        ranked = (quality, -position, answer)
        if best is None or ranked[:2] > best[:2]:
            best = ranked
    return best[2] if best else None


def file_url(project: str, link: Link) -> str:
    return f"/files/{project}/{link.version}/{link.filename}"


def _yank_attribute(link: Link) -> str:
    if link.yanked is None:
        return ""
    return f' data-yanked="{escape(link.yanked)}"'


def _link_html(project: str, link: Link) -> str:
    staged = link.staged
    attributes = _yank_attribute(link)
    core = staged.core_metadata
    if staged.requires_python:
        attributes = f' data-requires-python="{escape(staged.requires_python)}"' + attributes
    if core is not None:
        value = f"sha256={core.sha256}"
        attributes += f' data-core-metadata="{value}" data-dist-info-metadata="{value}"'
    href = f"{file_url(project, link)}#sha256={staged.sha256}"
    return f'    <a href="{escape(href)}"{attributes}>{escape(link.filename)}</a><br>'


def project_html(project: Project) -> bytes:
    links = "\n".join(_link_html(project.name, link) for link in project.links)
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"    <title>Links for {escape(project.name)}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {escape(project.name)}</h1>\n{links}\n  </body>\n</html>\n"
    ).encode()


def _link_json(project: str, link: Link) -> dict[str, object]:
    staged = link.staged
    core = staged.core_metadata
    described: dict[str, object] = {
        "filename": link.filename,
        "url": file_url(project, link),
        "hashes": {"sha256": staged.sha256},
        "size": staged.size,
        "yanked": link.yanked if link.yanked else link.yanked is not None,
    }
    if staged.staged_at:
        described["upload-time"] = staged.staged_at
    if staged.requires_python:
        described["requires-python"] = staged.requires_python
    if core is not None:
        described["core-metadata"] = {"sha256": core.sha256}
        described["dist-info-metadata"] = {"sha256": core.sha256}
    else:
        described["core-metadata"] = False
    return described


def project_json(project: Project) -> bytes:
    document = {
        "meta": {"api-version": API_VERSION},
        "name": project.name,
        "versions": list(project.versions),
        "files": [_link_json(project.name, link) for link in project.links],
    }
    return json.dumps(document, indent=1).encode()


def root_html(projects: list[str]) -> bytes:
    links = "\n".join(f'    <a href="/simple/{p}/">{escape(p)}</a><br>' for p in projects)
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n"
        f"{links}\n  </body>\n</html>\n"
    ).encode()


def root_json(projects: list[str]) -> bytes:
    document = {"meta": {"api-version": API_VERSION}, "projects": [{"name": p} for p in projects]}
    return json.dumps(document, indent=1).encode()
