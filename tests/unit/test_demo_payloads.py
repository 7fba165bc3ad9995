"""The demo page's clicks and forms become the bodies Slack sends, and the app reads them."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.listener_matcher import builtins
from slack_bolt.request.internals import build_context
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient

from bot.config import Settings
from bot.config.outreach import Outreach
from bot.core.command_text import QuickSend, parse_command, unescape_slack
from bot.core.delivery import State
from bot.core.formatting import VIETNAM
from bot.core.marketing import parse_hours
from bot.core.schedule import check_send_at
from bot.demo import stories
from bot.demo.payloads import (
    Person,
    Workspace,
    app_home_opened,
    form_body,
    interactive_body,
    message_block_actions,
    message_shortcut,
    slash_command,
    view_block_actions,
    view_submission,
)
from bot.demo.render import UnknownBlock, render_message, render_view
from bot.demo.state import BadSubmission, element_state, slack_file
from bot.slack import compose, optouts
from bot.slack.binding import bind
from bot.slack.blocks.approval import APPROVE_ACTION, REJECT_ACTION, REJECT_CALLBACK_ID
from bot.slack.blocks.buttons import CANCEL_ACTION, OPT_OUT_ACTION
from bot.slack.blocks.composer import (
    COMPOSER_CALLBACK_ID,
    PICK_TEMPLATE_ACTION,
    ComposerContext,
    ComposerOptions,
    composer_view,
    field_of,
    submitted_values,
)
from bot.slack.blocks.thread import outcome_reply, parent_message
from bot.slack.http import parse_slack_body
from bot.slack.sending import composer_options
from bot.standins.slack_api import SlackApiStandIn
from bot.store import Store
from tests import helpers
from tests.unit.test_demo_render import (
    APPROVERS,
    SMS_TEMPLATES,
    composer_cases,
    parent_cases,
    surfaces,
)
from tests.unit.test_listeners import NO_SMS, acknowledged, run

NOW = 1_700_000_000.0
WORKSPACE = Workspace(team_id="T0DEMO", api_app_id="A0DEMO")
AGENT, APPROVER = Person("U0LINH", "linh"), Person("U0MINH", "minh")
RESPONSE_URL = "http://127.0.0.1:9/response/1"
FORM = "application/x-www-form-urlencoded"
# Each button the app posts has its listener: the page may offer no click the app ignores.
APP_ACTIONS = {APPROVE_ACTION, REJECT_ACTION, CANCEL_ACTION, OPT_OUT_ACTION}


class Controls(HTMLParser):
    """What a browser reads off the rendered page: the buttons' data, and a form's values as
    FormData gives them (one value per name, a list for checkboxes)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.buttons: list[dict[str, str | None]] = []
        self.selects: list[dict[str, Any]] = []
        self.values: dict[str, Any] = {}
        self.kinds: dict[str, tuple[str | None, str | None]] = {}
        self.message: dict[str, str | None] = {}
        self._textarea: str | None = None
        self._select: dict[str, Any] | None = None
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "sk-message" in (found.get("class") or "").split() and not self.message:
            self.message = found
        if found.get("data-block-id") and found.get("data-type"):
            name = found["data-block-id"]
            self.kinds.setdefault(name, (found["data-type"], found.get("data-action-id")))
        name = found.get("name")
        if tag == "button" and found.get("data-action-id"):
            self.buttons.append(found)
        elif tag == "select":
            self._select = {**found, "options": [], "chosen": None}
            self.selects.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(found.get("value"))
            if "selected" in found and "disabled" not in found:
                self._select["chosen"] = found.get("value")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "input" and name and found.get("type") == "checkbox":
            self.values.setdefault(name, [])
            if "checked" in found:
                self.values[name].append(found.get("value"))
        elif tag == "input" and name and found.get("type") != "file":
            self.values[name] = found.get("value") or ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            # Browsers drop the newline that follows <textarea>.
            self.values[self._textarea] = self.values[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if self._select.get("name") and self._select["chosen"] is not None:
                self.values[self._select["name"]] = self._select["chosen"]
            self._select = None


def bolt_request(raw: str, content_type: str = FORM) -> BoltRequest:
    """The request the app's endpoint hands Bolt (`bot.slack.http.SlackEndpoint.handle`)."""
    body = parse_slack_body(raw, content_type)
    assert body is not None, raw
    request = BoltRequest(body="", headers={"content-type": [content_type]})
    request.raw_body, request.body = raw, body
    request.context = build_context(request.context, body)
    return request


def matches(matcher: Any, request: BoltRequest) -> bool:
    return matcher.matches(request, BoltResponse(status=200))


def message_surfaces() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, kind, surface in surfaces():
        if kind == "message":
            yield name, {**surface, "channel": "C0SUPPORT"}


def test_every_button_on_a_message_becomes_the_click_slack_sends() -> None:
    seen = set()
    for name, message in message_surfaces():
        page = Controls(render_message(message))
        for button in page.buttons:
            payload = message_block_actions(
                message,
                block_id=str(button["data-block-id"]),
                action_id=str(button["data-action-id"]),
                workspace=WORKSPACE,
                person=APPROVER,
                channel_id=str(page.message["data-channel-id"]),
                channel_name="support",
                response_url=RESPONSE_URL,
                now=NOW,
            )
            [action] = payload["actions"]
            assert action["value"] == button["data-value"], name
            assert action["action_id"] in APP_ACTIONS, name
            assert payload["container"]["message_ts"] == page.message["data-ts"] == message["ts"]
            request = bolt_request(interactive_body(payload))
            assert request.body == payload
            assert matches(builtins.action(action["action_id"]), request), name
            context = request.context
            assert (context.user_id, context.team_id, context.channel_id) == (
                "U0MINH",
                "T0DEMO",
                "C0SUPPORT",
            )
            assert json.loads(button.get("data-confirm") or "null") == next(
                e.get("confirm")
                for b in message["blocks"]
                for e in [*b.get("elements", []), b.get("accessory") or {}]
                if e.get("action_id") == action["action_id"] and e.get("value") == action["value"]
            )
            seen.add(action["action_id"])
    assert seen == APP_ACTIONS


def test_the_approve_click_is_exactly_what_slack_sends() -> None:
    send, recipients = parent_cases()["awaiting in the thread"]
    text, blocks = parent_message(send, recipients, APPROVERS)
    message = {"text": text, "blocks": blocks, "ts": "1700000001.000100"}
    page = Controls(render_message(message, channel_id="C0SUPPORT"))
    approve = next(b for b in page.buttons if b["data-action-id"] == APPROVE_ACTION)
    payload = message_block_actions(
        message,
        block_id=str(approve["data-block-id"]),
        action_id=APPROVE_ACTION,
        workspace=WORKSPACE,
        person=APPROVER,
        channel_id="C0SUPPORT",
        channel_name="support",
        response_url=RESPONSE_URL,
        now=NOW,
    )
    button = blocks[-2]["elements"][0]
    assert payload["message"]["blocks"][-2]["elements"][0] == button
    del payload["message"]["blocks"]
    assert payload == {
        "type": "block_actions",
        "team": {"id": "T0DEMO", "domain": "demo"},
        "user": {"id": "U0MINH", "username": "minh", "name": "minh", "team_id": "T0DEMO"},
        "api_app_id": "A0DEMO",
        "token": "demo-verification-token",
        "trigger_id": payload["trigger_id"],
        "is_enterprise_install": False,
        "enterprise": None,
        "container": {
            "type": "message",
            "message_ts": "1700000001.000100",
            "channel_id": "C0SUPPORT",
            "is_ephemeral": False,
        },
        "channel": {"id": "C0SUPPORT", "name": "support"},
        "message": {
            "type": "message",
            "text": text,
            "ts": "1700000001.000100",
            "user": "U0BOT",
            "bot_id": "B0001",
            "app_id": "A0DEMO",
            "team": "T0DEMO",
        },
        "state": {"values": {}},
        "response_url": RESPONSE_URL,
        "actions": [
            {
                "type": "button",
                "action_id": "approve_send",
                "block_id": "approval",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "abc123",
                "style": "primary",
                "action_ts": "1700000000.000000",
            }
        ],
    }
    seconds, number, digest = payload["trigger_id"].split(".")
    assert seconds == "1700000000" and number.isdigit() and len(digest) == 32


def test_a_click_on_an_ephemeral_message_or_in_a_thread() -> None:
    send, recipients = parent_cases()["scheduled"]
    _text, blocks = parent_message(send, recipients)
    reply = {"text": "x", "blocks": blocks, "ts": "1.5", "thread_ts": "1.1"}
    common = {
        "workspace": WORKSPACE,
        "person": AGENT,
        "channel_id": "C1",
        "channel_name": "support",
        "response_url": RESPONSE_URL,
        "now": NOW,
    }
    threaded = message_block_actions(reply, block_id="schedule", action_id=CANCEL_ACTION, **common)
    assert threaded["container"]["thread_ts"] == "1.1"
    assert threaded["message"]["thread_ts"] == "1.1"
    private = message_block_actions(
        reply, block_id="schedule", action_id=CANCEL_ACTION, is_ephemeral=True, **common
    )
    assert private["container"]["is_ephemeral"] is True and "message" not in private
    with pytest.raises(LookupError):
        message_block_actions(reply, block_id="schedule", action_id="nope", **common)


def composer(**options: Any) -> dict[str, Any]:
    defaults = {"brandnames": ["BRAND", "SHOP"], "allow_test_sends": True, "templates": ["chao"]}
    context = ComposerContext("C0SUPPORT", RESPONSE_URL, version=options.pop("version", 0))
    return composer_view(context, ComposerOptions(**{**defaults, **options}))


def vietnam_local(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, VIETNAM).strftime("%Y-%m-%dT%H:%M")


def typed_composer(view: dict[str, Any], when: float) -> tuple[dict[str, Any], dict[str, str]]:
    """The composer's form as the page sends it after a person filled every field."""
    page = Controls(render_view(view, view_id="V1"))
    fields = {
        "recipients": "0901234567\r\n0912 345 678",
        "text": "Xin chào <b>&</b>\n> không phải trích dẫn",
        "image_url": "https://x.example/a.png",
        "button_label": "Mua ngay",
        "button_url": "https://x.example/offer?a=1&b=2",
        "send_at": vietnam_local(when),
        "brandname": "SHOP",
        "test_send": ["yes"],
    }
    submitted = dict(page.values)
    for name in page.values:
        field = name.split("~")[0]
        if field in fields:
            submitted[name] = fields[field]
    return submitted, {name: name.split("~")[0] for name in page.values}


@pytest.mark.parametrize("name", list(composer_cases()))
def test_a_composer_submission_reads_back_as_typed(name: str) -> None:
    view = composer_cases()[name]
    when = NOW + 2 * 86400 - 13  # the picker has minutes only
    submitted, fields = typed_composer(view, when)
    page = Controls(render_view(view))
    for block in view["blocks"]:
        if block["type"] == "input":
            element = block["element"]
            assert page.kinds[block["block_id"]] == (element["type"], element["action_id"])
    payload = view_submission(
        view,
        view_id="V1",
        view_hash="h1",
        submitted=submitted,
        workspace=WORKSPACE,
        person=AGENT,
        now=NOW,
    )
    request = bolt_request(interactive_body(payload))
    assert request.body == payload
    assert matches(builtins.view_submission(COMPOSER_CALLBACK_ID), request)
    assert request.context.user_id == "U0LINH" and request.context.team_id == "T0DEMO"
    values, block_ids = submitted_values(payload["view"]["state"]["values"])
    for block_id, field in fields.items():
        assert block_ids[field] == block_id
    expected_time = int(when) - int(when) % 60
    assert values["recipients"] == "0901234567\n0912 345 678"
    assert values["text"] == "Xin chào <b>&</b>\n> không phải trích dẫn"
    assert values["button_url"] == "https://x.example/offer?a=1&b=2"
    assert values["send_at"] == str(expected_time)
    assert check_send_at(values["send_at"], NOW) == (expected_time, None)
    assert values["brandname"] == ("SHOP" if "brandname" in fields.values() else "")
    assert values["test_send"] == ("yes" if "test_send" in fields.values() else "")
    # Left as the composer offered them: the kind of message, the SMS fallback's boxes.
    offered = {field_of(b["block_id"]): b["element"] for b in view["blocks"] if "element" in b}
    assert values["category"] == offered["category"]["initial_option"]["value"]
    sms = offered.get("sms_fallback", {}).get("initial_options", [])
    assert values["sms_fallback"] == ",".join(option["value"] for option in sms)
    context = ComposerContext.load(payload["view"]["private_metadata"])
    assert context == ComposerContext.load(view["private_metadata"]) and context is not None


def test_an_untouched_composer_is_refused_as_slack_refuses_it() -> None:
    view = composer()
    untouched = Controls(render_view(view)).values
    assert untouched["brandname"] == "BRAND" and untouched["test_send"] == []
    with pytest.raises(BadSubmission) as refused:
        view_submission(
            view,
            view_id="V1",
            view_hash="h1",
            submitted=untouched,
            workspace=WORKSPACE,
            person=AGENT,
            now=NOW,
        )
    assert list(refused.value.errors) == ["recipients"]
    for wrong in ({"brandname": "OTHER"}, {"test_send": ["no"]}, {"send_at": "tomorrow"}):
        with pytest.raises(BadSubmission) as refused:
            view_submission(
                view,
                view_id="V1",
                view_hash="h1",
                submitted={**untouched, "recipients": "0901234567", **wrong},
                workspace=WORKSPACE,
                person=AGENT,
                now=NOW,
            )
        assert list(refused.value.errors) == list(wrong)


def run_listener(listener: Any, *collaborators: Any, body: dict[str, Any]) -> Any:
    """Call a listener as Bolt does (see tests/unit/test_listeners.py); returns its ack."""
    bound = bind(listener, *collaborators)
    request = BoltRequest(body=body, mode="socket_mode")
    logger = Mock(spec=logging.Logger)
    kwargs = build_required_kwargs(
        logger=logger,
        required_arg_names=list(get_arg_names_of_callable(bound)),
        request=request,
        response=None,
        this_func=bound,
        next_keys_required=False,
    )
    assert not logger.warning.called
    bound(**kwargs)
    return request.context.ack


def test_the_app_stores_a_composer_submission_from_the_page(store: Store) -> None:
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret="signing-secret",
        esms_api_key="KEY",
        esms_secret_key="SECRET",
        esms_brandnames=("BRAND", "SHOP"),
        esms_allow_test_sends=True,
    )
    view = composer()
    now = time.time()
    submitted, _fields = typed_composer(view, now + 86400)
    payload = view_submission(
        view,
        view_id="V1",
        view_hash="h1",
        submitted=submitted,
        workspace=WORKSPACE,
        person=AGENT,
        now=now,
    )
    ack = run_listener(compose.submit, settings, store, NO_SMS, body=payload)
    assert ack.response.status == 200 and not ack.response.body  # the modal closes
    [send] = store.sends.by_user("U0LINH", 10)
    assert (send.channel_id, send.team_id, send.brandname, send.test_send) == (
        "C0SUPPORT",
        "T0DEMO",
        "SHOP",
        True,
    )
    assert send.message.text == "Xin chào <b>&</b>\n> không phải trích dẫn"
    assert send.message.button_url == "https://x.example/offer?a=1&b=2"
    assert send.scheduled_at is not None and abs(send.scheduled_at - (now + 86400)) < 60
    assert [r.phone for r in store.sends.recipients(send.id)] == ["0901234567", "0912345678"]


