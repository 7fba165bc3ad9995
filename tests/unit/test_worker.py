"""The job runner with real stores and the Slack and eSMS stand-ins, one job at a time."""

import random

import pytest
from slack_sdk import WebClient

from bot.config import load_settings
from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.esms.callback import parse_callback
from bot.esms.client import EsmsClient
from bot.pacing import ChannelPacer
from bot.store import NewSend
from bot.tasks import Tasks
from bot.worker import MAX_ATTEMPTS, MAX_BACKOFF_SECONDS, Worker, backoff_seconds
from tests.e2e.harness import wait_for
from tests.stand_ins.esms import API_KEY, BRANDNAME, SECRET_KEY, EsmsStandIn
from tests.stand_ins.slack_api import SlackApiStandIn, block_text


@pytest.fixture
def world(store):
    slack_api, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "s" * 20, "ESMS_API_KEY": API_KEY,
         "ESMS_SECRET_KEY": SECRET_KEY, "ESMS_BRANDNAME": BRANDNAME, "SLACK_API_URL": slack_api.url + "api/",
         "ESMS_API_URL": esms.url, "ESMS_TIMEOUT_SECONDS": "1"}
    )  # fmt: skip
    slack = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, retry_handlers=[]
    )
    esms_client = EsmsClient(settings.esms_api_url, API_KEY, SECRET_KEY, timeout_seconds=1)
    tasks = Tasks(
        settings, store, slack, esms_client, pacer=ChannelPacer(0)
    )  # no pacing in unit tests
    worker = Worker(store, tasks, retry_base=0)
    yield store, worker, slack_api, esms
    slack_api.stop()
    esms.stop()


def run_all(store, worker, limit=100):
    """Run due jobs (retries are due at once: base 0) until none is left or the limit is hit."""
    for _ in range(limit):
        if not worker.run_once():
            return


def send(store, phones=("0901234567",)):
    return store.create_send(
        NewSend(team_id="T", channel_id="C1", user_id="U1", message=ViberMessage(text="Hi"),
                phones=tuple(phones), brandname=BRANDNAME, sandbox=False)
    )  # fmt: skip


def test_backoff_grows_with_jitter_and_is_capped():
    rng = random.Random(7)
    delays = [backoff_seconds(attempt, 2.0, rng) for attempt in range(1, 12)]
    assert 1.0 <= delays[0] <= 2.0 and 8.0 <= delays[3] <= 16.0
    assert all(delay <= MAX_BACKOFF_SECONDS for delay in delays)
    assert len({round(d, 6) for d in delays}) == len(delays)


def test_a_send_runs_to_an_accepted_thread(world):
    store, worker, slack_api, _ = world
    send_id = send(store, ["0901234567", "0912345678"])
    run_all(store, worker)
    assert {r.state for r in store.recipients(send_id)} == {State.ACCEPTED}
    (parent,) = slack_api.parents()
    assert "Accepted by eSMS 2/2" in block_text(slack_api.messages[parent.ts].blocks)
    assert store.pending_jobs() == 0


def test_a_thread_update_that_keeps_failing_gives_up_with_a_note(world):
    store, worker, slack_api, _ = world
    send_id = send(store)
    run_all(store, worker)
    (parent,) = slack_api.parents()
    slack_api.fail_next("chat.update", times=MAX_ATTEMPTS["sync_thread"], status=500)
    (recipient,) = store.recipients(send_id)
    store.apply_callback(
        parse_callback(f"SMSID={recipient.sms_id}&SendStatus=5&SendSuccess=1"), "q"
    )
    run_all(store, worker)
    notes = [m.text for m in slack_api.replies(parent.ts)]
    assert any(
        f"after {MAX_ATTEMPTS['sync_thread']} attempts" in note and "Delivered 1/1" in note
        for note in notes
    )
    assert store.pending_jobs() == 0


def test_a_parent_slack_never_takes_tells_the_agent_and_sends_nothing(world):
    store, worker, slack_api, esms = world
    slack_api.fail_next("chat.postMessage", times=MAX_ATTEMPTS["post_parent"], status=503)
    send_id = send(store)
    run_all(store, worker)
    assert store.get_send(send_id).status == "not_posted"
    assert esms.submissions == []
    assert store.recipients(send_id)[0].state == State.CANCELLED


def post_in_flight(world, slack_seconds):
    """A send whose thread parent Slack is holding for `slack_seconds`, the worker running."""
    store, worker, slack_api, _ = world
    send_id = send(store)
    slack_api.delay["chat.postMessage"] = slack_seconds
    worker.start()
    wait_for(lambda: slack_api.calls_to("chat.postMessage"))
    return send_id


def test_stopping_lets_the_running_job_finish_and_takes_no_other(world):
    store, worker, _, esms = world
    send_id = post_in_flight(world, 0.5)
    worker.stop(timeout=5)
    assert store.get_send(send_id).parent_ts  # the post in flight was recorded
    assert esms.submissions == [] and store.pending_jobs() == 1  # the submit waits


def test_stopping_waits_no_longer_than_its_timeout_and_says_so(world, caplog):
    store, worker, _, _ = world
    send_id = post_in_flight(world, 2)
    worker.stop(timeout=0.2)
    assert store.get_send(send_id).parent_ts is None
    assert "1 job thread(s) still busy" in caplog.text
    wait_for(lambda: store.get_send(send_id).parent_ts)  # it still finishes, after the stop
