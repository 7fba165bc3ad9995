"""The stand-ins playing along for the demo: eSMS calling back on its own, and Slack
keeping what a person would see. A loopback receiver stands for the app's callback route."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.callback import parse_callback
from bot.core.formatting import VIETNAM
from bot.core.message import ViberMessage
from bot.esms.client import EsmsClient, EsmsRefused
from sandbox.standins.esms import API_KEY, BRANDNAME, SECRET_KEY, EsmsStandIn
from sandbox.standins.http import Reply, StandIn
from sandbox.standins.slack_api import SlackApiStandIn
from tests.e2e.harness import free_port, wait_for

PHONE = "0901234567"
OTHER = "0912345678"
DELAY = 1.5  # long enough that a busy machine still looks before it
_request_ids = itertools.count(1)


class Receiver(StandIn):
    """The app's callback route: records each request's query string and when it came."""

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        super().__init__()
        self.status, self.delay = status, delay
        self.hits: list[tuple[str, str, float]] = []  # (method, query string, monotonic time)
        self.callback_url = self.url + "esms/callback/secret"

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> Reply:
        with self.lock:
            self.hits.append((method, urlencode(query), time.monotonic()))
        if self.delay:
            time.sleep(self.delay)
        return Reply(self.status, {"ok": True})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    stand_in = Receiver().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def client(esms: EsmsStandIn) -> EsmsClient:
    return EsmsClient(esms.url, API_KEY, SECRET_KEY, timeout_seconds=5)


def send(client: EsmsClient, phone: str = PHONE, callback_url: str | None = None) -> str | None:
    accepted = client.send_viber(
        ViberMessage(text="Xin chào"),
        phone,
        brandname=BRANDNAME,
        request_id=f"req-{next(_request_ids)}",
        callback_url=callback_url,
    )
    return accepted.sms_id


def status_of(client: EsmsClient, sms_id: str) -> tuple[int, int, int]:
    status = client.send_status(sms_id)
    return status.send_status, status.success, status.failed


# -- eSMS playing along: calls back on its own, a refusal on demand, the latest submissions --------


def test_off_by_default_nothing_is_called_back(esms, client, receiver):
    sms_id = send(client, callback_url=receiver.callback_url)
    time.sleep(1.0)
    assert receiver.hits == []
    assert status_of(client, sms_id) == (2, 0, 0)


@pytest.mark.parametrize(
    ("outcome", "given", "send_result"),
    [("deliver", (5, 1, 0), 1), ("fail", (5, 0, 1), 0), ("reject", (4, 0, 1), 0)],
)
def test_each_submission_is_called_back_after_the_delay_and_the_status_agrees(
    esms, client, receiver, outcome, given, send_result
):
    esms.auto_deliver_seconds = DELAY
    if outcome != "deliver":  # deliver is what a phone nobody chose for gets
        esms.choose(PHONE, outcome)
    started = time.monotonic()
    sms_id = send(client, callback_url=receiver.callback_url)
    assert receiver.hits == [] and status_of(client, sms_id) == (2, 0, 0)

    ((method, query, at),) = wait_for(lambda: receiver.hits, timeout=5)
    assert method == "GET" and at - started >= DELAY
    callback = parse_callback(query)
    assert (callback.sms_id, callback.phone) == (sms_id, PHONE)
    assert (callback.send_status, callback.success, callback.failed) == given
    assert status_of(client, sms_id) == given
    [record] = client.sent_data(
        datetime.now(VIETNAM) - timedelta(minutes=1), datetime.now(VIETNAM) + timedelta(minutes=1)
    )
    assert (record.sms_id, record.send_result) == (sms_id, send_result)
    time.sleep(DELAY)
    assert len(receiver.hits) == 1  # once


def test_a_silent_phone_gets_no_callback_but_its_status_settles_as_delivered(
    esms, client, receiver
):
    esms.auto_deliver_seconds = DELAY
    esms.choose(PHONE, "silent")
    sms_id = send(client, callback_url=receiver.callback_url)
    wait_for(lambda: status_of(client, sms_id) == (5, 1, 0), timeout=5)
    time.sleep(DELAY)
    assert receiver.hits == []
    assert esms.recent(1)[0].callback_result == "silent"


def test_outcomes_are_per_phone_and_any_spelling_of_the_number_counts(receiver):
    esms = EsmsStandIn(auto_deliver_seconds=DELAY, outcomes={"+84 91 234 5678": "fail"}).start()
    try:
        client = EsmsClient(esms.url, API_KEY, SECRET_KEY, timeout_seconds=5)
        failing = send(client, OTHER, receiver.callback_url)
        delivered = send(client, PHONE, receiver.callback_url)
        wait_for(lambda: len(receiver.hits) == 2, timeout=5)
        assert status_of(client, failing) == (5, 0, 1)
        assert status_of(client, delivered) == (5, 1, 0)
    finally:
        esms.stop()


def test_an_unknown_outcome_and_a_forced_acceptance_are_refused(esms):
    with pytest.raises(ValueError, match="lost"):
        esms.choose(PHONE, "lost")
    with pytest.raises(ValueError):
        EsmsStandIn(outcomes={PHONE: "delivered"})
    with pytest.raises(ValueError):
        esms.force_next(100)
    assert esms.outcomes == {} and not esms.forced


def test_a_callback_the_app_is_down_for_is_dropped_and_the_next_still_arrives(
    esms, client, receiver
):
    esms.auto_deliver_seconds = DELAY
    down = f"http://127.0.0.1:{free_port()}/esms/callback/secret"
    lost = send(client, PHONE, down)
    wait_for(lambda: esms.recent(1)[0].callback_result, timeout=5)
    assert esms.recent(1)[0].callback_result.startswith("dropped")
    assert status_of(client, lost) == (5, 1, 0)  # eSMS knows; reconciliation finds it

    found = send(client, OTHER, receiver.callback_url)
    ((_method, query, _at),) = wait_for(lambda: receiver.hits, timeout=5)
    assert parse_callback(query).sms_id == found


def test_a_slow_app_holds_up_only_its_own_callback(esms, client, receiver):
    slow = Receiver(delay=4.0).start()
    try:
        esms.auto_deliver_seconds = DELAY
        esms.callback_timeout = 2.0
        send(client, PHONE, slow.callback_url)
        started = time.monotonic()
        send(client, OTHER, receiver.callback_url)
        ((_method, _query, at),) = wait_for(lambda: receiver.hits, timeout=5)
        assert at - started < DELAY + 1.0  # not behind the slow one's timeout
        wait_for(lambda: esms.recent(2)[1].callback_result, timeout=5)
        assert esms.recent(2)[1].callback_result == "dropped (ReadTimeout)"
    finally:
        slow.stop()


def test_stop_drops_the_deliveries_not_yet_due(receiver):
    esms = EsmsStandIn(auto_deliver_seconds=DELAY).start()
    send(EsmsClient(esms.url, API_KEY, SECRET_KEY), callback_url=receiver.callback_url)
    esms.stop()
    time.sleep(DELAY * 2)
    assert receiver.hits == []


@pytest.mark.parametrize(
    ("code", "message"),
    [(103, "Balance not enough"), (101, "Authorize Failed"), (104, "Brandname not exist")],
)
def test_force_next_refuses_one_send_with_the_code_then_sends_go_through(
    esms, client, receiver, code, message
):
    esms.auto_deliver_seconds = DELAY
    esms.force_next(code)
    with pytest.raises(EsmsRefused) as refused:
        send(client, callback_url=receiver.callback_url)
    assert (refused.value.code, refused.value.error_message) == (code, message)
    assert send(client, callback_url=receiver.callback_url)
    wait_for(lambda: receiver.hits, timeout=5)
    time.sleep(DELAY)
    assert len(receiver.hits) == 1  # the refused one is never called back


def test_recent_lists_the_latest_submissions_newest_first(esms, client, receiver):
    esms.auto_deliver_seconds = DELAY
    esms.choose(OTHER, "fail")
    esms.force_next(103)
    with pytest.raises(EsmsRefused):
        send(client, PHONE, receiver.callback_url)
    first = send(client, PHONE, receiver.callback_url)
    second = send(client, OTHER, receiver.callback_url)

    rows = esms.recent(2)
    assert [(r.phone, r.sms_id, r.code, r.status) for r in rows] == [
        (OTHER, second, 100, "waiting"),
        (PHONE, first, 100, "waiting"),
    ]
    assert rows[0].request_id == esms.submissions[-1].body["RequestId"]
    assert rows[0].outcome == "fail"
    wait_for(lambda: len(receiver.hits) == 2, timeout=5)
    wait_for(lambda: all(r.callback_result for r in esms.recent(2)), timeout=5)
    assert [(r.status, r.callback_result) for r in esms.recent(3)] == [
        ("failed", "HTTP 200"),
        ("delivered", "HTTP 200"),
        ("refused", None),
    ]
    assert esms.recent(3)[2].code == 103


# -- Slack: what a person would see -------------------------------------------------------------


@pytest.fixture
def web(slack_api: SlackApiStandIn) -> WebClient:
    return WebClient(token=slack_api.token, base_url=slack_api.url + "api/", retry_handlers=[])


def modal(title: str) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": []}


def test_users_info_names_anyone_and_the_names_given(slack_api, web):
    slack_api.users["U0LINH"] = "Linh"
    assert web.users_info(user="U0LINH")["user"]["profile"]["display_name"] == "Linh"
    assert web.users_info(user="U0OTHER")["user"]["profile"]["display_name"] == "U0OTHER"
    with pytest.raises(SlackApiError, match="user_not_found"):
        web.users_info(user="C0CHANNEL")


def test_a_modal_keeps_its_id_and_gets_a_new_hash_on_each_update(slack_api, web):
    opened = web.views_open(trigger_id="1.2.3", view=modal("Compose"))["view"]
    assert opened["id"] and opened["hash"]
    updated = web.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Again"))
    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    latest = slack_api.latest_modal()
    assert (latest.id, latest.hash, latest.method) == (
        opened["id"],
        updated["view"]["hash"],
        "views.update",
    )
    assert latest.view["title"]["text"] == "Again"

    pushed = web.views_push(trigger_id="1.2.4", view=modal("Reason"))["view"]
    assert pushed["id"] != opened["id"]
    assert slack_api.latest_modal().id == pushed["id"]
    assert slack_api.modal(opened["id"]).view["title"]["text"] == "Again"


def test_private_notes_are_kept_in_order_from_both_ways_of_sending_them(slack_api, web):
    web.chat_postEphemeral(channel="C0001", user="U0001", text="Only you")
    requests.post(slack_api.response_url(), json={"text": "Also only you"}, timeout=5)
    notes = slack_api.ephemeral_notes()
    assert [(n.via, n.text, n.channel, n.user) for n in notes] == [
        ("chat.postEphemeral", "Only you", "C0001", "U0001"),
        ("response_url", "Also only you", None, None),
    ]
    assert slack_api.ephemeral_notes(limit=1) == notes[-1:]
    assert slack_api.responses == [{"text": "Also only you"}]  # as the tests always read them


def test_the_latest_home_tab_is_kept_per_person(slack_api, web):
    assert slack_api.latest_home() is None
    web.views_publish(user_id="U0001", view={"type": "home", "blocks": []})
    answer = web.views_publish(
        user_id="U0002", view={"type": "home", "blocks": [{"type": "divider"}]}
    )
    assert answer["view"]["hash"]
    assert slack_api.latest_home().user == "U0002"
    assert slack_api.latest_home("U0001").view["blocks"] == []
