"""`viber-bot worker`: the jobs without HTTP, beside web processes that leave them to it
(RUN_JOBS=web) on one PostgreSQL database; refused, with the reason, where it cannot work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.harness import app_environment, composer_values, free_port, run_cli, wait_for
from tests.e2e.test_reliability import PHONES, deliver_all, one_acceptance_each, status
from tests.e2e.test_several_processes import rows

SETTLE_SECONDS = 1.5  # a web process that ran jobs would have posted the thread by then
STARTED = "worker running the jobs"


class WorkerProcess:
    """`viber-bot worker` as a process of its own, with an app's environment."""

    def __init__(self, env: dict[str, str], log_path: Path, args: tuple[str, ...] = ()) -> None:
        self.env = env
        self.log_path = log_path
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "worker", *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.log_path.parent,  # away from a developer's .env, which would leak in
            )
        deadline = time.monotonic() + 20
        while STARTED not in self.log():
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"worker did not start:\n{self.log()}")
            time.sleep(0.05)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        """Send `sig` and wait for the process to end; its exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        os.killpg(self.process.pid, sig)
        return self.process.wait(timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def worker_factory(tmp_path: Path) -> Iterator:
    """Starts workers and kills what is left of them after the test. (Ask for `shared_url`
    before it: the database is dropped after the processes using it are gone.)"""
    started: list[WorkerProcess] = []

    def make(env: dict[str, str], *args: str) -> WorkerProcess:
        log_path = tmp_path / f"worker-{len(started)}.log"
        worker = WorkerProcess(env, log_path, args).start()
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop(signal.SIGKILL)


@pytest.mark.process
def test_a_web_process_leaves_the_jobs_to_a_worker(
    shared_url, app_factory, worker_factory, slack_api, esms
):
    app = app_factory(DATABASE_URL=shared_url, RUN_JOBS="web")
    assert "the jobs are left to viber-bot worker processes (RUN_JOBS=web)" in app.log()
    answer = app.command(f"{','.join(PHONES)} Hi")
    assert answer.status_code == 200
    # Accepted and stored with its jobs, and nothing runs them yet: no thread, nothing at eSMS.
    assert rows(shared_url, "SELECT COUNT(*) FROM sends") == [(1,)]
    time.sleep(SETTLE_SECONDS)
    assert slack_api.parents() == [] and esms.submissions == []
    assert rows(shared_url, "SELECT DISTINCT state FROM jobs") == [("queued",)]
    assert requests.get(app.base_url + "/healthz", timeout=5).json() == {"ok": True}

    worker = worker_factory(app.env)
    assert "no HTTP" in worker.log() and shared_url in worker.log()
    wait_for(lambda: one_acceptance_each(esms), timeout=15)
    (parent,) = wait_for(lambda: slack_api.parents())
    # The callbacks reach the web process (PUBLIC_URL); the worker updates the thread.
    deliver_all(esms)
    wait_for(lambda: "✅ Delivered 2/2" in status(slack_api, parent), timeout=15)
    assert len(esms.submissions) == 2 and "Traceback" not in worker.log()


def test_two_workers_share_the_work_and_submit_each_recipient_once(
    shared_url, app_factory, worker_factory, slack_api, esms
):
    app = app_factory(DATABASE_URL=shared_url, RUN_JOBS="web")
    workers = [worker_factory(app.env), worker_factory(app.env, "--threads", "2")]
    assert "with 2 threads" in workers[1].log()
    phones = [f"09{index:08d}" for index in range(300, 306)]
    others = [f"09{index:08d}" for index in range(400, 404)]
    assert app.command(f"{','.join(phones)} Hi all").status_code == 200
    for phone in others:  # and several sends at once, for both workers to take
        assert app.command(f"{phone} Hi").status_code == 200
    everyone = phones + others
    wait_for(lambda: len(esms.accepted) == len(everyone), timeout=20)
    time.sleep(1)  # time for any duplicate to show
    assert all(len(esms.sends_to(phone)) == 1 for phone in everyone)
    assert len(slack_api.parents()) == 1 + len(others)
    wait_for(lambda: rows(shared_url, "SELECT DISTINCT state FROM jobs") == [("done",)])
    assert all("Traceback" not in worker.log() for worker in workers)


def test_sigterm_lets_the_job_in_flight_finish_and_stops_cleanly(
    shared_url, app_factory, worker_factory, slack_api, esms
):
    app = app_factory(DATABASE_URL=shared_url, RUN_JOBS="web")
    worker = worker_factory(app.env)
    # Slack holds the thread parent for 2 s: the worker is told to stop meanwhile.
    slack_api.delay["chat.postMessage"] = 2
    app.submit_composer(composer_values(",".join(PHONES), text="Hi"))
    wait_for(lambda: slack_api.calls_to("chat.postMessage"))
    started = time.monotonic()
    assert worker.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 10
    log = worker.log()
    assert "SIGTERM received" in log and "worker stopped" in log
    assert "Traceback" not in log and "still running" not in log
    slack_api.delay.clear()
    # The parent was recorded before the worker ended: the next worker goes on, posting none.
    worker_factory(app.env)
    wait_for(lambda: one_acceptance_each(esms), timeout=15)
    assert len(slack_api.parents()) == 1 and len(esms.submissions) == 2


def test_a_worker_with_nothing_to_do_stops_at_once(shared_url, app_factory, worker_factory):
    app = app_factory(DATABASE_URL=shared_url, RUN_JOBS="web")
    worker = worker_factory(app.env)
    started = time.monotonic()
    assert worker.stop(signal.SIGINT) == 0
    assert time.monotonic() - started < 5 and "Traceback" not in worker.log()


# -- refused where it cannot work ---------------------------------------------------------------


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    # Nothing is ever called: each command here stops before it would reach Slack or eSMS.
    unused = f"http://127.0.0.1:{free_port()}/"
    return app_environment(unused, unused, free_port(), tmp_path / "app.db")


def test_a_worker_on_sqlite_is_refused_with_the_reason(sqlite_env, tmp_path):
    result = run_cli(sqlite_env, "worker", cwd=tmp_path)
    assert result.returncode == 2
    assert "viber-bot worker needs PostgreSQL (DATABASE_URL)" in result.stderr
    assert "With SQLite the web process runs the jobs itself (RUN_JOBS=both)" in result.stderr
    assert not (tmp_path / "app.db").exists()  # refused before anything was made


def test_run_jobs_web_on_sqlite_is_a_configuration_error(sqlite_env, tmp_path):
    sqlite_env["RUN_JOBS"] = "web"
    result = run_cli(sqlite_env, "serve", "--port", str(free_port()), cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert "The app cannot start; fix its configuration" in result.stderr
    assert "RUN_JOBS=web needs PostgreSQL (DATABASE_URL)" in result.stderr
    assert "nothing would ever run the jobs" in result.stderr


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_an_invalid_run_jobs_value_is_refused(sqlite_env, tmp_path, command):
    sqlite_env["RUN_JOBS"] = "sometimes"
    result = run_cli(sqlite_env, command, cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert "RUN_JOBS must be both" in result.stderr and "or web" in result.stderr
    assert "not 'sometimes'" in result.stderr


def test_run_jobs_is_reported_with_the_other_configuration_problems(sqlite_env, tmp_path):
    sqlite_env.update(RUN_JOBS="always", ESMS_API_KEY="")
    result = run_cli(sqlite_env, "serve", cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert "ESMS_API_KEY is missing" in result.stderr and "RUN_JOBS must be both" in result.stderr


def test_worker_threads_are_checked(sqlite_env, tmp_path):
    result = run_cli(sqlite_env, "worker", "--threads", "0", cwd=tmp_path)
    assert result.returncode == 2 and "a whole number from 1 to 64" in result.stderr
