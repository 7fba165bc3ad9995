"""`viber-bot migrate`, `migrate-db` and `purge`: the database's schema, its copy into
another, and erasing old content."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from bot.db import DatabaseError
from bot.store import Store
from bot.web.serving import load, migrate_schema


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


MIN_PURGE_DAYS = 1


def purge(args: argparse.Namespace, open_store: Callable[[], Store]) -> None:
    if not MIN_PURGE_DAYS <= args.older_than < float("inf"):  # NaN fails this too
        print(
            f"--older-than takes a number of days, at least {MIN_PURGE_DAYS}: the marketing cap "
            "counts each number's messages of the last 24 hours, and in-flight sends need "
            "their numbers.",
            file=sys.stderr,
        )
        raise SystemExit(2)
    store = open_store()
    count = store.privacy.purge(args.older_than * 86400)
    store.close()
    print(
        f"Erased the message content, phone numbers and decision reasons of {count} "
        f"{'send' if count == 1 else 'sends'} older than {args.older_than:g} "
        f"{'day' if args.older_than == 1 else 'days'} (settled sends, "
        "and test sends once submitted), and the phone numbers of unmatched callbacks "
        "received before then; states, counts and prices are kept."
    )


def add(commands: argparse._SubParsersAction, open_store: Callable[[], Store]) -> None:
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
    purge_parser.set_defaults(handler=lambda args: purge(args, open_store))
