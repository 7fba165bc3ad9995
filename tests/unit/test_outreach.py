"""Opt-outs, the SMS fallback's queueing, the marketing hours and the daily cap: the store on
both databases, and the pure rules."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime

import pytest

from bot.cli.optouts import import_file
from bot.core.command_text import OptOutCommand, TemplateCommand, parse_command
from bot.core.delivery import State
from bot.core.fallback import needs_fallback
from bot.core.formatting import VIETNAM
from bot.core.marketing import parse_hours, with_prefix
from bot.core.message import ViberMessage
from bot.core.model import Callback, Category, Channel, JobKind, NewSend
from bot.core.networks import network_name
from bot.core.spreadsheet import SheetError, phone_column, read_sheet
from tests.helpers import all_at_once, drain, new_send

PHONE = "0901234567"


def vietnam(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM).timestamp()


# -- marketing hours ---------------------------------------------------------------------------


def test_a_marketing_send_composed_at_22_30_waits_until_07_00_the_next_morning():
    hours = parse_hours("07:00-22:00")
    assert not hours.is_open(vietnam("2026-12-01T22:30:00"))
    assert hours.next_opening(vietnam("2026-12-01T22:30:00")) == vietnam("2026-12-02T07:00:00")
    assert hours.next_opening(vietnam("2026-12-02T03:00:00")) == vietnam("2026-12-02T07:00:00")
    assert hours.next_opening(vietnam("2026-12-02T06:59:59")) == vietnam("2026-12-02T07:00:00")
    moment = vietnam("2026-12-02T07:00:00")
    assert hours.is_open(moment) and hours.next_opening(moment) == moment
    assert hours.is_open(vietnam("2026-12-02T21:59:59"))
    assert not hours.is_open(vietnam("2026-12-02T22:00:00"))  # the closing minute is closed
    assert hours.label == "07:00–22:00"


@pytest.mark.parametrize("text", ["7-22", "22:00-07:00", "07:00-07:00", "24:30-25:00", ""])
def test_marketing_hours_that_make_no_sense_are_refused(text):
    with pytest.raises(ValueError):
        parse_hours(text)


def test_all_day_hours_are_always_open():
    hours = parse_hours("00:00-24:00")
    assert hours.is_open(vietnam("2026-12-01T23:59:59")) and hours.is_open(
        vietnam("2026-12-01T00:00")
    )


def test_the_prefix_goes_in_front_once():
    assert with_prefix("Giảm 20%", "[QC]") == "[QC] Giảm 20%"
    assert with_prefix("[QC] Giảm 20%", "[QC]") == "[QC] Giảm 20%"
    assert with_prefix("", "[QC]") == "" and with_prefix("Hi", "") == "Hi"


# -- the fallback rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "code", "expected"),
    [
        (State.FAILED, None, True),
        (State.REJECTED, None, True),
        (State.REFUSED, 99, False),  # perhaps blocked by its owner: no SMS either
        (State.REFUSED, 108, True),
        *[(State.REFUSED, code, False) for code in (101, 102, 103, 104, 118, 140, 143)],
        (State.DELIVERED, None, False),
        (State.UNCONFIRMED, None, False),
        (State.SKIPPED, None, False),
    ],
)
def test_which_endings_fall_back_to_sms(state, code, expected):
    assert needs_fallback(state, code) is expected


def test_networks_have_names():
    assert [network_name(i) for i in range(1, 8)] == [
        "Viettel",
        "Mobifone",
        "Vinaphone",
        "Vietnamobile",
        "Gtel",
        "Itel",
        "Reddi",
    ]
    assert network_name(None) is None and network_name(42) == "network 42"


# -- commands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "optout add 0901234567 asked on the phone",
            OptOutCommand("add", "0901234567", "asked on the phone"),
        ),
        ("optout remove 0901234567", OptOutCommand("remove", "0901234567")),
        ("opt-out list", OptOutCommand("list")),
        ("optout", OptOutCommand("")),
        ("optout frobnicate", OptOutCommand("")),
    ],
)
def test_opt_out_commands_parse(text, expected):
    assert parse_command(text) == expected


def test_a_template_can_be_marketing():
    parsed = parse_command("template add sale marketing | Giảm 20%")
    assert parsed == TemplateCommand("add", "sale", ("Giảm 20%",), category="marketing")
    assert parse_command("template add sale | Hi").category == "care"


# -- opt-outs in the store ---------------------------------------------------------------------


def test_an_opt_out_is_recorded_once_with_every_change(store):
    added = store.optouts.add(PHONE, "U1", "asked by phone")
    assert added is not None and added.reason == "asked by phone" and added.added_by == "U1"
    assert store.optouts.add(PHONE, "U2", "again") is None  # the first refusal counts
    assert store.optouts.get(PHONE).added_by == "U1"
    assert store.optouts.remove(PHONE, "U9", "consent given")
    assert not store.optouts.remove(PHONE, "U9")
    history = store.optouts.history(PHONE)
    assert [(e["action"], e["actor"], e["reason"]) for e in history] == [
        ("add", "U1", "asked by phone"),
        ("remove", "U9", "consent given"),
    ]


def test_a_send_with_an_opted_out_number_is_refused_by_the_transaction_that_stores_it(store):
    store.optouts.add(PHONE, "U1")
    fields = {"team_id": "T", "channel_id": "C1", "user_id": "U1", "brandname": "B"}
    refused = NewSend(
        phones=("0912345678", PHONE), message=ViberMessage(text="Hi"), test_send=False, **fields
    )
    assert store.sends.create_unless_opted_out(refused) is None
    assert store.db.fetch_one("SELECT COUNT(*) AS n FROM sends")["n"] == 0
    assert store.jobs.pending() == 0
    stored = store.sends.create_unless_opted_out(
        replace(refused, phones=("0912345678", "0923456789"), scheduled_at=time.time() + 60)
    )
    assert stored is not None
    recipients = store.sends.recipients(stored)
    assert [(r.phone, r.state) for r in recipients] == [
        ("0912345678", State.QUEUED),
        ("0923456789", State.QUEUED),
    ]
    assert len({r.request_id for r in recipients}) == 2
    assert store.sends.get(stored).scheduled_at is not None
    assert drain(store) == [JobKind.POST_PARENT]


def test_an_opted_out_recipient_is_skipped_when_its_turn_comes(store):
    send_id = new_send(store, ("0901234567", "0912345678"))
    store.optouts.add(PHONE, "U1", None)
    first, second = store.sends.recipients(send_id)
    assert store.deliveries.skip(first.id, "not sent: opted out")
    assert not store.deliveries.skip(first.id, "twice")  # already final
    assert store.sends.recipient(first.id).state == State.SKIPPED
    assert store.sends.recipient(second.id).state == State.QUEUED


def test_an_import_with_one_bad_row_changes_nothing(store):
    good = b"phone,reason\n0901234567,hotline\n+84912345678,\n0901234567,twice\n"
    assert import_file(store, good, "cli:test") == (2, 0)
    assert store.optouts.get(PHONE).reason == "hotline"
    with pytest.raises(SheetError, match="row 3"):
        import_file(store, b"phone\n0987654321\nnot a number\n", "cli:test")
    assert store.optouts.get("0987654321") is None
    assert import_file(store, good, "cli:test") == (0, 2)


# -- the SMS fallback's queueing ---------------------------------------------------------------


def failed_callback(store, recipient_id: int, sms_id: str) -> None:
    store.deliveries.record_submission(recipient_id, State.ACCEPTED, sms_id=sms_id)
    callback = Callback(sms_id, None, 5, 0, 1, PHONE, 1, 0.0)
    store.deliveries.apply_callback(callback, f"SMSID={sms_id}&SendStatus=5")


def test_a_failure_queues_one_sms_however_often_it_arrives(store):
    send_id = new_send(store, sms_fallback=True, sms_text="Don hang da san sang")
    (viber,) = store.sends.recipients(send_id)
    failed_callback(store, viber.id, "S1")
    store.deliveries.apply_status(viber.id, 4, None, None)  # a poll saying so too
    all_at_once(4, lambda _: store.fallbacks.queue_late(time.time() + 60))
    recipients = store.sends.recipients(send_id)
    assert [(r.channel, r.state) for r in recipients] == [
        (Channel.VIBER, State.FAILED),
        (Channel.SMS, State.QUEUED),
    ]
    sms = recipients[1]
    assert sms.fallback_for == viber.id and sms.request_id != viber.request_id
    assert sms.fallback_reason == "failed"
    assert drain(store).count("submit") == 1


def test_no_sms_for_a_send_without_fallback_or_for_marketing(store):
    for extra in ({}, {"sms_fallback": True, "category": Category.MARKETING}):
        send_id = new_send(store, **extra)
        (viber,) = store.sends.recipients(send_id)
        failed_callback(store, viber.id, f"S-{send_id}")
        assert [r.channel for r in store.sends.recipients(send_id)] == [Channel.VIBER]


def test_an_account_refusal_queues_no_sms_and_a_recipient_refusal_does(store):
    refused = new_send(store, sms_fallback=True)
    blocked = new_send(store, sms_fallback=True)
    store.deliveries.record_submission(
        store.sends.recipients(refused)[0].id, State.REFUSED, error_code=103
    )
    store.deliveries.record_submission(
        store.sends.recipients(blocked)[0].id, State.REFUSED, error_code=108
    )
    assert len(store.sends.recipients(refused)) == 1
    assert len(store.sends.recipients(blocked)) == 2


def test_a_late_fallback_is_queued_only_after_the_delay_and_only_once(store):
    send_id = new_send(store, sms_fallback=True)
    (viber,) = store.sends.recipients(send_id)
    store.deliveries.record_submission(viber.id, State.ACCEPTED, sms_id="S1")
    assert store.fallbacks.queue_late(time.time() - 600) == 0  # submitted just now
    assert store.fallbacks.queue_late(time.time() + 1) == 1
    assert store.fallbacks.queue_late(time.time() + 1) == 0
    sms = store.sends.recipients(send_id)[1]
    assert sms.fallback_reason == "late"


# -- the daily cap -----------------------------------------------------------------------------


def test_the_cap_lets_exactly_three_through_when_eight_try_at_once(store):
    ids = [
        store.sends.recipients(new_send(store, category=Category.MARKETING))[0].id for _ in range(8)
    ]
    taken = all_at_once(8, lambda i: store.marketing_cap.take_slot(ids[i], PHONE, 3, 86400))
    assert taken.count(True) == 3
    winner = ids[taken.index(True)]
    assert store.marketing_cap.take_slot(winner, PHONE, 3, 86400)  # a retry keeps its slot


def test_a_refused_message_gives_its_slot_back(store):
    first, second = (
        store.sends.recipients(new_send(store, category=Category.MARKETING))[0].id for _ in range(2)
    )
    assert store.marketing_cap.take_slot(first, PHONE, 1, 86400)
    assert not store.marketing_cap.take_slot(second, PHONE, 1, 86400)
    store.deliveries.record_submission(first, State.REFUSED, error_code=99)
    assert store.marketing_cap.take_slot(second, PHONE, 1, 86400)


def _counted_days_ago(store, recipient_id: int, days: float) -> None:
    with store.db.transaction() as conn:
        conn.execute(
            "UPDATE recipients SET counted_at = ? WHERE id = ?",
            (time.time() - days * 86400, recipient_id),
        )


def test_a_slot_taken_before_the_window_is_counted_again_when_the_message_leaves(store):
    """A campaign row paused by a 103 after taking its slot, resumed two days later, while the
    number had its full day's share meanwhile: it is the fourth in 24 h, so it is refused."""
    paused, *others = (
        store.sends.recipients(new_send(store, category=Category.MARKETING))[0].id for _ in range(4)
    )
    assert store.marketing_cap.take_slot(paused, PHONE, 3, 86400)
    _counted_days_ago(store, paused, 2)
    assert all(store.marketing_cap.take_slot(other, PHONE, 3, 86400) for other in others)
    assert not store.marketing_cap.take_slot(paused, PHONE, 3, 86400)
    # Within its window a retry keeps its slot; past it, with room, it takes a new one.
    assert store.marketing_cap.take_slot(others[0], PHONE, 3, 86400)
    lone = store.sends.recipients(new_send(store, ("0987000111",), category="marketing"))[0].id
    assert store.marketing_cap.take_slot(lone, "0987000111", 1, 86400)
    _counted_days_ago(store, lone, 2)
    assert store.marketing_cap.take_slot(lone, "0987000111", 1, 86400)
    [row] = store.db.fetch_all("SELECT counted_at FROM recipients WHERE id = ?", (lone,))
    assert row["counted_at"] > time.time() - 60


