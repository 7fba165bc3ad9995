"""What the app posts is recorded with its send (each message and its updates, each file), and an
erasure's jobs edit exactly what was posted, paced, delete its sends' files, and tell the admin
once: the job runner with real stores (both databases) and the Slack and eSMS stand-ins."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.core.callback import parse_callback
from bot.core.message import ViberMessage
from bot.esms.client import EsmsClient
from bot.jobs.runner import Worker
from bot.store import Store
from bot.web.runtime import wire_jobs
from sandbox.standins.esms import API_KEY, BRANDNAME, SECRET_KEY, EsmsStandIn
from sandbox.standins.slack_api import SlackApiStandIn
from tests.e2e.harness import wait_for
from tests.helpers import new_send as plain_send
from tests.unit.test_worker import Pacing, app_settings, campaign, run_all

KEY = "k" * 40
PHONE, OTHER = "0901234567", "0912345678"


@pytest.fixture
def erasing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Store, Worker, SlackApiStandIn, EsmsStandIn]]:
    monkeypatch.setattr("bot.store.jobs.SYNC_DEBOUNCE_SECONDS", 0)
    monkeypatch.setattr("bot.store.jobs.PROGRESS_DEBOUNCE_SECONDS", 0)
    monkeypatch.setattr("bot.jobs.post_edits.EDIT_SECONDS", 0.0)
    monkeypatch.setattr("bot.jobs.erasure.EDITS_POLL_SECONDS", 0.0)
    store = Store.open(database_url, job_lease_seconds=60, data_key=KEY)
    store.migrate()
    slack_api, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    settings = app_settings(slack_api, esms)
    slack = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    esms_client = EsmsClient(settings.esms_api_url, API_KEY, SECRET_KEY, timeout_seconds=1)
    policies = wire_jobs(settings, store, slack, esms_client, Pacing())
    yield store, Worker(store, policies=policies, retry_base=0), slack_api, esms
    slack_api.stop()
    esms.stop()
    store.close()


def new_send(store: Store, phones: tuple[str, ...], **extra: object) -> str:
    return plain_send(store, phones, brandname=BRANDNAME, **extra)


def deliver(store: Store, send_id: str) -> None:
    for recipient in store.sends.recipients(send_id):
        query = f"SMSID={recipient.sms_id}&SendStatus=5&SendSuccess=1&phonenumber={recipient.phone}"
        store.deliveries.apply_callback(parse_callback(query), query)


def until_done(store: Store, worker: Worker, request_id: int) -> None:
    """Run the jobs as the app does, waits included, until the erasure has told its admin."""
    worker.start()
    try:
        wait_for(lambda: store.erasures.get(request_id).told_at, timeout=30)
    finally:
        worker.stop()


def shown(slack_api: SlackApiStandIn) -> str:
    """Everything the stand-in holds of what was posted: texts, blocks, files."""
    with slack_api.lock:
        messages = [m.text + json.dumps(m.blocks) for m in slack_api.messages.values()]
        files = [u.content.decode("utf-8", "replace") + u.title for u in slack_api.uploads]
    return "\n".join(messages + files)


def test_every_post_of_a_send_is_recorded_with_what_it_shows_now(erasing):
    store, worker, slack_api, _ = erasing
    send_id = new_send(store, (PHONE, OTHER), message=ViberMessage(text="Xin chào"))
    run_all(store, worker)
    deliver(store, send_id)
    run_all(store, worker)
    posts = store.slack_posts.of_send(send_id)
    (parent,) = slack_api.parents()
    stored = {post.ts: post for post in posts}
    assert set(stored) == set(slack_api.messages)  # the parent and each outcome reply
    for ts, message in slack_api.messages.items():
        assert (stored[ts].text, stored[ts].blocks or []) == (message.text, message.blocks)
    assert parent.updates >= 1  # the parent's updates are recorded on it
    assert stored[parent.ts].kind == "message" and {p.kind for p in posts} == {"message", "reply"}


def test_an_erasure_edits_exactly_what_was_posted_deletes_the_files_and_tells_once(erasing):
    store, worker, slack_api, _ = erasing
    alone = new_send(store, (PHONE,), message=ViberMessage(text="Đơn của chị đã giao"))
    shared = new_send(store, (PHONE, OTHER), message=ViberMessage(text="Khuyến mãi"))
    rows = campaign(store, slack_api, f"phone,ten\n{PHONE},Lan\n{OTHER},Minh\n".encode())
    run_all(store, worker)
    for send_id in (alone, shared):
        deliver(store, send_id)
    run_all(store, worker)
    store.campaigns.queue_results_again(rows)  # its results file, in its thread
    run_all(store, worker)
    assert PHONE in shown(slack_api)
    assert [p for p in store.slack_posts.of_send(rows) if p.kind == "file"]
    before = {ts: m.updates for ts, m in slack_api.messages.items()}

    request_id, _ = store.erasures.ask(PHONE, "U0ADMIN")
    store.erasures.confirm(request_id)
    until_done(store, worker, request_id)  # edits wait for a campaign's paced refresh

    assert PHONE not in shown(slack_api) and "567" in shown(slack_api)
    request = store.erasures.get(request_id)
    assert request.state == "done" and request.told_at is not None
    assert request.done["edited"] >= 3 and request.done["deleted"] == 1
    assert slack_api.deleted and not slack_api.uploads[-1].content
    [note] = [m for m in slack_api.messages.values() if m.channel == "U0ADMIN"]
    assert "•••••••567 erased" in note.text and PHONE not in note.text
    # Each message holding the number edited once, none posted again.
    edits = slack_api.calls_to("chat.update")
    edited = [c.args["ts"] for c in edits if "•••••••567" in json.dumps(c.args, ensure_ascii=False)]
    assert edited and len(edited) == len(set(edited))
    # Nothing posted again; only the deleted file's share is gone with it.
    shares = {ts for ts in before if ts not in slack_api.messages}
    assert set(slack_api.messages) - {note.ts} == set(before) - shares and len(shares) == 1
    # Run again: nothing more is edited or told.
    calls = len(slack_api.calls)
    store.erasures.carry_out(request_id)
    run_all(store, worker)
    assert len(slack_api.calls) == calls


def test_a_message_slack_says_is_gone_is_out_of_reach_and_said_so(erasing):
    store, worker, slack_api, _ = erasing
    send_id = new_send(store, (PHONE,), message=ViberMessage(text="Xin chào"))
    run_all(store, worker)
    deliver(store, send_id)
    run_all(store, worker)
    (parent,) = slack_api.parents()
    with slack_api.lock:
        del slack_api.messages[parent.ts]  # deleted by someone in Slack
    request_id, _ = store.erasures.ask(PHONE, "U0ADMIN")
    store.erasures.confirm(request_id)
    until_done(store, worker, request_id)
    request = store.erasures.get(request_id)
    assert request.state == "done" and request.unreachable["messages"] >= 1
    [note] = [m for m in slack_api.messages.values() if m.channel == "U0ADMIN"]
    assert "would not let the app edit" in note.text


def test_a_429_on_an_edit_is_waited_out_and_the_edits_finish(erasing):
    store, worker, slack_api, _ = erasing
    sends = [new_send(store, (PHONE,), message=ViberMessage(text=f"Gọi {PHONE}")) for _ in "abc"]
    run_all(store, worker)
    for send_id in sends:
        deliver(store, send_id)
    run_all(store, worker)
    slack_api.fail_next("chat.update", status=429, retry_after=1)
    request_id, _ = store.erasures.ask(PHONE, "U0ADMIN")
    store.erasures.confirm(request_id)
    until_done(store, worker, request_id)
    assert slack_api.rate_limited == 1 and PHONE not in shown(slack_api)