SMS_SETTINGS = Settings(
    slack_bot_token="xoxb-test-token",
    slack_signing_secret="signing-secret",
    esms_api_key="KEY",
    esms_secret_key="SECRET",
    esms_brandnames=("BRAND",),
    outreach=Outreach(
        sms_fallback=True,
        sms_brandname="TESTCSKH",
        sms_ascii=True,
        marketing_hours=parse_hours(stories.marketing_hours(time.time())),  # closed now
    ),
)


def sms_composer() -> dict[str, Any]:
    options = composer_options(SMS_SETTINGS, Mock(**{"templates.all.return_value": []}))
    options = replace(options, sms_templates=SMS_TEMPLATES)
    return composer_view(ComposerContext("C0SUPPORT", RESPONSE_URL), options)


def submit_from_page(store: Store, view: dict[str, Any], **typed: Any) -> Any:
    """The composer as the page renders it, `typed` over its untouched controls, submitted
    to the app's listener; its ack."""
    submitted = {**Controls(render_view(view, view_id="V1")).values, **typed}
    payload = view_submission(
        view,
        view_id="V1",
        view_hash="h1",
        submitted=submitted,
        workspace=WORKSPACE,
        person=AGENT,
        now=time.time(),
    )
    templates = Mock(**{"get.return_value": list(SMS_TEMPLATES)})
    return run_listener(compose.submit, SMS_SETTINGS, store, templates, body=payload)


