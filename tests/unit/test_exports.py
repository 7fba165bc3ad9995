"""Exports: `/viber export` parsed, the batches read from a real store (SQLite and PostgreSQL)
exactly once in time order, and the CSV and JSON Lines an auditor reads, field by field."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from bot.core.command_text import (
    EXPORT_MAX_DAYS,
    ExportCommand,
    StatusLookup,
    export_command,
    parse_command,
)
from bot.core.delivery import State
from bot.core.formatting import VIETNAM, vietnam_day
from bot.core.i18n import CATALOG
from bot.core.message import ViberMessage
from bot.core.model import Approval, Callback, Send
from bot.esms import codes
from bot.exports import COLUMNS, problem_sentence, records, write_csv, write_jsonl
from bot.posts.lookup import approval_trail
from bot.store.exports import Exports
from tests.helpers import new_send

DECEMBER = export_command("2026-12-01", "2026-12-31")


def vietnam(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM).timestamp()


def around_now() -> ExportCommand:
    """Yesterday to tomorrow, Vietnamese time: the sends a test just made."""
    today = date.fromisoformat(vietnam_day(time.time()))
    return export_command(str(today - timedelta(days=1)), str(today + timedelta(days=1)))


def set_times(store, send_id: str, created: str, *, decided: str | None = None) -> None:
    """Move a send (and its approval events) to a known moment, Vietnamese time."""
    with store.db.transaction() as conn:
        conn.execute("UPDATE sends SET created_at = ? WHERE id = ?", (vietnam(created), send_id))
        if decided:
            conn.execute(
                "UPDATE sends SET decided_at = ? WHERE id = ?", (vietnam(decided), send_id)
            )
            conn.execute(
                "UPDATE approval_events SET at = ? WHERE send_id = ?", (vietnam(decided), send_id)
            )


def delivered(store, recipient_id: int, sms_id: str, telco: int = 2, price: float = 470.0):
    store.deliveries.record_submission(recipient_id, State.ACCEPTED, sms_id=sms_id)
    callback = Callback(sms_id, None, 5, 1, 0, None, telco, price)
    store.deliveries.apply_callback(callback, f"SMSID={sms_id}&SendStatus=5")


# -- the command -------------------------------------------------------------------------------


def test_export_command_reads_two_days_and_an_optional_number():
    assert parse_command("export 2026-12-01 2026-12-31") == ExportCommand(
        date(2026, 12, 1), date(2026, 12, 31), None
    )
    assert parse_command("EXPORT 2026-12-01 2026-12-01 +84 901 234 567") == ExportCommand(
        date(2026, 12, 1), date(2026, 12, 1), "0901234567"
    )
    assert parse_command("export 2026-12-01 2026-12-31 <tel:0901234567|0901 234 567>").phone == (
        "0901234567"
    )
    start, end = DECEMBER.bounds()
    assert start == vietnam("2026-12-01T00:00:00") and end == vietnam("2027-01-01T00:00:00")
    assert parse_command("status 0901234567") == StatusLookup("0901234567")  # unchanged


@pytest.mark.parametrize(
    ("text", "problem", "detail"),
    [
        ("export", "export.usage", ""),
        ("export 2026-12-01", "export.usage", ""),
        ("export 2026-13-01 2026-12-31", "export.bad_date", "2026-13-01"),
        ("export 2026/12/01 2026-12-31", "export.bad_date", "2026/12/01"),
        ("export 20261201 2026-12-31", "export.bad_date", "20261201"),
        ("export 2026-12-01 2026-02-30", "export.bad_date", "2026-02-30"),
        ("export 2026-12-31 2026-12-01", "export.reversed", "2026-12-31 > 2026-12-01"),
        ("export 2025-01-01 2026-12-31", "export.too_long", "730"),
        ("export 2026-12-01 2026-12-31 12345", "export.bad_phone", "12345"),
    ],
)
def test_a_bad_export_command_says_why_and_exports_nothing(text, problem, detail):
    request = parse_command(text)
    assert isinstance(request, ExportCommand)
    assert (request.problem, request.detail, request.start) == (problem, detail, None)
    assert problem in CATALOG
    sentence = problem_sentence(request)
    assert "Nothing was exported" in sentence and (detail in sentence)


def test_a_leap_year_is_one_export():
    assert not export_command("2024-01-01", "2024-12-31").problem
    assert export_command("2024-01-01", "2025-01-01").problem == "export.too_long"
    assert EXPORT_MAX_DAYS == 366


def test_typed_words_in_a_problem_are_escaped_for_slack():
    request = export_command("<!channel>", "2026-12-31")
    assert "<!channel>" not in problem_sentence(request, lambda s: s.replace("<", "&lt;"))


# -- the store's batches -----------------------------------------------------------------------


def test_batches_yield_every_row_once_in_time_order_across_batch_boundaries(store):
    expected = []
    for index in range(9):
        phones = [f"09012345{index}{n}" for n in range(index % 4 + 1)]
        send_id = new_send(store, phones)
        # Three sends share each moment: the send id, then the recipient id, break the tie.
        set_times(store, send_id, f"2026-12-0{index // 3 + 1}T10:00:00")
        expected += [(index // 3, send_id, r.id) for r in store.sends.recipients(send_id)]
    outside = new_send(store, ["0987654321"])
    set_times(store, outside, "2027-01-01T00:00:00")  # midnight after the last day: excluded
    expected.sort()
    start, end = DECEMBER.bounds()
    for size in (1, 2, 3, 7, len(expected), 100):
        batches = list(Exports(store.db).batches(start, end, size=size))
        assert all(len(batch) <= size for batch in batches)
        seen = [(row["send_id"], row["recipient_id"]) for batch in batches for row in batch]
        assert seen == [(send_id, rid) for _, send_id, rid in expected]
    assert list(Exports(store.db).batches(start, start + 1)) == []


def test_batches_to_one_number(store):
    mine = new_send(store, ["0901234567", "0912345678"])
    new_send(store, ["0912345678"])
    start, end = around_now().bounds()
    rows = [row for batch in Exports(store.db).batches(start, end, "0901234567") for row in batch]
    assert [(row["send_id"], row["phone"]) for row in rows] == [(mine, "0901234567")]


# -- the lines ---------------------------------------------------------------------------------


@pytest.fixture
def audited(store):
    """Four sends in December: purged, approved with its trail, rejected, one with an SMS."""
    purged = new_send(store, ["0977777777"])
    (old,) = store.sends.recipients(purged)
    delivered(store, old.id, "P1", telco=1, price=300.0)
    assert store.privacy.purge(0) == 1  # before the others exist: only this one is purged
    set_times(store, purged, "2026-12-01T08:00:00")

    approved = new_send(store, ["0901234567"], approval_ttl_seconds=3600)
    store.approvals.decide(approved, Approval.APPROVED, "U0BOSS")
    set_times(store, approved, "2026-12-01T09:01:00", decided="2026-12-01T09:03:00")
    delivered(store, store.sends.recipients(approved)[0].id, "S-APPROVED", telco=2, price=470.5)

    rejected = new_send(store, ["0912345678"], approval_ttl_seconds=3600)
    store.approvals.decide(rejected, Approval.REJECTED, "U0BOSS", "=wrong number")
    set_times(store, rejected, "2026-12-02T10:00:00", decided="2026-12-02T10:05:00")

    fallback = new_send(store, ["0987654321"], sms_fallback=True, sms_text="Don hang da san")
    (viber,) = store.sends.recipients(fallback)
    store.deliveries.record_submission(viber.id, State.REFUSED, error_code=108, error_detail="x")
    sms = store.sends.recipients(fallback)[1]
    delivered(store, sms.id, "S-SMS", telco=3, price=1000000.0)
    set_times(store, fallback, "2026-12-03T11:00:00")
    return {"purged": purged, "approved": approved, "rejected": rejected, "fallback": fallback}


def test_the_csv_names_its_columns_and_says_everything_an_auditor_asks(store, audited):
    out = io.StringIO(newline="")
    assert write_csv(records(store, DECEMBER, batch_size=2), out) == 5
    lines = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert tuple(lines[0]) == COLUMNS
    rows = [dict(zip(COLUMNS, line, strict=True)) for line in lines[1:]]
    assert [row["send_id"] for row in rows] == [
        audited["purged"],
        audited["approved"],
        audited["rejected"],
        audited["fallback"],
        audited["fallback"],
    ]
    purged, approved, rejected, viber, sms = rows
    assert purged["text"] == "purged" and purged["phone"] == "•••••••777"
    assert purged["network"] == "Viettel" and purged["price"] == "300"
    assert approved == {
        **approved,
        "time": "2026-12-01T09:01:00+07:00",
        "agent": "U1",
        "slack_channel": "C1",
        "channel": "viber",
        "fallback_for": "",
        "phone": "0901234567",
        "brandname": "B",
        "category": "care",
        "test_send": "false",
        "text": "Hi",
        "state": "delivered",
        "error": "",
        "sms_id": "S-APPROVED",
        "network": "Mobifone",
        "price": "470.5",
        "approval": "approved by U0BOSS at 2026-12-01T09:03:00+07:00",
        "approval_trail": "2026-12-01T09:03:00+07:00 approved by U0BOSS",
    }
    assert approved["submitted_at"].endswith("+07:00")
    assert rejected["state"] == "cancelled" and rejected["sms_id"] == ""
    assert rejected["approval"] == (
        "rejected by U0BOSS at 2026-12-02T10:05:00+07:00: =wrong number"
    )
    assert (
        rejected["approval_trail"] == "2026-12-02T10:05:00+07:00 rejected by U0BOSS: =wrong number"
    )
    assert viber["channel"] == "viber" and viber["state"] == "refused"
    assert viber["error"] == codes.describe(108, "x")
    assert sms["channel"] == "sms" and sms["fallback_for"] == viber["recipient_id"]
    assert sms["text"] == "Don hang da san" and sms["brandname"] == ""
    assert sms["network"] == "Vinaphone" and sms["price"] == "1000000"  # never 1e+06
    assert sms["state"] == "delivered" and sms["approval"] == ""


def test_the_json_lines_keep_types_and_the_whole_trail(store, audited):
    store.approvals.decide(audited["approved"], Approval.REJECTED, "U0LATE")  # too late: no event
    out = io.StringIO()
    assert write_jsonl(records(store, DECEMBER), out) == 5
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert all(list(line) == list(COLUMNS) for line in lines)
    purged, approved, rejected, viber, sms = lines
    assert purged["text"] == "purged" and purged["approval_trail"] == []
    assert approved["price"] == 470.5 and approved["test_send"] is False
    assert approved["approval_trail"] == [
        {"at": "2026-12-01T09:03:00+07:00", "actor": "U0BOSS", "action": "approved", "reason": None}
    ]
    assert rejected["approval_trail"][0]["reason"] == "=wrong number"  # no guard in JSON
    assert sms["price"] == 1000000 and sms["fallback_for"] == viber["recipient_id"]
    assert viber["fallback_for"] is None and viber["error"].endswith("(108)")


def test_a_formula_in_a_text_stays_text_in_the_csv(store):
    new_send(store, ["0901234567"], message=ViberMessage("=1+2"))
    out = io.StringIO(newline="")
    write_csv(records(store, around_now()), out)
    assert "'=1+2" in out.getvalue()


# -- the trail in /viber status ----------------------------------------------------------------


def test_the_trail_line_for_approvers(store, audited):
    approved = store.sends.get(audited["approved"])
    line = approval_trail(approved, store.approvals.events(approved.id))
    assert "🕒 requested <!date^" in line and "|09:01>" in line
    assert "✔️ approved by <@U0BOSS> <!date^" in line and "|09:03>" in line
    rejected = store.sends.get(audited["rejected"])
    line = approval_trail(rejected, store.approvals.events(rejected.id))
    assert "✖️ rejected by <@U0BOSS>" in line and line.endswith(": =wrong number")
    assert approval_trail(store.sends.get(audited["fallback"]), []) is None


def test_every_kind_of_step_in_the_trail_has_words():
    send = Send(
        id="s1", created_at=vietnam("2026-12-01T09:01:00"), team_id="T", channel_id="C1",
        user_id="U1", message=ViberMessage("Hi"), brandname="B", test_send=False,
        thread_state="posted", thread_note=None, parent_ts="1.1", response_url=None,
        approval=Approval.EXPIRED,
    )  # fmt: skip
    events = [
        {"at": vietnam("2026-12-01T09:02:00"), "actor": "U2", "action": "approve", "reason": None},
        {"at": vietnam("2026-12-02T09:01:00"), "actor": None, "action": "expired", "reason": None},
    ]
    line = approval_trail(send, events)
    assert "approve by <@U2> <!date^" in line  # an action of older data, as it was recorded
    assert "⌛ expired <!date^" in line and "2026-12-02 09:01 (GMT+7)>" in line  # another day
    assert approval_trail(replace(send, approval=Approval.NONE), events) is None
