"""Databases for tests: a SQLite file, or a new PostgreSQL database, made for one test and dropped
after it, on the server that TEST_DATABASE_URL names."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
SKIP_REASON = (
    "PostgreSQL not configured: set TEST_DATABASE_URL to a server where new databases may be "
    "created, e.g. postgresql://postgres@127.0.0.1:5432/test"
)


@contextmanager
def postgres_database(server_url: str = POSTGRES_URL) -> Iterator[str]:
    """The URL of a new, empty database; dropped afterwards, with any connection left to it."""
    name = f"viber_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
