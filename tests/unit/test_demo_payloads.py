"""The demo page's clicks and forms become the bodies Slack sends, and the app reads them."""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from unittest.mock import Mock

import pytest
import requests
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.listener_matcher import builtins
from slack_bolt.request.internals import build_context
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient

from bot.config import Settings
from bot.config.outreach import Outreach
from bot.core.campaign import plan_campaign
from bot.core.command_text import QuickSend, parse_command, unescape_slack
from bot.core.delivery import State
from bot.core.formatting import VIETNAM
from bot.core.marketing import parse_hours
from bot.core.message import ViberMessage
from bot.core.model import CampaignState
from bot.core.schedule import check_send_at
from bot.core.spreadsheet import read_sheet
from bot.posts.approval import APPROVE_ACTION, REJECT_ACTION, REJECT_CALLBACK_ID
from bot.posts.buttons import CANCEL_ACTION, OPT_OUT_ACTION
from bot.posts.campaign import (
    CAMPAIGN_CALLBACK_ID,
    OPEN_ACTION,
    PAUSE_ACTION,
    RESUME_ACTION,
    START_ACTION,
    STOP_ACTION,
    campaign_modal,
    campaign_parent,
)
from bot.posts.composer import (
    COMPOSER_CALLBACK_ID,
    PICK_TEMPLATE_ACTION,
    ComposerContext,
    ComposerOptions,
    composer_view,
    field_of,
)
from bot.posts.composer_values import submitted_values
from bot.posts.home import home_view
from bot.posts.outcomes import outcome_replies
from bot.posts.thread import parent_message
from bot.slack import campaigns, compose, optouts
from bot.slack import workflow as step
from bot.slack.binding import bind
from bot.slack.compose import composer_options
from bot.slack.http import parse_slack_body
from bot.store import Store
from sandbox.demo import seeding, stories, workflow
from sandbox.demo.files import MAX_UPLOAD_BYTES, DemoFiles, examples
from sandbox.demo.payloads import (
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
from sandbox.demo.render import UnknownBlock, render_message, render_view
from sandbox.demo.state import BadSubmission, element_state, with_files
from sandbox.standins.slack_api import SlackApiStandIn
from sandbox.standins.slack_functions import Completion
from tests import helpers
from tests.unit.test_demo_render import (
    APPROVERS,
    SMS_TEMPLATES,
    composer_cases,
    parent_cases,
    surfaces,
)
from tests.unit.test_listeners import SETTINGS, acknowledged, needs_of, run

NOW = 1_700_000_000.0
WORKSPACE = Workspace(team_id="T0DEMO", api_app_id="A0DEMO")
AGENT, APPROVER = Person("U0LINH", "linh"), Person("U0MINH", "minh")
RESPONSE_URL = "http://127.0.0.1:9/response/1"
FORM = "application/x-www-form-urlencoded"
# Each button the app posts has its listener: the page may offer no click the app ignores.
CAMPAIGN_ACTIONS = {START_ACTION, PAUSE_ACTION, RESUME_ACTION, STOP_ACTION}
APP_ACTIONS = {APPROVE_ACTION, REJECT_ACTION, CANCEL_ACTION, OPT_OUT_ACTION, *CAMPAIGN_ACTIONS}


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
            self._select = {**found, "options": [], "chosen": None, "labels": []}
            self.selects.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(found.get("value"))
            self._select["labels"].append("")
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
        elif self._select is not None and self._select["labels"]:
            self._select["labels"][-1] += data

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


def run_listener(listener: Any, needs: Any, *, body: dict[str, Any]) -> Any:
    """Call a listener as Bolt does (see tests/unit/test_listeners.py); returns its ack."""
    bound = bind(listener, needs)
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
    ack = run_listener(compose.submit, needs_of(settings, store, Mock()).compose, body=payload)
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
    public_url="http://127.0.0.1:8000",  # the app's own address, as the demo sets it
    outreach=Outreach(
        sms_fallback=True,
        sms_brandname="TESTCSKH",
        sms_ascii=True,
    ),
)


