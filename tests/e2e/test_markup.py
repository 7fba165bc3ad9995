"""Input that is what it looks like: nothing echoed into Slack is live markup, links cannot be
disguised, Unicode is read the way people type it, and the message shortcut copies what the
reader saw."""

import json
import re
import time
import unicodedata
from urllib.parse import urlencode

from sandbox.standins.http import Reply
from tests.e2e.harness import composer_values, json_or_empty, wait_for

ADMIN = "U0ADMIN"
HOSTILE = ("<@U123>", "<!here>", "<https://evil.example|shop.example>")
# A mention, a broadcast, a channel link or a link with a label that Slack would render.
LIVE = re.compile(r"<(?:[@#!]|https?:|mailto:)")


def shortcut(app, slack_api, text, *, response_url="shortcut"):
    payload = {
        "type": "message_action",
        "callback_id": "send_on_viber",
        "team": {"id": "T0001", "domain": "example"},
        "user": {"id": "U0001", "team_id": "T0001"},
        "channel": {"id": "C0001", "name": "support"},
        "trigger_id": "3456.7890.trigger",
        "response_url": slack_api.response_url(response_url),
        "message_ts": "1700001000.000200",
        "message": {
            "type": "message",
            "user": "U0CUSTOMERCARE",
            "ts": "1700001000.000200",
            "text": text,
        },
    }
    return app.post_signed(urlencode({"payload": json.dumps(payload)}))


def opened_text(slack_api):
    (opened,) = wait_for(lambda: slack_api.calls_to("views.open"))
    block = next(b for b in opened.args["view"]["blocks"] if b.get("block_id") == "text")
    return opened, block["element"].get("initial_value", "")


# -- what the app echoes ------------------------------------------------------------------------


def test_unrecognised_command_words_are_echoed_as_text(app):
    for word in (*HOSTILE, "&lt;!channel&gt;"):
        for text in (word, f"history {word}"):
            answer = app.command(text).json()["text"]
            assert not LIVE.search(answer), answer
            assert "&lt;" in answer and "&amp;lt;" not in answer


def test_a_template_with_markup_in_its_link_is_refused_in_words_that_stay_text(
    app_factory, slack_api
):
    app = app_factory(TEMPLATE_ADMINS=ADMIN)
    for hostile in HOSTILE:
        slack_typed = hostile.replace("<", "&lt;").replace(">", "&gt;")
        answer = app.command(
            f"template add promo | Hi | | Go | https://shop.example/{slack_typed}", user=ADMIN
        ).json()["text"]
        assert "Template not saved" in answer and "Button link" in answer
        assert not LIVE.search(answer) and '"&lt;"' in answer
    assert "No templates yet" in app.command("template list").json()["text"]


def test_a_slack_error_code_in_the_not_posted_advice_stays_text(app, slack_api, esms):
    for index, hostile in enumerate(HOSTILE):
        slack_api.fail_next("chat.postMessage", error=hostile)
        url = slack_api.response_url(f"cmd{index}")
        assert (
            "Sending to 1 number" in app.command("0901234567 hi", response_url=url).json()["text"]
        )
        wait_for(lambda n=index: len(slack_api.responses) == n + 1)
    # The app's own link to the channel is the one piece of markup meant to be there.
    texts = [response["text"].replace("<#C0001>", "#") for response in slack_api.responses]
    assert all("*not sent*" in text and not LIVE.search(text) for text in texts), texts
    assert "(&lt;!here&gt;)" in texts[1]


def test_a_slack_error_opening_the_composer_from_a_message_stays_text(app, slack_api):
    for hostile in HOSTILE:
        slack_api.fail_next("views.open", error=hostile)
        shortcut(app, slack_api, "Chào anh")
    texts = [
        r["text"] for r in wait_for(lambda: len(slack_api.responses) == 3 and slack_api.responses)
    ]
    assert all("did not open the composer" in text and not LIVE.search(text) for text in texts)


# -- links that are what they look like ---------------------------------------------------------


