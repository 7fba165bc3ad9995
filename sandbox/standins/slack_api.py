"""A loopback stand-in for Slack's Web API, with the payload shapes and errors Slack uses.

The tests and the benchmarks run the real app against it, and so does `viber-bot demo`, whose
page reads back what a person would see (threads, modals, the Home tab, private notes).
Every method is a POST to /api/<method>; chat.* and views.* take JSON, the rest form bodies.
Errors come as HTTP 200 {"ok": false}; rate limits as HTTP 429 with Retry-After. Faults are
scripted per method; `rate_limit_per_channel` makes chat.postMessage behave like Slack's
one-message-per-second-per-channel limit. Slash-command response URLs are served under
/response/<id> and recorded. Modals, the Home tab, ephemeral notes, users.info and the
conversations (info, join, open) are in `slack_surfaces.py`; files (what a user uploads, the
external upload flow, the file URLs) in `slack_files.py`.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from sandbox.standins.http import Reply, StandIn
from sandbox.standins.slack_files import DOWNLOAD, UPLOAD, SlackFiles, Upload
from sandbox.standins.slack_functions import SlackFunctions
from sandbox.standins.slack_surfaces import (
    BOT_USER_ID,
    TEAM_ID,
    Ephemeral,
    HomeTab,
    Modal,
    SlackSurfaces,
    blocks_of,
    message_refusal,
)
from sandbox.standins.slack_text import block_text, section_text

__all__ = [
    "BOT_USER_ID",
    "DOWNLOAD",
    "TEAM_ID",
    "UPLOAD",
    "Ephemeral",
    "Fault",
    "HomeTab",
    "Message",
    "Modal",
    "SlackApiStandIn",
    "SlackCall",
    "Upload",
    "block_text",
    "section_text",
]


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    updates: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)  # a file share's file objects


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class SlackCall:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.time)


class SlackApiStandIn(SlackFunctions, SlackFiles, SlackSurfaces, StandIn):
    """Slack's Web API on 127.0.0.1; `users` names people for users.info."""

    def __init__(
        self, token: str = "xoxb-test-token", port: int = 0, users: dict[str, str] | None = None
    ) -> None:
        super().__init__(port)
        self._init_surfaces()
        self._init_functions()
        self.users.update(users or {})
        self.token = token
        self.calls: list[SlackCall] = []
        self.messages: dict[str, Message] = {}  # by ts
        self.responses: list[dict[str, Any]] = []  # what was posted to response URLs
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.not_member: set[str] = set()
        self.delay: dict[str, float] = {}
        self.rate_limit_per_channel: float | None = None
        self.user_groups: dict[str, set[str]] = {}
        self.app_token = "xapp-1-test-app-token"
        self.socket_url: str | None = None
        self.scopes = (
            "commands,chat:write,chat:write.public,users:read,usergroups:read,"
            "files:read,files:write,channels:join,im:write,channels:read,groups:read"
        )
        self.rate_limited = 0
        self._last_post: dict[str, float] = {}
        self._last_ts = 0.0
        self._init_files()

    # -- scripting ----------------------------------------------------------------------------

    def fail_next(self, method: str, times: int = 1, **fault: Any) -> None:
        with self.lock:
            self.faults[method].extend(Fault(**fault) for _ in range(times))

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}response/{name}"

    # -- inspection ---------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def parents(self, channel: str | None = None) -> list[Message]:
        with self.lock:
            return [
                m
                for m in self.messages.values()
                if m.thread_ts is None and (channel is None or m.channel == channel)
            ]

    def replies_all(self) -> list[Message]:
        with self.lock:
            return [m for m in self.messages.values() if m.thread_ts is not None]

    def replies(self, parent_ts: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages.values() if m.thread_ts == parent_ts]

    # -- serving ------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> Reply:
        if path.startswith("/response/"):
            payload = json.loads(body or b"{}")
            if refused := message_refusal(payload):  # what Slack refuses is stored nowhere
                return Reply(400, refused.body)
            with self.lock:
                self.responses.append(payload)
            self._record_response(payload)
            return Reply(200, raw=b"ok")
        file_reply = self._serve_file_urls(method, path, body, headers)
        if file_reply is not None:
            return file_reply
        if not path.startswith("/api/"):
            return Reply(404, {"ok": False, "error": "unknown_method"})
        api_method = path[len("/api/") :]
        if headers.get("content-type", "").startswith("application/json"):
            args = json.loads(body or b"{}")
        else:
            args = dict(parse_qsl(body.decode(), keep_blank_values=True))
        with self.lock:
            self.calls.append(SlackCall(api_method, args))
        fault_reply = self._fault_reply(api_method)
        if fault_reply is not None:
            return fault_reply
        token = (headers.get("authorization") or "").removeprefix("Bearer ").strip() or args.get(
            "token"
        )
        if api_method == "apps.connections.open":
            if token != self.app_token or not self.socket_url:
                return Reply(200, {"ok": False, "error": "invalid_auth"})
            return Reply(200, {"ok": True, "url": self.socket_url})
        if api_method.startswith("functions.complete"):
            return self._complete(api_method, args, str(token or ""))
        if token != self.token:
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + api_method.replace(".", "_"), None)
        if handler is None:
            return Reply(200, {"ok": False, "error": "unknown_method"})
        return handler(args)

    def _fault_reply(self, method: str) -> Reply | None:
        """Wait `delay[method]`, then the reply of the next fault scripted for `method`, if any."""
        with self.lock:
            fault = self.faults[method].popleft() if self.faults[method] else None
            delay = self.delay.get(method, 0.0)
        if delay:
            time.sleep(delay)
        if fault is None:
            return None
        if fault.delay:
            time.sleep(fault.delay)
        if fault.status == 429:
            with self.lock:
                self.rate_limited += 1
            return Reply(
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(fault.retry_after or 1)},
            )
        if fault.status >= 500:
            return Reply(fault.status, raw=b"<html>upstream error</html>")
        if fault.status >= 400:  # a file deleted, say: Slack's own page, not its JSON
            return Reply(fault.status, raw=b"<html>not found</html>")
        return Reply(200, {"ok": False, "error": fault.error})

    def _new_ts(self) -> str:
        """Slack's ts: the posting time in microseconds, unique in its channel. Hold the lock."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _share(
        self, channel: str, thread_ts: str | None, text: str, blocks: list, files: list
    ) -> str:
        """Post the message a file share makes in `channel` (a thread reply under thread_ts)."""
        with self.lock:
            ts = self._new_ts()
            self.messages[ts] = Message(channel, ts, text, blocks, thread_ts, files=list(files))
        return ts

    def _auth_test(self, args: dict[str, Any]) -> Reply:
        return Reply(
            200,
            {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Example",
                "user": "viber",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "B0001",
            },
            {"x-oauth-scopes": self.scopes},
        )

    def _chat_postMessage(self, args: dict[str, Any]) -> Reply:
        channel = str(args.get("channel", ""))
        if channel in self.missing_channels:
            return Reply(200, {"ok": False, "error": "channel_not_found"})
        if channel in self.not_member:
            return Reply(200, {"ok": False, "error": "not_in_channel"})
        if not channel or (not args.get("text") and not args.get("blocks")):
            return Reply(200, {"ok": False, "error": "no_text" if channel else "channel_not_found"})
        if refused := message_refusal(args):
            return refused
        with self.lock:
            if self.rate_limit_per_channel:
                last = self._last_post.get(channel, 0.0)
                wait = last + self.rate_limit_per_channel - time.time()
                if wait > 0:
                    self.rate_limited += 1
                    return Reply(
                        429,
                        {"ok": False, "error": "ratelimited"},
                        {"Retry-After": str(max(1, round(wait)))},
                    )
                self._last_post[channel] = time.time()
            ts = self._new_ts()
            thread_ts = args.get("thread_ts")
            if thread_ts and thread_ts not in self.messages:
                return Reply(200, {"ok": False, "error": "thread_not_found"})
            message = Message(channel, ts, str(args.get("text", "")), blocks_of(args), thread_ts)
            self.messages[ts] = message
        return Reply(
            200, {"ok": True, "channel": channel, "ts": ts, "message": {"text": message.text}}
        )

    def _chat_update(self, args: dict[str, Any]) -> Reply:
        with self.lock:
            if not args.get("channel") or args.get("channel") in self.missing_channels:
                return Reply(200, {"ok": False, "error": "channel_not_found"})
            message = self.messages.get(str(args.get("ts")))
            if message is None or message.channel != args.get("channel"):
                return Reply(200, {"ok": False, "error": "message_not_found"})
            if not args.get("text") and not args.get("blocks"):
                return Reply(200, {"ok": False, "error": "no_text"})
            if len(str(args.get("text", ""))) > 4000:
                return Reply(200, {"ok": False, "error": "msg_too_long"})
            if refused := message_refusal(args):
                return refused
            message.text = str(args.get("text", message.text))
            if "blocks" in args:
                message.blocks = blocks_of(args)
            message.updates += 1
        return Reply(200, {"ok": True, "channel": message.channel, "ts": message.ts})

    def _usergroups_users_list(self, args: dict[str, Any]) -> Reply:
        with self.lock:
            members = self.user_groups.get(str(args.get("usergroup")))
        if members is None:
            return Reply(200, {"ok": False, "error": "no_such_subteam"})
        return Reply(200, {"ok": True, "users": sorted(members)})