def sms_settings() -> Settings:
    """The demo's settings with its marketing hours as they are at this moment: closed now,
    opening two to three hours later (the module is imported minutes before some tests run)."""
    hours = parse_hours(stories.marketing_hours(time.time()))
    return replace(SMS_SETTINGS, outreach=replace(SMS_SETTINGS.outreach, marketing_hours=hours))


def sms_composer() -> dict[str, Any]:
    no_templates = Mock(**{"templates.all.return_value": []})
    options = composer_options(needs_of(SMS_SETTINGS, no_templates, Mock()).compose)
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
    needs = replace(needs_of(sms_settings(), store, Mock()).compose, sms_templates=templates)
    return run_listener(compose.submit, needs, body=payload)


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
    assert seeding.give_demo_consent(store, time.time())  # the demo's consenting number
    view = sms_composer()
    typed = {"recipients": stories.CONSENTING, "text": "Giảm 50%", "category": "marketing"}
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
    [(text, blocks)] = outcome_replies([replace(recipient, state=State.DELIVERED)])
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
    needs = needs_of(SETTINGS, store, client).optouts  # no ALLOWED_USERS: anyone may record it
    acknowledged(run(optouts.stop_recipient, needs, body=payload, client=client))
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
    from bot.posts.approval import reject_view

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
    file = {"id": "F1", "name": "list.csv", "url_private_download": "http://127.0.0.1:9/x"}
    assert element_state(upload, [file]) == {"type": "file_input", "files": [file]}
    assert element_state(upload, file) == {"type": "file_input", "files": [file]}
    assert element_state(upload, None) == {"type": "file_input", "files": []}
    with pytest.raises(ValueError):
        element_state(upload, [file, {**file, "id": "F2"}])
    with pytest.raises(ValueError):
        element_state(upload, ["F1"])  # an id the page did not turn into its file object
    where = {"type": "conversations_select", "action_id": "value"}
    assert element_state(where, "C0SUPPORT") == {
        "type": "conversations_select",
        "selected_conversation": "C0SUPPORT",
    }
    assert element_state(where, "") == {
        "type": "conversations_select",
        "selected_conversation": None,
    }
    for odd in ("#support", "U0LINH", "c0support"):
        with pytest.raises(ValueError):
            element_state(where, odd)
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
    from tests.e2e.harness import SlackRequests

    sent: list[str] = []
    harness = SlackRequests()  # what both tiers of the end-to-end tests send
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

    from bot.posts.approval import reject_view

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


CAMPAIGN_SETTINGS = Settings(
    slack_bot_token="xoxb-test-token",
    slack_signing_secret="signing-secret",
    esms_api_key="KEY",
    esms_secret_key="SECRET",
    esms_brandnames=("BRAND",),
    outreach=Outreach(sms_brandname="TESTCSKH", sms_fallback=True),
)


def campaign_needs(store: Store, client: WebClient | None = None) -> campaigns.CampaignNeeds:
    return needs_of(CAMPAIGN_SETTINGS, store, client or Mock()).campaigns


def offered_select(markup: str, block_id: str) -> dict[str, Any]:
    [select] = [s for s in Controls(markup).selects if s.get("name") == block_id]
    return select


