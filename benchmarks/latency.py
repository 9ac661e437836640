"""A router between command-line processes and one moto server per region, adding latency.

A ``startifact`` process has one endpoint URL for every region, so the command-line workload
points ``AWS_ENDPOINT_URL`` here: each request is held for the emulated round trip, sent on to
its region's moto server (the region is read from the request's SigV4 credential scope), and
answered. Every request is logged with when it arrived and when it was answered, so the
benchmark can count the round trips a command takes one after another (`round_trips`) and when
its first request left (`first_request`). With a ``rate``, every answer's body is also sent at
most that many bytes a second, as one connection to S3 over a real network would bring it.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
#: Headers that belong to one hop, not to the request.
_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class Router:
    """The router: ``start()`` gives its endpoint; ``log`` holds (arrived, answered, what)."""

    def __init__(self, endpoints: dict[str, str], rtt_ms: float, rate: float = 0) -> None:
        self.endpoints = endpoints
        self.rtt = rtt_ms / 1000
        #: bytes a second of each answer's body (0: as fast as the loopback goes)
        self.rate = rate
        self.log: list[tuple[float, float, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        router = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _any(self) -> None:
                router.forward(self)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def clear(self) -> None:
        with self._lock:
            self.log.clear()

    def forward(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        match = _SCOPE.search(handler.headers.get("Authorization", ""))
        region = match.group(1) if match else ""
        target = urlsplit(self.endpoints.get(region) or next(iter(self.endpoints.values())))
        if self.rtt:
            time.sleep(self.rtt)
        connection = http.client.HTTPConnection(target.netloc, timeout=600)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP}
        connection.request(handler.command, handler.path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        handler.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP | {"content-length"}:
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if handler.command != "HEAD":
            self._send(handler, payload)
        what = handler.headers.get("X-Amz-Target") or f"{handler.command} {handler.path}"
        with self._lock:
            self.log.append((arrived, time.monotonic(), f"{region} {what}"))

    def _send(self, handler: BaseHTTPRequestHandler, payload: bytes) -> None:
        if not self.rate:
            handler.wfile.write(payload)
            return
        started, view = time.monotonic(), memoryview(payload)
        for offset in range(0, len(view), _SLICE):
            ahead = started + offset / self.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
            handler.wfile.write(view[offset : offset + _SLICE])


#: Bytes sent at a time when the rate is limited.
_SLICE = 64 * 1024


def round_trips(log: list[tuple[float, float, str]]) -> int:
    """The longest chain of requests each sent after the one before it was answered."""
    requests = sorted(log, key=lambda r: r[1])
    longest: list[int] = []
    for i, (arrived, _, _) in enumerate(requests):
        before = [longest[j] for j in range(i) if requests[j][1] <= arrived]
        longest.append(1 + max(before, default=0))
    return max(longest, default=0)


def first_request(log: list[tuple[float, float, str]]) -> float:
    """When the first request arrived (``time.monotonic``)."""
    return min(arrived for arrived, _, _ in log)
