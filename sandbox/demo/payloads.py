"""What Slack would send the app when a person acts on the demo page: pure functions.

The page says what was clicked or typed (a block id, an action id, a flat mapping
`{block_id: text or list}` of a form's controls); these build the body Slack sends for it from
the message or view JSON the app posted, so values, option texts and ids are Slack's own, never
the page's word. What Slack's client would refuse raises `sandbox.demo.state.BadSubmission`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sandbox.demo.ids import find_element, with_ids
from sandbox.demo.state import Submitted, element_state, view_state


@dataclass(frozen=True)
class Workspace:
    team_id: str = "T0001"
    domain: str = "demo"
    api_app_id: str = "A0001"
    bot_id: str = "B0001"
    bot_user_id: str = "U0BOT"
    token: str = "demo-verification-token"  # the legacy token Slack still puts in bodies


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str = "agent"


def trigger_id(now: float) -> str:
    """Slack's shape (`seconds.number.hex`), unique for each moment."""
    digest = hashlib.sha256(repr(now).encode()).hexdigest()[:32]
    return f"{int(now)}.{round(now * 1_000_000) % 10**12}.{digest}"


def form_body(fields: Mapping[str, str]) -> str:
    """A form-encoded body (slash commands)."""
    return urlencode(fields)


def interactive_body(payload: Mapping[str, Any]) -> str:
    """Interactivity: the payload as JSON in the form field `payload`."""
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


def slash_command(
    text: str,
    *,
    workspace: Workspace,
    person: Person,
    channel_id: str,
    channel_name: str,
    response_url: str,
    now: float,
    command: str = "/viber",
) -> dict[str, str]:
    """The fields of a slash command (send them with `form_body`)."""
    return {
        "token": workspace.token,
        "team_id": workspace.team_id,
        "team_domain": workspace.domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": person.user_id,
        "user_name": person.name,
        "command": command,
        # Slack sends the &, < and > a person typed as entities.
        "text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
        "api_app_id": workspace.api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id(now),
    }


def _envelope(kind: str, workspace: Workspace, person: Person, now: float) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": workspace.team_id, "domain": workspace.domain},
        "user": {
            "id": person.user_id,
            "username": person.name,
            "name": person.name,
            "team_id": workspace.team_id,
        },
        "api_app_id": workspace.api_app_id,
        "token": workspace.token,
        "trigger_id": trigger_id(now),
        "is_enterprise_install": False,
        "enterprise": None,
    }


def _action(element: Mapping[str, Any], block_id: str, choice: Any, now: float) -> dict[str, Any]:
    """One entry of `actions`: the element as clicked, or with the person's choice."""
    kind = element["type"]
    action: dict[str, Any] = {"type": kind, "action_id": element["action_id"], "block_id": block_id}
    if kind == "button":
        action.update({k: element[k] for k in ("text", "value", "style", "url") if k in element})
    else:
        action.update({k: v for k, v in element_state(element, choice).items() if k != "type"})
        if "placeholder" in element:
            action["placeholder"] = element["placeholder"]
    action["action_ts"] = f"{now:.6f}"
    return action


def message_block_actions(
    message: Mapping[str, Any],
    *,
    block_id: str,
    action_id: str,
    workspace: Workspace,
    person: Person,
    channel_id: str,
    channel_name: str,
    response_url: str,
    now: float,
    choice: Any = None,
    is_ephemeral: bool = False,
) -> dict[str, Any]:
    """A click (or a choice, for a select) on an element of a posted message."""
    blocks = message.get("blocks") or []
    element = find_element(blocks, block_id, action_id)
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message.get("ts"),
        "channel_id": channel_id,
        "is_ephemeral": is_ephemeral,
    }
    if message.get("thread_ts"):
        container["thread_ts"] = message["thread_ts"]
    payload = _envelope("block_actions", workspace, person, now)
    payload.update(container=container, channel={"id": channel_id, "name": channel_name})
    if not is_ephemeral:  # Slack does not send an ephemeral message back
        payload["message"] = _message_object(message, workspace)
    payload.update(state={"values": {}}, response_url=response_url)
    payload["actions"] = [_action(element, block_id, choice, now)]
    return payload


def _message_object(message: Mapping[str, Any], workspace: Workspace) -> dict[str, Any]:
    """A message as Slack describes it in payloads (the app's own: with its bot and app ids)."""
    shown = {key: message[key] for key in ("text", "ts", "thread_ts", "user") if key in message}
    if "user" not in message:
        shown.update(
            user=workspace.bot_user_id, bot_id=workspace.bot_id, app_id=workspace.api_app_id
        )
    if message.get("blocks"):
        shown["blocks"] = with_ids(message["blocks"])
    return {"type": "message", **shown, "team": workspace.team_id}


