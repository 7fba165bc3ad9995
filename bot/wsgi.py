"""The WSGI app gunicorn serves: Slack's requests, eSMS's callbacks and a health check."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from bot.config import Settings
from bot.esms.callback import CallbackError, parse_callback, secret_matches
from bot.logs import new_request_id, request_id
from bot.runtime import Services, bolt_app, build_services
from bot.slack.http import HttpAnswer, SlackEndpoint

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
CALLBACK_PREFIX = "/esms/callback/"
StartResponse = Callable[..., Any]
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class WebApp:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.slack = SlackEndpoint(bolt_app(services), services.settings.slack_signing_secret)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        current = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
        token = request_id.set(current)
        try:
            answer = self._route(environ)
        except Exception:
            log.exception(
                "unhandled error for %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
            )
            answer = HttpAnswer(500, "internal error")
        finally:
            request_id.reset(token)
        payload = answer.body.encode("utf-8")
        reason = _REASONS.get(answer.status, "")
        start_response(
            f"{answer.status} {reason}".strip(),
            [
                ("Content-Type", answer.content_type),
                ("Content-Length", str(len(payload))),
                ("X-Request-Id", current),
            ],
        )
        return [payload]

    def _route(self, environ: dict[str, Any]) -> HttpAnswer:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if path == "/slack/events":
            if method != "POST":
                return HttpAnswer(405, "use POST")
            body = _read_body(environ)
            if isinstance(body, HttpAnswer):
                return body
            return self.slack.handle(body, _headers(environ))
        if path.startswith(CALLBACK_PREFIX):
            if method not in ("GET", "HEAD"):
                return HttpAnswer(405, "use GET")
            return self._callback(path[len(CALLBACK_PREFIX) :], environ.get("QUERY_STRING", ""))
        if path == "/healthz":
            healthy = self.services.store.ping()
            return HttpAnswer(
                200 if healthy else 503, json.dumps({"ok": healthy}), "application/json"
            )
        return HttpAnswer(404, "not found")

    def _callback(self, secret: str, query: str) -> HttpAnswer:
        if not secret_matches(secret, self.services.settings.callback_secrets):
            return HttpAnswer(404, "not found")
        try:
            callback = parse_callback(query)
        except CallbackError as error:
            log.warning("malformed eSMS callback: %s", error)
            return HttpAnswer(400, f"malformed callback: {error}")
        outcome = self.services.store.deliveries.apply_callback(callback, query)
        if not outcome.matched:
            log.warning("eSMS callback for unknown SMSID %s ignored", callback.sms_id)
            return HttpAnswer(200, "unknown SMSID; ignored")
        return HttpAnswer(200, "ok")  # the thread refresh is due shortly; a worker poll finds it


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            headers[key.lower().replace("_", "-")] = value
    return headers


def _read_body(environ: dict[str, Any]) -> bytes | HttpAnswer:
    raw_length = environ.get("CONTENT_LENGTH") or ""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if raw_length:
        if not raw_length.isdigit():
            return HttpAnswer(400, "invalid Content-Length")
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            return HttpAnswer(413, "request body too large")
        return stream.read(length)
    body = stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return HttpAnswer(413, "request body too large")
    return body


def create_app(settings: Settings, *, start_worker: bool = True) -> WebApp:
    services = build_services(settings)
    if start_worker:
        services.worker.start()
    return WebApp(services)
