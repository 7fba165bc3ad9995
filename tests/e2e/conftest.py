from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.standins.esms import EsmsStandIn
from sandbox.standins.slack_api import SlackApiStandIn
from tests.databases import POSTGRES_URL, SKIP_REASON, postgres_database
from tests.e2e.harness import AppProcess, app_environment, free_port


@pytest.fixture
def app_factory(slack_api: SlackApiStandIn, esms: EsmsStandIn, tmp_path: Path) -> Iterator:
    started: list[AppProcess] = []

    def make(**extra_env: str) -> AppProcess:
        port = free_port()
        env = app_environment(slack_api.url, esms.url, port, tmp_path / "app.db", **extra_env)
        app = AppProcess(env, port, tmp_path / f"app-{port}.log").start()
        started.append(app)
        return app

    yield make
    for app in started:
        # The test is over: a graceful stop (gunicorn's, about two seconds) would prove nothing.
        app.kill()


@pytest.fixture
def app(app_factory) -> AppProcess:
    return app_factory()


@pytest.fixture
def shared_url() -> Iterator[str]:
    """A new PostgreSQL database for app processes to share."""
    if not POSTGRES_URL:
        pytest.skip(SKIP_REASON)
    with postgres_database() as url:
        yield url
