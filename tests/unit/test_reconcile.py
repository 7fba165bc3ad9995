"""Reconciliation against the eSMS stand-in, with a controllable clock."""

import pytest

from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.esms.client import EsmsClient
from bot.reconcile import ESMS_HORIZON_SECONDS, Reconciler
from bot.store import NewSend
from tests.stand_ins.esms import API_KEY, BRANDNAME, SECRET_KEY


@pytest.fixture
def world(store, esms, monkeypatch):
    monkeypatch.setattr("bot.store.SYNC_DEBOUNCE_SECONDS", 0.5)
    client = EsmsClient(esms.url, API_KEY, SECRET_KEY, timeout_seconds=1)
    clock = {"now": 0.0}
    pauses = []
    reconciler = Reconciler(
        store, client, poll_seconds=60, grace_seconds=120,
        clock=lambda: clock["now"], pause=pauses.append,
    )  # fmt: skip
    return store, client, reconciler, clock, pauses


def submitted(store, client, phones=("0901234567",), *, keep_sms_id=True):
    send_id = store.create_send(
        NewSend(team_id="T", channel_id="C", user_id="U", message=ViberMessage(text="Hi"),
                phones=tuple(phones), brandname=BRANDNAME, sandbox=False)
    )  # fmt: skip
    store.mark_parent_posted(send_id, "1.1")
    for recipient in store.recipients(send_id):
        accepted = client.send_viber(
            ViberMessage(text="Hi"),
            recipient.phone,
            brandname=BRANDNAME,
            request_id=recipient.request_id,
        )
        store.record_submission(
            recipient.id, State.ACCEPTED, sms_id=accepted.sms_id if keep_sms_id else None
        )
    return store.recipients(send_id)


def test_quiet_recipients_get_their_true_state(world, esms):
    store, client, reconciler, clock, _ = world
    (recipient,) = submitted(store, client)
    esms.settle(esms.submissions[0], 5, success=1)
    clock["now"] = recipient.updated_at + 60  # inside the grace period: not asked yet
    assert reconciler.run_once() == 0
    clock["now"] = recipient.updated_at + 200
    assert reconciler.run_once() == 1
    assert store.get_recipient(recipient.id).state == State.DELIVERED
    clock["now"] += 200
    assert reconciler.run_once() == 0  # final: never asked again


def test_not_found_yet_is_asked_again_next_poll(world, esms):
    store, client, reconciler, clock, _ = world
    (recipient,) = submitted(store, client)
    del esms.status[recipient.sms_id]  # 105
    clock["now"] = recipient.updated_at + 200
    assert reconciler.run_once() == 0
    clock["now"] += 30
    assert (
        store.recipients_to_reconcile(
            settled_before=clock["now"], polled_before=clock["now"] - 60, limit=9
        )
        == []
    )
    clock["now"] += 60
    esms.status[recipient.sms_id] = {
        "CodeResponse": "100",
        "SendStatus": 4,
        "SendSuccess": 0,
        "SendFailed": 1,
    }
    assert reconciler.run_once() == 1
    assert store.get_recipient(recipient.id).state == State.REJECTED


def test_a_lost_answer_is_recovered_from_sent_data(world, esms):
    store, client, reconciler, clock, _ = world
    (recipient,) = submitted(store, client, keep_sms_id=False)
    esms.settle(esms.submissions[0], 5, success=1)
    clock["now"] = recipient.updated_at + 200
    assert reconciler.run_once() == 1
    settled = store.get_recipient(recipient.id)
    assert settled.sms_id == esms.submissions[0].sms_id and settled.state == State.DELIVERED


def test_the_seven_day_horizon_ends_in_a_clear_outcome(world, esms):
    store, client, reconciler, clock, _ = world
    (recipient,) = submitted(store, client)
    clock["now"] = recipient.submitted_at + ESMS_HORIZON_SECONDS + 1
    calls_before = len(esms.submissions)
    assert reconciler.run_once() == 1
    assert store.get_recipient(recipient.id).state == State.UNAVAILABLE
    assert len(esms.submissions) == calls_before


def test_one_poll_spreads_its_calls(world, esms):
    store, client, reconciler, clock, pauses = world
    recipients = submitted(store, client, phones=[f"09{i:08d}" for i in range(10)])
    clock["now"] = max(r.updated_at for r in recipients) + 200
    reconciler.run_once()
    assert len(pauses) == 9 and all(0 < pause <= 3 for pause in pauses)


def test_an_unreachable_gateway_ends_the_poll_early(world, esms):
    store, client, _, _, _ = world
    recipients = submitted(store, client, phones=["0901234567", "0912345678"])
    dead = EsmsClient("http://127.0.0.1:9/", API_KEY, SECRET_KEY, timeout_seconds=1)
    pauses = []
    reconciler = Reconciler(
        store, dead, poll_seconds=60, grace_seconds=120, clock=lambda: now, pause=pauses.append
    )
    now = max(r.updated_at for r in recipients) + 200
    assert reconciler.run_once() == 0
    assert pauses == []  # stopped at the first failure instead of trying every recipient
