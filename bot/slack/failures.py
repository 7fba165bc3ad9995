"""A listener that fails is never silent: the person who clicked, typed or submitted is told,
privately and in the app's language, with a short reference that the failure's log line carries.

Before the acknowledgement the answer itself carries the message; after it (Bolt drops the
error handler's answer then) the message goes where the person is looking: the modal if it is
still open, an ephemeral message in the channel the action came from, or a direct message.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.core.i18n import _
from bot.posts.composer import ComposerContext
from bot.slack.binding import bind
from bot.store import Store

log = logging.getLogger(__name__)
_JSON: dict[str, str | Sequence[str]] = {"content-type": "application/json"}  # Bolt's type


@dataclass(frozen=True)
class FailureNeeds:
    """What the error handler reads."""

    store: Store  # the channel a reject form came from, by its send


def register(app: App, needs: FailureNeeds) -> None:
    app.error(bind(on_error, needs))


def on_error(
    needs: FailureNeeds,
    error: Exception,
    body: dict[str, Any],
    context: BoltContext,
    response: BoltResponse | None,
    client: WebClient,
) -> BoltResponse | None:
    reference = uuid.uuid4().hex[:8]
    log.error("listener failed (reference %s): %s", reference, type(error).__name__, exc_info=error)
    text = _("listener.failed", reference=reference)
    body = _dict(body)
    try:
        if response is not None:  # not acknowledged yet: the answer can say it
            answer = _answer(body, text)
            if answer is not None:
                return answer
        tell(client, needs.store, body, context.user_id or _user(body), text)
    except Exception as failure:  # a body odd enough to break a listener may break this too
        log.warning("could not tell anyone about failure %s: %s", reference, type(failure).__name__)
    # Bolt keeps a returned answer only while the request is unacknowledged.
    return BoltResponse(status=200, body="") if response is not None else None


def _dict(value: object) -> dict[str, Any]:
    """`value` if it is an object, else an empty one: a request's parts may be anything."""
    return value if isinstance(value, dict) else {}


def _user(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    return body.get("user_id") or _dict(body.get("event")).get("user")


def _answer(body: dict[str, Any], text: str) -> BoltResponse | None:
    """The acknowledgement that shows `text`, for the requests whose answer Slack displays."""
    if "command" in body:
        payload: dict[str, Any] = {"response_type": "ephemeral", "text": text}
    elif body.get("type") == "view_submission":
        values = _dict(_dict(_dict(body.get("view")).get("state")).get("values"))
        if not values:
            return None
        payload = {"response_action": "errors", "errors": {next(iter(values)): text}}
    else:
        return None
    return BoltResponse(status=200, body=json.dumps(payload), headers=_JSON)


def error_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": _("listener.failed_title")[:24]},
        "close": {"type": "plain_text", "text": _("composer.close")},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def tell(
    client: WebClient, store: Store, body: dict[str, Any], user_id: str | None, text: str
) -> None:
    """Show `text` to the person behind `body`, privately, in the best place still possible."""
    view = body.get("view") if isinstance(body.get("view"), dict) else None
    if body.get("type") == "block_actions" and view and view.get("id"):  # the modal is open
        try:
            client.views_update(view_id=view["id"], view=error_view(text))
            return
        except Exception as error:
            log.warning("could not show the failure in the modal: %s", type(error).__name__)
    if not user_id:
        log.warning("nobody to tell about the failure")
        return
    channel = _channel(body, store)
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user_id, text=text)
            return
        except Exception as error:
            log.warning("could not show the failure in %s: %s", channel, type(error).__name__)
    try:
        posted = client.chat_postMessage(channel=user_id, text=text)
    except Exception as error:
        log.error("could not tell %s about the failure: %s", user_id, type(error).__name__)
        return
    data = posted.data if isinstance(posted.data, dict) else {}
    store.slack_posts.record_call(None, "chat_postMessage", {"text": text}, data)


def _channel(body: dict[str, Any], store: Store) -> str | None:
    """The channel the request came from: the message's, or the one a modal was opened in."""
    for holder in (body.get("channel"), body.get("container")):
        if isinstance(holder, dict):
            channel = holder.get("id") or holder.get("channel_id")
            if isinstance(channel, str) and channel:
                return channel
    if isinstance(body.get("channel_id"), str) and body["channel_id"]:
        return body["channel_id"]
    metadata = str(_dict(body.get("view")).get("private_metadata") or "")
    composer = ComposerContext.load(metadata)
    if composer is not None:
        return composer.channel_id
    if metadata and len(metadata) <= 64:  # the reject form carries the send's id
        try:
            send = store.sends.get(metadata)
        except Exception:  # the store may be what failed
            return None
        return send.channel_id if send else None
    return None
