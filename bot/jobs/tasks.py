"""The durable jobs: post a send's thread, refresh a thread (submitting a recipient to eSMS is
`bot.jobs.submit`).

Each task reads what it needs from the store, so running it twice does no harm: a job that
finds its work already done returns quietly. What runs each kind, and what giving up leaves
behind, is its policy (`bot.jobs.policies`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.core.delivery import REPORTED_STATES
from bot.core.i18n import _
from bot.core.model import Job, Send, ThreadState
from bot.core.slack_limits import MESSAGE_TEXT, shorten, texts
from bot.esms.client import EsmsClient
from bot.jobs.campaign import CampaignTasks
from bot.jobs.pacing import ChannelPacer, Pacer
from bot.jobs.retry import RetryLater
from bot.jobs.submit import Submissions
from bot.posts.approval import approval_request
from bot.posts.campaign import campaign_parent
from bot.posts.common import escape, summary_blocks
from bot.posts.errors import (
    TOO_BIG,
    is_transient,
    not_posted_note,
    retry_after,
    slack_error,
)
from bot.posts.outcomes import outcome_replies
from bot.posts.thread import (
    decision_reply,
    parent_message,
    status_line,
    viber_recipients,
)
from bot.store import Store
from bot.store.metrics import SLACK_RATE_LIMITED, count_event
from bot.store.replies import Reply

log = logging.getLogger(__name__)


@dataclass
class Tasks(Submissions, CampaignTasks):
    settings: Settings
    store: Store
    slack: WebClient
    esms: EsmsClient
    pacer: Pacer = field(default_factory=ChannelPacer)
    _bot_user_id: str | None = None

    def give_up_parent(self, job: Job, reason: str) -> None:
        note = _("agent.slack_down", reason=reason)
        self.store.sends.mark_not_posted(job.send_id, note)
        send = self.store.sends.get(job.send_id)
        if send:
            self._tell_agent(send, _("agent.gave_up", note=note))

    def move_approval_to_thread(self, job: Job, reason: str) -> None:
        """Approvers must still be able to decide: the buttons move to the thread parent."""
        send = self.store.sends.get(job.send_id)
        if send is None or not send.approval_channel:
            return
        note = _("note.approval_not_posted", channel=send.approval_channel, reason=escape(reason))
        self.store.approvals.move_to_thread(send.id, note)

    def note_out_of_date(self, job: Job, reason: str) -> None:
        """Best effort: say in the thread that it may be out of date, and what is true now."""
        send = self.store.sends.get(job.send_id)
        if send is None or not send.parent_ts:
            return
        status = status_line(send, self.store.sends.recipients(send.id), self.settings.approvers)
        reason = escape(reason)
        text = _("note.out_of_date", attempts=job.attempts, reason=reason, status=status)
        try:
            self.slack.chat_postMessage(channel=send.channel_id, thread_ts=send.reply_ts, text=text)
        except Exception as error:
            log.error("thread %s left out of date: %s", send.parent_ts, type(error).__name__)

    # -- post the thread parent -------------------------------------------------------------

    def post_parent(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        if send is None or send.thread_state != ThreadState.NEW:
            return
        text, parent_blocks = self._parent(send)
        ts, refused = self._post(
            channel=send.channel_id, thread_ts=send.thread_ts, text=text, blocks=parent_blocks
        )
        if refused:
            self.store.sends.mark_not_posted(send.id, not_posted_note(refused))
            self._tell_agent(send, self._not_posted_advice(send, refused))
            log.warning("send %s not posted in %s: %s", send.id, send.channel_id, refused)
            return
        self.store.sends.mark_parent_posted(send.id, ts)
        log.info("send %s posted as thread %s", send.id, ts)

    def _parent(self, send: Send, *, approving: bool = False) -> tuple[str, list[dict[str, Any]]]:
        campaign = self.store.campaigns.get(send.id) if send.campaign else None
        if campaign is not None:
            counts = self.store.campaigns.counts(send.id)
            approvers = self.settings.approvers
            return campaign_parent(send, campaign, counts, approvers, approving=approving)
        recipients = self.store.sends.recipients(send.id)
        return parent_message(send, recipients, self.settings.approvers)

    def _post(self, **arguments: Any) -> tuple[str, str | None]:
        """Post a message: its ts, or Slack's error code when Slack refused it for good. A
        refusal worth another try, or no answer, raises RetryLater."""
        try:
            answer = self.slack.chat_postMessage(
                unfurl_links=False, unfurl_media=False, **arguments
            )
        except SlackApiError as error:
            if is_transient(error):
                if getattr(error.response, "status_code", None) == 429:
                    count_event(self.store, SLACK_RATE_LIMITED)
                raise RetryLater(f"Slack: {slack_error(error)}", retry_after(error)) from None
            return "", slack_error(error)
        except Exception as error:  # connection errors from urllib, timeouts
            raise RetryLater(f"Slack unreachable ({type(error).__name__})") from None
        return str(answer["ts"]), None

    def _not_posted_advice(self, send: Send, code: str) -> str:
        recipients = viber_recipients(self.store.sends.recipients(send.id))
        numbers = ", ".join(recipient.phone for recipient in recipients)
        if code in ("not_in_channel", "channel_not_found"):
            bot = f"<@{self.bot_user_id}>" if self.bot_user_id else _("agent.the_app")
            return _("agent.not_member", channel=send.channel_id, numbers=numbers, bot=bot)
        shown = escape(code)  # Slack's word, echoed into mrkdwn
        return _("agent.slack_refused", numbers=numbers, channel=send.channel_id, code=shown)

    # -- post the approval request in APPROVAL_CHANNEL ---------------------------------------

    def post_approval(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        if send is None or send.approval_ts or not send.approval_channel:
            return
        if send.campaign:  # the approvers decide on the campaign's own parent: its preview
            text, request_blocks = self._parent(send, approving=True)
        else:
            recipients = self.store.sends.recipients(send.id)
            text, request_blocks = approval_request(send, recipients, self.settings.approvers)
        ts, refused = self._post(channel=send.approval_channel, text=text, blocks=request_blocks)
        if refused:
            log.error("approval request not posted in %s: %s", send.approval_channel, refused)
            self.move_approval_to_thread(job, refused)
            return
        self.store.approvals.mark_posted(send.id, ts)

    @property
    def bot_user_id(self) -> str | None:
        if self._bot_user_id is None:
            try:
                self._bot_user_id = self.slack.auth_test().get("user_id")
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
        try:
            self.slack.chat_postMessage(channel=send.user_id, text=text)
        except Exception as error:
            log.error("could not tell %s about send %s: %s", send.user_id, send.id, error)

    # -- refresh the thread ------------------------------------------------------------------

    def sync_thread(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        if send is None or not send.parent_ts:
            return
        if send.campaign:  # a progress bar and milestones, never a reply per recipient
            self.sync_campaign(send)
            self._tell_decision(send)
            return
        recipients = self.store.sends.recipients(send.id)
        due = [r for r in recipients if r.state in REPORTED_STATES and r.state != r.reported_state]
        waiting = self.store.replies.pending(send.id)  # staged by a run that stopped halfway
        if due or waiting or (send.decided_at and not send.decision_reported):
            wait = self.pacer.reserve(send.channel_id)
            if wait:  # the channel's turn comes later: touch nothing until then
                raise RetryLater("waiting for the channel's turn", wait)
        approvers = self.settings.approvers
        self._update(
            send, send.channel_id, send.parent_ts, *parent_message(send, recipients, approvers)
        )
        if send.approval_ts and send.approval_channel:
            request = approval_request(send, recipients, approvers)
            self._update(send, send.approval_channel, send.approval_ts, *request)
        self._tell_decision(send)
        if due:
            parts = outcome_replies(due, test_send=send.test_send, everyone=recipients)
            self.store.replies.stage(
                send.id, parts, {recipient.id: recipient.state for recipient in due}
            )
            waiting = self.store.replies.pending(send.id)
        for number, reply in enumerate(waiting):
            if number:  # each part takes its turn in the channel, as any post does
                wait = self.pacer.reserve(send.channel_id)
                if wait:
                    raise RetryLater("waiting for the channel's turn", wait)
            self._post_reply(send, reply)

    def _post_reply(self, send: Send, reply: Reply) -> None:
        """One stored part of the outcomes, posted once; refused as too big, the same lines
        as plain text; refused for good, the author is told."""
        thread = {"channel": send.channel_id, "thread_ts": send.reply_ts}
        ts, refused = self._post(**thread, text=reply.text, blocks=reply.blocks)
        if refused in TOO_BIG:  # never hidden: the same outcomes once more, as plain lines
            log.error("Slack refused reply %s of send %s: %s", reply.seq, send.id, refused)
            plain = shorten("\n".join(texts(reply.blocks)), MESSAGE_TEXT)
            ts, refused = self._post(**thread, text=plain)
        if refused:
            log.error("Slack refused reply %s of send %s: %s", reply.seq, send.id, refused)
            self.store.replies.mark_refused(reply.id, refused)
            self._tell_author(send, refused)
            return
        self.store.replies.mark_posted(reply.id, ts)

    def _update(
        self, send: Send, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]
    ) -> None:
        """Edit one of the send's messages; refused as too big, its summary; if even that is
        refused, the author is told."""
        refused = self._slack_call("chat_update", channel=channel, ts=ts, text=text, blocks=blocks)
        if refused in TOO_BIG:
            smaller = summary_blocks(blocks)
            refused = self._slack_call(
                "chat_update", channel=channel, ts=ts, text=shorten(text, 300), blocks=smaller
            )
            if refused:
                self._tell_author(send, refused)

    def _tell_author(self, send: Send, code: str) -> None:
        """Slack took none of the thread's news: the person who made the send hears of it."""
        note = _("note.outcomes_refused", code=escape(code), send_id=send.id)
        if self._slack_call(
            "chat_postEphemeral", channel=send.channel_id, user=send.user_id, text=note
        ):
            log.error("send %s: its outcomes reached nobody (%s)", send.id, code)

    def _tell_decision(self, send: Send) -> None:
        if send.decided_at and not send.decision_reported:
            self._slack_call(
                "chat_postMessage",
                channel=send.channel_id,
                thread_ts=send.reply_ts,
                text=decision_reply(send),
            )
            self.store.approvals.mark_reported(send.id)

    def _slack_call(self, method: str, **arguments: object) -> str | None:
        """Slack's error code when it refused for good (logged), None when it took the call;
        a refusal worth retrying raises RetryLater."""
        try:
            getattr(self.slack, method)(**arguments)
        except SlackApiError as error:
            if is_transient(error):
                if getattr(error.response, "status_code", None) == 429:
                    count_event(self.store, SLACK_RATE_LIMITED)
                delay = retry_after(error)
                if delay is not None and "channel" in arguments:
                    self.pacer.back_off(str(arguments["channel"]), delay)
                raise RetryLater(f"Slack: {slack_error(error)}", delay) from None
            # A deleted parent or a channel the app left: retrying cannot help; say so once.
            log.error(
                "Slack refused %s for thread %s: %s",
                method,
                arguments.get("ts") or arguments.get("thread_ts"),
                slack_error(error),
            )
            return slack_error(error)
        except Exception as error:
            raise RetryLater(f"Slack unreachable ({type(error).__name__})") from None
        return None
