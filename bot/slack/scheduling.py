"""Cancel a scheduled send until it goes to eSMS."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.core.i18n import _
from bot.posts.buttons import CANCEL_ACTION
from bot.slack.binding import bind
from bot.slack.people import PeopleList
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchedulingNeeds:
    """What Cancel reads."""

    store: Store
    approvers: PeopleList  # APPROVERS may cancel anyone's scheduled send


def register(app: App, needs: SchedulingNeeds) -> None:
    app.action(CANCEL_ACTION)(bind(cancel, needs))


def cancel(
    needs: SchedulingNeeds,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
) -> None:
    """The sender or an approver may cancel; anyone else is told so, privately."""
    ack()
    user_id = body["user"]["id"]
    send = needs.store.sends.get(str(action.get("value", "")))
    if send is None:
        problem = _("cancel.gone")
    elif user_id != send.user_id and not needs.approvers.contains(user_id, fresh=True):
        problem = _("cancel.not_allowed", user=send.user_id)
    elif needs.store.sends.cancel_scheduled(send.id, user_id) is None:
        problem = _("cancel.too_late")
    else:
        log.info("send %s cancelled by %s", send.id, user_id)
        return
    respond(text=problem, response_type="ephemeral", replace_original=False)
