"""The composer modal: open it (command or message shortcut), refill it from a template, submit it."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.command_text import unescape_slack
from bot.core.draft import check_draft
from bot.core.message import ViberMessage
from bot.core.schedule import check_send_at
from bot.i18n import _
from bot.runtime import Services
from bot.slack.blocks import (
    COMPOSER_CALLBACK_ID,
    PICK_TEMPLATE_ACTION,
    ComposerContext,
    composer_view,
    submitted_values,
)
from bot.slack.sending import Origin, accept_draft, composer_options

log = logging.getLogger(__name__)

SHORTCUT_CALLBACK_ID = "send_on_viber"


def open_composer(
    services: Services,
    client: WebClient,
    trigger_id: str,
    context: ComposerContext,
    prefill: ViberMessage | None = None,
) -> str | None:
    """Open the modal; returns Slack's error code when it would not."""
    view = composer_view(context, composer_options(services), prefill=prefill)
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        code = str(error.response.get("error"))
        log.warning("views.open failed: %s", code)
        return code
    return None


def register(app: App, services: Services) -> None:
    settings = services.settings

    @app.shortcut(SHORTCUT_CALLBACK_ID)
    def from_message(
        ack: Ack, shortcut: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        message = shortcut.get("message") or {}
        channel = (shortcut.get("channel") or {}).get("id", "")
        # Replies in a thread point at its root; the send joins that same thread.
        thread_ts = message.get("thread_ts") or message.get("ts")
        context = ComposerContext(channel, shortcut.get("response_url"), thread_ts=thread_ts)
        text = unescape_slack(str(message.get("text") or ""))[:1000]
        problem = open_composer(
            services, client, shortcut["trigger_id"], context, ViberMessage(text=text)
        )
        if problem and shortcut.get("response_url"):
            respond(_("cmd.no_composer", code=problem))

    @app.action(PICK_TEMPLATE_ACTION)
    def pick_template(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        view = body.get("view") or {}
        context = ComposerContext.load(view.get("private_metadata", ""))
        template = services.store.templates().get(
            (action.get("selected_option") or {}).get("value", "")
        )
        if context is None or template is None:
            return
        values, _ = submitted_values((view.get("state") or {}).get("values") or {})
        refilled = ComposerContext(
            context.channel_id, context.response_url, context.thread_ts, version=context.version + 1
        )
        new_view = composer_view(
            refilled, composer_options(services), recipients=values["recipients"], prefill=template
        )
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
        except SlackApiError as error:  # hash_conflict: the person kept typing; their text wins
            log.info("template not applied: %s", error.response.get("error"))

    @app.view(COMPOSER_CALLBACK_ID)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        context = ComposerContext.load(view.get("private_metadata", ""))
        values, block_ids = submitted_values((view.get("state") or {}).get("values") or {})
        if context is None:
            ack(response_action="errors", errors={block_ids["recipients"]: _("err.form_expired")})
            return
        message = ViberMessage.from_fields(
            text=values["text"],
            image_url=values["image_url"],
            button_label=values["button_label"],
            button_url=values["button_url"],
        )
        draft = check_draft(values["recipients"], message)
        errors = dict(draft.errors)
        scheduled_at, problem = check_send_at(values["send_at"], time.time())
        if problem:
            errors["send_at"] = problem
        brandname = values["brandname"] or settings.esms_brandname
        if brandname not in settings.esms_brandnames:
            errors["brandname"] = _("err.brandname")
        if errors:
            ack(
                response_action="errors",
                errors={block_ids[field]: text for field, text in errors.items()},
            )
            return
        user = body.get("user") or {}
        origin = Origin(
            team_id=(body.get("team") or {}).get("id", ""),
            channel_id=context.channel_id,
            user_id=user.get("id", ""),
            response_url=context.response_url,
            thread_ts=context.thread_ts,
        )
        accept_draft(
            services, draft, origin, brandname=brandname, test_send=values["test_send"] == "yes",
            scheduled_at=scheduled_at,
        )  # fmt: skip
        ack()