def test_a_campaign_from_the_example_file_reads_back_as_slack_sends_it(
    store: Store, slack_api: SlackApiStandIn
) -> None:
    view = campaign_modal(
        ComposerContext("C0SUPPORT").dump(), (), sms_brandname="TESTCSKH", ask_channel=False
    )
    files = DemoFiles(slack_api, examples())
    offered = files.offered("V1", view, AGENT.user_id)
    assert files.offered("V1", view, AGENT.user_id) == offered  # put into Slack once per view
    [example] = offered
    assert (example.name, example.note) == ("campaign.csv", "the example (examples/campaign.csv)")
    markup = render_view(view, view_id="V1", files=offered)
    choice = offered_select(markup, "file")
    assert choice["options"] == ["", example.id] and choice["chosen"] is None
    assert choice["labels"][1] == "campaign.csv — the example (examples/campaign.csv)"
    typed = {**Controls(markup).values, "file": example.id, "text": stories.CAMPAIGN_TEXT}
    assert "file" not in Controls(markup).values  # nothing chosen: the form sends nothing
    submitted = with_files(view, typed, files.objects("V1"))
    payload = view_submission(
        view,
        view_id="V1",
        view_hash="h1",
        submitted=submitted,
        workspace=WORKSPACE,
        person=AGENT,
        now=time.time(),
    )
    # Exactly the file object the Slack stand-in gave when the file was put in (add_file).
    info = slack_api.files[example.id].info
    assert payload["view"]["state"]["values"]["file"] == {
        "value": {"type": "file_input", "files": [info]}
    }
    assert info["user"] == AGENT.user_id and info["name"] == "campaign.csv"
    request = bolt_request(interactive_body(payload))
    assert request.body == payload
    assert matches(builtins.view_submission(CAMPAIGN_CALLBACK_ID), request)
    ack = run_listener(campaigns.submit, campaign_needs(store), body=payload)
    assert ack.response.status == 200 and not ack.response.body  # the modal closes
    [send] = store.sends.by_user("U0LINH", 10)
    assert send.campaign and send.channel_id == "C0SUPPORT"
    assert send.message.text == stories.CAMPAIGN_TEXT and not send.sms_fallback
    campaign = store.campaigns.get(send.id)
    assert campaign is not None and campaign.state == CampaignState.READING
    assert (campaign.file_name, campaign.file_url) == ("campaign.csv", info["url_private_download"])
    # The app reads it from there with its bot token, as from Slack.
    answer = requests.get(
        campaign.file_url, headers={"Authorization": f"Bearer {slack_api.token}"}, timeout=5
    )
    assert answer.content == examples()[0].content

    # What Slack's client would not send: a file it was not given, or none at all.
    with pytest.raises(BadSubmission) as refused:
        with_files(view, {**typed, "file": "F0999"}, files.objects("V1"))
    assert list(refused.value.errors) == ["file"]
    with pytest.raises(BadSubmission) as refused:
        view_submission(
            view,
            view_id="V1",
            view_hash="h1",
            submitted=with_files(view, {**typed, "file": ""}, files.objects("V1")),
            workspace=WORKSPACE,
            person=AGENT,
            now=NOW,
        )
    assert refused.value.errors == {"file": "Please complete this required field."}


