"""What the app holds about a number, on both databases: the access file lists each kind of data
(every written form of the number, nothing for an unknown one, within its bounds), and the
record of a data subject's requests, kept without the number."""

from __future__ import annotations

import io
import json
import time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.callback import parse_callback
from bot.core.campaign import plan_campaign
from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.core.model import Approval, Callback, NewSend
from bot.core.phones import normalize_phone
from bot.core.privacy import digest
from bot.core.spreadsheet import read_sheet
from bot.exports.held import Limits, Subject, write_held
from bot.store import Store
from bot.store.consents import NewConsent
from bot.store.held import query_phone
from tests.helpers import new_send

PHONE, OTHER = "0901234567", "0912345678"
KEY = "k" * 32
LEAD = "U0LEAD"


def seed(store: Store, phone: str = PHONE) -> dict[str, Any]:
    """The number with one of each: an approved send delivered with its callback, a campaign
    row, an unmatched callback, an opt-out taken back, consent given twice; beside another
    number's data, which must not show."""
    send_id = new_send(
        store, (phone, OTHER), approval_ttl_seconds=3600, approval_channel="CAPPROVE"
    )
    store.approvals.decide(send_id, Approval.APPROVED, "U0BOSS", "checked")
    mine = next(r for r in store.sends.recipients(send_id) if r.phone == phone)
    store.deliveries.record_submission(mine.id, State.ACCEPTED, sms_id="SMS-1")
    query = f"SMSID=SMS-1&SendStatus=5&SendSuccess=1&phonenumber=84{phone[1:]}&TotalPrice=470"
    store.deliveries.apply_callback(Callback("SMS-1", None, 5, 1, 0, None, 2, 470.0), query)
    campaign_id = store.sends.create(
        NewSend(
            team_id="T",
            channel_id="C2",
            user_id="U0CAMP",
            message=ViberMessage(text="Chào {Tên}"),
            phones=(),
            brandname="B",
            test_send=False,
            campaign_file=("F1", "list.csv", "https://files.example/list.csv"),
        )
    )
    store.sends.mark_parent_posted(campaign_id, "1.1", then=lambda _: ())  # read here
    sheet = f"Số điện thoại,Tên\n{phone},Lan\n{OTHER},Minh\n".encode()
    plan = plan_campaign(read_sheet(sheet, 100), ViberMessage(text="Chào {Tên}"), 10)
    assert store.campaigns.save_plan(campaign_id, plan, plan.invalid)
    for raw in (
        f"SMSID=LOST-1&SendStatus=5&phonenumber=%2B84{phone[1:]}",  # +84…, encoded: the number
        f"SMSID=LOST-{phone[1:]}&SendStatus=5&phonenumber={OTHER}",  # its digits, not the number
    ):
        store.deliveries.apply_callback(parse_callback(raw), raw)
    store.optouts.add(phone, "U0AGENT", "asked on the phone")
    store.optouts.remove(phone, "U0LEAD", "asked again")
    store.consents.give(NewConsent(phone, "form 12", time.time() - 60), "U0AGENT", "slack")
    store.consents.give(NewConsent(phone, "form 13", time.time() - 30), "U0AGENT", "slack")
    store.optouts.add(OTHER, "U0AGENT", "other")
    return {"send_id": send_id, "campaign_id": campaign_id}


def document(store: Store, phone: str = PHONE, key: str = "-", **limits: int) -> dict[str, Any]:
    out = io.StringIO()
    now = time.time()
    found = write_held(store, Subject(phone, key, 7, LEAD, now, now + 86400), out, Limits(**limits))
    held = json.loads(out.getvalue())
    assert held["summary"] == found
    return held


# -- what the file lists -----------------------------------------------------------------------


def test_the_file_lists_each_kind_of_data_held_about_the_number(store):
    ids = seed(store)
    held = document(store)
    assert held["about"]["number"] == PHONE and held["about"]["request"] == 7
    sends = held["sends"]
    assert [s["phone"] for s in sends] == [PHONE, PHONE]  # the other number's are not there
    plain, row = sends
    assert (plain["send_id"], plain["text"], plain["state"]) == (ids["send_id"], "Hi", "delivered")
    assert (plain["agent"], plain["slack_channel"], plain["channel"]) == ("U1", "C1", "viber")
    assert (plain["sms_id"], plain["price"], plain["network"]) == ("SMS-1", 470, "Mobifone")
    assert plain["esms_send_status"] == 5 and plain["time"].endswith("+07:00")
    assert row["text"] == "Chào Lan" and row["campaign_row"] == 2  # the row's own text
    (status,) = held["statuses"]
    assert status["recipient_id"] == plain["recipient_id"] and "SMSID=SMS-1" in status["query"]
    assert held["costs"] == {"total_vnd": 470, "priced_messages": 1, "messages": 2}
    (campaign_row,) = held["campaign_rows"]
    assert campaign_row["send_id"] == ids["campaign_id"]
    assert campaign_row["values"] == {"so_dien_thoai": PHONE, "ten": "Lan"}  # as stored
    (approval,) = held["approval_events"]
    assert (approval["actor"], approval["action"], approval["reason"]) == (
        "U0BOSS",
        "approved",
        "checked",
    )
    assert held["opt_out"] is None
    assert [e["action"] for e in held["opt_out_history"]] == ["add", "remove"]
    assert held["consent"]["evidence"] == "form 13"
    assert [e["evidence"] for e in held["consent_history"]] == ["form 12", "form 13"]
    (lost,) = held["unmatched_callbacks"]  # the decoy holds the digits, not the number
    assert lost["sms_id"] == "LOST-1"
    summary = held["summary"]
    assert summary["sends"] == 2 and summary["unmatched_callbacks"] == 1
    assert summary["opt_out_events"] == 2 and summary["consent"] == 1
    assert not any("nothing" in note for note in held["notes"])


