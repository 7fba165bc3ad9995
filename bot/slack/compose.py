"""The composer modal's submission: validate inline, or store the send and close."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.core.draft import check_draft
from bot.core.message import ViberMessage
from bot.runtime import Services
from bot.slack.blocks import COMPOSER_CALLBACK_ID, ComposerContext, submitted_values
from bot.slack.sending import accept_draft


def register(app: App, services: Services) -> None:
    @app.view(COMPOSER_CALLBACK_ID)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        context = ComposerContext.load(view.get("private_metadata", ""))
        if context is None:
            ack(response_action="errors",
                errors={"recipients": "This form has expired: close it and run /viber again."})  # fmt: skip
            return
        values = submitted_values((view.get("state") or {}).get("values") or {})
        message = ViberMessage.from_fields(
            text=values["text"],
            image_url=values["image_url"],
            button_label=values["button_label"],
            button_url=values["button_url"],
        )
        draft = check_draft(values["recipients"], message)
        if not draft.ok:
            ack(response_action="errors", errors=draft.errors)
            return
        user = body.get("user") or {}
        accept_draft(
            services,
            draft,
            team_id=(body.get("team") or {}).get("id", ""),
            channel_id=context.channel_id,
            user_id=user.get("id", ""),
            response_url=context.response_url,
        )
        ack()
