"""Turn a validated draft into a stored send and wake the worker that posts it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.core.draft import Draft
from bot.core.model import NewSend
from bot.slack.blocks.composer import ComposerOptions
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Where and by whom a send was started."""

    team_id: str
    channel_id: str
    user_id: str
    response_url: str | None = None
    thread_ts: str | None = None


def composer_options(settings: Settings, store: Store) -> ComposerOptions:
    return ComposerOptions(
        brandnames=settings.esms_brandnames,
        test_mode=settings.esms_sandbox,
        allow_test_sends=settings.esms_allow_test_sends,
        templates=tuple(store.templates.all()),
    )


def accept_draft(
    settings: Settings,
    store: Store,
    draft: Draft,
    origin: Origin,
    *,
    brandname: str | None = None,
    test_send: bool = False,
    scheduled_at: float | None = None,
) -> str:
    send_id = store.sends.create(
        NewSend(
            team_id=origin.team_id,
            channel_id=origin.channel_id,
            user_id=origin.user_id,
            message=draft.message,
            phones=draft.phones,
            brandname=brandname or settings.esms_brandname,
            test_send=settings.esms_sandbox or (test_send and settings.esms_allow_test_sends),
            response_url=origin.response_url,
            approval_ttl_seconds=settings.approval_ttl_hours * 3600
            if settings.approval_required
            else None,
            approval_channel=settings.approval_channel,
            scheduled_at=scheduled_at,
            thread_ts=origin.thread_ts,
        )
    )
    log.info(
        "send %s stored: %d recipient(s) by %s in %s",
        send_id,
        len(draft.phones),
        origin.user_id,
        origin.channel_id,
    )
    return send_id
