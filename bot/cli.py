"""`viber-bot`: serve the app, or prepare its database."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from dotenv import load_dotenv

from bot.config import ConfigError, Settings, load_settings
from bot.db import DatabaseError
from bot.logs import configure_logging

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger("bot")

# How long gunicorn gives a process to finish after SIGTERM (Heroku allows 30 s in all).
GRACEFUL_SECONDS = 10


def _settings(*, require_signing_secret: bool = True, require_app_token: bool = False) -> Settings:
    load_dotenv(override=False)  # the real environment wins over .env
    try:
        return load_settings(
            require_signing_secret=require_signing_secret, require_app_token=require_app_token
        )
    except ConfigError as error:
        print(error.report(), file=sys.stderr)
        raise SystemExit(2) from None


def _open_store(url: str) -> tuple[Store, int]:
    """The store at `url` with its schema brought up to date, and the schema version; a database
    that cannot be used ends the command with the reason."""
    from bot.store import Store

    try:
        store = Store.open(url, pool_size=1)
        return store, store.migrate()
    except DatabaseError as error:
        print(f"The database cannot be used: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _migrate(settings: Settings) -> int:
    store, version = _open_store(settings.database_url)
    store.close()  # before gunicorn forks: each process opens its own connections
    return version


def _web_processes(settings: Settings) -> int:
    """WEB_CONCURRENCY (Heroku sets it by dyno size) with PostgreSQL; one process with SQLite."""
    requested = os.environ.get("WEB_CONCURRENCY", "").strip()
    if requested in ("", "1"):
        return 1
    if not settings.shared_database:
        # With SQLite one process is the safe choice (one writer, a file on one disk), so say
        # it is used rather than refuse to start.
        log.warning(
            "WEB_CONCURRENCY=%s ignored: with SQLite the app runs one web process "
            "(threads serve the concurrency); point DATABASE_URL at PostgreSQL to run several",
            requested[:10],
        )
        return 1
    if not requested.isdigit() or not 1 <= int(requested) <= 32:
        log.warning(
            "WEB_CONCURRENCY=%r is not a number from 1 to 32; running 1 web process", requested[:10]
        )
        return 1
    return int(requested)


def serve(args: argparse.Namespace) -> None:
    from gunicorn.app.base import BaseApplication

    from bot.logs import ACCESS_LOG_FORMAT, gunicorn_logger

    settings = _settings()
    configure_logging(settings.log_level, settings.secret_values())
    _migrate(settings)
    processes = _web_processes(settings)
    if os.environ.get("DYNO") and not settings.shared_database:
        log.warning(
            "the database %s is a file on this Heroku dyno, wiped at every restart with every "
            "thread mapping: add Heroku Postgres (see README, Deploying on Heroku)",
            settings.database_label,
        )

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{args.host}:{args.port or settings.port}",
                # Every process runs its own job workers beside the app; with PostgreSQL they
                # share the jobs through the database and each job runs once.
                "workers": processes,
                "worker_class": "gthread",
                "threads": args.threads,
                "timeout": 60,
                "graceful_timeout": GRACEFUL_SECONDS,
                "worker_exit": _finish_jobs,
                "accesslog": "-" if args.access_log else None,
                "access_log_format": ACCESS_LOG_FORMAT,
                "logger_class": gunicorn_logger(settings.secret_values()),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from bot.wsgi import create_app

            return create_app(settings)

    log.info(
        "serving on %s:%s with %d web process%s (%s)",
        args.host,
        args.port or settings.port,
        processes,
        "" if processes == 1 else "es",
        settings.database_label,
    )
    Server().run()


def _finish_jobs(arbiter: Any, process: Any) -> None:
    """gunicorn's worker_exit hook. On SIGTERM (a deploy, a daily dyno restart) the jobs
    running in this process finish before it ends, so a Slack post in flight is recorded
    instead of made again by the next process."""
    app = getattr(process, "wsgi", None)  # None when the app failed to load
    if app is not None:
        app.services.worker.stop(timeout=GRACEFUL_SECONDS - 2)


def dev(args: argparse.Namespace) -> None:
    """Socket Mode: Slack connects out to this process; no public URL is needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime import bolt_app, build_services

    settings = _settings(require_signing_secret=False, require_app_token=True)
    configure_logging(settings.log_level, settings.secret_values())
    _migrate(settings)
    services = build_services(settings)
    services.worker.start()
    handler = SocketModeHandler(
        bolt_app(services), settings.slack_app_token, web_client=services.slack
    )
    mode = (
        "callbacks under PUBLIC_URL"
        if settings.public_url
        else f"status polling every {settings.status_poll_seconds} s"
    )
    log.info("connecting to Slack in Socket Mode; delivery reports by %s", mode)
    try:
        handler.start()
    finally:
        services.worker.stop(timeout=GRACEFUL_SECONDS - 2)


