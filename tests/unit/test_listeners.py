"""Listeners called the way Bolt calls them, without a server: their module's dependencies, as
the app builds them from Settings, bound as `register` binds them, Bolt's own argument
injection for the rest, a real `Ack`, a real store and a real WebClient talking to the loopback
Slack stand-in."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import Ack, BoltRequest
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient

from bot.config import Settings
from bot.config.outreach import Outreach
from bot.core.i18n import _
from bot.core.message import ViberMessage
from bot.core.model import NewSend
from bot.posts.approval import APPROVE_ACTION, REJECT_ACTION, REJECT_CALLBACK_ID
from bot.posts.buttons import CANCEL_ACTION, OPT_OUT_ACTION
from bot.posts.campaign import (
    CAMPAIGN_CALLBACK_ID,
    OPEN_ACTION,
    PAUSE_ACTION,
    RESUME_ACTION,
    START_ACTION,
    STOP_ACTION,
)
from bot.posts.composer import COMPOSER_CALLBACK_ID, PICK_TEMPLATE_ACTION, ComposerContext
from bot.posts.erasure import ERASE_ACTION
from bot.slack import approvals, compose, pickers, scheduling
from bot.slack.app import ListenerNeeds, build_bolt_app, listener_needs
from bot.slack.binding import bind
from bot.slack.people import People
from bot.slack.sms_choice import SmsTemplates
from bot.store import Store
from sandbox.standins.slack_api import TEAM_ID, SlackApiStandIn

NO_SMS = SmsTemplates(Mock(), None)  # no SMS fallback configured: never asks eSMS
SENDER, APPROVER, BYSTANDER = "U0SENDER", "U0APPROVER", "U0BYSTANDER"
CHANNEL = "C0SUPPORT"
SETTINGS = Settings(
    slack_bot_token="xoxb-test-token",
    slack_signing_secret="signing-secret",
    esms_api_key="KEY",
    esms_secret_key="SECRET",
    esms_brandnames=("BRAND",),
    approvers=("S0LEADS",),
)


@pytest.fixture
def client(slack_api: SlackApiStandIn) -> WebClient:
    slack_api.user_groups["S0LEADS"] = {APPROVER}
    return WebClient(token=slack_api.token, base_url=slack_api.url + "api/")


def needs_of(settings: Settings, store: Store, client: WebClient | Mock) -> ListenerNeeds:
    """Every listener module's dependencies, built from `settings` as the app builds them."""
    people = People(client)
    return listener_needs(
        settings, store=store, people=people, esms=Mock(), lookups=Mock(), sms_templates=NO_SMS
    )


@pytest.fixture
def needs(store: Store, client: WebClient) -> ListenerNeeds:
    return needs_of(SETTINGS, store, client)


def bolt_kwargs(func: Callable[..., Any], request: BoltRequest, **extra: Any) -> dict[str, Any]:
    """Bolt's own injection for `func`; Bolt warns about any name it cannot fill."""
    logger = Mock(spec=logging.Logger)
    kwargs = build_required_kwargs(
        logger=logger,
        required_arg_names=list(get_arg_names_of_callable(func)),
        request=request,
        response=None,
        this_func=func,
        **extra,
    )
    assert not logger.warning.called, logger.warning.call_args_list
    return kwargs


def run(
    listener: Callable[..., Any], needs: Any, *, body: dict[str, Any], client: WebClient
) -> Ack:
    """Bind `listener` as `register` does, call it as Bolt would; returns its `Ack`."""
    bound = bind(listener, needs)
    request = BoltRequest(body=body, mode="socket_mode", context={"client": client})
    bound(**bolt_kwargs(bound, request, next_keys_required=False))
    return request.context.ack


def acknowledged(ack: Ack) -> dict[str, Any]:
    assert ack.response is not None and ack.response.status == 200, "not acknowledged"
    return json.loads(ack.response.body) if ack.response.body else {}


def privately(text: str) -> dict[str, Any]:
    """What `respond` posts to the response URL for a note only the clicker sees."""
    return {"text": text, "response_type": "ephemeral", "replace_original": False}


def submission(recipients: str, *, version: int = 0, text: str = "Xin chào") -> dict[str, Any]:
    suffix = f"~{version}" if version else ""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": SENDER},
        "view": {
            "id": "V0COMPOSER",
            "type": "modal",
            "callback_id": COMPOSER_CALLBACK_ID,
            "private_metadata": ComposerContext(CHANNEL, version=version).dump(),
            "state": {
                "values": {
                    f"recipients{suffix}": {
                        "value": {"type": "plain_text_input", "value": recipients}
                    },
                    f"text{suffix}": {"value": {"type": "plain_text_input", "value": text}},
                }
            },
        },
    }


