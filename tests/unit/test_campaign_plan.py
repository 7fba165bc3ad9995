"""Planning a campaign from a spreadsheet: placeholders, invalid rows, duplicates, the limit."""

from __future__ import annotations

import pytest

from bot.core.campaign import fill, placeholders, plan_campaign
from bot.core.message import ViberMessage
from bot.core.spreadsheet import TooManyRows, read_sheet

MESSAGE = ViberMessage(
    text="Chào {Tên}, đơn {Mã đơn} đã sẵn sàng",
    button_label="Xem",
    button_url="https://shop.example/o/{Mã đơn}?ref={Tên}",
)


def plan(text: str, message: ViberMessage = MESSAGE, max_rows: int = 10_000):
    return plan_campaign(read_sheet(text.encode(), max_rows), message, max_rows)


def test_placeholders_are_read_as_header_keys():
    assert placeholders("Chào {Tên khách}, {MÃ ĐƠN} {x}") == ["ten_khach", "ma_don", "x"]
    assert placeholders("no braces") == [] and placeholders("") == []


def test_each_row_gets_its_own_text_and_an_encoded_link():
    planned = plan("sdt,tên,mã đơn\n0901234567,Lan Anh,A/1 2\n0912345678,Đức,B7\n")
    assert planned.ok and planned.read == 2 and not planned.invalid
    first, second = planned.rows
    assert (first.number, first.phone) == (2, "0901234567")
    assert first.message.text == "Chào Lan Anh, đơn A/1 2 đã sẵn sàng"
    assert first.message.button_url == "https://shop.example/o/A%2F1%202?ref=Lan%20Anh"
    assert second.message.button_url == "https://shop.example/o/B7?ref=%C4%90%E1%BB%A9c"
    assert first.values == {"sdt": "0901234567", "ten": "Lan Anh", "ma_don": "A/1 2"}


def test_invalid_rows_are_named_with_their_reason_and_duplicates_merged():
    planned = plan(
        "phone;tên;mã đơn\n"
        "0901234567;Lan;A1\n"
        "abc;Bình;A2\n"
        "0912345678;;A3\n"
        "+84 901 234 567;Lan again;A4\n"
    )
    assert [r.phone for r in planned.rows] == ["0901234567"]
    assert [n for n, _ in planned.invalid] == [3, 4]
    assert "abc" in planned.invalid[0][1] and "ten" in planned.invalid[1][1]
    assert planned.duplicates == 1


def test_a_placeholder_that_names_no_column_stops_the_campaign():
    planned = plan("phone,ten\n0901234567,Lan\n", ViberMessage(text="Chào {ten} {ho}"))
    assert not planned.ok and planned.unknown == ("ho",)


def test_a_file_past_the_limit_is_refused_whole_with_how_many_rows_it_has():
    rows = "".join(f"09{i:08d},x\n" for i in range(5))
    with pytest.raises(TooManyRows) as refused:
        plan("phone,ten\n" + rows, ViberMessage(text="Hi {ten}"), max_rows=3)
    assert (refused.value.seen, refused.value.limit) == (5, 3)
    assert len(plan("phone,ten\n" + rows, max_rows=5).rows) == 5  # at the limit: read


def test_a_row_whose_message_breaks_a_rule_is_invalid():
    long = "x" * 990
    planned = plan(
        f"phone,ten\n0901234567,{long}\n0912345678,ok\n", ViberMessage(text="{ten} {ten}")
    )
    assert [r.phone for r in planned.rows] == ["0912345678"]
    assert planned.invalid[0][0] == 2


def test_fill_leaves_unknown_placeholders_as_written():
    assert fill("a {b} {c}", {"b": "1"}) == "a 1 {c}"
