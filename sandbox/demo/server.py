"""The demo page's HTTP server on 127.0.0.1: the page's files, its state, what the person did,
for the page alone (another site's form cannot post here), and the files the Slack stand-in
holds, read-only under /files/<id> (a campaign's results file, a file picked in a form)."""

from __future__ import annotations

import json
import logging
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sandbox.demo.files import MAX_UPLOAD_BYTES
from sandbox.demo.notes import as_json
from sandbox.demo.page import Page
from sandbox.demo.render import FILES_PATH

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}
_MAX_BODY = 256 * 1024
_MAX_UPLOAD_BODY = MAX_UPLOAD_BYTES * 4 // 3 + 64 * 1024  # the file in base64, and its name


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A reader that went away is no error of the page's (a browser closed, or someone
        asked while the app was still starting and gave up waiting)."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class PageServer:
    """The page's port, taken first (before the app starts, which takes seconds, in which
    another program could take it), then served once the page is ready."""

    def __init__(self, port: int) -> None:
        self._page: Page | None = None
        self.server = _Server(("127.0.0.1", port), _handler(self))

    @property
    def page(self) -> Page:
        assert self._page is not None, "served only once the page is ready"
        return self._page

    def serve(self, page: Page) -> None:
        """The page on the port taken, served from a daemon thread."""
        self._page = page
        threading.Thread(target=self.server.serve_forever, daemon=True, name="demo-page").start()


def _handler(holder: PageServer) -> type[BaseHTTPRequestHandler]:

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # the app's log is enough
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type + "; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _same_host(self) -> bool:
            """Asked for by the page on 127.0.0.1:port (not through another name for it)."""
            return self.headers.get("Host") == f"127.0.0.1:{self.server.server_address[1]}"

        def do_GET(self) -> None:
            if self.path.startswith(FILES_PATH):
                self._file(self.path.removeprefix(FILES_PATH))
                return
            if self.path == "/api/state":
                self._send(200, json.dumps(holder.page.state()).encode(), "application/json")
                return
            name = "index.html" if self.path == "/" else self.path.removeprefix("/static/")
            file = (STATIC / name).resolve()
            if file.parent != STATIC.resolve() or not file.is_file():
                self._send(404, b"not found", "text/plain")
                return
            self._send(200, file.read_bytes(), _TYPES.get(file.suffix, "text/plain"))

        def _file(self, file_id: str) -> None:
            if not self._same_host():
                self._send(403, b"only the demo page may do this", "text/plain")
                return
            found = holder.page.files.download(file_id)
            if found is None:
                self._send(404, b"not found", "text/plain")
                return
            name, mimetype, content = found
            self.send_response(200)
            self.send_header("Content-Type", mimetype)
            self.send_header("Content-Length", str(len(content)))
            self.send_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(content)

        def do_POST(self) -> None:
            raw_length = self.headers.get("Content-Length") or "0"
            if not raw_length.isdigit():
                self._send(400, b"Content-Length must be a number", "text/plain")
                return
            limit = _MAX_UPLOAD_BODY if self.path == "/api/upload" else _MAX_BODY
            if int(raw_length) > limit:
                self._send(413, b"request body too large", "text/plain")
                return
            body = self.rfile.read(int(raw_length))
            # Only the page itself: a site open in another tab cannot post here (it could send
            # a form, never this content type to this host).
            if not self._same_host() or self.headers.get("Content-Type") != "application/json":
                self._send(403, b"only the demo page may do this", "text/plain")
                return
            try:
                result = holder.page.act(
                    self.path.removeprefix("/api/"), as_json(body.decode("utf-8", "replace"))
                )
            except Exception as error:  # the page says so; the demo goes on
                log.exception("demo action %s failed", self.path)
                result = {"error": type(error).__name__}
            if result is None:
                self._send(404, b"not found", "text/plain")
                return
            self._send(200, json.dumps(result).encode(), "application/json")

    return Handler