def test_a_hold_schedules_an_untouched_send_for_the_opening(store):
    send_id = new_send(store, category=Category.MARKETING)
    opening = time.time() + 3600
    store.sends.hold_for_hours(send_id, opening)
    send = store.sends.get(send_id)
    assert send.scheduled_at == opening and send.held_until == opening


# -- spreadsheets ------------------------------------------------------------------------------


def test_a_vietnamese_excel_file_with_a_bom_and_semicolons_is_read():
    sheet = read_sheet("\ufeffSố Điện Thoại;Tên khách\n0901234567;Lan\n\n".encode(), 10)
    assert sheet.headers == ("so_dien_thoai", "ten_khach")
    assert phone_column(sheet) == "so_dien_thoai"
    assert sheet.rows == ({"so_dien_thoai": "0901234567", "ten_khach": "Lan"},)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        ("tên\nLan\n".encode(), "no phone column"),
        (b"\xff\xfe\x00p", "not UTF-8"),
        (b"phone,phone\n1,2\n", "header of its own"),
        (b" , \n,,\n , \n", "empty"),  # cells, every one of them blank
        (b"phone\n" + b"0901234567\n" * 11, "11 rows; at most 10"),
        (b"phone\n0901234567\n\xff\n", "not UTF-8"),  # past the first kilobytes too
    ],
)
def test_unreadable_spreadsheets_say_why(data, problem):
    with pytest.raises(SheetError, match=problem):
        phone_column(read_sheet(data, 10))


