"""The Slack stand-in refuses what Slack refuses, limit by limit (bot.core.slack_limits), and
stores nothing it refused; a payload at the limit passes."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import slack_limits as limits
from sandbox.standins.slack_api import SlackApiStandIn


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def section(text: str, **more: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **more}


def button(**more: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": "a", "text": plain("Go"), "value": "v", **more}


def select(count: int, *, text: str = "x", value: str = "v") -> dict[str, Any]:
    options = [{"text": plain(text), "value": f"{value}{i}"[-limits.OPTION_VALUE - 5 :]}
               for i in range(count)]  # fmt: skip
    return {"type": "static_select", "action_id": "s", "options": options}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


# (what is over the limit, the blocks at the limit, the blocks one past it)
MESSAGE_CASES = {
    "blocks in a message": (
        [section("x")] * limits.MESSAGE_BLOCKS,
        [section("x")] * (limits.MESSAGE_BLOCKS + 1),
    ),
    "section text": ([section("x" * 3000)], [section("x" * 3001)]),
    "section fields": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 10}],
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 11}],
    ),
    "field text": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2000}]}],
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}],
    ),
    "header text": (
        [{"type": "header", "text": plain("x" * 150)}],
        [{"type": "header", "text": plain("x" * 151)}],
    ),
    "context elements": (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 10}],
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}],
    ),
    "actions elements": ([actions(*[button()] * 25)], [actions(*[button()] * 26)]),
    "button text": (
        [actions(button(text=plain("x" * 75)))],
        [actions(button(text=plain("x" * 76)))],
    ),
    "button value": ([actions(button(value="x" * 2000))], [actions(button(value="x" * 2001))]),
    "button url": (
        [actions(button(url="https://x.example/" + "x" * 2982))],
        [actions(button(url="https://x.example/" + "x" * 2983))],
    ),
    "block_id": ([section("x", block_id="b" * 255)], [section("x", block_id="b" * 256)]),
    "action_id": ([actions(button(action_id="a" * 255))], [actions(button(action_id="a" * 256))]),
    "select options": ([actions(select(100))], [actions(select(101))]),
    "option text": ([actions(select(1, text="x" * 75))], [actions(select(1, text="x" * 76))]),
    "overflow options": (
        [section("x", accessory={**select(5), "type": "overflow"})],
        [section("x", accessory={**select(6), "type": "overflow"})],
    ),
}


@pytest.fixture
def client(slack_api: SlackApiStandIn) -> WebClient:
    return WebClient(token=slack_api.token, base_url=slack_api.url + "api/", retry_handlers=[])


@pytest.mark.parametrize("case", list(MESSAGE_CASES))
def test_a_message_past_a_block_limit_is_refused_and_one_at_it_is_not(client, slack_api, case):
    fits, too_much = MESSAGE_CASES[case]
    assert client.chat_postMessage(channel="C1", text="t", blocks=fits)["ok"]
    before = len(slack_api.messages)
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="t", blocks=too_much)
    assert refused.value.response["error"] == "invalid_blocks"
    assert refused.value.response["errors"]
    assert len(slack_api.messages) == before  # nothing stored


def test_the_text_of_a_message_and_of_its_blocks_have_their_own_limits(client, slack_api):
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="x" * (limits.MESSAGE_TEXT + 1))
    assert refused.value.response["error"] == "msg_too_long"
    # Each section within its 3,000, together past what Slack takes (reported).
    many = [section("x" * 3000)] * 5
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="t", blocks=many)
    assert refused.value.response["error"] == "msg_blocks_too_long"
    posted = client.chat_postMessage(channel="C1", text="t", blocks=[section("x")])
    with pytest.raises(SlackApiError) as refused:
        client.chat_update(channel="C1", ts=posted["ts"], text="t", blocks=many)
    assert refused.value.response["error"] == "msg_blocks_too_long"
    with pytest.raises(SlackApiError) as refused:
        client.chat_postEphemeral(channel="C1", user="U1", text="t", blocks=many)
    assert refused.value.response["error"] == "msg_blocks_too_long"


def text_input(max_length: int, **more: Any) -> dict[str, Any]:
    element = {"type": "plain_text_input", "action_id": "i", "max_length": max_length, **more}
    return {"type": "input", "label": plain("L"), "element": element}


def modal(**more: Any) -> dict[str, Any]:
    view = {"type": "modal", "callback_id": "c", "title": plain("Title"), "blocks": [section("x")]}
    return {**view, **more}


VIEW_CASES = {
    "blocks in a view": ({"blocks": [section("x")] * 100}, {"blocks": [section("x")] * 101}),
    "title": ({"title": plain("x" * 24)}, {"title": plain("x" * 25)}),
    "submit": ({"submit": plain("x" * 24)}, {"submit": plain("x" * 25)}),
    "close": ({"close": plain("x" * 24)}, {"close": plain("x" * 25)}),
    "private_metadata": ({"private_metadata": "x" * 3000}, {"private_metadata": "x" * 3001}),
    "callback_id": ({"callback_id": "c" * 255}, {"callback_id": "c" * 256}),
    "input max_length": ({"blocks": [text_input(3000)]}, {"blocks": [text_input(3001)]}),
    "initial value past max_length": (
        {"blocks": [text_input(5, initial_value="x" * 5)]},
        {"blocks": [text_input(5, initial_value="x" * 6)]},
    ),
}


@pytest.mark.parametrize("case", list(VIEW_CASES))
def test_a_view_past_a_limit_is_refused_and_one_at_it_is_not(client, slack_api, case):
    fits, too_much = VIEW_CASES[case]
    assert client.views_open(trigger_id="1.2", view=modal(**fits))["ok"]
    opened = len(slack_api.modals)
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id="1.2", view=modal(**too_much))
    assert refused.value.response["error"] == "invalid_arguments"
    assert refused.value.response["response_metadata"]["messages"]
    assert len(slack_api.modals) == opened
    home = {k: v for k, v in modal(**too_much).items() if k not in ("submit", "close", "title")}
    if case not in ("title", "submit", "close"):
        with pytest.raises(SlackApiError):
            client.views_publish(user_id="U1", view={**home, "type": "home"})


def test_a_response_url_refuses_what_a_message_may_not_hold(slack_api):
    import requests

    too_many = {"text": "t", "blocks": [section("x")] * 51}
    refused = requests.post(slack_api.response_url(), json=too_many, timeout=5)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_blocks"
    assert slack_api.responses == []
    assert requests.post(slack_api.response_url(), json={"text": "t"}, timeout=5).ok


@given(st.text(alphabet="ab&<>@|é\u0301ặ ", max_size=400), st.integers(min_value=2, max_value=300))
@example("\u0301\u0301", 2)
@example("@@&&&\u0301", 18)  # the accent after an entity: stepping back lands inside it
def test_a_shortened_text_fits_and_never_breaks_an_entity_or_a_mention(raw, limit):
    escaped = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    marked = escaped + " <@U0AGENT> <https://x.example|link>"
    for text in (escaped, marked):
        short = limits.shorten(text, limit)
        assert len(short) <= limit
        if short == text:
            continue
        body = short.removesuffix(limits.ELLIPSIS)
        assert text.startswith(body) and short.endswith(limits.ELLIPSIS)
        assert re.fullmatch(r"([^&<]|&(amp|lt|gt);|<[^<>]*>)*", body), body
        if body:  # a text that starts with a bare accent can only be cut before it
            assert not unicodedata.combining(text[len(body)])