def test_the_home_tabs_campaign_button_and_the_channel_the_modal_asks_for(
    store: Store, slack_api: SlackApiStandIn
) -> None:
    home = home_view([])
    page = Controls(render_view(home, view_id="VHOME"))
    [start] = [b for b in page.buttons if b["data-action-id"] == OPEN_ACTION]
    click = view_block_actions(
        home,
        view_id="VHOME",
        view_hash="h",
        block_id=str(start["data-block-id"]),
        action_id=OPEN_ACTION,
        submitted={},
        workspace=WORKSPACE,
        person=AGENT,
        now=NOW,
    )
    request = bolt_request(interactive_body(click))
    assert matches(builtins.action(OPEN_ACTION), request) and click["trigger_id"]

    view = campaign_modal(ComposerContext("").dump(), (), sms_brandname=None, ask_channel=True)
    files = DemoFiles(slack_api, examples())
    offered = files.offered("V2", view, AGENT.user_id)
    markup = render_view(view, view_id="V2", files=offered, names={"C0SUPPORT": "support"})
    channel = offered_select(markup, "channel")
    assert channel["options"] == ["", "C0SUPPORT"] and channel["labels"][1] == "#support"
    typed = {"channel": "C0SUPPORT", "file": offered[0].id, "text": "Chào {Tên khách}"}
    payload = view_submission(
        view,
        view_id="V2",
        view_hash="h2",
        submitted=with_files(view, typed, files.objects("V2")),
        workspace=WORKSPACE,
        person=AGENT,
        now=time.time(),
    )
    assert payload["view"]["state"]["values"]["channel"] == {
        "value": {"type": "conversations_select", "selected_conversation": "C0SUPPORT"}
    }
    ack = run_listener(campaigns.submit, campaign_needs(store), body=payload)
    assert ack.response.status == 200 and not ack.response.body
    [send] = store.sends.by_user("U0LINH", 10)
    assert send.channel_id == "C0SUPPORT"  # from the select: the modal had no channel
    with pytest.raises(BadSubmission) as refused:
        view_submission(
            view,
            view_id="V2",
            view_hash="h2",
            submitted=with_files(view, {**typed, "channel": "#support"}, files.objects("V2")),
            workspace=WORKSPACE,
            person=AGENT,
            now=NOW,
        )
    assert list(refused.value.errors) == ["channel"]


def test_start_on_a_campaigns_parent_reaches_the_app(
    store: Store, slack_api: SlackApiStandIn
) -> None:
    view = campaign_modal(
        ComposerContext("C0SUPPORT").dump(), (), sms_brandname=None, ask_channel=False
    )
    files = DemoFiles(slack_api, examples())
    [example] = files.offered("V1", view, AGENT.user_id)
    typed = {"file": example.id, "text": stories.CAMPAIGN_TEXT}
    payload = view_submission(
        view,
        view_id="V1",
        view_hash="h1",
        submitted=with_files(view, typed, files.objects("V1")),
        workspace=WORKSPACE,
        person=AGENT,
        now=time.time(),
    )
    run_listener(campaigns.submit, campaign_needs(store), body=payload)
    [send] = store.sends.by_user("U0LINH", 10)
    message = ViberMessage(text=stories.CAMPAIGN_TEXT)
    plan = plan_campaign(read_sheet(examples()[0].content, 10_000), message, 100)
    assert store.campaigns.save_plan(send.id, plan, plan.invalid)
    campaign = store.campaigns.get(send.id)
    assert campaign is not None and campaign.state == CampaignState.PREVIEW
    text, blocks = campaign_parent(send, campaign, store.campaigns.counts(send.id), [])
    parent = {"text": text, "blocks": blocks, "ts": "1700000001.000100", "channel": "C0SUPPORT"}
    buttons = Controls(render_message(parent)).buttons
    assert [b["data-action-id"] for b in buttons] == [START_ACTION, STOP_ACTION]
    assert json.loads(str(buttons[1]["data-confirm"]))["title"]["text"] == "Cancel this campaign?"
    click = message_block_actions(
        parent,
        block_id=str(buttons[0]["data-block-id"]),
        action_id=START_ACTION,
        workspace=WORKSPACE,
        person=AGENT,
        channel_id="C0SUPPORT",
        channel_name="support",
        response_url=slack_api.response_url(),
        now=NOW,
    )
    assert click["actions"][0]["value"] == send.id
    client = WebClient(token=slack_api.token, base_url=slack_api.url + "api/")
    needs = campaign_needs(store, client)  # no APPROVERS: the author starts it
    acknowledged(run(campaigns.control, needs, body=click, client=client))
    campaign = store.campaigns.get(send.id)
    assert campaign is not None and campaign.state == CampaignState.RUNNING
    assert campaign.started_by == "U0LINH" and slack_api.responses == []  # no complaint


