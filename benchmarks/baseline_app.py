"""Comparison servers for the benchmarks: a Bolt app that only acknowledges, and a static 200."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler


def bolt_app() -> Callable[..., Iterable[bytes]]:
    """The least a Bolt app can do: acknowledge the command and the modal submission."""
    app = App(
        token=os.environ["SLACK_BOT_TOKEN"],
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
    )
    app.client.base_url = os.environ["SLACK_API_URL"]

    @app.command("/viber")
    def command(ack: Any) -> None:
        ack()

    @app.view("viber_compose")
    def submit(ack: Any) -> None:
        ack()

    handler = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return wsgi


def static_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
