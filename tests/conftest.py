from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.standins.esms import EsmsStandIn
from sandbox.standins.slack_api import SlackApiStandIn
from tests.databases import POSTGRES_URL, SKIP_REASON, postgres_database


@pytest.fixture
def slack_api() -> Iterator[SlackApiStandIn]:
    """Slack's Web API on a loopback port."""
    stand_in = SlackApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def esms() -> Iterator[EsmsStandIn]:
    """eSMS on a loopback port."""
    stand_in = EsmsStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(SKIP_REASON)
    with postgres_database() as url:
        yield url
