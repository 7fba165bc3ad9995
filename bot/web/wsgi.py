"""The WSGI app gunicorn serves: Slack's requests, eSMS's callbacks, a health check and the
metrics for operations."""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.config.logs import new_request_id, request_id
from bot.core.callback import CallbackError, parse_callback, secret_matches
from bot.core.consent import STOP_PATH
from bot.metrics import CONTENT_TYPE, count_forged_callback, exposition, observe_request
from bot.metrics.database import DatabaseCollector
from bot.metrics.figures import Figures, Health
from bot.metrics.health import CALLBACK_SILENCE_SECONDS, CALLBACK_WINDOW_SECONDS, deep_check
from bot.slack.http import HttpAnswer, SlackEndpoint
from bot.store.metrics import read_figures, read_health
from bot.web.media import MEDIA_PREFIX, MediaAnswer, MediaCache, media_answer
from bot.web.runtime import Services, bolt_app, build_services
from bot.web.stop_page import HEADERS, stop_page

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
CALLBACK_PREFIX = "/esms/callback/"
StartResponse = Callable[..., Any]
_REASONS = {
    200: "OK",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    411: "Length Required",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class _Answer(HttpAnswer):
    headers: tuple[tuple[str, str], ...] = ()


class WebApp:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.slack = SlackEndpoint(bolt_app(services), services.settings.slack_signing_secret)
        self.collector = DatabaseCollector(self._figures)
        self.media = MediaCache(services.store.images.get)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        current = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
        token = request_id.set(current)
        path = environ.get("PATH_INFO", "")
        if path.startswith(MEDIA_PREFIX):
            return self._media(path[len(MEDIA_PREFIX) :], environ, start_response, current)
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
                *getattr(answer, "headers", ()),
            ],
        )
        observe_request(_route_family(environ.get("PATH_INFO", "")), time.perf_counter() - started)
        return [payload]

    def _media(
        self, name: str, environ: dict[str, Any], start_response: StartResponse, current: str
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            answer = MediaAnswer(405, b"use GET", (("Content-Type", "text/plain"),), 7)
        else:
            try:
                answer = media_answer(
                    self.media, name, method, environ.get("HTTP_IF_NONE_MATCH", "")
                )
            except Exception:
                log.exception("unhandled error serving an image")
                answer = MediaAnswer(500, b"internal error", (("Content-Type", "text/plain"),), 14)
        start_response(
            f"{answer.status} {_REASONS.get(answer.status, '')}".strip(),
            [*answer.headers, ("Content-Length", str(answer.length)), ("X-Request-Id", current)],
        )
        observe_request("media", time.perf_counter() - started)
        return [answer.body]

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
        if path.startswith(STOP_PATH):
            page = stop_page(self.services.store, path[len(STOP_PATH) :], method)
            allow = (("Allow", "GET, HEAD, POST"),) if page.status == 405 else ()
            return _Answer(page.status, page.html, "text/html; charset=utf-8", HEADERS + allow)
        if path == "/healthz":
            if _asks_deep(environ.get("QUERY_STRING", "")):
                return self._deep_health()
            healthy = self.services.store.ping()
            return HttpAnswer(
                200 if healthy else 503, json.dumps({"ok": healthy}), "application/json"
            )
        if path == "/metrics" and self.services.settings.metrics_token:
            if method not in ("GET", "HEAD"):
                return HttpAnswer(405, "use GET")
            return self._metrics(environ.get("HTTP_AUTHORIZATION", ""))
        return HttpAnswer(404, "not found")  # /metrics too, without METRICS_TOKEN

    def _metrics(self, authorization: str) -> HttpAnswer:
        expected = self.services.settings.metrics_token or ""
        scheme, _, presented = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            challenge = 'Bearer realm="metrics"'
            return _Answer(
                401, "a bearer token is required", headers=(("WWW-Authenticate", challenge),)
            )
        if not hmac.compare_digest(presented.strip().encode(), expected.encode()):
            challenge = 'Bearer realm="metrics", error="invalid_token"'
            return _Answer(401, "wrong token", headers=(("WWW-Authenticate", challenge),))
        return HttpAnswer(200, exposition([self.collector]), CONTENT_TYPE)

    def _figures(self) -> Figures | None:
        """The database's figures for a scrape; None when it does not answer (a dead database
        would otherwise hold the scrape for the pool's whole timeout)."""
        store = self.services.store
        if not store.ping():
            return None
        return read_figures(store.db, retention_days=self.services.settings.retention_days)

    def _deep_health(self) -> HttpAnswer:
        problems = deep_check(
            self.services.store.ping,
            self._health,
            callbacks_expected=bool(self.services.settings.public_url),
        )
        body = json.dumps({"ok": not problems, "problems": problems})
        return HttpAnswer(503 if problems else 200, body, "application/json")

    def _health(self, now: float) -> Health:
        db = self.services.store.db
        return read_health(db, now, CALLBACK_SILENCE_SECONDS, CALLBACK_WINDOW_SECONDS)

    def _callback(self, secret: str, query: str) -> HttpAnswer:
        if not secret_matches(secret, self.services.settings.callback_secrets):
            # Counted (the URL is the only secret a callback has), and answered as any
            # unknown route, so that a guess learns nothing.
            count_forged_callback()
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


def _route_family(path: str) -> str:
    """The request histogram's label: a handful of values, never the path itself (callback
    URLs carry their secret)."""
    if path == "/slack/events":
        return "slack_events"
    if path.startswith(CALLBACK_PREFIX):
        return "esms_callback"
    if path in ("/healthz", "/metrics"):
        return path[1:]
    if path.startswith(STOP_PATH):
        return "stop"
    return "other"


def _asks_deep(query: str) -> bool:
    return bool(query) and any(part in ("deep=1", "deep=true") for part in query.split("&"))


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