def migrate(args: argparse.Namespace) -> None:
    settings = _settings(require_signing_secret=False)
    version = _migrate(settings)
    print(f"Database {settings.database_label} is at schema version {version}.")


def migrate_db(args: argparse.Namespace) -> None:
    """Copy a database (SQLite, typically) into another, empty one (PostgreSQL, typically)."""
    from bot.core.database_url import SQLITE_PREFIX, redact_url, url_problem
    from bot.db import open_database
    from bot.db.copy import copy_database

    problems = [
        f"--{name}: {problem}"
        for name, url in (("from", args.source), ("to", args.target))
        if (problem := url_problem(url))
    ]
    if not problems and args.source == args.target:
        problems.append("--from and --to name the same database")
    source_file = args.source.removeprefix(SQLITE_PREFIX)
    if not problems and args.source.startswith(SQLITE_PREFIX) and not os.path.isfile(source_file):
        problems.append(f"--from: there is no SQLite database at {source_file}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        raise SystemExit(2)
    source, target = (
        open_database(args.source, pool_size=1),
        open_database(args.target, pool_size=1),
    )
    print(f"Copying {source.url} into {target.url} …")
    try:
        copied = copy_database(
            source, target, progress=lambda table, rows: print(f"  {table}: {rows} rows")
        )
    except DatabaseError as error:
        print(f"Nothing was copied: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        source.close()
        target.close()
    print(
        f"Copied {copied['sends']} sends and {copied['recipients']} recipients with their threads, "
        f"jobs, callbacks, approvals and templates. Set DATABASE_URL={redact_url(args.target)} "
        "(with its password) and restart the app."
    )


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
    if args.older_than < 0:
        print("--older-than takes a number of days, 0 or more.", file=sys.stderr)
        raise SystemExit(2)
    settings = _settings(require_signing_secret=False)
    store, _ = _open_store(settings.database_url)
    count = store.privacy.purge(args.older_than * 86400)
    store.close()
    print(
        f"Erased the message content, phone numbers and decision reasons of {count} "
        f"{'send' if count == 1 else 'sends'} older than {args.older_than:g} days (settled sends, "
        "and test sends once submitted), and the phone numbers of unmatched delivery reports "
        "received before then; states, counts and prices are kept."
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
    copy_parser = commands.add_parser(
        "migrate-db",
        help="copy every send, thread, job and template from one database into an empty one",
        description="Copy a database into an empty one, for example SQLite into PostgreSQL. "
        "Stop the app first. The source keeps every row; its schema is brought up to date first, "
        "as the app itself would at start.",
    )
    copy_parser.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL",
        help="the database to copy, e.g. sqlite:///viber-bot.db",
    )
    copy_parser.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL",
        help="an empty database, e.g. postgres://user:password@host:5432/name",
    )
    copy_parser.set_defaults(handler=migrate_db)
    purge_parser = commands.add_parser(
        "purge",
        help="erase message content, phone numbers and decision reasons of old sends, keep statistics",
    )
    purge_parser.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    purge_parser.set_defaults(handler=purge)
    from bot.demo.run import add_parser as add_demo
    from bot.optout_file import add_parser as add_optout

    add_demo(commands)
    add_optout(
        commands, lambda: _open_store(_settings(require_signing_secret=False).database_url)[0]
    )
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