def test_the_sms_fallback_chosen_on_the_page_is_stored(store: Store) -> None:
    view = sms_composer()
    untouched = Controls(render_view(view)).values
    assert untouched["sms_fallback"] == ["yes"] and untouched["category"] == "care"
    assert "sms_template" not in untouched  # nothing chosen: the select sends nothing
    # A text that fits no registered template: the composer warns, nothing is stored.
    ack = submit_from_page(store, view, recipients="0912345678", text="Chào chị")
    errors = json.loads(ack.response.body)["errors"]
    assert list(errors) == ["sms_text"] and "matches none of the templates" in errors["sms_text"]
    assert store.sends.by_user("U0LINH", 10) == []
    # A registered template picked on the page, its slots filled from the message.
    ack = submit_from_page(
        store, view, recipients="0912345678", text="Mã 4821", sms_template="12641"
    )
    assert ack.response.status == 200 and not ack.response.body
    [send] = store.sends.by_user("U0LINH", 10)
    assert send.sms_fallback and send.sms_text == "Ma xac nhan cua ban la Ma 4821"
    # "Send it anyway" as the second box: the text goes as typed.
    ack = submit_from_page(
        store,
        view,
        recipients="0912345678",
        text="Chào chị",
        sms_fallback=["yes", "anyway"],
        sms_text="Chao chi",
    )
    assert not ack.response.body
    assert store.sends.by_user("U0LINH", 10)[0].sms_text == "Chao chi"


