"""Cancel a scheduled send until it goes to eSMS."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.core.i18n import _
from bot.runtime import Services
from bot.slack.blocks import CANCEL_ACTION

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    approvers = services.people(services.settings.approvers)

    @app.action(CANCEL_ACTION)
    def cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        send = services.store.sends.get(str(action.get("value", "")))
        if send is None:
            problem = _("cancel.gone")
        elif user_id != send.user_id and not approvers.contains(user_id, fresh=True):
            problem = _("cancel.not_allowed", user=send.user_id)
        elif services.store.sends.cancel_scheduled(send.id, user_id) is None:
            problem = _("cancel.too_late")
        else:
            log.info("send %s cancelled by %s", send.id, user_id)
            return
        respond(text=problem, response_type="ephemeral", replace_original=False)
