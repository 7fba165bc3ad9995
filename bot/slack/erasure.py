"""`/viber privacy erase NUMBER` and its Erase button, for PRIVACY_ADMINS (`bot.slack.privacy`
checks who asks). The answer says what would be erased and offers the button, whose value is
the request's id: the number is recorded with the request and never travels through Slack's
payloads. The click queues the durable job that carries it out (`bot.jobs.erasure`)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.core.i18n import _
from bot.core.phones import mask_phone, normalize_phone
from bot.core.privacy_command import PrivacyCommand
from bot.posts.common import escape
from bot.posts.erasure import ERASE_ACTION, confirmation
from bot.slack.binding import bind
from bot.slack.people import PeopleList
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasureNeeds:
    """What `/viber privacy erase` and its button read."""

    store: Store
    data_key: str | None  # DATA_KEY: without it, erasure is refused
    admins: PeopleList | None  # PRIVACY_ADMINS; None: no one


def register(app: App, needs: ErasureNeeds) -> None:
    app.action(ERASE_ACTION)(bind(confirm, needs))


def answer(needs: ErasureNeeds, request: PrivacyCommand, user_id: str, ack: Ack) -> None:
    """The reply to `/viber privacy erase NUMBER` from a privacy admin: refused (a number that
    is none, no DATA_KEY) with nothing recorded; otherwise the request recorded and what it
    would erase, with the button, or, for a number the app knows nothing of, so."""
    phone = normalize_phone(request.number)
    if phone is None:
        shown = escape(request.number[:40]) or "…"
        ack(text=_("erase.bad_number", number=shown), response_type="ephemeral")
        return
    if not needs.data_key:
        ack(text=_("erase.no_key"), response_type="ephemeral")
        return
    request_id, reach = needs.store.erasures.ask(phone, user_id)
    log.info("erasure request %s recorded by %s", request_id, user_id)
    number = mask_phone(phone)
    if reach.nothing:
        ack(text=_("erase.nothing_found", number=number, id=request_id), response_type="ephemeral")
        return
    text, blocks = confirmation(request_id, {**reach.as_dict(), "number": number})
    ack(text=text, blocks=blocks, response_type="ephemeral")


def confirm(
    needs: ErasureNeeds, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """Erase, confirmed in Slack's dialog by a privacy admin: the request and its job are
    queued in one transaction. A second click, or one past the hour, queues nothing."""
    ack()
    user_id = (body.get("user") or {}).get("id", "")
    if needs.admins is None or not needs.admins.contains(user_id, fresh=True):
        respond(text=_("privacy.not_admin"), response_type="ephemeral", replace_original=False)
        return
    value = str(action.get("value", ""))
    valid = re.fullmatch(r"[0-9]{1,18}", value)  # a request's id, nothing else
    request = needs.store.erasures.confirm(int(value)) if valid else None
    if request is None:
        respond(text=_("erase.gone"), response_type="ephemeral", replace_original=True)
        return
    needs.store.wake()
    log.info("erasure request %s confirmed by %s", request.id, user_id)
    number = request.found.get("number", "")
    text = _("erase.started", number=number, id=request.id)
    respond(text=text, response_type="ephemeral", replace_original=True)
