"""`/metrics` and `/healthz?deep=1` on the real app: scraped and parsed with prometheus_client's
own parser, on web processes sharing PostgreSQL; behind METRICS_TOKEN, off without it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.store import Store
from tests.databases import POSTGRES_URL
from tests.e2e.harness import wait_for
from tests.helpers import all_at_once

TOKEN = "metrics-token-7f3a9c2e51"
Samples = dict[str, dict[tuple, float]]


def scrape(app, token: str = TOKEN) -> Samples:
    response = requests.get(
        app.base_url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


def deep(app) -> tuple[int, dict]:
    response = requests.get(app.base_url + "/healthz?deep=1", timeout=30)
    return response.status_code, response.json()


def execute(url: str, sql: str) -> None:
    store = Store.open(url, pool_size=1)
    try:
        with store.db.transaction() as conn:
            conn.execute(sql)
    finally:
        store.close()


def test_metrics_are_an_unknown_route_without_a_token(app):
    response = requests.get(app.base_url + "/metrics", timeout=5)
    unknown = requests.get(app.base_url + "/nope", timeout=5)
    assert (response.status_code, response.text) == (404, unknown.text)
    # Asking with a token changes nothing: there is none to match.
    asked = requests.get(
        app.base_url + "/metrics", headers={"Authorization": "Bearer x"}, timeout=5
    )
    assert asked.status_code == 404


def test_a_missing_or_wrong_token_is_refused_and_never_logged(app_factory):
    app = app_factory(METRICS_TOKEN=TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = requests.get(app.base_url + "/metrics", headers=headers, timeout=5)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert TOKEN not in response.text
    assert value(scrape(app), "viber_database_up") == 1
    assert TOKEN not in app.log()


@pytest.mark.process
def test_two_web_processes_report_the_whole_deployment_and_a_callback_moves_it(
    app_factory, esms, shared_url
):
    settings = {"DATABASE_URL": shared_url, "METRICS_TOKEN": TOKEN}
    first, second = app_factory(**settings), app_factory(**settings)
    assert first.command("0901234567 Xin chào").status_code == 200
    (submission,) = wait_for(lambda: list(esms.accepted.values()), timeout=15)
    # The send went through the first process; the second one reports it all the same.
    accepted = {"channel": "viber", "code": "100"}
    wait_for(lambda: value(scrape(second), "viber_esms_results_total", **accepted) == 1)
    before = scrape(second)
    assert value(before, "viber_sends", state="posted") == 1
    assert value(before, "viber_callbacks_total", outcome="applied") == 0

    assert esms.callback(submission, 5, success=1, via=first.base_url).status_code == 200
    assert esms.callback(submission, 5, success=1, via=first.base_url).status_code == 200
    forged = requests.get(first.base_url + "/esms/callback/not-the-secret?SMSID=1", timeout=5)
    assert forged.status_code == 404
    after = scrape(second)
    assert value(after, "viber_callbacks_total", outcome="applied") == 1
    assert value(after, "viber_callbacks_total", outcome="duplicate") == 1
    # A forged callback is counted by the process that answered it, in memory only.
    assert value(scrape(first), "viber_forged_callbacks_total") == 1
    assert value(after, "viber_forged_callbacks_total") == 0
    assert value(after, "viber_recipients", channel="viber", state="delivered") == 1
    # Timings are the process's own: the callbacks were answered by the first one.
    callbacks = {"route": "esms_callback"}
    assert value(scrape(first), "viber_http_request_duration_seconds_count", **callbacks) == 3
    assert value(after, "viber_http_request_duration_seconds_count", **callbacks) == 0


@pytest.mark.process
def test_request_latency_adds_up_over_the_web_processes_of_one_run(app_factory, shared_url):
    app = app_factory(DATABASE_URL=shared_url, METRICS_TOKEN=TOKEN, WEB_CONCURRENCY="2")
    wait_for(lambda: app.log().count("Booting worker") == 2)
    marker = "each web process keeps its timings for /metrics in "
    line = next(line for line in app.log().splitlines() if marker in line)
    directory = Path(line.split(marker)[1].strip())
    count = "viber_http_request_duration_seconds_count"
    before = value(scrape(app), count, route="healthz")
    sent = 0
    # Until both processes have answered some: gunicorn gives each connection to either.
    while len(list(directory.glob("histogram_*.db"))) < 2 and sent < 400:
        answers = all_at_once(
            20, lambda _: requests.get(app.base_url + "/healthz", timeout=10).status_code
        )
        assert set(answers) == {200}
        sent += 20
    assert len(list(directory.glob("histogram_*.db"))) == 2
    samples = scrape(app)
    assert value(samples, count, route="healthz") == before + sent
    bucket = "viber_http_request_duration_seconds_bucket"
    assert value(samples, bucket, route="healthz", le="+Inf") == before + sent
    assert value(samples, "viber_http_request_duration_seconds_sum", route="healthz") > 0
    app.stop()  # gracefully: the run's directory goes with it
    assert not directory.exists()


def test_deep_health_reports_a_stalled_queue(app_factory, slack_api, shared_url):
    # The web process leaves the jobs to worker processes, and none runs.
    app = app_factory(DATABASE_URL=shared_url, RUN_JOBS="web", METRICS_TOKEN=TOKEN)
    assert deep(app) == (200, {"ok": True, "problems": []})
    assert app.command("0901234567 Xin chào").status_code == 200
    assert deep(app)[0] == 200  # due a moment ago: not yet a problem
    execute(shared_url, "UPDATE jobs SET run_after = run_after - 600")  # ten minutes on
    status, body = deep(app)
    assert status == 503 and body["ok"] is False
    (problem,) = body["problems"]
    assert problem.startswith("The oldest due job has waited 60") and "worker" in problem
    assert requests.get(app.base_url + "/healthz", timeout=5).json() == {"ok": True}  # cheap
    samples = scrape(app)
    assert value(samples, "viber_jobs", kind="post_parent", state="queued") == 1
    assert value(samples, "viber_job_oldest_due_seconds") >= 600
    assert slack_api.parents() == []


@pytest.mark.process
def test_deep_health_reports_a_database_that_is_gone(app_factory, shared_url):
    app = app_factory(DATABASE_URL=shared_url, METRICS_TOKEN=TOKEN)
    assert deep(app)[0] == 200
    name = urlsplit(shared_url).path.lstrip("/")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    status, body = deep(app)
    assert status == 503
    assert body == {
        "ok": False,
        "problems": ["The database does not answer: nothing can be stored or sent."],
    }
    assert requests.get(app.base_url + "/healthz", timeout=30).status_code == 503
    samples = scrape(app)  # the process's own figures still; the database's say it is down
    assert value(samples, "viber_database_up") == 0
    assert "viber_sends" not in samples
