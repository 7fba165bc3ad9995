"""`/viber privacy …`: a data subject's requests, for PRIVACY_ADMINS (default: REPORT_ADMINS).
`/viber privacy NUMBER` sends what the app holds about the number by direct message; `erase
NUMBER` erases it everywhere, after a confirmation; `requests` lists the requests recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.core.i18n import _
from bot.core.privacy_command import PrivacyCommand
from bot.slack import erasure
from bot.slack.erasure import ErasureNeeds
from bot.slack.people import PeopleList
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrivacyNeeds:
    """What `/viber privacy …` reads."""

    store: Store
    admins: PeopleList | None  # PRIVACY_ADMINS; None when unset (and REPORT_ADMINS too): no one
    erasure: ErasureNeeds  # `erase NUMBER` and its button


def answer(
    needs: PrivacyNeeds,
    request: PrivacyCommand,
    command: dict[str, Any],
    ack: Ack,
    respond: Respond,
    client: WebClient,
) -> None:
    """The reply to `/viber privacy …`; only PRIVACY_ADMINS are answered anything but why not."""
    user_id = command["user_id"]
    if needs.admins is None or not needs.admins.contains(user_id, fresh=True):
        ack(text=_("privacy.not_admin"), response_type="ephemeral")
        return
    if request.action == "erase":
        erasure.answer(needs.erasure, request, user_id, ack)
        return
    ack(text=_("privacy.usage"), response_type="ephemeral")