def test_a_marketing_send_from_the_page_waits_for_the_hours(store: Store) -> None:
    view = sms_composer()
    typed = {"recipients": "0901234567", "text": "Giảm 50%", "category": "marketing"}
    ack = submit_from_page(store, view, **typed, sms_fallback=[])
    assert ack.response.status == 200 and not ack.response.body
    [send] = store.sends.by_user("U0LINH", 10)
    assert send.category == "marketing" and not send.sms_fallback
    assert send.held_until and send.held_until - time.time() >= 2 * 3600 - 60
    text, blocks = parent_message(send, store.sends.recipients(send.id))
    page = Controls(render_message({"text": text, "blocks": blocks, "ts": "1.9"}))
    assert [b["data-action-id"] for b in page.buttons] == [CANCEL_ACTION]


def test_customer_asked_to_stop_on_the_page_adds_the_number(
    store: Store, slack_api: SlackApiStandIn
) -> None:
    send_id = helpers.new_send(store, ["0901234567"], channel_id="C0SUPPORT")
    [recipient] = store.sends.recipients(send_id)
    client = WebClient(token=slack_api.token, base_url=slack_api.url + "api/")
    parent = client.chat_postMessage(channel="C0SUPPORT", text="the send's parent")["ts"]
    text, blocks = outcome_reply([replace(recipient, state=State.DELIVERED)])
    reply = {"text": text, "blocks": blocks, "ts": "1.8", "thread_ts": parent}
    [button] = Controls(render_message(reply)).buttons
    assert button["data-action-id"] == OPT_OUT_ACTION and json.loads(button["data-confirm"])
    payload = message_block_actions(
        reply,
        block_id=str(button["data-block-id"]),
        action_id=OPT_OUT_ACTION,
        workspace=WORKSPACE,
        person=AGENT,
        channel_id="C0SUPPORT",
        channel_name="support",
        response_url=slack_api.response_url(),
        now=NOW,
    )
    assert payload["actions"][0]["value"] == str(recipient.id)
    acknowledged(run(optouts.stop_recipient, store, None, body=payload, client=client))
    opted_out = store.optouts.get("0901234567")
    assert opted_out is not None and opted_out.added_by == "U0LINH"
    [note] = slack_api.replies(parent)
    assert "recorded that 0901234567 asked to stop" in note.text


