"""Who may use the app, from where: workspace, app, user and channel checks before any listener."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.core.i18n import _
from bot.posts.campaign import CAMPAIGN_CALLBACK_ID
from bot.posts.common import INPUT_ACTION_ID
from bot.posts.composer import COMPOSER_CALLBACK_ID, ComposerContext
from bot.slack.binding import bind
from bot.slack.compose import SHORTCUT_CALLBACK_ID
from bot.slack.people import PeopleList

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccessNeeds:
    """What the access checks read."""

    team_id: str | None  # SLACK_TEAM_ID: requests from any other workspace are refused
    app_id: str | None  # SLACK_APP_ID: and those for any other app
    allowed_channels: tuple[str, ...]  # ALLOWED_CHANNELS; () lets every channel
    allowed_users: PeopleList | None  # ALLOWED_USERS; None when unset: everyone may send


def register(app: App, needs: AccessNeeds) -> None:
    app.middleware(bind(guard, needs))


def guard(
    needs: AccessNeeds,
    body: dict[str, Any],
    context: BoltContext,
    next: Callable[[], BoltResponse],
) -> BoltResponse | None:
    problem = _wrong_origin(needs, body, context)
    if problem is None and _starts_a_send(body):
        problem = _not_allowed(needs, body, context)
    if problem is None:
        return next()
    log.warning(
        "refused %s from user %s in team %s: %s",
        body.get("type") or "command",
        context.user_id,
        context.team_id,
        problem,
    )
    return _refusal(body, context, problem)


def _wrong_origin(needs: AccessNeeds, body: dict[str, Any], context: BoltContext) -> str | None:
    if needs.team_id and context.team_id != needs.team_id:
        return _("access.workspace")
    if needs.app_id and body.get("api_app_id") != needs.app_id:
        return _("access.workspace")
    return None


def _starts_a_send(body: dict[str, Any]) -> bool:
    """Slash commands, the message shortcut and composer submissions; approvals have their own
    list (APPROVERS)."""
    if "command" in body:
        return True
    if body.get("type") == "message_action":
        return body.get("callback_id") == SHORTCUT_CALLBACK_ID
    found = body.get("view")
    view: dict[str, Any] = found if isinstance(found, dict) else {}
    starts = (COMPOSER_CALLBACK_ID, CAMPAIGN_CALLBACK_ID)
    return body.get("type") == "view_submission" and view.get("callback_id") in starts


def _not_allowed(needs: AccessNeeds, body: dict[str, Any], context: BoltContext) -> str | None:
    people = needs.allowed_users
    if people is not None and not people.contains(context.user_id or "", fresh=False):
        return _("access.user")
    if needs.allowed_channels:
        channel = body.get("channel_id")
        if channel is None and isinstance(body.get("channel"), dict):  # the message shortcut
            channel = body["channel"].get("id")
        if channel is None:  # a composer submission carries the channel in its metadata
            view = body.get("view") or {}
            stored = ComposerContext.load(view.get("private_metadata", ""))
            channel = stored.channel_id if stored else None
            if not channel:  # a campaign from the Home tab: the channel chosen in the modal
                channel = _chosen_channel(view)
        if channel not in needs.allowed_channels:
            return _("access.channel")
    return None


def _chosen_channel(view: dict[str, Any]) -> str | None:
    values = (view.get("state") or {}).get("values") or {}
    block = values.get("channel") if isinstance(values, dict) else None
    element = block.get(INPUT_ACTION_ID) if isinstance(block, dict) else None
    chosen = element.get("selected_conversation") if isinstance(element, dict) else None
    return chosen if isinstance(chosen, str) else None


def _refusal(body: dict[str, Any], context: BoltContext, problem: str) -> BoltResponse:
    """Answer in the place the person is looking at; change nothing."""
    json_type: dict[str, str | Sequence[str]] = {"content-type": "application/json"}
    if "command" in body:
        payload: dict[str, Any] = {"response_type": "ephemeral", "text": problem}
        return BoltResponse(status=200, body=json.dumps(payload), headers=json_type)
    if body.get("type") == "view_submission":
        values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
        block_id = next(iter(values), "recipients")
        payload = {"response_action": "errors", "errors": {block_id: problem}}
        return BoltResponse(status=200, body=json.dumps(payload), headers=json_type)
    if context.respond is not None:
        try:
            context.respond(text=problem, response_type="ephemeral", replace_original=False)
        except Exception as error:  # the refusal stands even if the note cannot be shown
            log.warning("could not show a refusal: %s", type(error).__name__)
    return BoltResponse(status=200, body="")
