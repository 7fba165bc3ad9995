"""The searchable selects' options (block_suggestion): templates past the 100 Slack lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot.posts.composer import field_of, sms_template_choices
from bot.posts.pickers import SMS_TEMPLATE_BLOCK, VIBER_TEMPLATE_BLOCKS, suggestions
from bot.slack.binding import bind
from bot.slack.sms_choice import SmsTemplates
from bot.store import Store

EVERY_SELECT = re.compile(".*")  # one listener: which list answers is read from the block


@dataclass(frozen=True)
class PickerNeeds:
    """What the searchable selects list."""

    store: Store  # the Viber templates
    sms_templates: SmsTemplates  # the SMS fallback's registered templates


def register(app: App, needs: PickerNeeds) -> None:
    app.options(EVERY_SELECT)(bind(suggest, needs))


def suggest(needs: PickerNeeds, ack: Ack, body: dict[str, Any]) -> None:
    """The choices matching what the person typed; none for a select the app does not know."""
    field = field_of(str(body.get("block_id") or ""))
    query = str(body.get("value") or "")
    if field in VIBER_TEMPLATE_BLOCKS:
        choices = [(name, name) for name in needs.store.templates.all()]
    elif field == SMS_TEMPLATE_BLOCK:
        choices = sms_template_choices(needs.sms_templates.get() or [])
    else:
        choices = []
    ack(options=suggestions(choices, query))