def test_the_rest_of_a_held_marketing_send_can_be_cancelled(store):
    send_id = new_send(store, ("0901234567", "0912345678"), category=Category.MARKETING)
    first, _waiting = store.sends.recipients(send_id)
    store.deliveries.record_submission(first.id, State.ACCEPTED, sms_id="S1")
    assert store.sends.cancel_scheduled(send_id, "U2") is None  # not held: too late
    store.sends.hold_for_hours(send_id, time.time() + 3600)
    cancelled = store.sends.cancel_scheduled(send_id, "U2")
    assert cancelled is not None and cancelled.cancelled_by == "U2"
    assert [r.state for r in store.sends.recipients(send_id)] == [State.ACCEPTED, State.CANCELLED]
    assert store.sends.cancel_scheduled(send_id, "U2") is None  # once


def test_a_purge_keeps_the_numbers_the_cap_still_counts(store):
    """However short the age asked for, a number whose marketing message is in the last 24 h
    keeps it: masked, the cap would let a fourth advertisement through."""
    send_id = new_send(store, category=Category.MARKETING)
    (recipient,) = store.sends.recipients(send_id)
    assert store.marketing_cap.take_slot(recipient.id, PHONE, 1, 86400)
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")
    store.deliveries.apply_status(recipient.id, 5, 1, 0)
    assert store.privacy.purge(0) == 0
    later = store.sends.recipients(new_send(store, category=Category.MARKETING))[0].id
    assert not store.marketing_cap.take_slot(later, PHONE, 1, 86400)
    _counted_days_ago(store, recipient.id, 2)
    assert store.privacy.purge(0) == 1
