"""DATABASE_URL: which database it names, what is wrong with it, and how to show it without
its password. Pure text, so the settings can check it without opening anything."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgres", "postgresql")


def is_shared(url: str) -> bool:
    """True for a database server that several processes can share (PostgreSQL)."""
    return url.split(":", 1)[0] in POSTGRES_SCHEMES


def url_problem(url: str) -> str | None:
    """Why DATABASE_URL cannot be used, or None when it can."""
    if url.startswith(SQLITE_PREFIX):
        return None if url != SQLITE_PREFIX else "sqlite:/// needs a file path after it"
    parts = urlsplit(url)
    if parts.scheme in POSTGRES_SCHEMES:
        if not parts.hostname and not parts.path.strip("/"):
            return "a PostgreSQL URL needs a host and a database, as in postgres://user:password@host:5432/name"
        try:
            parts.port  # noqa: B018 (urllib checks the port when it is read)
        except ValueError:
            return f"the port in DATABASE_URL must be a number: {redact_url(url)!r}"
        return None
    return (
        "DATABASE_URL must be sqlite:///path/to/file.db or postgres://user:password@host:5432/name"
        f", not {redact_url(url)!r}"
    )


def redact_url(url: str) -> str:
    """The URL with its password masked, fit for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def url_password(url: str) -> str | None:
    if url.startswith(SQLITE_PREFIX):
        return None
    return urlsplit(url).password or None