def test_a_template_pick_carries_the_open_composer_and_what_is_typed() -> None:
    view = composer(templates=["giam-gia", "chao"], version=1)
    page = Controls(render_view(view, view_id="V1"))
    [picker] = [s for s in page.selects if s["data-action-id"] == PICK_TEMPLATE_ACTION]
    assert picker["options"] == ["", "giam-gia", "chao"] and "name" not in picker
    typed = {**page.values, "recipients~1": "0901234567"}
    payload = view_block_actions(
        view,
        view_id="V1",
        view_hash="h7",
        block_id=picker["data-block-id"],
        action_id=PICK_TEMPLATE_ACTION,
        choice="chao",
        submitted=typed,
        workspace=WORKSPACE,
        person=AGENT,
        now=NOW,
    )
    request = bolt_request(interactive_body(payload))
    assert matches(builtins.action(PICK_TEMPLATE_ACTION), request)
    assert payload["container"] == {"type": "view", "view_id": "V1"}
    [action] = payload["actions"]
    chao = {"text": {"type": "plain_text", "text": "chao"}, "value": "chao"}
    assert action["selected_option"] == chao
    # What `bot.slack.compose.pick_template` reads:
    assert (payload["view"]["id"], payload["view"]["hash"]) == ("V1", "h7")
    assert ComposerContext.load(payload["view"]["private_metadata"]).version == 1
    values, _ = submitted_values(payload["view"]["state"]["values"])
    assert values["recipients"] == "0901234567" and values["brandname"] == "BRAND"
    with pytest.raises(ValueError):
        view_block_actions(
            view,
            view_id="V1",
            view_hash="h7",
            block_id="templates",
            action_id=PICK_TEMPLATE_ACTION,
            choice="not-offered",
            submitted=typed,
            workspace=WORKSPACE,
            person=AGENT,
            now=NOW,
        )