def test_a_button_link_with_a_pipe_is_refused_under_its_field(app, slack_api, esms):
    values = composer_values(
        text="Ưu đãi",
        button_label="Xem",
        button_url="https://evil.example/x|https://shop.example/offer",
    )
    errors = json_or_empty(app.submit_composer(values))["errors"]
    assert list(errors) == ["button_url"]
    assert '"|"' in errors["button_url"]  # modal errors are plain text: not escaped
    time.sleep(0.3)
    assert esms.submissions == [] and slack_api.parents() == []


def test_an_image_link_that_cannot_be_split_gets_a_field_error(app, esms):
    values = composer_values(
        text="Ưu đãi",
        image_url="https://[x/a.png",
        button_label="Xem",
        button_url="https://shop.example",
    )
    response = app.submit_composer(values)
    assert response.status_code == 200
    assert "not a well-formed link" in json_or_empty(response)["errors"]["image_url"]


# -- Unicode as people type it ------------------------------------------------------------------


def test_text_typed_with_combining_marks_is_accepted_and_sent_composed(app, esms):
    composed = ("Khuyến mãi tháng này: giảm giá đặc biệt cho quý khách. " * 20)[:950]
    typed = unicodedata.normalize("NFD", composed)
    assert len(typed) > 1000
    response = app.submit_composer(composer_values(text=typed))
    assert json_or_empty(response).get("errors") is None
    (accepted,) = wait_for(lambda: esms.accepted_for("0901234567"))
    assert accepted.body["Content"] == composed.strip()


def test_a_quick_send_to_full_width_and_arabic_indic_digits(app, esms):
    answer = app.command("０９０１２３４５６７，٠٩١٢٣٤٥٦٧٨ Xin chào").json()["text"]
    assert "Sending to 2 numbers" in answer
    wait_for(lambda: len(esms.submissions) == 2)
    assert {s.body["Phones"][0] for s in esms.submissions} == {"0901234567", "0912345678"}


def test_template_names_typed_with_combining_marks(app_factory, slack_api):
    app = app_factory(TEMPLATE_ADMINS=ADMIN)
    name = unicodedata.normalize("NFD", "giảm-giá")
    answer = app.command(f"template add {name} | Giảm 50% | | |", user=ADMIN).json()["text"]
    assert "saved" in answer and "giảm-giá" in answer
    assert "giảm-giá" in app.command("template list").json()["text"]
    assert "removed" in app.command("template remove giảm-giá", user=ADMIN).json()["text"]


# -- the message shortcut -----------------------------------------------------------------------


def test_the_shortcut_copies_what_the_reader_saw(app, slack_api):
    slack_api._users_info = lambda args: Reply(
        200,
        {
            "ok": True,
            "user": {
                "id": args.get("user"),
                "name": "linh",
                "profile": {"display_name": "Linh", "real_name": "Linh Nguyễn"},
            },
        },
    )
    shortcut(
        app,
        slack_api,
        "<!here> Chào <@U0LINH>, xem <https://shop.example/a?x=1&amp;y=2|ưu đãi> "
        "&amp; <#C0001|support>, hỏi <!subteam^S0T|@cskh> &lt;3",
    )
    _opened, text = opened_text(slack_api)
    assert text == (
        "Chào @Linh, xem ưu đãi (https://shop.example/a?x=1&y=2) & #support, hỏi @cskh <3"
    )
    assert [call.args.get("user") for call in slack_api.calls_to("users.info")] == ["U0LINH"]


def test_slow_name_look_ups_do_not_keep_the_composer_from_opening(app, slack_api):
    slack_api.delay["users.info"] = 6.0
    started = time.time()
    shortcut(app, slack_api, "Chào <@U0SLOW> và <@U0SLOWER>")
    opened, text = opened_text(slack_api)
    assert opened.at - started < 5  # the look-ups would have taken 6 s
    assert text == "Chào @U0SLOW và @U0SLOWER"


def test_at_most_five_people_are_looked_up(app, slack_api):
    mentions = " ".join(f"<@U0P{index}>" for index in range(8))
    shortcut(app, slack_api, f"Chào {mentions}")
    _opened, text = opened_text(slack_api)
    assert text == "Chào " + " ".join(f"@U0P{index}" for index in range(8))
    assert len(slack_api.calls_to("users.info")) == 5
