"""Refreshing a send's thread: its parent (and the approval request) show where it stands, and
every outcome not told yet is stored as replies, then posted in order, each once.

A refresh tells only what was not told yet, so running it twice does no harm.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core.delivery import REPORTED_STATES
from bot.core.i18n import _
from bot.core.model import Job, Send
from bot.core.slack_limits import MESSAGE_TEXT, shorten, texts
from bot.jobs.campaign_thread import CampaignThread
from bot.jobs.pacing import Pacer
from bot.jobs.retry import RetryLater
from bot.jobs.slack_calls import Refused, SlackCalls
from bot.posts.approval import approval_request
from bot.posts.common import escape, summary_blocks
from bot.posts.errors import TOO_BIG
from bot.posts.outcomes import outcome_replies
from bot.posts.thread import decision_reply, parent_message, status_line
from bot.store import Store
from bot.store.replies import Reply

log = logging.getLogger(__name__)


class ThreadRefresh:
    """The job that brings a thread up to date; a campaign's thread is `CampaignThread`'s. The
    pacer keeps each channel to Slack's pace for posting."""

    def __init__(
        self,
        store: Store,
        slack: SlackCalls,
        pacer: Pacer,
        campaigns: CampaignThread,
        *,
        approvers: tuple[str, ...],
    ) -> None:
        self.store, self.slack, self.pacer, self.campaigns = store, slack, pacer, campaigns
        self.approvers = approvers

    def sync_thread(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        if send is None or not send.parent_ts:
            return
        if send.campaign:  # a progress bar and milestones, never a reply per recipient
            self.campaigns.sync(send)
            self._tell_decision(send)
            self._post_waiting(send, self.store.replies.pending(send.id))  # a customer's stop
            return
        recipients = self.store.sends.recipients(send.id)
        due = [r for r in recipients if r.state in REPORTED_STATES and r.state != r.reported_state]
        waiting = self.store.replies.pending(send.id)  # staged by a run that stopped halfway
        if due or waiting or (send.decided_at and not send.decision_reported):
            self._take_turn(send)  # touch nothing until the channel's turn comes
        self._update(
            send, send.channel_id, send.parent_ts, *parent_message(send, recipients, self.approvers)
        )
        if send.approval_ts and send.approval_channel:
            request = approval_request(send, recipients, self.approvers)
            self._update(send, send.approval_channel, send.approval_ts, *request)
        self._tell_decision(send)
        if due:
            parts = outcome_replies(due, test_send=send.test_send, everyone=recipients)
            self.store.replies.stage(
                send.id, parts, {recipient.id: recipient.state for recipient in due}
            )
            waiting = self.store.replies.pending(send.id)
        self._post_waiting(send, waiting, turn_taken=True)

    def _post_waiting(self, send: Send, waiting: list[Reply], *, turn_taken: bool = False) -> None:
        for number, reply in enumerate(waiting):
            if number or not turn_taken:  # each part takes its turn in the channel
                self._take_turn(send)
            self._post_reply(send, reply)

    def note_out_of_date(self, job: Job, reason: str) -> None:
        """Best effort: say in the thread that it may be out of date, and what is true now."""
        send = self.store.sends.get(job.send_id)
        if send is None or not send.parent_ts:
            return
        status = status_line(send, self.store.sends.recipients(send.id), self.approvers)
        reason = escape(reason)
        text = _("note.out_of_date", attempts=job.attempts, reason=reason, status=status)
        thread = {"channel": send.channel_id, "thread_ts": send.reply_ts}
        if problem := self.slack.try_once("chat_postMessage", send_id=send.id, **thread, text=text):
            log.error("thread %s left out of date: %s", send.parent_ts, problem)

    def _take_turn(self, send: Send) -> None:
        """The channel's turn now, or RetryLater until it comes."""
        if wait := self.pacer.reserve(send.channel_id):
            raise RetryLater("waiting for the channel's turn", wait)

    def _post_reply(self, send: Send, reply: Reply) -> None:
        """One stored part of the outcomes, posted once; refused as too big, the same lines
        as plain text; refused for good, the author is told."""
        thread = {"channel": send.channel_id, "thread_ts": send.reply_ts}
        posted = self.slack.post(send_id=send.id, **thread, text=reply.text, blocks=reply.blocks)
        if isinstance(posted, Refused) and posted.code in TOO_BIG:
            # Never hidden: the same outcomes once more, as plain lines.
            log.error("Slack refused reply %s of send %s: %s", reply.seq, send.id, posted.code)
            plain = shorten("\n".join(texts(reply.blocks)), MESSAGE_TEXT)
            posted = self.slack.post(send_id=send.id, **thread, text=plain)
        if isinstance(posted, Refused):
            log.error("Slack refused reply %s of send %s: %s", reply.seq, send.id, posted.code)
            self.store.replies.mark_refused(reply.id, posted.code)
            self._tell_author(send, posted.code)
            return
        self.store.replies.mark_posted(reply.id, posted)

    def _update(
        self, send: Send, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]
    ) -> None:
        """Edit one of the send's messages; refused as too big, its summary; if even that is
        refused, the author is told."""
        refused = self.slack.call(
            "chat_update", send_id=send.id, channel=channel, ts=ts, text=text, blocks=blocks
        )
        if refused and refused.code in TOO_BIG:
            smaller = summary_blocks(blocks)
            refused = self.slack.call(
                "chat_update",
                send_id=send.id,
                channel=channel,
                ts=ts,
                text=shorten(text, 300),
                blocks=smaller,
            )
            if refused:
                self._tell_author(send, refused.code)

    def _tell_author(self, send: Send, code: str) -> None:
        """Slack took none of the thread's news: the person who made the send hears of it."""
        note = _("note.outcomes_refused", code=escape(code), send_id=send.id)
        if self.slack.call(
            "chat_postEphemeral",
            send_id=send.id,
            channel=send.channel_id,
            user=send.user_id,
            text=note,
        ):
            log.error("send %s: its outcomes reached nobody (%s)", send.id, code)

    def _tell_decision(self, send: Send) -> None:
        if send.decided_at and not send.decision_reported:
            self.slack.call(
                "chat_postMessage",
                send_id=send.id,
                channel=send.channel_id,
                thread_ts=send.reply_ts,
                text=decision_reply(send),
            )
            self.store.approvals.mark_reported(send.id)