def test_a_rejection_reason_reads_back_as_the_listener_reads_it() -> None:
    from bot.slack.blocks.approval import reject_view

    view = reject_view("abc123")
    page = Controls(render_view(view, view_id="V2"))
    assert page.values == {"reason": ""}
    for typed, expected in (("Sai giá <50%> & link\r\n2", "Sai giá <50%> & link\n2"), ("", "")):
        payload = view_submission(
            view,
            view_id="V2",
            view_hash="h1",
            submitted={"reason": typed},
            workspace=WORKSPACE,
            person=APPROVER,
            now=NOW,
        )
        request = bolt_request(interactive_body(payload))
        assert matches(builtins.view_submission(REJECT_CALLBACK_ID), request)
        view_in = payload["view"]
        assert view_in["private_metadata"] == "abc123"
        values = (view_in.get("state") or {}).get("values") or {}
        reason = ((values.get("reason") or {}).get("value") or {}).get("value") or ""
        assert reason == expected
    with pytest.raises(BadSubmission):  # the reason has max_length 500
        view_submission(
            view,
            view_id="V2",
            view_hash="h1",
            submitted={"reason": "x" * 501},
            workspace=WORKSPACE,
            person=APPROVER,
            now=NOW,
        )


def test_a_slash_command_body_is_parsed_by_the_app() -> None:
    text = "0901234567 payload=1 & <b> 'quoted' %20 +84"
    fields = slash_command(
        text,
        workspace=WORKSPACE,
        person=AGENT,
        channel_id="C0SUPPORT",
        channel_name="support",
        response_url=RESPONSE_URL,
        now=NOW,
    )
    request = bolt_request(form_body(fields))
    assert request.body == fields
    assert matches(builtins.command("/viber"), request)
    assert fields["text"] == "0901234567 payload=1 &amp; &lt;b&gt; 'quoted' %20 +84"
    assert unescape_slack(fields["text"]) == text
    assert parse_command(fields["text"]) == QuickSend("0901234567", text.split(" ", 1)[1])
    context = request.context
    assert (context.user_id, context.team_id, context.channel_id) == (
        "U0LINH",
        "T0DEMO",
        "C0SUPPORT",
    )


