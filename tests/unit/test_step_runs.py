"""Finishing Workflow Builder step runs: exactly one send per execution, completion with the
bot token once the run's own token expired, refused completions given up after a bounded
number of tries without holding newer runs back; the store on both databases."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient

from bot.core.delivery import State
from bot.core.model import StepRunStart
from bot.jobs.steps import MAX_COMPLETION_ATTEMPTS, StepRuns
from bot.store import Store
from bot.store.new_sends import RunRecorded
from tests.helpers import all_at_once, new_send
from tests.unit.test_worker import app_settings


def _run(execution_id: str, token: str = "xwfp-none", timeout: float = 3600) -> StepRunStart:
    return StepRunStart(execution_id, token, "accepted", time.time() + timeout)


def _accepted_run(store: Store, execution_id: str, token: str = "xwfp-none") -> str:
    send_id = new_send(store, step_run=_run(execution_id, token))
    for recipient in store.sends.recipients(send_id):
        store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S" + send_id)
    return send_id


def test_one_execution_delivered_many_times_at_once_stores_one_send(store: Store):
    def deliver(_: int) -> str | None:
        try:
            return new_send(store, step_run=_run("Fx-twice"))
        except RunRecorded as again:
            return "again:" + str(again.send_id)

    outcomes = all_at_once(6, deliver)
    stored = [o for o in outcomes if o and not o.startswith("again:")]
    assert len(stored) == 1
    assert {o.removeprefix("again:") for o in outcomes if o.startswith("again:")} == set(stored)
    assert len(store.sends.by_user("U1", 100)) == 1
    [run] = store.steps.open_runs()
    assert run.send_id == stored[0]


@pytest.fixture
def finisher(store: Store, slack_api, esms):
    return StepRuns(app_settings(slack_api, esms), store, WebClient(base_url=slack_api.url))


def test_a_completion_twenty_minutes_late_uses_the_bot_token(store, slack_api, finisher):
    event = slack_api.function_executed({}, team="T", app_id="A", callback_id="send_viber_message")
    execution = event["event"]["function_execution_id"]
    _accepted_run(store, execution, event["event"]["bot_access_token"])
    slack_api.clock_offset = 20 * 60  # the run's own token expired meanwhile
    assert finisher.run_once() == 1
    done = slack_api.completion_of(execution)
    assert done is not None and done.method == "functions.completeSuccess"
    assert done.token == slack_api.token
    assert store.steps.open_runs() == []


def test_a_completion_in_time_uses_the_runs_own_token(store, slack_api, finisher):
    event = slack_api.function_executed({}, team="T", app_id="A", callback_id="send_viber_message")
    execution = event["event"]["function_execution_id"]
    _accepted_run(store, execution, event["event"]["bot_access_token"])
    assert finisher.run_once() == 1
    assert slack_api.completion_of(execution).token == event["event"]["bot_access_token"]


def test_refused_runs_never_hold_a_new_one_back_and_are_given_up(store, slack_api, finisher):
    for index in range(250):  # Slack knows none of these: every completion is refused
        _accepted_run(store, f"Fx-refused-{index:03d}")
    event = slack_api.function_executed({}, team="T", app_id="A", callback_id="send_viber_message")
    execution = event["event"]["function_execution_id"]
    _accepted_run(store, execution, event["event"]["bot_access_token"])
    finisher.run_once()
    finisher.run_once()  # the 200 oldest wait for their next try: the rest are read
    assert slack_api.completion_of(execution) is not None
    refused = store.db.fetch_all(
        "SELECT attempts, due_at - created_at AS later FROM step_runs WHERE state = 'open'"
    )
    # Each was tried and waits for its next try, pushed behind the newer runs.
    assert len(refused) == 250 and min(row["attempts"] for row in refused) >= 1
    assert min(row["later"] for row in refused) > 1
    # However often they come due, each is tried a bounded number of times, then given up.
    for _ in range(3 * MAX_COMPLETION_ATTEMPTS):  # 200 a round: two rounds an attempt
        with store.db.transaction() as conn:
            conn.execute("UPDATE step_runs SET due_at = 0 WHERE state = 'open'")
        finisher.run_once()
    states = store.db.fetch_all("SELECT state, COUNT(*) AS n FROM step_runs GROUP BY state")
    assert {row["state"]: row["n"] for row in states} == {"gave_up": 250, "completed": 1}


def test_runs_still_waiting_never_hold_a_newer_run_back(store, slack_api, finisher):
    for index in range(201):  # waiting on eSMS: nothing to complete yet
        new_send(store, step_run=_run(f"Fx-waiting-{index:03d}"))
    event = slack_api.function_executed({}, team="T", app_id="A", callback_id="send_viber_message")
    execution = event["event"]["function_execution_id"]
    _accepted_run(store, execution, event["event"]["bot_access_token"])
    finisher.run_once()
    finisher.run_once()
    assert slack_api.completion_of(execution) is not None


def test_slack_unreachable_is_tried_again_without_giving_up(store, slack_api, finisher):
    event = slack_api.function_executed({}, team="T", app_id="A", callback_id="send_viber_message")
    execution = event["event"]["function_execution_id"]
    _accepted_run(store, execution, event["event"]["bot_access_token"])
    for _ in range(MAX_COMPLETION_ATTEMPTS + 2):
        slack_api.fail_next("functions.completeSuccess", status=500)
        with store.db.transaction() as conn:
            conn.execute("UPDATE step_runs SET due_at = 0")
        assert finisher.run_once() == 0
    [run] = store.db.fetch_all("SELECT state, attempts FROM step_runs")
    assert (run["state"], run["attempts"]) == ("open", 0)  # an outage is no refusal
    with store.db.transaction() as conn:
        conn.execute("UPDATE step_runs SET due_at = 0")
    assert finisher.run_once() == 1 and slack_api.completion_of(execution) is not None