def test_a_file_from_this_computer_is_put_into_slack_and_offered(
    slack_api: SlackApiStandIn,
) -> None:
    view = campaign_modal(ComposerContext("C1").dump(), (), sms_brandname=None, ask_channel=False)
    files = DemoFiles(slack_api, [])
    assert files.offered("V1", view, "U0LINH") == []  # no example this time
    content = b"phone;name\n0901234567;Lan\n"

    def upload(**data: Any) -> dict[str, Any]:
        data = {"block_id": "file", "name": "mine.csv", "content": b64(content), **data}
        return files.upload("V1", view, data, "U0LINH")

    answer = upload(name="C:\\Users\\linh\\mine.csv")
    [offered] = files.offered("V1", view, "U0LINH")
    assert answer == {"file": {"id": offered.id, "name": "mine.csv"}}
    assert offered.note == "uploaded from this computer" and offered.filetype == "csv"
    stored = slack_api.files[offered.id]
    assert stored.content == content and stored.info["user"] == "U0LINH"
    assert files.download(offered.id) == ("mine.csv", "text/csv", content)
    assert files.download("F0nope") is None
    for wrong, says in (
        ({"name": "notes.pdf"}, "takes only .csv files"),
        ({"block_id": "text"}, "no such file input"),
        ({"content": "not base64!"}, "not base64"),
        ({"content": ""}, "empty"),
        ({"name": ""}, "no name"),
        ({"content": b64(b"x" * (MAX_UPLOAD_BYTES + 1))}, "up to 2048 KB"),
    ):
        assert says in upload(**wrong)["error"], wrong
    assert len(files.offered("V1", view, "U0LINH")) == 1
    assert files.objects("V2") == {}  # offered to the view it was chosen in only


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- Workflow Builder's event for the app's step ----------------------------------------------

STEP_PEOPLE = {"U0LINH": "Linh (agent)", "U0MINH": "Minh (approver)"}
STEP_CHANNELS = {"C0SUPPORT": "support"}


def step_form(**typed: str) -> dict[str, Any]:
    """What the page's script sends for the panel's form: its values as rendered, then typed."""
    markup = workflow.render_form(
        people=STEP_PEOPLE, channels=STEP_CHANNELS, phones="0901234567", text="Xin chào"
    )
    return {**Controls(markup).values, **typed}


def step_inputs(**typed: str) -> dict[str, Any]:
    return workflow.step_inputs(step_form(**typed), people=STEP_PEOPLE, channels=STEP_CHANNELS)


def without_context(inputs: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in inputs.items() if name != "sent_by"}


def test_the_step_inputs_from_the_panels_form() -> None:
    assert step_form() == {
        "sent_by": "U0LINH",
        "channel": "C0SUPPORT",
        "phones": "0901234567",
        "text": "Xin chào",
        "wait_for": "accepted",
        "timeout_minutes": "",
    }
    # Optional inputs left empty are left out, as Workflow Builder leaves them out; `sent_by`
    # is the user_context Slack fills with whoever ran the workflow.
    context = step_inputs()["sent_by"]
    assert context["id"] == "U0LINH" and len(context["secret"]) >= 8
    assert without_context(step_inputs()) == {
        "channel": "C0SUPPORT",
        "phones": "0901234567",
        "text": "Xin chào",
        "wait_for": "accepted",
    }
    typed = step_inputs(
        sent_by="U0MINH", phones=" 12345, 0912345678 ", text="", wait_for="delivered"
    )
    assert typed["sent_by"]["id"] == "U0MINH"
    assert without_context(typed) == {
        "channel": "C0SUPPORT",
        "phones": "12345, 0912345678",  # as typed: judging the numbers is the app's part
        "wait_for": "delivered",
    }
    assert step_inputs(timeout_minutes="5")["timeout_minutes"] == 5
    assert step_inputs(timeout_minutes="0,5")["timeout_minutes"] == 0.5
    assert step_inputs(timeout_minutes="-1")["timeout_minutes"] == -1  # the app says why not
    for wrong, says in (
        ({"sent_by": "U0NOBODY"}, "Sent by: choose one of the people"),
        ({"sent_by": ""}, "Sent by"),
        ({"channel": "C0OTHER"}, "Channel for the thread"),
        ({"phones": "  "}, "Phone numbers: this input is required"),
        ({"wait_for": "read"}, "Wait for: accepted or delivered"),
        ({"timeout_minutes": "soon"}, "'soon' is not a number"),
        ({"timeout_minutes": "nan"}, "'nan' is not a number"),
        ({"timeout_minutes": "inf"}, "'inf' is not a number"),
        ({"text": ["a", "b"]}, "text: one text expected, not list"),
    ):
        with pytest.raises(workflow.BadStep, match=re.escape(says)):
            step_inputs(**wrong)