def test_the_shortcut_and_the_home_tab_reach_their_listeners() -> None:
    message = {"text": "Khách hỏi &lt;giá&gt;", "ts": "1.7", "user": "U0CUSTOMER"}
    payload = message_shortcut(
        message,
        callback_id=compose.SHORTCUT_CALLBACK_ID,
        workspace=WORKSPACE,
        person=AGENT,
        channel_id="C0SUPPORT",
        channel_name="support",
        response_url=RESPONSE_URL,
        now=NOW,
    )
    request = bolt_request(interactive_body(payload))
    assert matches(builtins.message_shortcut(compose.SHORTCUT_CALLBACK_ID), request)
    assert payload["message"]["user"] == "U0CUSTOMER" and payload["message_ts"] == "1.7"
    envelope = app_home_opened(workspace=WORKSPACE, person=AGENT, now=NOW)
    request = bolt_request(json.dumps(envelope), "application/json")
    assert matches(builtins.event("app_home_opened"), request)
    assert envelope["event"]["user"] == "U0LINH" and envelope["event"]["tab"] == "home"
    assert request.context.team_id == "T0DEMO"


def test_a_click_in_the_home_tab() -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "value": "v"}
    home = {"type": "home", "blocks": [{"type": "actions", "elements": [button]}]}
    page = Controls(render_view(home, view_id="VHOME"))
    [shown] = page.buttons
    payload = view_block_actions(
        home,
        view_id="VHOME",
        view_hash="h",
        block_id=str(shown["data-block-id"]),
        action_id=str(shown["data-action-id"]),
        submitted={},
        workspace=WORKSPACE,
        person=AGENT,
        now=NOW,
    )
    assert payload["view"]["type"] == "home" and payload["actions"][0]["value"] == "v"
    assert payload["view"]["blocks"][0]["block_id"] == shown["data-block-id"]
    assert payload["view"]["blocks"][0]["elements"][0]["action_id"] == shown["data-action-id"]


def test_each_element_has_slacks_state_shape() -> None:
    option = {"text": {"type": "plain_text", "text": "A"}, "value": "a"}
    select = {"type": "static_select", "action_id": "x", "options": [option]}
    assert element_state(select, "a") == {"type": "static_select", "selected_option": option}
    assert element_state(select, "") == {"type": "static_select", "selected_option": None}
    grouped = {"type": "static_select", "option_groups": [{"options": [option]}]}
    assert element_state(grouped, "a")["selected_option"] == option
    text = {"type": "plain_text_input"}
    assert element_state(text, None) == {"type": "plain_text_input", "value": None}
    assert element_state(text, "a\r\nb") == {"type": "plain_text_input", "value": "a\nb"}
    with pytest.raises(ValueError):
        element_state(text, ["a", "b"])
    picker = {"type": "datetimepicker"}
    assert element_state(picker, "2023-11-15T05:13") == {
        "type": "datetimepicker",
        "selected_date_time": 1699999980,
    }
    assert element_state(picker, "") == {"type": "datetimepicker", "selected_date_time": None}
    boxes = {"type": "checkboxes", "options": [option, {**option, "value": "b"}]}
    assert element_state(boxes, ["b", "a"])["selected_options"] == boxes["options"]
    assert element_state(boxes, None) == {"type": "checkboxes", "selected_options": []}
    upload = {"type": "file_input", "filetypes": ["csv"], "max_files": 1}
    file = slack_file(
        "F1", "list.csv", 120, url_private="http://127.0.0.1:9/files/F1", user_id="U1", created=1
    )
    assert file["url_private_download"] == "http://127.0.0.1:9/files/F1?download=1"
    assert element_state(upload, [file]) == {"type": "file_input", "files": [file]}
    assert file["filetype"] == "csv" and file["id"] == "F1"
    with pytest.raises(ValueError):
        element_state(upload, [file, {**file, "id": "F2"}])
    with pytest.raises(ValueError):
        element_state(upload, ["F1"])
    with pytest.raises(UnknownBlock):
        element_state({"type": "radio_buttons"}, "a")
    odd = {
        "type": "modal",
        "blocks": [{"type": "input", "block_id": "b", "element": {"type": "x"}}],
    }
    with pytest.raises(UnknownBlock):
        view_submission(
            odd,
            view_id="V",
            view_hash="h",
            submitted={},
            workspace=WORKSPACE,
            person=AGENT,
            now=NOW,
        )


