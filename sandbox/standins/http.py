"""The threaded HTTP server under the loopback stand-ins for Slack's Web API and eSMS.

The stand-ins let the real app run on one machine with nothing configured: the tests and the
benchmarks drive it against them, and `viber-bot demo` shows it working. They are not part of the
app: only `bot.cli` and `sandbox.demo` import them (an import-linter contract holds that), and they
use nothing of `bot` but the pure core. They listen on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class Reply:
    def __init__(
        self,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.raw = raw


class StandIn:
    """Serve `handle(method, path, query, body_bytes, headers) -> Reply` on 127.0.0.1."""

    def __init__(self, port: int = 0) -> None:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                headers = {key.lower(): value for key, value in self.headers.items()}
                reply = stand_in.handle(self.command, parts.path, query, body, headers)
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    content_type = "text/html" if reply.raw is not None else "application/json"
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to do

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.lock = threading.Lock()
        # A short poll interval: shutdown() waits for it, once per stand-in per test.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> StandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> Reply:
        raise NotImplementedError