def click(action_id: str, user: str, slack_api: SlackApiStandIn, **action: Any) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "message_ts": "1700000001.000100"},
        "trigger_id": "1.2.trigger",
        "response_url": slack_api.response_url("click"),
        "actions": [{"type": "button", "action_id": action_id, **action}],
    }


def stored_send(store: Store, **new: Any) -> str:
    fields: dict[str, Any] = {
        "team_id": TEAM_ID,
        "channel_id": CHANNEL,
        "user_id": SENDER,
        "message": ViberMessage(text="Xin chào"),
        "phones": ("0901234567",),
        "brandname": "BRAND",
        "test_send": False,
    }
    return store.sends.create(NewSend(**(fields | new)))


# -- the composer ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [0, 2])
def test_an_invalid_number_is_answered_under_the_recipients_block_and_nothing_is_stored(
    store: Store, client: WebClient, needs: ListenerNeeds, version: int
):
    body = submission("12345", version=version)
    ack = run(compose.submit, needs.compose, body=body, client=client)
    answer = acknowledged(ack)
    block_id = "recipients" if version == 0 else f"recipients~{version}"
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [block_id]
    assert "12345" in answer["errors"][block_id]
    assert store.sends.by_user(SENDER, 10) == []


def test_a_valid_submission_stores_the_send_and_closes_the_modal(
    store: Store, client: WebClient, needs: ListenerNeeds
):
    body = submission("0901234567, 0912 345 678", text="Đơn hàng đã sẵn sàng")
    ack = run(compose.submit, needs.compose, body=body, client=client)
    assert acknowledged(ack) == {}  # an empty answer closes the modal
    [send] = store.sends.by_user(SENDER, 10)
    assert (send.channel_id, send.team_id, send.brandname) == (CHANNEL, TEAM_ID, "BRAND")
    assert send.message.text == "Đơn hàng đã sẵn sàng"
    assert not send.awaiting_approval and not send.test_send
    assert [r.phone for r in store.sends.recipients(send.id)] == ["0901234567", "0912345678"]


def test_a_template_pick_refills_the_open_modal_through_views_update(
    store: Store, client: WebClient, needs: ListenerNeeds, slack_api: SlackApiStandIn
):
    store.templates.save("welcome", ViberMessage(text="Chào mừng quý khách"), "U0ADMIN")
    body = click(PICK_TEMPLATE_ACTION, SENDER, slack_api, selected_option={"value": "welcome"})
    body["view"] = {
        "id": "V0COMPOSER",
        "type": "modal",
        "hash": "1700000000.abc",
        "callback_id": COMPOSER_CALLBACK_ID,
        "private_metadata": ComposerContext(CHANNEL, thread_ts="1699.1").dump(),
        "state": {"values": {"recipients": {"value": {"value": "0901234567"}}}},
    }
    acknowledged(run(compose.pick_template, needs.compose, body=body, client=client))

    [call] = slack_api.calls_to("views.update")
    assert (call.args["view_id"], call.args["hash"]) == ("V0COMPOSER", "1700000000.abc")
    view = call.args["view"]
    assert ComposerContext.load(view["private_metadata"]) == ComposerContext(
        CHANNEL, thread_ts="1699.1", version=1, template="welcome"
    )
    initial = {
        block["block_id"]: block["element"].get("initial_value")
        for block in view["blocks"]
        if block["type"] == "input"
    }
    # New block ids, or Slack would keep what was typed before over the template's text.
    assert initial["recipients~1"] == "0901234567"
    assert initial["text~1"] == "Chào mừng quý khách"
    assert "text" not in initial


# -- approvals and cancels ---------------------------------------------------------------------


def test_the_sender_cannot_approve_their_own_send(
    store: Store, client: WebClient, needs: ListenerNeeds, slack_api: SlackApiStandIn
):
    send_id = stored_send(store, approval_ttl_seconds=3600)
    events = store.approvals.events(send_id)
    body = click(APPROVE_ACTION, SENDER, slack_api, value=send_id)
    acknowledged(run(approvals.approve, needs.approvals, body=body, client=client))

    assert slack_api.responses == [privately(_("approve.own"))]
    send = store.sends.get(send_id)
    assert send is not None and send.awaiting_approval and send.decided_by is None
    assert store.approvals.events(send_id) == events

    # An approver (a member of the user group) decides it with the same click.
    body = click(APPROVE_ACTION, APPROVER, slack_api, value=send_id)
    acknowledged(run(approvals.approve, needs.approvals, body=body, client=client))
    send = store.sends.get(send_id)
    assert send is not None and not send.awaiting_approval and send.decided_by == APPROVER
    assert len(slack_api.responses) == 1


