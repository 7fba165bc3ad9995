"""Reconciliation against the eSMS stand-in, with a controllable clock."""

import logging
import unicodedata

import pytest

from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.core.model import NewSend
from bot.esms.client import EsmsClient, EsmsRefused, SentRecord
from bot.jobs.parent import after_parent
from bot.jobs.reconcile import ESMS_HORIZON_SECONDS, RECOVERY_WINDOW, Reconciler
from bot.jobs.submit import content_sent
from sandbox.standins.esms import API_KEY, BRANDNAME, SECRET_KEY
from sandbox.standins.esms_sms import SMS_BRANDNAME


@pytest.fixture
def world(store, esms, monkeypatch):
    monkeypatch.setattr("bot.store.jobs.SYNC_DEBOUNCE_SECONDS", 0.5)
    client = EsmsClient(esms.url, API_KEY, SECRET_KEY, timeout_seconds=1)
    clock = {"now": 0.0}
    pauses = []
    reconciler = Reconciler(
        store,
        client,
        poll_seconds=60,
        grace_seconds=120,
        clock=lambda: clock["now"],
        pause=pauses.append,
    )
    return store, client, reconciler, clock, pauses


def submitted(store, client, phones=("0901234567",), *, keep_sms_id=True, text="Hi", sent=None):
    """A send stored with `text`; eSMS receives `sent` (the same text unless told otherwise)."""
    send_id = store.sends.create(
        NewSend(
            team_id="T",
            channel_id="C",
            user_id="U",
            message=ViberMessage(text=text),
            phones=tuple(phones),
            brandname=BRANDNAME,
            test_send=False,
        )
    )
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    for recipient in store.sends.recipients(send_id):
        accepted = client.send_viber(
            sent or ViberMessage(text=text),
            recipient.phone,
            brandname=BRANDNAME,
            request_id=recipient.request_id,
        )
        store.deliveries.record_submission(
            recipient.id, State.ACCEPTED, sms_id=accepted.sms_id if keep_sms_id else None
        )
    return store.sends.recipients(send_id)


