"""Turn a validated draft into a stored send and wake the worker that posts it."""

from __future__ import annotations

import logging

from bot.core.draft import Draft
from bot.runtime import Services
from bot.store import NewSend

log = logging.getLogger(__name__)


def accept_draft(
    services: Services,
    draft: Draft,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    response_url: str | None,
) -> str:
    settings = services.settings
    send_id = services.store.create_send(
        NewSend(
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            message=draft.message,
            phones=draft.phones,
            brandname=settings.esms_brandname,
            sandbox=settings.esms_sandbox,
            response_url=response_url,
            approval_ttl_seconds=settings.approval_ttl_hours * 3600
            if settings.approval_required
            else None,
            approval_channel=settings.approval_channel,
        )
    )
    services.worker.wake()
    log.info(
        "send %s stored: %d recipient(s) by %s in %s",
        send_id,
        len(draft.phones),
        user_id,
        channel_id,
    )
    return send_id
