"""The metrics for operations: the database's figures, read by the collector from a real store
(SQLite and PostgreSQL) and parsed back with prometheus_client's own parser; the deep health
check's judgement; the per-process timings and their directory."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.core.callback import parse_callback
from bot.core.delivery import State
from bot.core.model import Approval, JobKind, JobState
from bot.jobs.parent import after_parent
from bot.metrics.database import DatabaseCollector
from bot.metrics.figures import Health
from bot.metrics.health import CALLBACK_SILENCE_SECONDS, deep_check, judge
from bot.store.metrics import (
    SLACK_RATE_LIMITED,
    count_event,
    read_figures,
    read_health,
)
from tests.helpers import all_at_once, drain, new_send


def scrape(store) -> dict[str, dict[tuple, float]]:
    """The exposition `/metrics` would answer, parsed: sample name → {labels: value}."""
    text = metrics.exposition([DatabaseCollector(lambda: read_figures(store.db))])
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


def one(samples: dict[str, dict[tuple, float]], name: str, **labels: str) -> float:
    return samples[name][tuple(sorted(labels.items()))]


def rows(store, sql: str) -> list[tuple]:
    return [tuple(row[key] for key in row.keys()) for row in store.db.fetch_all(sql)]  # noqa: SIM118


def seed(store) -> dict[str, str]:
    """A day's work in miniature: a send with an acceptance, a refusal and callbacks; an
    approval approved and one pending; a job that retried and gave up; 429s and forgeries."""
    plain = new_send(store, ["0901234567", "0912345678"])
    drain(store)
    store.sends.mark_parent_posted(plain, "1.1", then=after_parent)
    accepted, refused = store.sends.recipients(plain)
    store.deliveries.record_submission(accepted.id, State.ACCEPTED, sms_id="S1")
    store.deliveries.record_submission(refused.id, State.REFUSED, error_code=101, error_detail="x")
    delivered = parse_callback("SMSID=S1&SendStatus=5&SendSuccess=1")
    store.deliveries.apply_callback(delivered, "a")  # applied
    store.deliveries.apply_callback(delivered, "b")  # duplicate
    store.deliveries.apply_callback(parse_callback("SMSID=NOPE&SendStatus=5"), "c")  # unmatched
    # The submits: one done, one retried once and then given up.
    submits = []
    while len(submits) < 2:
        job = store.jobs.claim()
        if job.kind == JobKind.SUBMIT:
            submits.append(job)
        else:
            store.jobs.finish(job.id)
    store.jobs.finish(submits[0].id)
    store.jobs.retry(submits[1].id, 0, "eSMS did not answer")
    while (job := store.jobs.claim()).id != submits[1].id:  # a thread refresh may come first
        store.jobs.finish(job.id)
    store.jobs.fail(job.id, "eSMS did not answer, twice")

    approved = new_send(store, ["0987654321"], approval_ttl_seconds=3600.0)
    pending = new_send(store, ["0961234567"], approval_ttl_seconds=3600.0)
    drain(store)
    for send_id in (approved, pending):
        store.sends.mark_parent_posted(send_id, f"2.{send_id}", then=after_parent)
    store.approvals.decide(approved, Approval.APPROVED, "U0BOSS")
    for _ in range(3):
        count_event(store, SLACK_RATE_LIMITED)
    return {"plain": plain, "approved": approved, "pending": pending}


def test_every_figure_matches_the_rows_it_counts(store):
    seed(store)
    samples = scrape(store)
    assert one(samples, "viber_database_up") == 1

    for state, count in rows(store, "SELECT thread_state, COUNT(*) FROM sends GROUP BY 1"):
        assert one(samples, "viber_sends", state=state) == count
    assert one(samples, "viber_sends", state="posted") == 3
    assert one(samples, "viber_sends", state="not_posted") == 0  # every state, zero or not
    assert one(samples, "viber_sends_awaiting_approval") == 1

    counted = rows(store, "SELECT channel, state, COUNT(*) FROM recipients GROUP BY 1, 2")
    for channel, state, count in counted:
        assert one(samples, "viber_recipients", channel=channel, state=state) == count
    assert sum(samples["viber_recipients"].values()) == sum(count for *_, count in counted)
    assert one(samples, "viber_recipients", channel="viber", state="delivered") == 1
    assert one(samples, "viber_recipients", channel="sms", state="delivered") == 0

    assert one(samples, "viber_esms_results_total", channel="viber", code="100") == 1
    assert one(samples, "viber_esms_results_total", channel="viber", code="101") == 1

    callbacks = {
        outcome: one(samples, "viber_callbacks_total", outcome=outcome)
        for outcome in ("applied", "duplicate", "unmatched")
    }
    assert callbacks == {"applied": 1, "duplicate": 1, "unmatched": 1}
    assert dict(rows(store, "SELECT outcome, COUNT(*) FROM callbacks GROUP BY 1")) == {
        "applied": 1,
        "no_change": 1,
        "unmatched": 1,
    }  # forged ones are counted in memory (bot.metrics), never stored

    for kind, state, count in rows(store, "SELECT kind, state, COUNT(*) FROM jobs GROUP BY 1, 2"):
        assert one(samples, "viber_jobs", kind=kind, state=state) == count
    assert one(samples, "viber_jobs", kind="submit", state="failed") == 1
    assert (
        one(samples, "viber_jobs", kind="campaign_report", state="queued") == 0
    )  # the stored kind keeps its name
    assert one(samples, "viber_job_retries_total", kind="submit") == 1
    assert one(samples, "viber_job_give_ups_total", kind="submit") == 1
    assert one(samples, "viber_job_give_ups_total", kind="post_parent") == 0

    assert one(samples, "viber_slack_rate_limited_total") == 3
    assert one(samples, "viber_approval_decisions_total", decision="approved") == 1
    assert one(samples, "viber_approval_decisions_total", decision="rejected") == 0
    assert dict(rows(store, "SELECT action, COUNT(*) FROM approval_events GROUP BY 1")) == {
        "approved": 1
    }


def test_a_callback_moves_its_counter_at_the_next_scrape(store):
    ids = seed(store)
    before = one(scrape(store), "viber_callbacks_total", outcome="applied")
    recipient = store.sends.recipients(ids["approved"])[0]
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S9")
    store.deliveries.apply_callback(parse_callback("SMSID=S9&SendStatus=2"), "d")
    assert one(scrape(store), "viber_callbacks_total", outcome="applied") == before + 1


def test_the_oldest_due_job_counts_only_jobs_a_process_could_run_now(store):
    assert one(scrape(store), "viber_job_oldest_due_seconds") == 0
    send_id = new_send(store, ["0901234567"])
    now = time.time()
    with store.db.transaction() as conn:
        conn.execute("UPDATE jobs SET run_after = ? WHERE send_id = ?", (now - 300, send_id))
    assert 299 < read_figures(store.db, now).oldest_due_seconds < 302
    # Running, with its lease renewed: not waiting. Its thread's next job waits for it.
    running = store.jobs.claim()
    with store.db.transaction() as conn:
        conn.execute(
            """INSERT INTO jobs (kind, send_id, order_key, state, attempts, run_after)
               VALUES (?, ?, ?, ?, 0, ?)""",
            (JobKind.SYNC_THREAD, send_id, f"thread:{send_id}", JobState.QUEUED, now - 600),
        )
    assert read_figures(store.db, now).oldest_due_seconds == 0
    # Its holder died: the lease ran out 50 s ago, and the job waits for another process.
    with store.db.transaction() as conn:
        conn.execute(
            f"UPDATE jobs SET lease_until = {store.db.clock} - 50 WHERE id = ?", (running.id,)
        )
    assert 49 < read_figures(store.db, now).oldest_due_seconds < 60
    # A job due later (a retry's backoff, a schedule) is not waiting either.
    store.jobs.finish(running.id)
    with store.db.transaction() as conn:
        conn.execute("UPDATE jobs SET state = ?, run_after = ? ", (JobState.QUEUED, now + 60))
    assert read_figures(store.db, now).oldest_due_seconds == 0


def test_counting_creates_its_table_once_even_from_many_threads(store):
    assert all_at_once(8, lambda _: count_event(store, SLACK_RATE_LIMITED)) == [None] * 8
    assert read_figures(store.db).slack_rate_limited == 8


def test_a_count_that_cannot_be_stored_is_lost_quietly():
    class Broken:
        kind = "sqlite"

        def transaction(self):
            raise OSError("disk gone")

    count_event(Broken(), SLACK_RATE_LIMITED)  # no exception


def test_a_database_that_does_not_answer_is_a_figure_not_a_failed_scrape():
    def unreachable():
        raise OSError("connection refused")

    for read in (unreachable, lambda: None):
        text = metrics.exposition([DatabaseCollector(read)])
        names = {family.name for family in text_string_to_metric_families(text)}
        assert "viber_database_up" in names and "viber_sends" not in names
        assert "viber_database_up 0.0" in text


def test_silent_callbacks_are_a_problem_only_while_delivery_statuses_are_awaited(store):
    ids = seed(store)
    now = time.time()
    recipient = store.sends.recipients(ids["approved"])[0]
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S7")
    with store.db.transaction() as conn:
        conn.execute(
            "UPDATE recipients SET submitted_at = ? WHERE id = ?", (now - 3600, recipient.id)
        )
        conn.execute("UPDATE callbacks SET received_at = ?", (now - 2 * 3600,))
    health = read_health(store.db, now, CALLBACK_SILENCE_SECONDS, 6 * 3600)
    assert health.awaiting_status == 1 and health.last_callback_at == pytest.approx(now - 7200)
    problems = judge(health, now=now, callbacks_expected=True)
    assert len(problems) == 1 and "No eSMS callback has arrived for 120 min" in problems[0]
    assert "1 recipient accepted more than 30 min ago" in problems[0]
    assert judge(health, now=now, callbacks_expected=False) == []  # no PUBLIC_URL
    store.deliveries.apply_callback(parse_callback("SMSID=S7&SendStatus=2"), "e")
    recent = read_health(store.db, time.time(), CALLBACK_SILENCE_SECONDS, 6 * 3600)
    assert judge(recent, now=time.time(), callbacks_expected=True) == []


def test_the_deep_check_answers_in_sentences():
    calm = Health(oldest_due_seconds=3.0, last_callback_at=None, awaiting_status=0)
    assert deep_check(lambda: True, lambda now: calm, callbacks_expected=True) == []
    stalled = Health(oldest_due_seconds=612.4, last_callback_at=None, awaiting_status=2)
    problems = deep_check(lambda: True, lambda now: stalled, callbacks_expected=True)
    assert problems[0].startswith("The oldest due job has waited 612 s (more than 120 s)")
    assert problems[1].startswith("No eSMS callback has ever arrived while 2 recipients")
    assert deep_check(lambda: False, lambda now: calm, callbacks_expected=True) == [
        "The database does not answer: nothing can be stored or sent."
    ]

    def failing(now):
        raise OSError("gone")

    (problem,) = deep_check(lambda: True, failing, callbacks_expected=True)
    assert "reading the queue and the callbacks failed (OSError)" in problem


def test_timings_land_in_their_histograms():
    def count(samples, name, **labels):
        return samples.get(name, {}).get(tuple(sorted(labels.items())), 0)

    def parsed():
        samples: dict[str, dict[tuple, float]] = {}
        for family in text_string_to_metric_families(metrics.exposition()):
            for sample in family.samples:
                key = tuple(sorted(sample.labels.items()))
                samples.setdefault(sample.name, {})[key] = sample.value
        return samples

    before = parsed()
    metrics.observe_request("healthz", 0.003)
    metrics.observe_request("/a/path/of/its/own", 0.2)  # any other path is "other"
    metrics.observe_esms("SendMultipleMessage_V4_post_json", 0.4)
    after = parsed()
    name = "viber_http_request_duration_seconds_count"
    assert count(after, name, route="healthz") == count(before, name, route="healthz") + 1
    assert count(after, name, route="other") == count(before, name, route="other") + 1
    endpoint = {"endpoint": "SendMultipleMessage_V4_post_json"}
    esms_name = "viber_esms_call_duration_seconds_bucket"
    assert count(after, esms_name, **endpoint, le="0.5") == (
        count(before, esms_name, **endpoint, le="0.5") + 1
    )


def test_a_run_directory_is_made_for_each_serve_and_dead_runs_are_removed(tmp_path, monkeypatch):
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(ended.stdout)
    (tmp_path / f"viber-bot-metrics-{dead_pid}-abc").mkdir()
    (tmp_path / f"viber-bot-metrics-{dead_pid}-abc" / "histogram_1.db").write_bytes(b"x")
    (tmp_path / "something-else").mkdir()
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path))  # the operator's filesystem
    path = metrics.make_run_dir()
    assert metrics.multiprocess_dir() == path and path.startswith(str(tmp_path))
    assert sorted(entry.name for entry in tmp_path.iterdir()) == sorted(
        ["something-else", path.rsplit("/", 1)[1]]
    )
    assert metrics.remove_dead_runs(str(tmp_path)) == []  # this process's run is alive
    metrics.remove_run_dir(path)
    assert not (tmp_path / path.rsplit("/", 1)[1]).exists()


def test_retention_shows_its_setting_and_its_latest_runs(store):
    def scraped(days: int) -> tuple:
        text = metrics.exposition(
            [DatabaseCollector(lambda: read_figures(store.db, retention_days=days))]
        )
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name.startswith("viber_retention")
        }
        return (
            samples[("viber_retention_days", ())],
            samples[("viber_retention_last_run_sends", (("dry", "true"),))],
            samples[("viber_retention_last_run_sends", (("dry", "false"),))],
            samples[("viber_retention_last_run_timestamp_seconds", (("dry", "true"),))],
            samples[("viber_retention_last_run_timestamp_seconds", (("dry", "false"),))],
        )

    assert scraped(0) == (0, 0, 0, 0, 0)  # every series there before any run
    old = new_send(store, ["0901234567"], test_send=True)
    (recipient,) = store.sends.recipients(old)
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")
    with store.db.transaction() as conn:
        conn.execute("UPDATE sends SET created_at = created_at - ?", (40 * 86400,))
    now = time.time()
    store.retention.run(30, now=now)
    assert scraped(30) == (30, 1, 0, now, 0)
    store.retention.run(30, now=now + 86400)
    assert scraped(30) == (30, 1, 1, now, now + 86400)
    store.retention.run(30, now=now + 2 * 86400)
    assert scraped(30) == (30, 1, 0, now, now + 2 * 86400)  # the latest purge found nothing
