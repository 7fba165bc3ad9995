"""A campaign's thread: a progress bar on its parent and a reply per milestone (started,
paused …), never one reply per recipient."""

from __future__ import annotations

import logging

from bot.core.csv_cells import csv_bytes
from bot.core.delivery import State
from bot.core.i18n import _
from bot.core.marketing import DAILY_WINDOW_SECONDS
from bot.core.message import ViberMessage
from bot.core.model import Campaign, CampaignState, Category, Send
from bot.jobs.in_thread import reply, share_file
from bot.jobs.retry import RetryLater
from bot.jobs.slack_calls import SlackCalls
from bot.posts.campaign import Skipped, campaign_parent, milestone_text, preview_reply
from bot.store import Store

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0  # a campaign's parent is refreshed at most this often
# The turn is taken a moment before the call reaches Slack, and that moment varies: a little
# margin keeps the updates Slack sees at least REFRESH_SECONDS apart.
_TURN_SECONDS = REFRESH_SECONDS + 0.25
SAMPLES = 3


_TEXT_TOLD = "+text"  # the preview's reply is posted; its file of invalid rows may not be


class CampaignThread:
    """The thread refresh's part for a campaign (`bot.jobs.refresh`)."""

    def __init__(
        self,
        store: Store,
        slack: SlackCalls,
        *,
        approvers: tuple[str, ...],
        marketing_daily_cap: int,
    ) -> None:
        self.store, self.slack = store, slack
        self.approvers, self.marketing_daily_cap = approvers, marketing_daily_cap

    def sync(self, send: Send) -> None:
        """A milestone (started, paused …) is told in a reply at once; the parent (its progress
        and its buttons) is refreshed at most every REFRESH_SECONDS."""
        campaign = self.store.campaigns.get(send.id)
        if campaign is None or not send.parent_ts:
            return
        if self.store.campaigns.finish_if_done(send.id):
            campaign = self.store.campaigns.get(send.id) or campaign
        counts = self.store.campaigns.counts(send.id)
        self._tell_milestone(send, campaign, counts)
        wait = self.store.leases.take_turn(f"campaign-refresh:{send.id}", _TURN_SECONDS)
        if wait:  # refreshed a moment ago: once more when its turn comes
            raise RetryLater("campaign refreshed a moment ago", wait)
        text, blocks = campaign_parent(send, campaign, counts, self.approvers)
        self.slack.call(
            "chat_update",
            send_id=send.id,
            channel=send.channel_id,
            ts=send.parent_ts,
            text=text,
            blocks=blocks,
        )
        if send.approval_ts and send.approval_channel:
            text, blocks = campaign_parent(send, campaign, counts, self.approvers, approving=True)
            self.slack.call(
                "chat_update",
                send_id=send.id,
                channel=send.approval_channel,
                ts=send.approval_ts,
                text=text,
                blocks=blocks,
            )

    def _tell_milestone(self, send: Send, campaign: Campaign, counts: dict[str, int]) -> bool:
        """Reply for a milestone not told yet; True when there was one."""
        held = ":held" if send.held_until else ""
        milestone = f"{campaign.state}:{campaign.pause_reason}{held}"
        if send.awaiting_approval:
            milestone = "awaiting"
        if milestone == campaign.reported:
            return False
        if milestone == "awaiting":  # the approval buttons are the news
            self.store.campaigns.mark_milestone(send.id, milestone)
            return True
        previous = campaign.reported or ""
        waited = previous.startswith(CampaignState.PAUSED) or previous.endswith(":held")
        if campaign.state == CampaignState.PREVIEW:
            # Once per read: a retried upload of the invalid rows never posts it again.
            if previous != milestone + _TEXT_TOLD:
                self._post_preview(send, campaign, counts)
                self.store.campaigns.mark_milestone(send.id, milestone + _TEXT_TOLD)
            if campaign.invalid:
                self._upload_invalid(send, campaign)
        elif campaign.state == CampaignState.RUNNING and not held and waited:
            reply(self.slack, send, _("camp.m_resumed"))
        elif text := milestone_text(send, campaign, counts):
            reply(self.slack, send, text)
        self.store.campaigns.mark_milestone(send.id, milestone)
        return True

    def _post_preview(self, send: Send, campaign: Campaign, counts: dict[str, int]) -> None:
        total = over_cap = no_consent = 0
        samples: list[tuple[str, ViberMessage]] = []
        cap = self.marketing_daily_cap
        for recipients in self.store.campaigns.rows(send.id):  # a batch at a time
            total += len(recipients)
            samples += [(r.phone, r.message_in(send)) for r in recipients[: SAMPLES - len(samples)]]
            if send.category == Category.MARKETING:
                phones = [r.phone for r in recipients]
                full = self.store.marketing_cap.full(phones, cap, DAILY_WINDOW_SECONDS)
                over_cap += sum(phone in full for phone in phones)
            if send.consent_required:  # opted-out rows were skipped already
                queued = [r.phone for r in recipients if r.state == State.QUEUED]
                no_consent += len(self.store.consents.lacking(queued))
        price = self.store.deliveries.average_price()
        skipped = Skipped(counts.get("skipped", 0), no_consent, over_cap)
        text = preview_reply(campaign, total, skipped, samples, price)
        reply(self.slack, send, text)

    def _upload_invalid(self, send: Send, campaign: Campaign) -> None:
        lines = [["row", "reason"], *[[str(n), reason] for n, reason in campaign.invalid]]
        share_file(self.slack, send, "invalid-rows.csv", csv_bytes(lines), _("camp.invalid_file"))
