"""hatch_startifact.serving.app and .index: the index served from a thread of the test
process, over moto in-process, asked over HTTP as pip and uv ask it (what is answered, and the
HTTP around it, are tested together); files tampered with directly in moto, regions broken
with ``before-send`` hooks on the boto3 session the server reads with."""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import EndpointConnectionError

from hatch_startifact.serving.pages import JSON_V1
from tests.fixtures.serving import NO_REDIRECTS, SDIST, STORE_REGIONS, Served, ServeIndex, Store
from tests.helpers import (
    Hook,
    OpenSession,
    answer,
    md5,
    session_factory,
    sha256,
    staged,
    streamed,
)

WHEEL = "base_lib-1.0.0-py3-none-any.whl"
KEY = f"base-lib/1.0.0/{WHEEL}"
PAGE = "/simple/base-lib/"


@pytest.fixture
def open_session(on_store: Store) -> Iterator[OpenSession]:
    with session_factory() as open_:
        yield open_


@pytest.fixture
def tamper(on_store: Store) -> Iterator[Callable[[str, bytes], None]]:
    """Replace the wheel's bytes in a region behind the tool's back; put back after the test."""
    changed: list[str] = []

    def change(region: str, body: bytes) -> None:
        changed.append(region)
        on_store.org.write(region, KEY, body)

    yield change
    for region in changed:
        on_store.org.write(region, KEY, on_store.files[WHEEL].read_bytes())


def gets(calls: list[tuple[str, str]]) -> Hook:
    """A hook recording (bucket, key) of every S3 GetObject."""

    def handler(params: dict[str, Any], **kwargs: Any) -> None:
        calls.append((params["Bucket"], params["Key"]))

    return "before-parameter-build.s3.GetObject", handler


def in_bucket(bucket: str, then: Callable[..., Any]) -> Hook:
    """A hook that applies ``then`` to GetObject requests of one bucket only."""

    def handler(request: AWSPreparedRequest, **kwargs: Any) -> Any:
        if f"/{bucket}/" in request.url:
            return then(request=request, **kwargs)
        return None

    return "before-send.s3.GetObject", handler


def _core(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith("/METADATA")))


def test_the_project_page_lists_every_file_with_hash_requires_python_core_metadata_and_yank(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session())
    status, headers, body = served.get(PAGE)
    page = body.decode()
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    wheel = on_store.files[WHEEL]
    core = sha256(_core(wheel))
    assert (
        f'<a href="/files/{KEY}#sha256={sha256(wheel.read_bytes())}" '
        f'data-requires-python="&gt;=3.9" data-core-metadata="sha256={core}" '
        f'data-dist-info-metadata="sha256={core}">{WHEEL}</a>'
    ) in page
    assert 'data-yanked="broken &lt;badly&gt; &amp; &quot;quoted&quot;"' in page
    sdist = f"/files/base-lib/1.0.0/{SDIST}#sha256={sha256(on_store.files[SDIST].read_bytes())}"
    # an sdist's Requires-Python, from its PKG-INFO; no core metadata
    assert f'<a href="{sdist}" data-requires-python="&gt;=3.9">{SDIST}</a>' in page
    assert page.count("<a ") == 5
    assert '<meta name="pypi:repository-version" content="1.1">' in page


def test_the_json_page_is_chosen_by_accept_and_has_versions_sizes_and_yank_reasons(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session())
    status, headers, body = served.get(PAGE, {"Accept": f"{JSON_V1}, text/html;q=0.01"})
    assert status == 200
    assert headers["Content-Type"] == JSON_V1
    document = json.loads(body)
    assert document["meta"] == {"api-version": "1.1"}
    assert document["versions"] == ["2.0.0rc1", "1.2.0", "1.1.0", "1.0.0"]
    files = {f["filename"]: f for f in document["files"]}
    wheel = on_store.files[WHEEL]
    assert files[WHEEL] == {
        "filename": WHEEL,
        "url": f"/files/{KEY}",
        "hashes": {"sha256": sha256(wheel.read_bytes())},
        "size": wheel.stat().st_size,
        "yanked": False,
        "upload-time": files[WHEEL]["upload-time"],
        "requires-python": ">=3.9",
        "core-metadata": {"sha256": sha256(_core(wheel))},
        "dist-info-metadata": {"sha256": sha256(_core(wheel))},
    }
    assert files["base_lib-1.1.0-py3-none-any.whl"]["yanked"] == 'broken <badly> & "quoted"'
    assert files[SDIST]["core-metadata"] is False
    assert files[SDIST]["requires-python"] == ">=3.9"
    assert "requires-python" not in files["base_lib-2.0.0rc1-py3-none-any.whl"]