def view_object(
    view: Mapping[str, Any],
    *,
    view_id: str,
    view_hash: str,
    state: Mapping[str, Any],
    workspace: Workspace,
) -> dict[str, Any]:
    """An open view as Slack describes it in payloads (`view.state.values` included)."""
    return {
        "id": view_id,
        "team_id": workspace.team_id,
        "type": view.get("type", "modal"),
        "blocks": with_ids(view.get("blocks") or []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": dict(state)},
        "hash": view_hash,
        "title": view.get("title"),
        "clear_on_close": bool(view.get("clear_on_close")),
        "notify_on_close": bool(view.get("notify_on_close")),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": workspace.api_app_id,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": workspace.team_id,
        "bot_id": workspace.bot_id,
    }


def view_block_actions(
    view: Mapping[str, Any],
    *,
    view_id: str,
    view_hash: str,
    block_id: str,
    action_id: str,
    submitted: Submitted,
    workspace: Workspace,
    person: Person,
    now: float,
    choice: Any = None,
) -> dict[str, Any]:
    """A click or a choice inside an open modal (or the Home tab), with what is typed so far."""
    element = find_element(view.get("blocks") or [], block_id, action_id)
    state = view_state(view, submitted, submitting=False)
    payload = _envelope("block_actions", workspace, person, now)
    payload.update(
        container={"type": "view", "view_id": view_id},
        view=view_object(
            view, view_id=view_id, view_hash=view_hash, state=state, workspace=workspace
        ),
        actions=[_action(element, block_id, choice, now)],
    )
    return payload


def block_suggestion(
    view: Mapping[str, Any],
    *,
    view_id: str,
    view_hash: str,
    block_id: str,
    action_id: str,
    value: str,
    workspace: Workspace,
    person: Person,
    now: float,
) -> dict[str, Any]:
    """What Slack asks a searchable select's options with: the block, the action and what the
    person typed so far."""
    find_element(view.get("blocks") or [], block_id, action_id)  # a select this view has
    payload = _envelope("block_suggestion", workspace, person, now)
    del payload["trigger_id"]
    payload.update(
        container={"type": "view", "view_id": view_id},
        view=view_object(view, view_id=view_id, view_hash=view_hash, state={}, workspace=workspace),
        block_id=block_id,
        action_id=action_id,
        value=value,
    )
    return payload


def view_submission(
    view: Mapping[str, Any],
    *,
    view_id: str,
    view_hash: str,
    submitted: Submitted,
    workspace: Workspace,
    person: Person,
    now: float,
) -> dict[str, Any]:
    """The modal's submit button; raises BadSubmission where Slack's client would refuse."""
    state = view_state(view, submitted, submitting=True)
    payload = _envelope("view_submission", workspace, person, now)
    payload.update(
        view=view_object(
            view, view_id=view_id, view_hash=view_hash, state=state, workspace=workspace
        ),
        response_urls=[],
    )
    return payload


def message_shortcut(
    message: Mapping[str, Any],
    *,
    callback_id: str,
    workspace: Workspace,
    person: Person,
    channel_id: str,
    channel_name: str,
    response_url: str,
    now: float,
) -> dict[str, Any]:
    """A message shortcut ("Send on Viber" in a message's menu) on a message of the channel."""
    payload = _envelope("message_action", workspace, person, now)
    payload.update(
        callback_id=callback_id,
        action_ts=f"{now:.6f}",
        channel={"id": channel_id, "name": channel_name},
        message_ts=message.get("ts"),
        message=_message_object(message, workspace),
        response_url=response_url,
    )
    return payload


def app_home_opened(
    *, workspace: Workspace, person: Person, now: float, view: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The Events API envelope for a person opening the app's Home tab (send it as JSON)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": person.user_id,
        "channel": "D" + person.user_id[1:],
        "tab": "home",
        "event_ts": f"{now:.6f}",
    }
    if view is not None:
        event["view"] = dict(view)
    return {
        "token": workspace.token,
        "team_id": workspace.team_id,
        "api_app_id": workspace.api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + hashlib.sha256(repr(now).encode()).hexdigest()[:10].upper(),
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": workspace.team_id,
                "user_id": workspace.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
