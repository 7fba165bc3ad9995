"""Charts and the Home dashboard through the real app: `/viber chart` over a seeded month (the
PNG and the summary checked against the seed), `/viber report` still understood, who may ask
for `all`, `public` in a channel the app must join or cannot, and the Home tab's week and
balance that never wait on eSMS."""

from __future__ import annotations

import io
import json
import time
from datetime import date, datetime, timedelta

from PIL import Image

from bot.core.formatting import VIETNAM, vietnam_day
from bot.store import Store
from sandbox.demo.history import NAMES, past_month, write_history
from tests.e2e.harness import wait_for

ADMIN, AGENT = "U0ADMIN", "U0AGENT"
FAILED = {"failed", "rejected", "refused", "unavailable"}


def last_month() -> tuple[str, float, int]:
    """`YYYY-MM` of the month before this one (Vietnamese time), its first midnight, its days."""
    first_of_this = date.fromisoformat(vietnam_day(time.time())).replace(day=1)
    first = (first_of_this - timedelta(days=1)).replace(day=1)
    start = datetime.combine(first, datetime.min.time(), VIETNAM).timestamp()
    return first.strftime("%Y-%m"), start, (first_of_this - first).days


def seed(app, channels=("C0001", "C0002")):
    month, start, days = last_month()
    rows = past_month(start, days, channels, sends_per_day=6, seed=11)
    store = Store.open(app.env["DATABASE_URL"])
    try:
        write_history(store.db, rows)
    finally:
        store.close()
    return month, rows


def open_home(app, user):
    event = {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home"},
    }
    return app.post_signed(json.dumps(event), content_type="application/json")


def home_text(slack_api, user) -> str:
    home = slack_api.homes.get(user)
    if home is None:
        return ""
    return "\n".join(
        str((block.get("text") or {}).get("text", "")) for block in home.view["blocks"]
    )


def test_a_months_chart_arrives_by_direct_message_with_its_figures(app, slack_api, esms):
    slack_api.users.update(NAMES)
    slack_api.channel_names["C0001"] = "hỗ-trợ"
    month, rows = seed(app)
    url = slack_api.response_url("chart")
    answer = app.command(f"chart {month}", user=AGENT, response_url=url).json()
    assert answer["response_type"] == "ephemeral" and "Preparing the chart" in answer["text"]
    (upload,) = wait_for(lambda: slack_api.uploads, timeout=30)
    assert upload.channel_id.startswith("D") and slack_api.dms[upload.channel_id] == AGENT
    assert upload.filename.startswith("viber-chart-") and upload.filename.endswith(".png")
    assert month in upload.filename
    image = Image.open(io.BytesIO(upload.content))
    assert image.format == "PNG" and image.width <= 2000 and len(upload.content) < 1_000_000
    # The channel's own rows only, test sends left out, counted from the seed itself.
    mine = [row for row in rows if row.channel_id == "C0001" and not row.test_send]
    viber = [row for row in mine if row.channel == "viber"]
    sends = len({row.send_id for row in mine})
    delivered = sum(row.state == "delivered" for row in viber)
    went_out = sum(row.state not in ("skipped", "cancelled") for row in viber)
    comment = upload.initial_comment
    assert f"*{sends:,}* sends · *{len(viber):,}* recipients" in comment
    assert f"({delivered:,} of {went_out:,} that went out)" in comment
    cost = sum(row.price or 0 for row in mine)
    assert f"Cost: *{cost:,.0f} ₫*".replace(",", ".") in comment  # VND the Vietnamese way
    failed = sum(row.state in FAILED for row in viber)
    assert f"· {failed:,} failed ·" in comment and "<#C0001>" in comment
    (told,) = wait_for(lambda: slack_api.responses)
    assert "in your direct messages" in told["text"] and told["replace_original"] is True


def test_every_channel_is_for_report_admins(app_factory, slack_api, esms):
    app = app_factory(REPORT_ADMINS=ADMIN)
    month, rows = seed(app)
    refused = app.command(f"chart {month} all", user=AGENT).json()
    assert "Only the people in REPORT_ADMINS may see every channel" in refused["text"]
    app.command(f"chart all {month}", user=ADMIN, response_url=slack_api.response_url("r"))
    (upload,) = wait_for(lambda: slack_api.uploads, timeout=30)
    counted = [r for r in rows if r.channel == "viber" and not r.test_send]
    assert f"*{len(counted):,}* recipients" in upload.initial_comment
    assert "every channel" in upload.initial_comment
    everyone = app.command(f"chart {month} all public", user=ADMIN).json()["text"]
    assert "comes by direct message only" in everyone
    nobody = app_factory()  # neither REPORT_ADMINS nor TEMPLATE_ADMINS
    assert "nobody is set yet" in nobody.command(f"chart {month} all", user=ADMIN).json()["text"]