def test_a_file_streams_verified_with_etag_and_immutable_caching_and_head_sends_no_body(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session())
    data = on_store.files[WHEEL].read_bytes()
    status, headers, body = served.get(f"/files/{KEY}")
    assert (status, body) == (200, data)
    assert headers["ETag"] == f'"{sha256(data)}"'
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    status, headers, body = served.get(f"/files/{KEY}", method="HEAD")
    assert (status, headers["Content-Length"], body) == (200, str(len(data)), b"")
    status, _, body = served.get(f"/files/{KEY}", {"If-None-Match": f'"{sha256(data)}"'})
    assert (status, body) == (304, b"")


def test_the_core_metadata_is_served_beside_the_wheel_with_the_hash_the_page_gives(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session())
    status, _, body = served.get(f"/files/{KEY}.metadata")
    assert (status, body) == (200, _core(on_store.files[WHEEL]))
    assert served.get(f"/files/base-lib/1.0.0/{SDIST}.metadata")[0] == 404


def test_pages_answer_head_and_if_none_match_with_their_etag(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session())
    _, headers, body = served.get(PAGE)
    status, head_headers, head_body = served.get(PAGE, method="HEAD")
    assert (status, head_body, head_headers["ETag"]) == (200, b"", headers["ETag"])
    assert head_headers["Content-Length"] == str(len(body))
    assert headers["Cache-Control"] == "max-age=10"
    assert served.get(PAGE, {"If-None-Match": headers["ETag"]})[0] == 304


