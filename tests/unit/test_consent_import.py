"""`viber-bot consent import | export`: every row checked before anything is recorded, the
moments people write read as Vietnam time, and a file exported then imported changes nothing."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime

import pytest

from bot.cli.consents import export_file, import_file
from bot.core.consent import SOURCE_IMPORT, SOURCE_SLACK
from bot.core.csv_cells import read_cell, safe_cell
from bot.core.formatting import VIETNAM
from bot.core.moments import read_moment
from bot.core.spreadsheet import SheetError
from bot.store import Store
from bot.store.consents import Given, NewConsent

PHONE = "0901234567"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=VIETNAM).timestamp()


def vietnam(*parts: int) -> float:
    return datetime(*parts, tzinfo=VIETNAM).timestamp()


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-12-01", vietnam(2026, 12, 1)),
        ("2026-12-01 09:30", vietnam(2026, 12, 1, 9, 30)),
        ("2026-12-01 09:30:15", vietnam(2026, 12, 1, 9, 30, 15)),
        ("2026-12-01T09:30:15", vietnam(2026, 12, 1, 9, 30, 15)),
        ("2026-12-01T02:30:15Z", vietnam(2026, 12, 1, 9, 30, 15)),
        ("2026-12-01T09:30:15+09:00", vietnam(2026, 12, 1, 7, 30, 15)),
        ("2026-12-01T09:30:15.250000+07:00", vietnam(2026, 12, 1, 9, 30, 15) + 0.25),
        ("01/12/2026", vietnam(2026, 12, 1)),
        ("1/12/2026 09:30", vietnam(2026, 12, 1, 9, 30)),
        (" 01/12/2026  09:30 ", vietnam(2026, 12, 1, 9, 30)),
    ],
)
def test_the_moments_people_write_are_read_as_vietnam_time_unless_they_say(text, moment):
    assert read_moment(text) == moment


@pytest.mark.parametrize(
    "text", ["", "yesterday", "31/02/2026", "2026-13-01", "12/2026", "2026-12-01 25:00", "12/01"]
)
def test_what_is_not_a_moment_is_not_read(text):
    assert read_moment(text) is None


def test_a_formula_defused_in_a_file_reads_back_as_it_was():
    for text in ("=1+1", "+84 hotline", "-", "'quoted'", "plain", "'plain"):
        assert read_cell(safe_cell(text)) == text


def csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def test_a_good_file_is_recorded_and_the_last_row_of_a_number_wins(store: Store):
    sheet = "\ufeffSố điện thoại;Evidence;Given at\n".encode() + csv(
        "0901234567;signed form 12/2026;01/12/2026 09:30",
        "+84 912 345 678;website checkbox, order A123;2026-11-30",
        "090 123 4567;signed form, second copy;2026-12-02T10:00:00+07:00",
    )
    assert import_file(store, sheet, "cli:test", now=NOW) == (2, 0)
    first = store.consents.get(PHONE)
    assert (first.evidence, first.given_at) == (
        "signed form, second copy",
        vietnam(2026, 12, 2, 10),
    )
    assert (first.source, first.recorded_by) == (SOURCE_IMPORT, "cli:test")
    assert store.consents.get("0912345678").given_at == vietnam(2026, 11, 30)
    assert store.consents.history(PHONE)[1] == 1  # one change: the winning row
    assert import_file(store, sheet, "cli:test", now=NOW) == (0, 2)


def test_every_bad_row_is_named_and_nothing_is_recorded(store: Store):
    store.optouts.add("0987654321", "U0AGENT", "asked on the phone")
    sheet = csv(
        "phone,evidence,given_at",
        "0901234567,signed form,2026-12-01",  # row 2: good
        "12345,signed form,2026-12-01",
        "0912345678,,2026-12-01",
        "0912345679," + "x" * 501 + ",2026-12-01",
        "0912345680,signed form,31/02/2026",
        "0912345681,signed form,",
        "0912345682,signed form,2026-12-07 12:01",
        "0987654321,signed form,2026-12-01",
        "not a number,,someday",
    )
    with pytest.raises(SheetError) as refused:
        import_file(store, sheet, "cli:test", now=NOW)
    said = str(refused.value)
    assert said.startswith("nothing was imported:")
    assert "row 2" not in said
    assert "row 3: '12345' is not a Vietnamese mobile number" in said
    assert "row 4: no evidence" in said
    assert "row 5: the evidence has 501 characters, at most 500" in said
    assert "row 6: given_at '31/02/2026' is not a time (YYYY-MM-DD" in said
    assert "row 7: no given_at" in said
    assert "row 8: given_at 2026-12-07 12:01 is in the future" in said
    day = datetime.now(VIETNAM).strftime("%Y-%m-%d")
    assert f"row 9: 0987654321 opted out on {day}: an opt-out admin must take it off" in said
    assert re.search(r"row 10: 'not a number' is not .*; no evidence .*; given_at 'someday'", said)
    assert store.consents.count() == 0 and store.consents.history(PHONE) == ([], 0)


def test_many_bad_rows_are_named_twenty_at_most(store: Store):
    sheet = csv("phone,evidence,given_at", *(f"123{i},form,2026-12-01" for i in range(25)))
    with pytest.raises(SheetError) as refused:
        import_file(store, sheet, "cli:test", now=NOW)
    said = str(refused.value)
    assert "row 21:" in said and "row 22:" not in said and "… and 5 more" in said


def test_a_number_opted_out_meanwhile_is_named_too(store: Store, monkeypatch):
    store.optouts.add(PHONE, "U0AGENT")
    monkeypatch.setattr(store.optouts, "among", lambda phones: {})  # looked up before it did
    sheet = csv("phone,evidence,given_at", "0912345678,form,2026-12-01", f"{PHONE},form,2026-12-01")
    with pytest.raises(SheetError, match=f"row 3: {PHONE} opted out: an opt-out admin"):
        import_file(store, sheet, "cli:test", now=NOW)
    assert store.consents.count() == 0


@pytest.mark.parametrize(
    ("header", "missing"),
    [("phone,given_at", "no evidence column"), ("phone,proof,date", "no evidence or given_at")],
)
def test_a_missing_column_names_the_columns_found(store: Store, header, missing):
    with pytest.raises(SheetError) as refused:
        import_file(store, csv(header, "0901234567,form"), "cli:test", now=NOW)
    said = str(refused.value)
    assert missing in said and f"the columns found: {header.replace(',', ', ')}" in said


def test_a_future_consent_is_refused_and_one_given_now_is_not(store: Store):
    now = time.time()
    later = datetime.fromtimestamp(now + 120, VIETNAM).strftime("%Y-%m-%d %H:%M:%S")
    sheet = csv("phone,evidence,given_at", f"{PHONE},form,{later}")
    with pytest.raises(SheetError, match=r"row 2: given_at .* is in the future"):
        import_file(store, sheet, "cli:test")
    earlier = datetime.fromtimestamp(now - 120, VIETNAM).strftime("%Y-%m-%d %H:%M:%S")
    assert import_file(store, csv("phone,evidence,given_at", f"{PHONE},form,{earlier}"), "x")[0]


def test_an_exported_file_imported_again_records_nothing(store: Store):
    store.consents.give(NewConsent(PHONE, "ô đồng ý, đơn A123", time.time()), "U0A", SOURCE_SLACK)
    tricky = [
        ("0912345678", '=HYPERLINK("https://x.example")', vietnam(2026, 1, 2, 3, 4, 5) + 0.5),
        ("0912345679", '+84 hotline call, "yes"\nsecond line', vietnam(2025, 6, 1)),
        ("0912345680", "-signed-", 1_700_000_000.123456),
    ]
    store.consents.give_many([NewConsent(*entry) for entry in tricky], "cli:root", SOURCE_IMPORT)
    out = io.StringIO()
    assert export_file(store, out) == 4
    exported = out.getvalue()
    assert exported.splitlines()[0] == "phone,given_at,evidence,source,recorded_by,recorded_at"
    assert "'=HYPERLINK" in exported and "\n=HYPERLINK" not in exported  # no formula runs
    assert "2026-01-02T03:04:05.500000+07:00" in exported
    events = store.consents.history(PHONE)[1]
    assert import_file(store, exported.encode(), "cli:test") == (0, 4)
    assert store.consents.history(PHONE)[1] == events
    assert store.consents.get(PHONE).source == SOURCE_SLACK  # the record stays as it was


def test_the_export_reads_every_consent_a_batch_at_a_time(store: Store):
    entries = [
        NewConsent(f"0901{i:06d}", f"form {i}", vietnam(2026, 1, 1) + i) for i in range(1201)
    ]
    store.consents.give_many(entries, "cli:root", SOURCE_IMPORT)
    out = io.StringIO()
    assert export_file(store, out) == 1201
    phones = [line.split(",")[0] for line in out.getvalue().splitlines()[1:]]
    assert phones == [entry.phone for entry in entries]


def test_the_same_consent_is_the_same_moment_read_back_from_a_file(store: Store):
    given = 1_765_150_000.1234567  # finer than a file carries
    assert store.consents.give(NewConsent(PHONE, "form", given), "U0A", SOURCE_SLACK) == (
        Given.RECORDED
    )
    read_back = datetime.fromisoformat(datetime.fromtimestamp(given, VIETNAM).isoformat())
    same = NewConsent(PHONE, "form", read_back.timestamp())
    assert store.consents.give(same, "cli:test", SOURCE_IMPORT) == Given.SAME
    later = NewConsent(PHONE, "form", given + 1)
    assert store.consents.give(later, "cli:test", SOURCE_IMPORT) == Given.RECORDED
    assert store.consents.history(PHONE)[1] == 2