def test_quiet_recipients_get_their_true_state(world, esms):
    store, client, reconciler, clock, _ = world
    (recipient,) = submitted(store, client)
    esms.settle(esms.submissions[0], 5, success=1)
    clock["now"] = recipient.updated_at + 60  # inside the grace period: not asked yet
    assert reconciler.run_once() == 0
    clock["now"] = recipient.updated_at + 200
    assert reconciler.run_once() == 1
    assert store.sends.recipient(recipient.id).state == State.DELIVERED
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
        store.deliveries.to_reconcile(
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
    assert store.sends.recipient(recipient.id).state == State.REJECTED


def test_a_lost_answer_is_recovered_from_sent_data(world, esms):
    store, client, reconciler, clock, _ = world
    (recipient,) = submitted(store, client, keep_sms_id=False)
    esms.settle(esms.submissions[0], 5, success=1)
    clock["now"] = recipient.updated_at + 200
    assert reconciler.run_once() == 1
    settled = store.sends.recipient(recipient.id)
    assert settled.sms_id == esms.submissions[0].sms_id and settled.state == State.DELIVERED


def test_the_seven_day_horizon_ends_in_a_clear_outcome(world, esms):
    store, client, reconciler, clock, _ = world
    (recipient,) = submitted(store, client)
    clock["now"] = recipient.submitted_at + ESMS_HORIZON_SECONDS + 1
    calls_before = len(esms.submissions)
    assert reconciler.run_once() == 1
    assert store.sends.recipient(recipient.id).state == State.UNAVAILABLE
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


# -- finding the SMSID of a send whose answer was lost ---------------------------------------


def sent_elsewhere(client, text, phone="0901234567", request_id="elsewhere-1"):
    """A send to the same number that this app did not make (another tool on the account)."""
    return client.send_viber(
        ViberMessage(text=text), phone, brandname=BRANDNAME, request_id=request_id
    ).sms_id


def test_an_unknown_send_result_keeps_the_recipient_pending(world, esms):
    store, client, reconciler, clock, _ = world
    (recipient,) = submitted(store, client, keep_sms_id=False)
    esms.settle(esms.submissions[0], 5)  # finished, no count yet: SendResult 2 (unknown)
    clock["now"] = recipient.updated_at + 200
    assert reconciler.run_once() == 1
    found = store.sends.recipient(recipient.id)
    assert found.sms_id == esms.submissions[0].sms_id and found.state == State.ACCEPTED
    esms.settle(esms.submissions[0], 5, success=1)
    clock["now"] += 200
    assert reconciler.run_once() == 1  # asked by SMSID this time
    assert store.sends.recipient(recipient.id).state == State.DELIVERED


def test_a_lost_smsid_on_a_later_page_is_found(world, esms):
    store, client, reconciler, clock, _ = world
    esms.sent_data_page_limit = 1
    (lost,) = submitted(store, client, keep_sms_id=False)
    (newer,) = submitted(store, client, phones=("0912345678",))  # newest first: page 1
    esms.settle(esms.submissions[0], 5, success=1)
    clock["now"] = newer.updated_at + 200
    reconciler.run_once()
    found = store.sends.recipient(lost.id)
    assert found.sms_id == esms.submissions[0].sms_id and found.state == State.DELIVERED
    assert [query["Page"] for query in esms.sent_data_queries] == [1, 2]


def test_a_lost_smsid_is_matched_by_its_text_not_only_its_phone(world, esms):
    store, client, reconciler, clock, _ = world
    text = "Xin chào\nDòng thứ hai"
    decomposed = ViberMessage(text=unicodedata.normalize("NFD", text))  # as eSMS may keep it
    sent_elsewhere(client, "Mã của bạn: 1234", request_id="elsewhere-1")  # same number, other text
    (recipient,) = submitted(store, client, keep_sms_id=False, text=text, sent=decomposed)
    sent_elsewhere(client, "Mã của bạn: 5678", request_id="elsewhere-2")
    clock["now"] = recipient.updated_at + 200
    assert reconciler.run_once() == 1
    assert store.sends.recipient(recipient.id).sms_id == esms.accepted[recipient.request_id].sms_id


def test_two_sends_that_fit_leave_the_recipient_unmatched(world, esms, caplog):
    store, client, reconciler, clock, _ = world
    (recipient,) = submitted(store, client, keep_sms_id=False)
    sent_elsewhere(client, "Hi")  # the same text to the same number: no way to tell them apart
    clock["now"] = recipient.updated_at + 200
    with caplog.at_level(logging.INFO, logger="bot.jobs.reconcile"):
        assert reconciler.run_once() == 0
    assert store.sends.recipient(recipient.id).sms_id is None
    assert "2 sends to •••••••567" in caplog.text and "0901234567" not in caplog.text


class SentDataOnly:
    """eSMS as the reconciler meets it when only GetSmsSentData_V2 knows the send."""

    def __init__(self, records):
        self.records = records

    def sent_data(self, since, until, sms_type="23"):
        return self.records

    def send_status(self, sms_id):
        raise EsmsRefused(105)


def lost_send(store, message):
    new = NewSend(
        team_id="T",
        channel_id="C",
        user_id="U",
        message=message,
        phones=("0901234567",),
        brandname=BRANDNAME,
        test_send=False,
    )
    send_id = store.sends.create(new)
    (recipient,) = store.sends.recipients(send_id)
    store.deliveries.record_submission(recipient.id, State.UNCONFIRMED)
    return store.sends.recipient(recipient.id)


@pytest.mark.parametrize(
    ("sent_before_submission", "found"),
    [
        (60.0, True),
        (RECOVERY_WINDOW.total_seconds() + 60, False),  # an earlier send to the same number
        (-400.0, False),  # after this poll's moment
        (None, False),  # no readable SentTime
    ],
)
def test_a_recovered_send_lies_in_the_time_window(store, sent_before_submission, found):
    recipient = lost_send(store, ViberMessage(image_url="https://x.example/a.png"))
    started = recipient.submitted_at
    sent_at = None if sent_before_submission is None else started - sent_before_submission
    record = SentRecord("S1", "0901234567", send_status=5, send_result=1, sent_at=sent_at)
    esms = SentDataOnly([record])
    reconciler = Reconciler(
        store, esms, poll_seconds=60, grace_seconds=120, clock=lambda: started + 200
    )
    reconciler.run_once()
    settled = store.sends.recipient(recipient.id)
    assert (settled.sms_id, settled.state) == (
        ("S1", State.DELIVERED) if found else (None, State.UNCONFIRMED)
    )


def campaign_rows(store, phones, text="Chào {Tên}, đơn của bạn đã sẵn sàng"):
    """A started campaign whose rows each carry their own text."""
    from bot.core.campaign import plan_campaign
    from bot.core.spreadsheet import read_sheet

    send_id = store.sends.create(
        NewSend(
            team_id="T",
            channel_id="C",
            user_id="U",
            message=ViberMessage(text=text),
            phones=(),
            brandname=BRANDNAME,
            test_send=False,
            sms_fallback=True,
            campaign_file=("F1", "list.csv", "https://files.example/list.csv"),
        )
    )
    sheet = "Số điện thoại,Tên\n" + "".join(f"{p},Khách {i}\n" for i, p in enumerate(phones))
    store.sends.mark_parent_posted(
        send_id, "1.1", then=after_parent
    )  # read once its thread is posted
    plan = plan_campaign(read_sheet(sheet.encode(), 10_000), ViberMessage(text=text))
    assert store.campaigns.save_plan(send_id, plan, plan.invalid)
    return send_id, store.sends.recipients(send_id)


def test_a_campaign_row_whose_answer_was_lost_is_found_by_its_own_text(world, esms):
    store, client, reconciler, clock, _ = world
    _, rows = campaign_rows(store, ["0901234567", "0912345678"])
    send = store.sends.get(rows[0].send_id)
    for row in rows:
        client.send_viber(
            row.message_in(send), row.phone, brandname=BRANDNAME, request_id=row.request_id
        )
        store.deliveries.record_submission(row.id, State.ACCEPTED)  # the SMSID was lost
    clock["now"] = store.sends.recipient(rows[1].id).updated_at + 200
    assert reconciler.run_once() == 2
    for row in rows:
        assert store.sends.recipient(row.id).sms_id == esms.accepted[row.request_id].sms_id


def test_a_campaign_sms_is_found_by_its_own_text_not_any_sms_to_the_number(world, esms):
    store, client, reconciler, clock, _ = world
    _, (row,) = campaign_rows(store, ["0901234567"], "Thong bao tu {Tên}: don hang da san sang")
    store.deliveries.record_submission(row.id, State.REFUSED, error_code=108)  # → an SMS
    sms = next(r for r in store.sends.recipients(row.send_id) if r.is_sms)
    send = store.sends.get(row.send_id)
    own = content_sent(send, sms, sms_ascii=True, public_url=None)
    assert own == "Thong bao tu Khach 0: don hang da san sang"  # the row's, not {Tên}
    for text, request_id in (("Ma xac nhan cua ban la 1234", "other-1"), (own, sms.request_id)):
        client.send_sms("0901234567", text, brandname=SMS_BRANDNAME, request_id=request_id)
    store.deliveries.record_submission(sms.id, State.ACCEPTED)  # its SMSID was lost
    clock["now"] = store.sends.recipient(sms.id).updated_at + 200
    reconciler.sms_ascii = True  # SMS_ASCII, as the texts went out
    assert reconciler.run_once() == 1
    assert store.sends.recipient(sms.id).sms_id == esms.accepted[sms.request_id].sms_id