def test_documents_are_read_once_from_the_first_region_and_the_index_again_after_its_ttl(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    calls: list[tuple[str, str]] = []
    served = serve_index(open_session(gets(calls)), ttl=0)
    first = served.get(PAGE)[2]
    documents = [c for c in calls if c[1].endswith(".metadata.json")]
    assert len(documents) == 5  # one per file, from the first region only
    assert {bucket for bucket, _ in documents} == {on_store.org.buckets[STORE_REGIONS[0]]}
    calls.clear()
    assert served.get(PAGE)[2] == first
    # ttl 0: each region's index is read again, and the yank marker (unyank deletes it)
    assert sorted(key for _, key in calls) == ["base-lib/index.json"] * 2 + [
        "base-lib/yanks/1.1.0.json"
    ]


def test_a_page_within_its_ttl_costs_no_request(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    calls: list[tuple[str, str]] = []
    served = serve_index(open_session(gets(calls)))
    served.get(PAGE)
    calls.clear()
    served.get(PAGE, {"Accept": JSON_V1})
    assert calls == []


def test_a_tampered_region_is_passed_over_and_its_bytes_are_never_served(
    on_store: Store,
    open_session: OpenSession,
    serve_index: ServeIndex,
    tamper: Callable[[str, bytes], None],
) -> None:
    data = on_store.files[WHEEL].read_bytes()
    tamper(STORE_REGIONS[0], b"X" * len(data))  # same size, other bytes
    served = serve_index(open_session())
    status, _, body = served.get(f"/files/{KEY}")
    assert (status, body) == (200, data)
    assert [line for line in served.log if "tampered" in line] == [
        f"{STORE_REGIONS[0]}: s3://{on_store.org.buckets[STORE_REGIONS[0]]}/{KEY} in "
        f"{STORE_REGIONS[0]} does not match the SHA-256 in its metadata (got "
        f"{sha256(b'X' * len(data))[:12]}..., expected {sha256(data)[:12]}...): it may have "
        "been tampered with; trying another region"
    ]


def test_when_no_region_has_the_right_bytes_the_client_gets_an_error_and_no_bytes(
    open_session: OpenSession, serve_index: ServeIndex, tamper: Callable[[str, bytes], None]
) -> None:
    for region in STORE_REGIONS:
        tamper(region, b"evil")
    served = serve_index(open_session())
    status, _, body = served.get(f"/files/{KEY}")
    assert status == 502
    assert body.decode().startswith(f"no region gave the right bytes of {KEY} (us-east-1: ")
    assert b"evil" not in body


def test_a_dead_region_fails_over_to_the_next(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    def dead(request: AWSPreparedRequest, **kwargs: Any) -> None:
        raise EndpointConnectionError(endpoint_url=request.url)

    served = serve_index(open_session(in_bucket(on_store.org.buckets[STORE_REGIONS[0]], dead)))
    served.get(PAGE)  # the index of the first region cannot be read either: a warning
    status, _, body = served.get(f"/files/{KEY}")
    assert (status, body) == (200, on_store.files[WHEEL].read_bytes())
    assert any(
        line.startswith(f"{STORE_REGIONS[0]} skipped: could not reach") for line in served.log
    )


def test_a_region_that_fails_while_the_file_is_read_fails_over(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(
        open_session(
            in_bucket(on_store.org.buckets[STORE_REGIONS[0]], _only_files(answer(500, b"", {})))
        )
    )
    status, _, body = served.get(f"/files/{KEY}")
    assert (status, body) == (200, on_store.files[WHEEL].read_bytes())
    assert any(line.startswith(f"{STORE_REGIONS[0]}: s3:GetObject on ") for line in served.log)


def _only_files(then: Callable[..., Any]) -> Callable[..., Any]:
    def handler(request: AWSPreparedRequest, **kwargs: Any) -> Any:
        return then(request=request, **kwargs) if request.url.endswith(".whl") else None

    return handler


class Switched:
    """A wheel's ``GetObject`` answered by the test once switched on: ``body`` sent as the
    verified copy (its ETag and length), so the server streams it straight through."""

    def __init__(self, verified: bytes, body: bytes) -> None:
        self.on = False
        self._body = body
        self._headers = {"ETag": f'"{md5(verified)}"', "Content-Length": str(len(verified))}

    def hook(self, bucket: str) -> Hook:
        """The hook for the wheel in ``bucket``."""

        def answer(request: AWSPreparedRequest, **kwargs: Any) -> Any:
            return streamed(self._body, self._headers)(request) if self.on else None

        return in_bucket(bucket, _only_files(answer))


def cut_short(served: Served, path: str) -> bytes:
    """GET ``path`` expecting the response to end before its announced length; what came."""
    base = urlsplit(served.base)
    connection = http.client.HTTPConnection(base.hostname or "", base.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
    finally:
        connection.close()
    return cut.value.partial


def test_a_verified_copy_changed_since_is_checked_again_and_passed_over(
    on_store: Store,
    open_session: OpenSession,
    serve_index: ServeIndex,
    tamper: Callable[[str, bytes], None],
) -> None:
    served = serve_index(open_session())
    data = on_store.files[WHEEL].read_bytes()
    assert served.get(f"/files/{KEY}")[2] == data  # verified: later ones stream straight
    tamper(STORE_REGIONS[0], b"X" * len(data))
    assert served.get(f"/files/{KEY}")[2] == data
    assert any("tampered" in line for line in served.log)


def test_bytes_that_change_under_a_verified_etag_cut_the_response_short(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    data = on_store.files[WHEEL].read_bytes()
    swapped = Switched(data, b"X" * len(data))
    served = serve_index(open_session(swapped.hook(on_store.org.buckets[STORE_REGIONS[0]])))
    assert served.get(f"/files/{KEY}")[2] == data
    swapped.on = True
    assert len(cut_short(served, f"/files/{KEY}")) < len(data)  # never the whole wrong file
    assert any(
        "does not match the SHA-256" in line and line.endswith("; the response was cut short")
        for line in served.log
    )


def test_a_read_that_fails_mid_stream_cuts_the_response_short(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    data = on_store.files[WHEEL].read_bytes()
    truncated = Switched(data, data[: len(data) // 2])
    served = serve_index(open_session(truncated.hook(on_store.org.buckets[STORE_REGIONS[0]])))
    assert served.get(f"/files/{KEY}")[2] == data  # verified: later ones stream straight
    truncated.on = True  # S3 sends half the bytes it announced: reading fails in its thread
    assert len(cut_short(served, f"/files/{KEY}")) < len(data)
    (line,) = [line for line in served.log if line.endswith("; the response was cut short")]
    assert "IncompleteRead" in line  # the read's own failure, handed over from its thread


def test_a_staged_file_named_metadata_that_is_no_wheel_s_is_served_as_itself(
    open_session: OpenSession, serve_index: ServeIndex, tmp_path: Path
) -> None:
    # Only a wheel's name followed by ".metadata" asks for core metadata: any other staged
    # file may end in ".metadata" and is served as it is.
    notes = tmp_path / "notes.metadata"
    notes.write_bytes(b"staged notes, not core metadata\n")
    staged(open_session(), "1.0.0", notes, project="odd-lib")
    served = serve_index(open_session())
    page = served.get("/simple/odd-lib/")[2].decode()
    link = f'<a href="/files/odd-lib/1.0.0/notes.metadata#sha256={sha256(notes.read_bytes())}">'
    assert f"{link}notes.metadata</a>" in page
    status, headers, body = served.get("/files/odd-lib/1.0.0/notes.metadata")
    assert (status, headers["Content-Type"], body) == (
        200,
        "application/octet-stream",
        notes.read_bytes(),
    )
    assert served.get("/files/odd-lib/1.0.0/notes.metadata.metadata")[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/files/base-lib/1.0.0/../../../etc/passwd",
        "/files/base-lib/1.0.0/%2e%2e",
        "/files/base-lib/1.0/" + WHEEL,  # not the stored form of the version
        "/files/Base_Lib/1.0.0/" + WHEEL,
        "/files/base-lib/yanks/1.1.0.json",
        "/files/base-lib/index.json",
        "/files/base-lib/1.0.0/" + WHEEL + ".metadata.json",
        "/files/base-lib/1.0.0/other.whl",
        "/files/other/1.0.0/" + WHEEL,
        "/simple/other/",
        "/simple/-bad-/",
        "/simple/base-lib/extra/",
        "/elsewhere",
    ],
)
def test_names_are_validated_and_nothing_outside_a_project_s_files_is_served(
    path: str, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session())
    status, _, body = served.get(path)
    assert (status, body) == (404, b"not found\n")


def test_a_name_not_in_normal_form_redirects_to_the_normalised_page(
    open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session())
    for path in ("/simple/Base_Lib/", "/simple/base-lib"):
        with pytest.raises(urllib.error.HTTPError) as redirect:
            NO_REDIRECTS.open(served.base + path, timeout=30)
        assert (redirect.value.code, redirect.value.headers["Location"]) == (301, PAGE)
        redirect.value.close()


def test_the_root_lists_the_projects_found_so_far(
    open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session())
    assert json.loads(served.get("/simple/", {"Accept": JSON_V1})[2])["projects"] == []
    served.get(PAGE)
    served.get("/simple/nothing-here/")
    root = json.loads(served.get("/simple/", {"Accept": JSON_V1})[2])
    assert root == {"meta": {"api-version": "1.1"}, "projects": [{"name": "base-lib"}]}
    assert b'<a href="/simple/base-lib/">base-lib</a>' in served.get("/simple/")[2]


TOKEN = "s3cr3t-token-0123456789"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_with_a_token_every_request_without_it_gets_401_and_the_token_is_never_logged(
    on_store: Store, open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session(), token=TOKEN)
    for path in ("/simple/", PAGE, f"/files/{KEY}", "/nowhere"):
        status, headers, body = served.get(path)
        assert status == 401
        assert headers["WWW-Authenticate"] == 'Basic realm="startifact"'
        assert WHEEL.encode() not in body
    assert served.get(PAGE, basic("user", "wrong-token-0123456789"))[0] == 401
    assert served.get(PAGE, basic(TOKEN, ""))[0] == 401
    assert served.get(PAGE, {"Authorization": f"Bearer {TOKEN}"})[0] == 401
    assert served.get(PAGE, basic("__token__", TOKEN))[0] == 200
    assert (
        served.get(f"/files/{KEY}", basic("anyone", TOKEN))[2] == on_store.files[WHEEL].read_bytes()
    )
    assert served.log
    assert not [line for line in served.log if TOKEN in line or "Basic" in line]


def test_a_project_staged_nowhere_is_404_and_an_unreadable_store_is_502(
    open_session: OpenSession, serve_index: ServeIndex
) -> None:
    served = serve_index(open_session())
    assert served.get("/simple/not-staged/")[0] == 404
    broken = serve_index(open_session(("before-send.s3.GetObject", answer(500, b"", {}))))
    status, _, body = broken.get(PAGE)
    assert status == 502
    assert body.startswith(b"no region could be read for 'base-lib'")
