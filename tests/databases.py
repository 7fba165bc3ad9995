"""Databases for tests: a SQLite file, or a new PostgreSQL database, made for one test and dropped
after it, on the server that TEST_DATABASE_URL names."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import psycopg
import sqlite_utils

from bot.core.database_url import SQLITE_PREFIX

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


class Column(NamedTuple):
    name: str
    type: str  # as the database declares it; PostgreSQL's identity columns end in " identity"
    nullable: bool
    default: str | None
    primary_key: bool


class Table(NamedTuple):
    columns: list[Column]  # in the table's order
    indexes: dict[str, tuple[tuple[str, ...], bool]]  # name: (columns, unique), keys left out
    foreign_keys: set[tuple[str, str, str]]  # (column, other table, other column)


Schema = dict[str, Table]


def read_schema(url: str) -> Schema:
    """The live schema of the database at `url`, as its catalog tells it."""
    if url.startswith(SQLITE_PREFIX):
        return sqlite_schema(url.removeprefix(SQLITE_PREFIX))
    return postgres_schema(url)


def sqlite_schema(path: str) -> Schema:
    db = sqlite_utils.Database(path)
    try:
        return {
            name: Table(
                # SQLite lets a PRIMARY KEY that is not INTEGER hold NULL; the app never writes
                # one, and PostgreSQL's keys are NOT NULL: a key counts as NOT NULL here.
                [
                    Column(c.name, c.type, not (c.notnull or c.is_pk), c.default_value, c.is_pk > 0)
                    for c in table.columns
                ],
                {
                    index.name: (tuple(index.columns), bool(index.unique))
                    for index in table.indexes
                    if index.origin != "pk"
                },
                {(fk.column, fk.other_table, fk.other_column) for fk in table.foreign_keys},
            )
            for name in db.table_names()
            for table in [db.table(name)]
        }
    finally:
        db.close()


_PG_COLUMNS = """
    SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default,
           c.is_identity, EXISTS (
               SELECT 1 FROM pg_index ix JOIN pg_attribute a
                   ON a.attrelid = ix.indrelid AND a.attnum = ANY (ix.indkey)
               WHERE ix.indisprimary AND ix.indrelid = to_regclass(quote_ident(c.table_name))
                   AND a.attname = c.column_name) AS primary_key
    FROM information_schema.columns c
    WHERE c.table_schema = current_schema()
    ORDER BY c.table_name, c.ordinal_position"""
_PG_INDEXES = """
    SELECT t.relname AS table_name, i.relname AS index_name, ix.indisunique,
           array_agg(a.attname ORDER BY k.ord) AS columns
    FROM pg_index ix
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_class i ON i.oid = ix.indexrelid
    CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k (attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE t.relnamespace = current_schema()::regnamespace AND NOT ix.indisprimary
    GROUP BY t.relname, i.relname, ix.indisunique"""
_PG_FOREIGN_KEYS = """
    SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name,
           c.confrelid::regclass::text AS other_table, o.attname AS other_column
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    JOIN pg_attribute o ON o.attrelid = c.confrelid AND o.attnum = c.confkey[1]
    WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"""


def postgres_schema(url: str) -> Schema:
    schema: Schema = {}
    with psycopg.connect(url) as conn:
        for table, name, kind, nullable, default, identity, key in conn.execute(_PG_COLUMNS):
            if identity == "YES":
                kind += " identity"
            if default is not None:  # a literal's cast, 'none'::text, is how PostgreSQL shows it
                default = re.sub(r"::[a-z ]+$", "", default)
            schema.setdefault(table, Table([], {}, set())).columns.append(
                Column(name, kind, nullable == "YES", default, key)
            )
        for table, name, unique, columns in conn.execute(_PG_INDEXES):
            schema[table].indexes[name] = (tuple(columns), unique)
        for table, column, other_table, other_column in conn.execute(_PG_FOREIGN_KEYS):
            schema[table].foreign_keys.add((column, other_table, other_column))
    return schema