def test_public_joins_a_public_channel_and_explains_a_private_one(app, slack_api, esms):
    month, _rows = seed(app, channels=("C0001", "C0PRIV"))
    slack_api.unjoined.add("C0001")
    app.command(f"chart {month} public", user=AGENT, response_url=slack_api.response_url("a"))
    (upload,) = wait_for(lambda: slack_api.uploads, timeout=30)
    assert upload.channel_id == "C0001" and slack_api.joined == ["C0001"]
    wait_for(lambda: any("posted in the channel" in r["text"] for r in slack_api.responses))
    slack_api.private_channels.add("C0PRIV")
    slack_api.not_member.add("C0PRIV")
    url = slack_api.response_url("b")
    app.command(f"chart {month} public", channel="C0PRIV", user=AGENT, response_url=url)
    told = wait_for(lambda: [r for r in slack_api.responses if "invite" in r["text"]], timeout=30)
    assert "not a member of this private channel" in told[0]["text"]
    assert len(slack_api.uploads) == 1


def test_bad_words_and_empty_periods_are_answered_and_send_nothing(app, slack_api, esms):
    assert "is not something a chart understands" in app.command("chart weekly").json()["text"]
    assert "Pick one period" in app.command("chart 7d today").json()["text"]
    future = (date.fromisoformat(vietnam_day(time.time())) + timedelta(days=40)).strftime("%Y-%m")
    assert "has not begun yet" in app.command(f"chart {future}").json()["text"]
    app.command("chart 30d", response_url=slack_api.response_url("e"))
    (told,) = wait_for(lambda: slack_api.responses)
    assert "there is nothing to chart" in told["text"]
    assert slack_api.uploads == []


def test_report_7d_still_brings_this_weeks_chart(app, slack_api, esms):
    # `/viber report`: the older word for `/viber chart`, which people keep typing.
    app.command("0987654321 Xin chào", user=AGENT)
    wait_for(lambda: esms.accepted_for("0987654321"))
    url = slack_api.response_url("older")
    answer = app.command("report 7d", user=AGENT, response_url=url).json()
    assert "Preparing the chart of this channel" in answer["text"]
    (upload,) = wait_for(lambda: slack_api.uploads, timeout=30)
    assert upload.filename.startswith("viber-chart-") and upload.filename.endswith(".png")
    assert slack_api.dms[upload.channel_id] == AGENT
    assert "*1* sends · *1* recipients" in upload.initial_comment
    (told,) = wait_for(lambda: slack_api.responses)
    assert "The chart is in your direct messages" in told["text"]


def test_the_home_tab_shows_the_week_and_never_waits_on_esms(app_factory, slack_api, esms):
    app = app_factory(ESMS_TIMEOUT_SECONDS="10")
    esms.balance_delay = 3.0
    app.command("0987654321 Xin chào", user=AGENT)
    wait_for(lambda: esms.accepted_for("0987654321"))
    started = time.monotonic()
    assert open_home(app, AGENT).status_code == 200
    wait_for(lambda: AGENT in slack_api.homes)
    shown_after = time.monotonic() - started
    first = home_text(slack_api, AGENT)
    assert "This week, the whole team" in first and "*1* sends · *1* recipients" in first
    assert "being checked" in first and "0987654321" in first
    assert shown_after < esms.balance_delay  # published before eSMS answered
    wait_for(lambda: "eSMS balance: *36.693 ₫*" in home_text(slack_api, AGENT), timeout=15)
    requests_so_far = esms.balance_requests
    assert requests_so_far == 1
    open_home(app, AGENT)  # a fresh balance is kept: no second look-up
    wait_for(lambda: len(slack_api.calls_to("views.publish")) == 3)
    assert esms.balance_requests == 1 and "36.693 ₫" in home_text(slack_api, AGENT)


def test_the_home_tab_says_when_esms_cannot_tell_the_balance(app, slack_api, esms):
    esms.balance_delay = 2.0  # the app gives eSMS 1 s here
    open_home(app, AGENT)
    wait_for(lambda: "eSMS balance: unknown" in home_text(slack_api, AGENT), timeout=15)
    assert "No send yet this week" in home_text(slack_api, AGENT)


def test_the_team_figures_are_for_those_who_may_use_the_app(app_factory, slack_api, esms):
    app = app_factory(ALLOWED_USERS=AGENT)
    open_home(app, "U0VISITOR")
    wait_for(lambda: "U0VISITOR" in slack_api.homes)
    assert "This week" not in home_text(slack_api, "U0VISITOR")
    open_home(app, AGENT)
    wait_for(lambda: "eSMS balance: *36.693 ₫*" in home_text(slack_api, AGENT), timeout=15)
    assert esms.balance_requests == 1  # the visitor's tab asked eSMS nothing
