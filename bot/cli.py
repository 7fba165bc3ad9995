"""`viber-bot`: serve the app, or prepare its database."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from typing import Any

from dotenv import load_dotenv

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging

log = logging.getLogger("bot")


def _settings(*, require_signing_secret: bool = True, require_app_token: bool = False) -> Settings:
    load_dotenv(override=False)  # the real environment wins over .env
    try:
        return load_settings(
            require_signing_secret=require_signing_secret, require_app_token=require_app_token
        )
    except ConfigError as error:
        print(error.report(), file=sys.stderr)
        raise SystemExit(2) from None


def _migrate(settings: Settings) -> int:
    from bot.store import Store

    try:
        return Store(settings.sqlite_path).migrate()
    except sqlite3.Error as error:
        print(f"The database at {settings.database_url} cannot be used: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def serve(args: argparse.Namespace) -> None:
    from gunicorn.app.base import BaseApplication

    settings = _settings()
    configure_logging(settings.log_level, settings.secret_values())
    _migrate(settings)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{args.host}:{args.port or settings.port}",
                # One process: SQLite has one writer, and the job workers live beside the app.
                "workers": 1,
                "worker_class": "gthread",
                "threads": args.threads,
                "timeout": 60,
                "graceful_timeout": 10,
                "accesslog": "-" if args.access_log else None,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from bot.wsgi import create_app

            return create_app(settings)

    requested = os.environ.get("WEB_CONCURRENCY", "").strip()
    if requested not in ("", "1"):
        # Heroku's Python buildpack sets WEB_CONCURRENCY by dyno size; with SQLite one process
        # is the safe choice, so say it is used rather than refuse to start.
        log.warning(
            "WEB_CONCURRENCY=%s ignored: with SQLite the app runs one web process "
            "(threads serve the concurrency)",
            requested[:10],
        )
    log.info("serving on %s:%s", args.host, args.port or settings.port)
    Server().run()


def dev(args: argparse.Namespace) -> None:
    """Socket Mode: Slack connects out to this process; no public URL is needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime import build_services
    from bot.slack.app import build_bolt_app

    settings = _settings(require_signing_secret=False, require_app_token=True)
    configure_logging(settings.log_level, settings.secret_values())
    _migrate(settings)
    services = build_services(settings)
    services.worker.start()
    handler = SocketModeHandler(
        build_bolt_app(services), settings.slack_app_token, web_client=services.slack
    )
    mode = (
        "callbacks under PUBLIC_URL"
        if settings.public_url
        else f"status polling every {settings.status_poll_seconds} s"
    )
    log.info("connecting to Slack in Socket Mode; delivery reports by %s", mode)
    handler.start()


def migrate(args: argparse.Namespace) -> None:
    settings = _settings(require_signing_secret=False)
    version = _migrate(settings)
    print(f"Database {settings.database_url} is at schema version {version}.")


def check(args: argparse.Namespace) -> None:
    from bot.check import run_checks

    load_dotenv(override=False)
    results = run_checks()
    for result in results:
        print(result.render())
    failed = sum(not result.ok for result in results)
    print(f"\n{len(results) - failed} of {len(results)} checks passed.")
    raise SystemExit(1 if failed else 0)


def purge(args: argparse.Namespace) -> None:
    from bot.store import Store

    if args.older_than < 0:
        print("--older-than takes a number of days, 0 or more.", file=sys.stderr)
        raise SystemExit(2)
    settings = _settings(require_signing_secret=False)
    _migrate(settings)
    count = Store(settings.sqlite_path).purge_content(args.older_than * 86400)
    print(
        f"Erased the message content and phone numbers of {count} settled "
        f"{'send' if count == 1 else 'sends'} older than {args.older_than:g} days; "
        "states, counts and prices are kept."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="viber-bot", description="Send Viber messages through eSMS from Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve Slack and eSMS over HTTP (gunicorn)")
    serve_parser.add_argument("--host", default="0.0.0.0", help="address to bind (default 0.0.0.0)")
    serve_parser.add_argument("--port", type=int, help="port (default $PORT, or 3000)")
    serve_parser.add_argument("--threads", type=int, default=8, help="request threads (default 8)")
    serve_parser.add_argument("--access-log", action="store_true", help="log every request")
    serve_parser.set_defaults(handler=serve)
    dev_parser = commands.add_parser(
        "dev", help="run locally in Socket Mode (needs SLACK_APP_TOKEN, no public URL)"
    )
    dev_parser.set_defaults(handler=dev)
    check_parser = commands.add_parser(
        "check",
        help="check configuration, Slack, eSMS, brandnames and the database; exit 0 if all pass",
    )
    check_parser.set_defaults(handler=check)
    migrate_parser = commands.add_parser("migrate", help="create or upgrade the database schema")
    migrate_parser.set_defaults(handler=migrate)
    purge_parser = commands.add_parser(
        "purge",
        help="erase message content and phone numbers of old settled sends, keep statistics",
    )
    purge_parser.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    purge_parser.set_defaults(handler=purge)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
