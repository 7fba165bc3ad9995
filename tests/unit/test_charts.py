"""Charts: the command's words, the periods, the figures of a seeded month counted again from
the seed itself, the chart as a real image, and the Home tab's week."""

from __future__ import annotations

import io
import time
import warnings
from collections import Counter
from datetime import date, datetime

import pytest
from PIL import Image

from bot.charts.draw import render_png
from bot.charts.gather import gather
from bot.core import i18n
from bot.core.chart_period import ChartCommand, chart_command, period_bounds
from bot.core.command_text import parse_command
from bot.core.formatting import VIETNAM
from bot.esms.client import EsmsError
from bot.posts.chart import chart_summary
from bot.posts.home import team_figures
from bot.slack.dashboard import Balance, BalanceCache
from bot.store.charts import Charts
from sandbox.demo.history import NAMES, past_month, write_history

FAILED = {"failed", "rejected", "refused", "unavailable"}


def vietnam(day: str, hour: int = 0) -> float:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), VIETNAM).timestamp() + (
        hour * 3600
    )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("", ChartCommand("7d")),
        ("today", ChartCommand("today")),
        ("30D public", ChartCommand("30d", public=True)),
        ("all 2026-11", ChartCommand("2026-11", every_channel=True)),
        ("public all month", ChartCommand("month", True, True)),
        ("7d 30d", ChartCommand(problem="chart.two_periods", detail="7d 30d")),
        ("2026-13", ChartCommand(problem="chart.bad_month", detail="2026-13")),
        ("yesterday", ChartCommand(problem="chart.unknown_word", detail="yesterday")),
        ("0000-01", ChartCommand(problem="chart.bad_month", detail="0000-01")),
        ("1999-12", ChartCommand(problem="chart.bad_month", detail="1999-12")),
    ],
)
def test_the_words_of_a_chart(words, expected):
    assert chart_command(words) == expected
    assert parse_command(f"chart {words}") == expected


@pytest.mark.parametrize("word", ["chart", "Charts", "report", "REPORTS"])
def test_report_still_asks_for_a_chart_as_it_always_did(word):
    # `/viber report 7d`: the command's first word, which people keep typing.
    assert parse_command(f"{word} 7d") == ChartCommand("7d")
    assert parse_command(f"{word} all public 2026-11") == ChartCommand("2026-11", True, True)


def test_periods_are_whole_vietnamese_days():
    now = vietnam("2026-12-02", 0) + 30  # 00:00:30 in Vietnam, still 1 December in UTC
    today = period_bounds("today", now)
    assert today and today.start == vietnam("2026-12-02") and today.end == now
    assert today.days == (date(2026, 12, 2),) and today.label == "2026-12-02"
    week = period_bounds("7d", now)
    assert week and week.start == vietnam("2026-11-26") and len(week.days) == 7
    assert period_bounds("30d", now).days[0] == date(2026, 11, 3)
    month = period_bounds("month", now)
    assert month and month.start == vietnam("2026-12-01") and len(month.days) == 2
    november = period_bounds("2026-11", now)
    assert november and (november.start, november.end) == (
        vietnam("2026-11-01"),
        vietnam("2026-12-01"),
    )
    assert len(november.days) == 30 and november.label == "2026-11-01 – 2026-11-30"
    this_month = period_bounds("2026-12", now)
    assert this_month and this_month.end == now
    assert period_bounds("2027-01", now) is None
    assert period_bounds("2024-02", now).days[-1] == date(2024, 2, 29)


@pytest.fixture
def november(store):
    rows = past_month(vietnam("2026-11-01"), 30, ("C0001", "C0002"), sends_per_day=10, seed=3)
    write_history(store.db, rows)
    # A send just outside the month on each side: in no figure.
    outside = past_month(vietnam("2026-10-31"), 1, ("C0001",), sends_per_day=2, seed=4)
    outside += past_month(vietnam("2026-12-01"), 1, ("C0001",), sends_per_day=2, seed=5)
    write_history(store.db, outside)
    return rows


def test_a_seeded_month_is_counted_as_the_rows_say(store, november):
    period = period_bounds("2026-11", vietnam("2026-12-15"))
    figures = gather(store, period)
    counted = [row for row in november if not row.test_send]
    viber = [row for row in counted if row.channel == "viber"]
    sms = [row for row in counted if row.channel == "sms"]
    assert figures.total.sends == len({row.send_id for row in counted})
    assert figures.total.recipients == len(viber)
    assert figures.total.delivered == sum(row.state == "delivered" for row in viber)
    assert figures.total.failed == sum(row.state in FAILED for row in viber)
    assert figures.total.not_sent == sum(row.state in ("skipped", "cancelled") for row in viber)
    assert figures.total.sms == len(sms) > 0
    assert figures.total.sms_delivered == sum(row.state == "delivered" for row in sms)
    assert figures.total.cost == sum(row.price or 0 for row in counted) > 0
    assert figures.test_sends == len({row.send_id for row in november if row.test_send}) > 0
    for agent in NAMES:
        mine = [row for row in viber if row.user_id == agent]
        assert figures.agents[agent].recipients == len(mine)
        assert figures.agents[agent].delivered == sum(row.state == "delivered" for row in mine)
    brandnames = Counter(row.brandname for row in viber)
    assert {name: tally.recipients for name, tally in figures.brandnames.items()} == brandnames
    assert "CỬA HÀNG ĐỨC" in brandnames
    channels = Counter(row.channel_id for row in viber)
    assert {name: tally.recipients for name, tally in figures.channels.items()} == channels
    days = Counter(datetime.fromtimestamp(row.created_at, VIETNAM).date() for row in viber)
    assert {day: tally.recipients for day, tally in figures.days.items()} == days
    assert sum(figures.reasons.values()) == sum(row.state in FAILED for row in counted)
    assert figures.reasons["insufficient balance (103)"] == sum(
        row.error_code == 103 for row in counted
    )
    # One channel only: the other's rows are in no figure.
    first = gather(store, period, "C0001")
    assert first.total.recipients == channels["C0001"] and set(first.channels) == {"C0001"}


