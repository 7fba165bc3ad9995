"""Files in the Slack stand-in, part of `slack_api.py` kept apart for its size. As on Slack:
`add_file()` gives the file object a modal's `file_input` puts in a view_submission; its
`url_private(_download)` answer the bytes only with `Authorization: Bearer <bot token>`, else
Slack's sign-in page (HTML, HTTP 200). Uploads: `files.getUploadURLExternal`, a POST of the bytes
to its `upload_url` (raw, or multipart with a `file` field), `files.completeUploadExternal`, which
checks the length announced first and the bot's membership, and shares the file as a message.
`files.delete`, as Slack: only the bot's own files; the file's content and its shares go (a share
with no words of its own goes with it, the others show Slack's tombstone).
Downloads and upload POSTs take faults under the pseudo-methods `DOWNLOAD` and `UPLOAD`.
"""

from __future__ import annotations

import http.server
import itertools
import json
import mimetypes
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sandbox.standins.http import Reply
from sandbox.standins.slack_http_bodies import let_replies_set_their_content_type, uploaded_bytes
from sandbox.standins.slack_surfaces import BOT_USER_ID, TEAM_ID, blocks_of

DOWNLOAD = "files.download"  # GET url_private / url_private_download
UPLOAD = "files.uploadBytes"  # POST to an upload_url from files.getUploadURLExternal

# What Slack answers a file URL fetched without the bot token: its sign-in page, with a 200.
LOGIN_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Slack</title></head>'
    b'<body><h1>Sign in to Example</h1><form id="signin_form" action="https://example.slack.com/"'
    b' method="post"><input type="email" name="email"><button>Sign in</button></form></body></html>'
)
_FILE_PATH = re.compile(r"/files-pri/(?P<team>[A-Z0-9]+)-(?P<id>F[A-Z0-9]+)/(download/)?[^/]+")
_NOT_FLAGS = dict.fromkeys(
    ("editable", "is_external", "is_public", "public_url_shared", "display_as_bot", "is_starred"),
    False,
)
_FILETYPES = {"txt": "text", "jpeg": "jpg", "htm": "html", "yml": "yaml"}


@dataclass
class StoredFile:
    info: dict[str, Any]  # the file object as Slack gives it
    content: bytes
    shares: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)


@dataclass
class Upload:
    """A file the bot uploaded and completed with files.completeUploadExternal."""

    file_id: str
    filename: str
    title: str
    content: bytes
    channel_id: str | None  # channel_id, or the first of `channels`
    thread_ts: str | None
    initial_comment: str | None
    channels: list[str] = field(default_factory=list)  # every channel it was shared into
    at: float = field(default_factory=time.time)


@dataclass
class _Pending:
    file_id: str
    filename: str
    length: int
    snippet_type: str | None = None
    content: bytes | None = None  # None until the bytes are POSTed to the upload URL


