"""`/viber template add|list|remove`: canned messages that agents start from in the composer."""

from __future__ import annotations

import re

from bot.core.command_text import TemplateCommand
from bot.core.message import ViberMessage, validate_message
from bot.runtime import Services
from bot.slack.blocks import escape, preview_lines
from bot.slack.people import PeopleList

USAGE = (
    "*Templates*\n"
    "• `/viber template list` shows them (everyone).\n"
    "• `/viber template add NAME | text | image URL | button label | button URL` adds or replaces "
    "one; leave a field empty to skip it: `/viber template add hello | Xin chào! | | |`.\n"
    "• `/viber template remove NAME` deletes one.\n"
    "Adding and removing is for the people in TEMPLATE_ADMINS."
)
_NAME = re.compile(r"^[\w.-]{1,40}$")
_FIELDS = {
    "text": "Text",
    "image_url": "Image",
    "button_label": "Button",
    "button_url": "Button link",
}


def answer(services: Services, request: TemplateCommand, user_id: str) -> str:
    store = services.store
    if request.action == "list":
        stored = store.templates()
        if not stored:
            return "No templates yet. " + USAGE
        lines = [
            f"*{escape(name)}*\n" + "\n".join(preview_lines(message))
            for name, message in stored.items()
        ]
        return "*Templates*\n" + "\n\n".join(lines)
    if request.action not in ("add", "remove"):
        return USAGE
    admins = services.settings.template_admins
    if not admins:
        return "Nobody may manage templates yet: the admin sets TEMPLATE_ADMINS first."
    allowed = PeopleList(
        services.slack, admins, cache_seconds=services.settings.user_group_cache_seconds
    )
    if not allowed.contains(user_id, fresh=False):
        return "Only template admins may add or remove templates."
    if not _NAME.match(request.name):
        return "Give the template a short name (letters, digits, - _ .), e.g. `giam-gia`."
    if request.action == "remove":
        if store.remove_template(request.name):
            return f"Template *{escape(request.name)}* removed."
        return f"There is no template named *{escape(request.name)}*."
    fields = (*request.fields, "", "", "", "")[:4]
    message = ViberMessage.from_fields(*fields)
    problems = validate_message(message)
    if problems:
        listed = "\n".join(f"• {_FIELDS[field]}: {problem}" for field, problem in problems.items())
        return f"Template not saved.\n{listed}"
    store.save_template(request.name, message, user_id)
    return f"Template *{escape(request.name)}* saved. Agents find it at the top of the composer."