def test_the_summary_says_the_figures(store, november):
    period = period_bounds("2026-11", vietnam("2026-12-15"))
    figures = gather(store, period)
    text = chart_summary(figures, "<#C0001>", period.label)
    total = figures.total
    assert "2026-11-01 – 2026-11-30" in text
    assert f"*{total.sends:,}* sends · *{total.recipients:,}* recipients" in text
    assert f"({total.delivered:,} of {total.went_out:,} that went out)" in text
    assert f"{total.cost:,.0f} ₫".replace(",", ".") in text  # VND: always the Vietnamese way
    assert "<@U0" in text and "<#C000" in text
    assert "insufficient balance (103)" in text and "test send(s) left out" in text
    # Posted in a channel: names in plain text, no mention that would notify anyone.
    public = chart_summary(figures, "#hỗ-trợ", period.label, {**NAMES, "C0001": "#hỗ-trợ"})
    assert "<@" not in public and "<#" not in public
    assert "Nguyễn Thị Lan" in public and "#hỗ-trợ" in public


def test_the_chart_is_a_png_within_slacks_limits_with_vietnamese_names(store, november):
    period = period_bounds("2026-11", vietnam("2026-12-15"))
    figures = gather(store, period)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from the font is a warning
        for language in ("vi", "en"):
            i18n.use(language)
            try:
                # A name with two $ must not be read as a formula (it failed the whole chart).
                names = {**NAMES, "U0LAN": "$$ Sales $$", "C0001": "#hỗ-trợ $x$"}
                picture = render_png(figures, period, "#hỗ-trợ", names)
            finally:
                i18n.use("en")
            image = Image.open(io.BytesIO(picture))
            assert image.format == "PNG" and image.width <= 2000 and len(picture) < 1_000_000
            assert image.size == (1920, 1440)
            # Not a blank canvas: the bars' colours are there.
            colours = {colour for _count, colour in image.convert("RGB").getcolors(1 << 20)}
            assert (46, 125, 50) in colours and (198, 40, 40) in colours


def test_a_period_with_nothing_is_empty(store):
    period = period_bounds("2026-11", vietnam("2026-12-15"))
    assert gather(store, period).empty


def test_the_home_week_is_what_the_database_adds_up(store, november):
    period = period_bounds("2026-11", vietnam("2026-12-15"))
    folded = gather(store, period).total
    added = Charts(store.db).tally(period.start, period.end)
    assert vars(added) == pytest.approx(vars(folded))
    text = team_figures(added, 1_234_567, vietnam("2026-12-02", 9), None)
    assert f"*{added.sends:,}* sends" in text and "1.234.567 ₫" in text
    assert "being checked" in team_figures(added, None, None, None)
    assert "unknown (eSMS timed out)" in team_figures(added, None, None, "eSMS timed out")
    assert "No send yet this week" in team_figures(Charts(store.db).tally(0, 1), None, None, None)


class SlowlyFailingEsms:
    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    def balance(self) -> int:
        self.calls += 1
        if self.fail:
            raise EsmsError("eSMS timed out")
        return 36693


class RightAway:
    """An executor that runs the look-up at once, so the test sees each step in order."""

    def submit(self, work, *args):
        work(*args)


def test_the_balance_is_read_once_kept_and_not_hammered_while_esms_fails(monkeypatch):
    esms = SlowlyFailingEsms()
    cache = BalanceCache(esms, RightAway(), seconds=300)
    shown: list[Balance] = []
    first = cache.current()
    assert first.amount is None
    cache.refresh_if_stale(shown.append, first)
    assert [b.amount for b in shown] == [36693] and esms.calls == 1
    cache.refresh_if_stale(shown.append, cache.current())  # fresh: no look-up
    assert esms.calls == 1 and len(shown) == 1
    # Someone showed the old balance while this one was read: they get the new one at once.
    cache.refresh_if_stale(shown.append, first)
    assert esms.calls == 1 and shown[-1].amount == 36693
    clock = [time.time() + 301]  # stale now, and eSMS is down
    monkeypatch.setattr("bot.slack.dashboard.time.time", lambda: clock[0])
    esms.fail = True
    cache.refresh_if_stale(shown.append, cache.current())
    failed = cache.current()
    assert esms.calls == 2 and failed.problem == "eSMS timed out" and failed.amount == 36693
    cache.refresh_if_stale(shown.append, failed)  # within a minute of the failure: no look-up
    assert esms.calls == 2
    clock[0] += 61
    esms.fail = False
    cache.refresh_if_stale(shown.append, failed)
    assert esms.calls == 3 and cache.current().problem is None
