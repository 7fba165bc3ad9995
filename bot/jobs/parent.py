"""Posting a send's thread parent, and then its approval request in APPROVAL_CHANNEL; and what
a posted parent lets follow.

Each task reads what it needs from the store, so running it twice does no harm: a job that
finds its work already done returns quietly.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from bot.core.i18n import _
from bot.core.model import Approval, Job, JobKind, Send, ThreadState
from bot.jobs.slack_calls import Refused, SlackCalls
from bot.posts.approval import approval_request
from bot.posts.campaign import campaign_parent
from bot.posts.common import escape
from bot.posts.errors import not_posted_note
from bot.posts.thread import parent_message, viber_recipients
from bot.store import Store

log = logging.getLogger(__name__)


def after_parent(send: Send) -> tuple[JobKind, ...]:
    """What follows a posted parent, asked of the send as stored in that same transaction.

    Awaiting approval: the request in the approvers' channel (without one, its buttons are on
    the parent itself), and no submission until it is approved. Nobody to wait for (no
    approval needed, or approved already): one submission per recipient. A campaign's rows
    are not read yet: its Start releases them. Rejected, expired or withdrawn meanwhile:
    nothing."""
    if send.campaign:
        return ()
    if send.approval == Approval.PENDING:
        return (JobKind.POST_APPROVAL,) if send.approval_channel else ()
    if send.approval in (Approval.NONE, Approval.APPROVED):
        return (JobKind.SUBMIT,)
    return ()


class ParentPosts:
    """The jobs that put a send in Slack: its thread parent, then its approval request."""

    def __init__(self, store: Store, slack: SlackCalls, *, approvers: tuple[str, ...]) -> None:
        self.store, self.slack, self.approvers = store, slack, approvers
        self._bot_user_id: str | None = None

    # -- the thread parent -------------------------------------------------------------------

    def post_parent(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        if send is None or send.thread_state != ThreadState.NEW:
            return
        text, parent_blocks = self._parent(send)
        posted = self.slack.post(
            send_id=send.id,
            channel=send.channel_id,
            thread_ts=send.thread_ts,
            text=text,
            blocks=parent_blocks,
        )
        if isinstance(posted, Refused):
            self.store.sends.mark_not_posted(send.id, not_posted_note(posted.code))
            self._tell_agent(send, self._not_posted_advice(send, posted.code))
            log.warning("send %s not posted in %s: %s", send.id, send.channel_id, posted.code)
            return
        self.store.sends.mark_parent_posted(send.id, posted, then=after_parent)
        log.info("send %s posted as thread %s", send.id, posted)

    def give_up_parent(self, job: Job, reason: str) -> None:
        note = _("agent.slack_down", reason=reason)
        self.store.sends.mark_not_posted(job.send_id, note)
        send = self.store.sends.get(job.send_id)
        if send:
            self._tell_agent(send, _("agent.gave_up", note=note))

    def _parent(self, send: Send, *, approving: bool = False) -> tuple[str, list[dict[str, Any]]]:
        campaign = self.store.campaigns.get(send.id) if send.campaign else None
        if campaign is not None:
            counts = self.store.campaigns.counts(send.id)
            return campaign_parent(send, campaign, counts, self.approvers, approving=approving)
        recipients = self.store.sends.recipients(send.id)
        return parent_message(send, recipients, self.approvers)

    def _not_posted_advice(self, send: Send, code: str) -> str:
        recipients = viber_recipients(self.store.sends.recipients(send.id))
        numbers = ", ".join(recipient.phone for recipient in recipients)
        if code in ("not_in_channel", "channel_not_found"):
            bot = f"<@{self.bot_user_id}>" if self.bot_user_id else _("agent.the_app")
            return _("agent.not_member", channel=send.channel_id, numbers=numbers, bot=bot)
        shown = escape(code)  # Slack's word, echoed into mrkdwn
        return _("agent.slack_refused", numbers=numbers, channel=send.channel_id, code=shown)

    @property
    def bot_user_id(self) -> str | None:
        if self._bot_user_id is None:
            try:
                self._bot_user_id = self.slack.client.auth_test().get("user_id")
            except Exception:  # only used to word a hint; never worth failing for
                return None
        return self._bot_user_id

    def _tell_agent(self, send: Send, text: str) -> None:
        """An ephemeral note through the command's response_url, or a DM when that is gone."""
        if send.response_url:
            try:
                answer = requests.post(
                    send.response_url,
                    json={"response_type": "ephemeral", "replace_original": False, "text": text},
                    timeout=10,
                )
                if answer.status_code == 200:
                    return
                log.warning(
                    "response_url answered HTTP %s for send %s", answer.status_code, send.id
                )
            except requests.RequestException as error:
                log.warning("response_url failed for send %s: %s", send.id, type(error).__name__)
        if problem := self.slack.try_once(
            "chat_postMessage", send_id=send.id, channel=send.user_id, text=text
        ):
            log.error("could not tell %s about send %s: %s", send.user_id, send.id, problem)

    # -- the approval request in APPROVAL_CHANNEL --------------------------------------------

    def post_approval(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        if send is None or send.approval_ts or not send.approval_channel:
            return
        if send.campaign:  # the approvers decide on the campaign's own parent: its preview
            text, request_blocks = self._parent(send, approving=True)
        else:
            recipients = self.store.sends.recipients(send.id)
            text, request_blocks = approval_request(send, recipients, self.approvers)
        posted = self.slack.post(
            send_id=send.id, channel=send.approval_channel, text=text, blocks=request_blocks
        )
        if isinstance(posted, Refused):
            log.error("approval request not posted in %s: %s", send.approval_channel, posted.code)
            self.move_approval_to_thread(job, posted.code)
            return
        self.store.approvals.mark_posted(send.id, posted)

    def move_approval_to_thread(self, job: Job, reason: str) -> None:
        """Approvers must still be able to decide: the buttons move to the thread parent."""
        send = self.store.sends.get(job.send_id)
        if send is None or not send.approval_channel:
            return
        note = _("note.approval_not_posted", channel=send.approval_channel, reason=escape(reason))
        self.store.approvals.move_to_thread(send.id, note)
