"""Approve / Reject: who may click, and the one decision that counts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.i18n import _
from bot.core.model import Approval, Send
from bot.posts.approval import (
    APPROVE_ACTION,
    REJECT_ACTION,
    REJECT_CALLBACK_ID,
    already_decided,
    reject_view,
)
from bot.posts.common import escape
from bot.slack.binding import bind
from bot.slack.people import PeopleList
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApprovalNeeds:
    """What Approve and Reject read."""

    store: Store
    approvers: PeopleList  # APPROVERS, read afresh on every decision


def register(app: App, needs: ApprovalNeeds) -> None:
    app.action(APPROVE_ACTION)(bind(approve, needs))
    app.action(REJECT_ACTION)(bind(reject, needs))
    app.view(REJECT_CALLBACK_ID)(bind(reject_submitted, needs))


def refusal(
    approvers: PeopleList, send: Send | None, user_id: str, *, plain: bool = False
) -> str | None:
    """Why this user may not decide on this send now, or None when they may."""
    if send is None:
        return _("approve.gone")
    if not send.awaiting_approval:
        return already_decided(send, plain=plain)
    if user_id == send.user_id:
        return _("approve.own")
    allowed = approvers.contains(user_id, fresh=True)
    if allowed is None:
        return _("approve.unknown")
    if not allowed:
        return _("approve.not_approver")
    return None


def approve(
    needs: ApprovalNeeds, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    ack()
    user_id = body["user"]["id"]
    send = needs.store.sends.get(str(action.get("value", "")))
    problem = refusal(needs.approvers, send, user_id)
    if problem is None and send is not None:
        decision = needs.store.approvals.decide(send.id, Approval.APPROVED, user_id)
        if decision and decision.won:
            log.info("send %s approved by %s", send.id, user_id)
            return
        problem = already_decided(decision.send) if decision else _("approve.gone")
    assert problem is not None  # refusal() has one when there is no send
    respond(text=problem, response_type="ephemeral", replace_original=False)


def reject(
    needs: ApprovalNeeds,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Open the form that asks for a reason; the decision is taken when it is submitted."""
    ack()
    user_id = body["user"]["id"]
    send = needs.store.sends.get(str(action.get("value", "")))
    problem = refusal(needs.approvers, send, user_id)
    if problem is None and send is not None:
        try:
            client.views_open(trigger_id=body["trigger_id"], view=reject_view(send.id))
            return
        except SlackApiError as error:
            problem = _("approve.no_form", code=escape(str(error.response.get("error"))))
    assert problem is not None  # refusal() has one when there is no send
    respond(text=problem, response_type="ephemeral", replace_original=False)


def reject_submitted(
    needs: ApprovalNeeds, ack: Ack, body: dict[str, Any], view: dict[str, Any]
) -> None:
    user_id = body["user"]["id"]
    send = needs.store.sends.get(str(view.get("private_metadata", "")))
    values = (view.get("state") or {}).get("values") or {}
    reason = ((values.get("reason") or {}).get("value") or {}).get("value") or ""
    reason = reason.strip()[:500]
    problem = refusal(needs.approvers, send, user_id, plain=True)
    if problem is None and send is not None:
        decision = needs.store.approvals.decide(send.id, Approval.REJECTED, user_id, reason or None)
        if decision and decision.won:
            log.info("send %s rejected by %s", send.id, user_id)
            ack()
            return
        problem = already_decided(decision.send, plain=True) if decision else _("approve.gone")
    assert problem is not None  # refusal() has one when there is no send
    ack(response_action="errors", errors={"reason": problem})