def test_a_standing_opt_out_and_the_consent_it_withdrew_are_listed(store):
    store.consents.give(NewConsent(PHONE, "form 12", time.time() - 60), "U0AGENT", "slack")
    store.optouts.add(PHONE, "U0AGENT", "stop")
    held = document(store)
    assert held["opt_out"]["reason"] == "stop" and held["opt_out"]["added_by"] == "U0AGENT"
    assert held["consent"] is None
    assert [e["action"] for e in held["consent_history"]] == ["give", "withdraw"]


def test_an_unknown_number_gets_a_file_that_says_nothing_is_held(store):
    seed(store, OTHER)
    held = document(store, "0987654321")
    assert held["sends"] == held["statuses"] == held["unmatched_callbacks"] == []
    assert held["opt_out"] is None and held["consent"] is None
    assert held["summary"]["messages_held"] == 0 and held["costs"]["total_vnd"] == 0
    assert any("holds nothing" in note for note in held["notes"])


def test_each_list_stops_at_its_bound_and_the_file_says_so(store):
    for _ in range(3):
        new_send(store, (PHONE,))
    first = store.db.fetch_one("SELECT MIN(id) AS id FROM recipients")["id"]  # listed
    store.deliveries.record_submission(first, State.ACCEPTED, sms_id="SMS-1")
    for status in (2, 4, 5):  # one message, three statuses
        raw = f"SMSID=SMS-1&SendStatus={status}"
        store.deliveries.apply_callback(parse_callback(raw), raw)
    for action in range(3):
        store.optouts.add(PHONE, "U0AGENT", f"#{action}")
        store.optouts.remove(PHONE, "U0AGENT")
    for number in range(3):
        raw = f"SMSID=LOST-{number}&SendStatus=5&phonenumber={PHONE}"
        store.deliveries.apply_callback(parse_callback(raw), raw)
    held = document(store, sends=2, items=2, history=1)
    assert len(held["sends"]) == 2 and held["summary"]["messages_held"] == 3
    assert len(held["unmatched_callbacks"]) == 2 and len(held["opt_out_history"]) == 1
    assert held["summary"]["opt_out_events"] == 6
    notes = " ".join(held["notes"])
    assert "first 2 of the 3 messages" in notes
    assert "unmatched_callbacks" in notes and "opt_out_history" in notes
    assert len(held["statuses"]) == 2 and "entries of statuses" in notes


def test_a_callbacks_number_is_read_safely_in_any_written_form():
    assert query_phone("SMSID=1&phonenumber=84901234567") == PHONE
    assert query_phone("phonenumber=%2B84%20901%20234%20567") == PHONE
    assert query_phone("phonenumber=0901234567&phonenumber=0912345678") == PHONE  # the first
    for odd in ("", None, "phonenumber=", "phonenumber=abc", "%%%&&&=", "a=1&" * 50):
        assert query_phone(odd) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["", "phonenumber=", "&phonenumber=84"]))
def test_any_stored_query_is_read_without_raising(noise, prefix):
    found = query_phone(prefix + noise)
    assert found is None or normalize_phone(found) == found


def test_with_data_key_the_earlier_requests_about_the_number_are_listed(store):
    mine, other = digest(KEY, PHONE), digest(KEY, OTHER)
    earlier = store.privacy_requests.record("access", mine, "U0A", time.time(), "answered")
    store.privacy_requests.record("access", other, "U0A", time.time(), "answered")
    store.privacy_requests.record("access", "-", "U0A", time.time(), "answered")
    held = document(store, key=mine)
    assert [r["id"] for r in held["privacy_requests"]] == [earlier]
    assert not any("DATA_KEY" in note for note in held["notes"])
    assert document(store)["privacy_requests"] == []  # without the key: none can be found


def test_requests_are_recorded_and_finished_once(store):
    request_id = store.privacy_requests.record(
        "erase", "h:abc", "U0A", time.time(), "confirming", pending_phone=PHONE
    )
    assert store.jobs.pending() == 0  # no job unless asked for
    assert store.privacy_requests.pending_phone(request_id) == PHONE
    assert store.privacy_requests.finish(request_id, "done", found={"sends": 1}, done={"x": 1})
    assert not store.privacy_requests.finish(request_id, "failed")
    request = store.privacy_requests.get(request_id)
    assert (request.state, request.found, request.done) == ("done", {"sends": 1}, {"x": 1})
    assert store.privacy_requests.pending_phone(request_id) is None
    assert request.answer_due > request.asked_at and request.done_due > request.answer_due