def test_someone_else_cannot_cancel_a_scheduled_send(
    store: Store, client: WebClient, needs: ListenerNeeds, slack_api: SlackApiStandIn
):
    send_id = stored_send(store, scheduled_at=time.time() + 3600)
    body = click(CANCEL_ACTION, BYSTANDER, slack_api, value=send_id)
    acknowledged(run(scheduling.cancel, needs.scheduling, body=body, client=client))

    assert slack_api.responses == [privately(_("cancel.not_allowed", user=SENDER))]
    assert [c.args["usergroup"] for c in slack_api.calls_to("usergroups.users.list")] == ["S0LEADS"]
    send = store.sends.get(send_id)
    assert send is not None and send.cancelled_at is None

    body = click(CANCEL_ACTION, SENDER, slack_api, value=send_id)
    acknowledged(run(scheduling.cancel, needs.scheduling, body=body, client=client))
    send = store.sends.get(send_id)
    assert send is not None and send.cancelled_by == SENDER
    assert len(slack_api.responses) == 1


# -- registration ------------------------------------------------------------------------------


class RecordingApp:
    """Stands in for `slack_bolt.App` in `build_bolt_app`: keeps what each `app.<kind>(…)`
    registers, by kind and key (`app.action(APPROVE_ACTION)(…)`, `app.middleware(…)`)."""

    def __init__(self, **_settings: Any) -> None:
        self.registered: dict[tuple[str, str], Callable[..., Any]] = {}

    def __getattr__(self, kind: str) -> Callable[..., Any]:
        def register(key: Any) -> Any:
            if callable(key):  # middleware and the error handler have no key
                self.registered[(kind, "")] = key
                return key
            return lambda func: self.registered.setdefault((kind, key), func)

        return register


def test_every_listener_is_registered_with_nothing_left_for_bolt_but_its_own_arguments(
    store: Store, client: WebClient, slack_api: SlackApiStandIn, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("bot.slack.app.App", RecordingApp)
    app = build_bolt_app(
        settings=SETTINGS,
        store=store,
        slack=client,
        esms=Mock(),
        lookups=Mock(),
        people=People(client),
    )
    assert isinstance(app, RecordingApp)
    assert set(app.registered) == {
        ("middleware", ""),
        ("command", "/viber"),
        ("shortcut", compose.SHORTCUT_CALLBACK_ID),
        ("action", PICK_TEMPLATE_ACTION),
        ("options", pickers.EVERY_SELECT),
        ("view", COMPOSER_CALLBACK_ID),
        ("action", APPROVE_ACTION),
        ("action", REJECT_ACTION),
        ("view", REJECT_CALLBACK_ID),
        ("action", CANCEL_ACTION),
        ("action", OPT_OUT_ACTION),
        ("action", ERASE_ACTION),
        ("view", CAMPAIGN_CALLBACK_ID),
        ("function", "send_viber_message"),
        ("action", OPEN_ACTION),
        *[("action", a) for a in (START_ACTION, PAUSE_ACTION, RESUME_ACTION, STOP_ACTION)],
        ("event", "app_home_opened"),
        ("error", ""),
    }
    body = click(APPROVE_ACTION, APPROVER, slack_api, value="s1")
    click_request = BoltRequest(body=body, mode="socket_mode", context={"client": client})
    step = slack_api.function_executed(
        {"sent_by": {"id": SENDER, "secret": "x"}},
        team=TEAM_ID,
        app_id="A0001",
        callback_id="send_viber_message",
    )
    step_request = BoltRequest(body=step, mode="socket_mode", context={"client": client})
    for (kind, key), func in app.registered.items():
        assert getattr(func, "__name__", None), (kind, key)  # Bolt's logs name it
        # A workflow step's listener gets what Slack sends for a step: its inputs, fail …
        request = step_request if kind == "function" else click_request
        if kind == "middleware":
            bolt_kwargs(func, request, next_func=lambda: None)
        else:
            bolt_kwargs(func, request, next_keys_required=False, error=RuntimeError())


def _parts(needs: Any, where: str) -> Iterator[tuple[str, Any]]:
    """Every dependencies object inside `needs` and every value they hold, by where it is."""
    for field in dataclasses.fields(needs):
        value = getattr(needs, field.name)
        yield f"{where}.{field.name}", value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from _parts(value, f"{where}.{field.name}")


def test_each_module_is_given_a_frozen_object_of_values_never_the_settings(needs: ListenerNeeds):
    objects = [(where, v) for where, v in _parts(needs, "needs") if dataclasses.is_dataclass(v)]
    assert len(objects) > len(dataclasses.fields(needs))  # /viber's are inside its own
    for where, value in objects:
        assert type(value).__dataclass_params__.frozen, where
    for where, value in _parts(needs, "needs"):
        assert not isinstance(value, Settings | Outreach), where
