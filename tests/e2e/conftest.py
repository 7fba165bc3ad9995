from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.standins.esms import EsmsStandIn
from sandbox.standins.slack_api import SlackApiStandIn
from tests.databases import POSTGRES_URL, SKIP_REASON, postgres_database
from tests.e2e.harness import AppProcess, app_environment, free_port
from tests.e2e.inprocess import InProcessApp


@pytest.fixture
def app_factory(
    request: pytest.FixtureRequest, slack_api: SlackApiStandIn, esms: EsmsStandIn, tmp_path: Path
) -> Callable[..., AppProcess | InProcessApp]:
    """Start the app with these variables on top of the stand-ins' environment: served from
    this process (`InProcessApp`), or as its own process (`AppProcess`) in a test marked
    `process`. Each app ends with its test, before any fixture's teardown (a database the test
    made is dropped only once no app uses it); the last started first."""
    as_process = request.node.get_closest_marker("process") is not None

    def make(**extra_env: str) -> AppProcess | InProcessApp:
        port = free_port()
        env = app_environment(slack_api.url, esms.url, port, tmp_path / "app.db", **extra_env)
        app: AppProcess | InProcessApp
        if as_process:
            app = AppProcess(env, port, tmp_path / f"app-{port}.log").start()
            # The test is over: a graceful stop (gunicorn's, about two seconds) would prove
            # nothing.
            request.node.addfinalizer(app.kill)
        else:
            app = InProcessApp(env, port).start()
            request.node.addfinalizer(app.close)
        return app

    return make


@pytest.fixture
def app(app_factory) -> AppProcess | InProcessApp:
    return app_factory()


@pytest.fixture
def shared_url() -> Iterator[str]:
    """A new PostgreSQL database for app processes to share."""
    if not POSTGRES_URL:
        pytest.skip(SKIP_REASON)
    with postgres_database() as url:
        yield url