def test_the_step_event_from_the_page_reaches_the_apps_step(store: Store) -> None:
    slack_api = SlackApiStandIn()
    inputs = step_inputs()
    body = slack_api.function_executed(
        inputs, team="T0DEMO", app_id="A0DEMO", callback_id=workflow.CALLBACK_ID
    )
    request = bolt_request(json.dumps(body, ensure_ascii=False), "application/json")
    assert matches(builtins.function_executed(step.STEP_CALLBACK_ID), request)
    execution_id = body["event"]["function_execution_id"]
    context = request.context
    assert context.function_execution_id == execution_id
    assert context.function_bot_access_token == slack_api.function_tokens[execution_id]
    assert context.team_id == "T0DEMO" and body["event"]["inputs"] == inputs
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret="signing-secret",
        esms_api_key="KEY",
        esms_secret_key="SECRET",
        esms_brandnames=("BRAND",),
    )
    # The app's own reading of the step's inputs; the send's rules are the intake's.
    assert step.step_problem(step_inputs()) is None
    assert "Sent by" in str(step.step_problem({"channel": "C0SUPPORT"}))
    wait = step.step_problem(step_inputs(timeout_minutes="-1"))
    assert wait and "minutes" in wait
    run_listener(step.run_step, needs_of(settings, store, Mock()).workflow, body=body)
    [send] = store.sends.by_user("U0LINH", 10)
    assert (send.channel_id, send.team_id, send.message.text) == ("C0SUPPORT", "T0DEMO", "Xin chào")
    [run] = store.steps.open_runs()
    assert (run.execution_id, run.send_id, run.wait_for) == (execution_id, send.id, "accepted")
    assert run.token == slack_api.function_tokens[execution_id]


def test_a_run_is_told_as_workflow_builder_tells_it() -> None:
    run = workflow.StepRun("Fx1", {"phones": "0901234567"}, NOW, 200)

    def completion(method: str, **fields: Any) -> Completion:
        return Completion("Fx1", method, fields.get("outputs"), fields.get("error"), "xwfp-1")

    assert workflow.outcome_of(run, None, stopped=False) == workflow.Outcome("running")
    assert workflow.outcome_of(run, None, stopped=True) == workflow.Outcome("stopped")
    done = completion("functions.completeSuccess", outputs={"send_id": "s1"})
    assert workflow.outcome_of(run, done, stopped=False) == workflow.Outcome(
        "completed", outputs={"send_id": "s1"}
    )
    failed = completion("functions.completeError", error="12345 is not a number")
    assert workflow.outcome_of(run, failed, stopped=True) == workflow.Outcome(
        "failed", error="12345 is not a number"
    )
    refused = workflow.StepRun("Fx2", {}, NOW, 401)
    assert workflow.outcome_of(refused, None, stopped=False) == workflow.Outcome(
        "failed", error="the app answered the event with HTTP 401"
    )
    assert workflow.thread_ts("https://slack.com/archives/C0SUPPORT/p1700000000000100") == (
        "1700000000.000100"
    )
    for wrong in (None, "", "https://slack.com/archives/C0SUPPORT", "p1700000000000100", 17):
        assert workflow.thread_ts(wrong) is None
