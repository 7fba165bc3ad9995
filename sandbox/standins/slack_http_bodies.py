"""The HTTP details of Slack's file service that are not its API: the bytes of an upload
(raw, or multipart form-data with a `file` field) and replies that set their own content type."""

from __future__ import annotations

import http.server
import re


def uploaded_bytes(body: bytes, content_type: str) -> bytes | None:
    """The file's bytes: the whole body, or a multipart body's `file` field (None if absent)."""
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    for part in body.split(b"--" + found[1].encode())[1:] if found else []:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        if re.search(rb'(?i)content-disposition:[^\r\n]*\bname="?file"?(;|\s|$)', head):
            return content.removesuffix(b"\r\n")
    return None


def let_replies_set_their_content_type(server: http.server.ThreadingHTTPServer) -> None:
    """The shared server sends `text/html` for every raw reply; let a reply's own Content-Type
    header replace it (a CSV download is text/csv, an upload's answer text/plain)."""

    class Handler(server.RequestHandlerClass):  # type: ignore[name-defined, misc]
        def send_header(self, keyword: str, value: str) -> None:
            if keyword.lower() == "content-type":
                self.__dict__["_content_type"] = value  # the last one wins
                return
            super().send_header(keyword, value)

        def end_headers(self) -> None:
            content_type = self.__dict__.pop("_content_type", None)
            if content_type:
                super().send_header("Content-Type", content_type)
            super().end_headers()

    server.RequestHandlerClass = Handler
