from collections.abc import Iterator

import pytest

from bot.store import Store


@pytest.fixture
def store(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A migrated store; the same tests run on SQLite and on PostgreSQL."""
    monkeypatch.setattr("bot.store.jobs.SYNC_DEBOUNCE_SECONDS", 0)  # refreshes due at once
    monkeypatch.setattr("bot.store.jobs.PROGRESS_DEBOUNCE_SECONDS", 0)
    store = Store.open(database_url, job_lease_seconds=60)
    store.migrate()
    yield store
    store.close()
