"""`/viber template add|list|remove`: canned messages that agents start from in the composer."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.core.command_text import TemplateCommand
from bot.core.i18n import _
from bot.core.message import ViberMessage, validate_message
from bot.posts.common import escape, listing, preview_lines
from bot.slack.people import PeopleList
from bot.store import Store

_NAME = re.compile(r"^[\w.-]{1,40}$")


@dataclass(frozen=True)
class TemplateNeeds:
    """What `/viber template …` reads."""

    store: Store
    admins: PeopleList | None  # TEMPLATE_ADMINS; None when unset: no one may change them


def answer(needs: TemplateNeeds, request: TemplateCommand, user_id: str) -> str:
    """The reply to a template command."""
    store, admins = needs.store, needs.admins
    if request.action == "list":
        stored = store.templates.all()
        if not stored:
            return _("tpl.none") + _("tpl.usage")
        entries = [
            f"*{escape(name)}* · {_(f'category.{store.templates.category(name)}')}\n"
            + "\n".join(preview_lines(message))
            for name, message in list(stored.items())[request.start - 1 :]
        ]
        return listing(_("tpl.title"), entries, request.start, len(stored), "template list")
    if request.action not in ("add", "remove"):
        return _("tpl.usage")
    if admins is None:
        return _("tpl.no_admins")
    if not admins.contains(user_id, fresh=False):
        return _("tpl.not_admin")
    # Composed (NFC): a name typed with combining marks is the same name, and matches \w.
    name = unicodedata.normalize("NFC", request.name)
    if not _NAME.match(name):
        return _("tpl.bad_name")
    if request.action == "remove":
        if store.templates.remove(name):
            return _("tpl.removed", name=escape(name))
        return _("tpl.missing", name=escape(name))
    fields = (*request.fields, "", "", "", "")[:4]
    message = ViberMessage.from_fields(*fields)
    problems = validate_message(message)
    if problems:
        listed = "\n".join(
            f"• {_(f'field.{field}')}: {escape(problem)}" for field, problem in problems.items()
        )
        return _("tpl.not_saved", problems=listed)
    store.templates.save(name, message, user_id, request.category)
    return _("tpl.saved", name=escape(name))