class SlackFiles:
    """Files and their URLs, mixed into `SlackApiStandIn`."""

    # Provided by SlackApiStandIn and SlackSurfaces (annotations only: nothing here shadows them).
    lock: threading.Lock
    token: str
    url: str
    messages: dict[str, Any]
    server: http.server.ThreadingHTTPServer
    _fault_reply: Callable[[str], Reply | None]
    _share: Callable[..., str]  # (channel, thread_ts, text, blocks, files) -> the message's ts
    channel_error: Callable[[str], str | None]
    is_private: Callable[[str], bool]

    def _init_files(self) -> None:
        self.files: dict[str, StoredFile] = {}  # by id
        self.uploads: list[Upload] = []
        self.downloads: list[str] = []  # ids of the files served, one per download
        self.refused_downloads: list[str] = []  # ids asked for without the token (login page)
        self.deleted: list[str] = []  # ids of the files files.delete removed, in order
        self._pending: dict[str, _Pending] = {}  # by upload URL token
        self._file_ids = itertools.count(1)
        let_replies_set_their_content_type(self.server)

    # -- scripting ----------------------------------------------------------------------------

    def add_file(
        self, name: str, content: bytes, filetype: str = "csv", user: str = "U0001"
    ) -> dict[str, Any]:
        """Store a file a user uploaded; its file object, as a view_submission carries it."""
        with self.lock:
            file_id = f"F0{next(self._file_ids):08d}"
            info = self._file_object(file_id, name, content, user, filetype)
            self.files[file_id] = StoredFile(info, content)
        return dict(info)

    def _file_object(
        self, file_id: str, name: str, content: bytes, user: str, filetype: str
    ) -> dict[str, Any]:
        base = f"{self.url}files-pri/{TEAM_ID}-{file_id}/"
        quoted, created = quote(name), int(time.time())
        mimetype = mimetypes.types_map.get(f".{filetype}") or mimetypes.guess_type(name)[0]
        return {
            "id": file_id,
            "created": created,
            "timestamp": created,
            "name": name,
            "title": name,
            "mimetype": mimetype or "application/octet-stream",
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": user,
            "user_team": TEAM_ID,
            "size": len(content),
            "mode": "hosted",
            **_NOT_FLAGS,
            "url_private": base + quoted,
            "url_private_download": f"{base}download/{quoted}",
            "permalink": f"https://example.slack.com/files/{user}/{file_id}/{quoted}",
            "file_access": "visible",
        }

    # -- serving the file URLs ----------------------------------------------------------------

    def _serve_file_urls(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> Reply | None:
        """The reply to a file or upload URL, or None for any other path."""
        if path.startswith("/files-pri/"):
            return self._fault_reply(DOWNLOAD) or self._download(path, headers)
        if path.startswith("/upload/"):
            return self._fault_reply(UPLOAD) or self._receive(method, path, body, headers)
        return None

    def _download(self, path: str, headers: dict[str, str]) -> Reply:
        match = _FILE_PATH.fullmatch(path)
        file_id = match["id"] if match and match["team"] == TEAM_ID else ""
        with self.lock:
            if headers.get("authorization", "") != f"Bearer {self.token}":
                self.refused_downloads.append(file_id)
                return Reply(200, raw=LOGIN_PAGE)  # text/html
            stored = self.files.get(file_id)
            if stored is None:
                return Reply(404, raw=b"<html><body>File not found</body></html>")
            self.downloads.append(file_id)
        disposition = f"attachment; filename*=UTF-8''{quote(stored.info['name'])}"
        headers = {"Content-Type": stored.info["mimetype"], "Content-Disposition": disposition}
        return Reply(200, raw=stored.content, headers=headers)

    def _receive(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Reply:
        if method != "POST":
            return Reply(405, raw=b"Method Not Allowed")
        content = uploaded_bytes(body, headers.get("content-type", ""))
        with self.lock:
            pending = self._pending.get(path[len("/upload/") :])
            if pending is None:
                return Reply(404, raw=b"Not Found")
            if content is None:
                return Reply(400, raw=b"Bad Request: no file field")
            pending.content = content
        return Reply(
            200, raw=f"OK - {len(content)}".encode(), headers={"Content-Type": "text/plain"}
        )

    # -- Web API methods ----------------------------------------------------------------------

    def _files_info(self, args: dict[str, Any]) -> Reply:
        with self.lock:
            stored = self.files.get(str(args.get("file") or ""))
            if stored is None:
                return Reply(200, {"ok": False, "error": "file_not_found"})
            shares = {kind: dict(channels) for kind, channels in stored.shares.items()}
            return Reply(200, {"ok": True, "file": {**stored.info, "shares": shares}})

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> Reply:
        filename, length = args.get("filename"), _positive_int(args.get("length"))
        if not filename or not isinstance(filename, str):
            return _invalid("missing required field: filename")
        if length is None:
            return _invalid("missing or invalid required field: length (bytes, at least 1)")
        token = secrets.token_urlsafe(16)
        with self.lock:
            file_id = f"F0{next(self._file_ids):08d}"
            snippet_type = args.get("snippet_type") or None
            self._pending[token] = _Pending(file_id, filename, length, snippet_type)
        return Reply(
            200, {"ok": True, "upload_url": f"{self.url}upload/{token}", "file_id": file_id}
        )

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> Reply:
        items = args.get("files")
        try:
            items = json.loads(items) if isinstance(items, str) else items
        except ValueError:
            return _invalid("files: not a JSON array")
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            return _invalid("missing required field: files")
        channels = [str(args["channel_id"])] if args.get("channel_id") else []
        channels += [c.strip() for c in str(args.get("channels") or "").split(",") if c.strip()]
        thread_ts = str(args.get("thread_ts") or "") or None
        if thread_ts and len(channels) != 1:
            return _invalid("thread_ts needs exactly one channel")
        comment = str(args.get("initial_comment") or "") or None
        with self.lock:
            by_id = {p.file_id: (token, p) for token, p in self._pending.items()}
            chosen = [by_id.get(str(item.get("id"))) for item in items]
            ready = [c for c in chosen if c is not None and c[1].content is not None]
            if len(ready) != len(items):
                return Reply(200, {"ok": False, "error": "file_not_found"})
            for _, p in ready:  # the bytes POSTed must be the length announced
                if (got := len(p.content or b"")) != p.length:
                    return _invalid(f"{p.file_id}: {got} bytes uploaded, length {p.length}")
            errors = [e for e in map(self.channel_error, channels) if e]
            if errors:
                return Reply(200, {"ok": False, "error": errors[0]})
            parent = self.messages.get(thread_ts or "")
            if thread_ts and (parent is None or parent.channel != channels[0]):
                return Reply(200, {"ok": False, "error": "thread_not_found"})
            stored, to = [], channels[0] if channels else None
            for (token, p), item in zip(ready, items, strict=True):
                self._pending.pop(token, None)
                name, content, title = p.filename, p.content or b"", str(item.get("title") or "")
                filetype = p.snippet_type or _filetype(name)
                info = self._file_object(p.file_id, name, content, BOT_USER_ID, filetype)
                info["title"] = title = title or name
                stored.append(self.files.setdefault(p.file_id, StoredFile(info, content)))
                upload = Upload(p.file_id, name, title, content, to, thread_ts, comment, channels)
                self.uploads.append(upload)
        blocks = [] if comment else blocks_of(args)
        for channel in channels:
            ts = self._share(channel, thread_ts, comment or "", blocks, [s.info for s in stored])
            share = {"ts": ts, **({"thread_ts": thread_ts} if thread_ts else {})}
            with self.lock:
                for s in stored:
                    kind = "private" if self.is_private(channel) else "public"
                    s.shares.setdefault(kind, {}).setdefault(channel, []).append(share)
        return Reply(200, {"ok": True, "files": [dict(s.info) for s in stored]})

    def _files_delete(self, args: dict[str, Any]) -> Reply:
        """As Slack: a file that is not there (never, or no longer) is `file_not_found`; the bot
        token deletes only the app's own files (a person's is `cant_delete_file`). Its shares
        become tombstones (a share with no words of its own goes with it), and its URLs answer
        404."""
        file_id = str(args.get("file") or "")
        with self.lock:
            stored = self.files.get(file_id)
            if stored is None:
                return Reply(200, {"ok": False, "error": "file_not_found"})
            if stored.info.get("user") != BOT_USER_ID:  # a bot token deletes its own files only
                return Reply(200, {"ok": False, "error": "cant_delete_file"})
            del self.files[file_id]
            self.deleted.append(file_id)
            for upload in self.uploads:
                if upload.file_id == file_id:
                    upload.content = b""
            for ts, message in list(self.messages.items()):
                if not any(f.get("id") == file_id for f in message.files):
                    continue
                message.files = [
                    {"id": file_id, "mode": "tombstone"} if f.get("id") == file_id else f
                    for f in message.files
                ]
                if not message.text and all(f.get("mode") == "tombstone" for f in message.files):
                    del self.messages[ts]
        return Reply(200, {"ok": True})


def _invalid(message: str) -> Reply:
    metadata = {"messages": [f"[ERROR] {message}"]}
    return Reply(200, {"ok": False, "error": "invalid_arguments", "response_metadata": metadata})


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


def _filetype(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _FILETYPES.get(extension, extension) if extension else "binary"