def key_paths(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        paths = set()
        for key, value in node.items():
            paths |= {f"{prefix}{key}"} | key_paths(value, f"{prefix}{key}.")
        return paths
    if isinstance(node, list):
        return set().union(*(key_paths(item, f"{prefix}[].") for item in node))
    return set()


def test_every_field_the_e2e_harness_sends_is_sent_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.e2e.harness import AppProcess

    sent: list[str] = []
    harness = AppProcess.__new__(AppProcess)
    monkeypatch.setattr(harness, "post_signed", lambda body, **_: sent.append(body), raising=False)

    def harness_body(call: Any) -> dict[str, Any]:
        call()
        body = parse_slack_body(sent.pop(), FORM)
        assert body is not None
        return body

    common = {"workspace": WORKSPACE, "now": NOW}
    command = slash_command(
        "x", person=AGENT, channel_id="C1", channel_name="support", response_url="", **common
    )
    assert key_paths(harness_body(lambda: harness.command("x"))) <= key_paths(command)

    view = composer(templates=[], brandnames=["BRAND"])
    typed = {"recipients": "0901234567", "text": "Hi"}
    ours = view_submission(
        view, view_id="V1", view_hash="h", submitted=typed, person=AGENT, **common
    )
    theirs = harness_body(lambda: harness.submit_composer(composer_values_for_harness()))
    assert key_paths(theirs) <= key_paths(ours)

    send, recipients = parent_cases()["awaiting in the thread"]
    text, blocks = parent_message(send, recipients, APPROVERS)
    message = {"text": text, "blocks": blocks, "ts": "1700000001.000100"}
    click = message_block_actions(
        message,
        block_id="approval",
        action_id=APPROVE_ACTION,
        person=APPROVER,
        channel_id="C1",
        channel_name="support",
        response_url=RESPONSE_URL,
        **common,
    )
    theirs = harness_body(
        lambda: harness.click(APPROVE_ACTION, "abc123", user="U0MINH", response_url="")
    )
    assert key_paths(theirs) <= key_paths(click)

    picker = composer()
    pick = view_block_actions(
        picker,
        view_id="V1",
        view_hash="h1",
        block_id="templates",
        action_id=PICK_TEMPLATE_ACTION,
        choice="chao",
        submitted={"recipients": "0901234567"},
        person=AGENT,
        **common,
    )
    theirs = harness_body(lambda: harness.pick_template(picker, "chao", {"recipients": "09"}))
    assert key_paths(theirs) <= key_paths(pick)

    posted = {"text": "hi", "ts": "1.7", "thread_ts": "1.1", "user": "U0CUSTOMERCARE"}
    shortcut = message_shortcut(
        posted,
        callback_id=compose.SHORTCUT_CALLBACK_ID,
        person=AGENT,
        channel_id="C1",
        channel_name="support",
        response_url="",
        **common,
    )
    theirs = harness_body(lambda: harness.shortcut("hi", channel="C1", ts="1.7", thread_ts="1.1"))
    assert key_paths(theirs) <= key_paths(shortcut)

    from bot.slack.blocks.approval import reject_view

    rejection = view_submission(
        reject_view("abc123"),
        view_id="V2",
        view_hash="h",
        submitted={"reason": "no"},
        person=APPROVER,
        **common,
    )
    theirs = harness_body(lambda: harness.submit_rejection("abc123", "no", user="U0MINH"))
    assert key_paths(theirs) <= key_paths(rejection)


def composer_values_for_harness() -> dict[str, str]:
    from tests.e2e.harness import composer_values

    return composer_values(text="Hi")
