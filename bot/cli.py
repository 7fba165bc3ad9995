"""`viber-bot`: serve the app, run its jobs, or prepare its database."""

from __future__ import annotations

import argparse
import os
import sys

from dotenv import load_dotenv

from bot.db import DatabaseError
from bot.serving import (
    GRACEFUL_SECONDS,
    dev,
    job_threads,
    load,
    migrate_schema,
    open_store,
    serve,
    worker,
)


def migrate(args: argparse.Namespace) -> None:
    settings = load(require_signing_secret=False)
    version = migrate_schema(settings)
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


MIN_PURGE_DAYS = 1


def purge(args: argparse.Namespace) -> None:
    if not MIN_PURGE_DAYS <= args.older_than < float("inf"):  # NaN fails this too
        print(
            f"--older-than takes a number of days, at least {MIN_PURGE_DAYS}: the marketing cap "
            "counts each number's messages of the last 24 hours, and in-flight sends need "
            "their numbers.",
            file=sys.stderr,
        )
        raise SystemExit(2)
    settings = load(require_signing_secret=False)
    store, _ = open_store(settings.database_url)
    count = store.privacy.purge(args.older_than * 86400)
    store.close()
    print(
        f"Erased the message content, phone numbers and decision reasons of {count} "
        f"{'send' if count == 1 else 'sends'} older than {args.older_than:g} "
        f"{'day' if args.older_than == 1 else 'days'} (settled sends, "
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
    worker_parser = commands.add_parser(
        "worker",
        help="run the jobs without serving HTTP, beside web processes (needs PostgreSQL)",
        description="Run the jobs (Slack posts, eSMS submissions, thread updates) and the "
        "periodic duties (approval expiry, reconciliation with eSMS) until SIGTERM or SIGINT, "
        f"then let the running jobs finish within {GRACEFUL_SECONDS - 2} s. Any number of "
        "workers and web processes share one PostgreSQL database; RUN_JOBS=web leaves the jobs "
        "to the workers.",
    )
    worker_parser.add_argument(
        "--threads",
        type=job_threads,
        metavar="N",
        help="job threads (default: as many as a web process runs)",
    )
    worker_parser.set_defaults(handler=worker)
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
    from bot.exports import add_parser as add_export
    from bot.optout_file import add_parser as add_optout

    add_demo(commands)
    add_optout(commands, lambda: open_store(load(require_signing_secret=False).database_url)[0])
    add_export(commands, lambda: open_store(load(require_signing_secret=False).database_url)[0])
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
