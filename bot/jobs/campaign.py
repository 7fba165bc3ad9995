"""A campaign's jobs: read its file after Slack's acknowledgement, keep its thread to a progress
bar and milestones (never one reply per recipient), and upload its results file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.core.campaign import Plan, plan_campaign
from bot.core.csv_cells import csv_bytes
from bot.core.formatting import vietnam_day
from bot.core.i18n import _
from bot.core.marketing import DAILY_WINDOW_SECONDS
from bot.core.message import ViberMessage
from bot.core.model import Campaign, CampaignState, Category, Job, Send
from bot.core.spreadsheet import SheetError, TooManyRows, read_sheet
from bot.jobs.campaign_results import campaign_results_csv
from bot.jobs.retry import RetryLater
from bot.posts.campaign import campaign_parent, milestone_text, preview_reply
from bot.posts.channels import join_channel
from bot.posts.errors import is_transient, retry_after, slack_error
from bot.store import Store

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024  # what Slack's file_input accepts
REFRESH_SECONDS = 5.0  # a campaign's parent is refreshed at most this often
# The turn is taken a moment before the call reaches Slack, and that moment varies: a little
# margin keeps the updates Slack sees at least REFRESH_SECONDS apart.
_TURN_SECONDS = REFRESH_SECONDS + 0.25
SAMPLES = 3


_TEXT_TOLD = "+text"  # the preview's reply is posted; its file of invalid rows may not be


class CampaignTasks:
    """The campaign jobs' half of `Tasks`."""

    settings: Settings
    store: Store
    slack: WebClient
    _slack_call: Callable[..., str | None]  # Tasks': Slack's error code when it refused for good

    # -- read the file -----------------------------------------------------------------------

    def read_campaign(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        campaign = self.store.campaigns.get(job.send_id)
        if send is None or campaign is None or campaign.state != CampaignState.READING:
            return
        if not send.parent_ts:  # Slack refused the thread: nothing will be sent
            self.store.campaigns.unreadable(send.id, _("camp.no_thread"))
            return
        if send.image_problem:  # its uploaded picture cannot be used: no row goes without it
            self.store.campaigns.unreadable(send.id, send.image_problem)
            return
        data = self._download(campaign.file_url or "")
        if isinstance(data, str):
            self.store.campaigns.unreadable(send.id, data)
            return
        limit = self.settings.campaign_max_rows
        try:
            hosted = send.message.image_url if send.image_token else None
            plan = plan_campaign(read_sheet(data, limit), send.message, limit, hosted_image=hosted)
        except TooManyRows as over:  # refused whole: never a part of the file sent
            self.store.campaigns.unreadable(
                send.id, _("camp.too_many_rows", seen=over.seen, limit=limit)
            )
            return
        except SheetError as error:
            self.store.campaigns.unreadable(send.id, str(error))
            return
        if problem := _plan_problem(plan):
            self.store.campaigns.unreadable(send.id, problem)
            return
        if self.store.campaigns.save_plan(send.id, plan, plan.invalid):
            self._skip_opted_out(send.id)
            log.info("campaign %s planned: %d rows to send", send.id, len(plan.rows))

    def _download(self, url: str) -> bytes | str:
        """The file's bytes, or what is wrong with it in words (RetryLater when Slack may
        answer later)."""
        headers = {"Authorization": f"Bearer {self.settings.slack_bot_token}"}
        try:
            answer = requests.get(url, headers=headers, timeout=30, stream=True)
        except requests.RequestException as error:
            raise RetryLater(f"file download failed ({type(error).__name__})") from None
        with answer:
            if answer.status_code == 429 or answer.status_code >= 500:
                delay = _seconds(answer.headers.get("Retry-After"))
                raise RetryLater(f"file download: HTTP {answer.status_code}", delay)
            if answer.status_code != 200:
                return _("camp.file_gone", status=answer.status_code)
            if "text/html" in answer.headers.get("Content-Type", ""):
                return _("camp.file_login")  # Slack's sign-in page: no files:read scope
            data = answer.raw.read(MAX_FILE_BYTES + 1, decode_content=True)
        if len(data) > MAX_FILE_BYTES:
            return _("camp.file_big")
        return data

    def _skip_opted_out(self, send_id: str) -> None:
        # In batches: never every row in memory, never more parameters than PostgreSQL takes.
        for recipients in self.store.campaigns.rows(send_id):
            found = self.store.optouts.among(r.phone for r in recipients)
            for recipient in recipients:
                if opt_out := found.get(recipient.phone):
                    reason = opt_out.reason or _("skip.no_reason")
                    day = vietnam_day(opt_out.added_at)
                    self.store.deliveries.skip(
                        recipient.id, _("skip.opted_out", day=day, reason=reason)
                    )

    # -- the thread --------------------------------------------------------------------------

    def sync_campaign(self, send: Send) -> None:
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
        text, blocks = campaign_parent(send, campaign, counts, self.settings.approvers)
        self._slack_call(
            "chat_update", channel=send.channel_id, ts=send.parent_ts, text=text, blocks=blocks
        )
        if send.approval_ts and send.approval_channel:
            approvers = self.settings.approvers
            text, blocks = campaign_parent(send, campaign, counts, approvers, approving=True)
            self._slack_call(
                "chat_update",
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
            self._reply(send, _("camp.m_resumed"))
        elif reply := milestone_text(send, campaign, counts):
            self._reply(send, reply)
        self.store.campaigns.mark_milestone(send.id, milestone)
        return True

    def _post_preview(self, send: Send, campaign: Campaign, counts: dict[str, int]) -> None:
        total = over_cap = 0
        samples: list[tuple[str, ViberMessage]] = []
        cap = self.settings.outreach.marketing_daily_cap
        for recipients in self.store.campaigns.rows(send.id):  # a batch at a time
            total += len(recipients)
            samples += [(r.phone, r.message_in(send)) for r in recipients[: SAMPLES - len(samples)]]
            if send.category == Category.MARKETING:
                phones = [r.phone for r in recipients]
                full = self.store.marketing_cap.full(phones, cap, DAILY_WINDOW_SECONDS)
                over_cap += sum(phone in full for phone in phones)
        price = self.store.deliveries.average_price()
        text = preview_reply(campaign, total, counts.get("skipped", 0), over_cap, samples, price)
        self._reply(send, text)

    def _upload_invalid(self, send: Send, campaign: Campaign) -> None:
        lines = [["row", "reason"], *[[str(n), reason] for n, reason in campaign.invalid]]
        self._upload(send, "invalid-rows.csv", csv_bytes(lines), _("camp.invalid_file"))

    def _reply(self, send: Send, text: str) -> None:
        self._slack_call(
            "chat_postMessage",
            channel=send.channel_id,
            thread_ts=send.reply_ts,
            text=text,
            unfurl_links=False,
            unfurl_media=False,
        )

    def give_up_reading(self, job: Job, reason: str) -> None:
        self.store.campaigns.unreadable(job.send_id, _("camp.file_failed", reason=reason))

    def give_up_results(self, job: Job, reason: str) -> None:
        send = self.store.sends.get(job.send_id)
        if send and send.parent_ts:
            try:
                self._reply(send, _("camp.results_failed", reason=reason, send_id=send.id))
            except RetryLater:
                log.error("campaign %s: results file not uploaded: %s", job.send_id, reason)

    # -- the results file --------------------------------------------------------------------

    def campaign_results(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        campaign = self.store.campaigns.get(job.send_id)
        if send is None or campaign is None or not send.parent_ts:
            return
        content = campaign_results_csv(self.store, send, campaign)
        name = f"campaign-{send.id}-results.csv"
        file_id = self._upload(send, name, content, _("camp.results_file"))
        if file_id:
            self.store.campaigns.mark_results_uploaded(send.id, file_id)

    def _upload(self, send: Send, filename: str, content: bytes, title: str) -> str | None:
        """Share a file in the send's thread, joining a public channel first if need be; a
        private channel the app is not in is told how to invite it."""
        arguments: dict[str, Any] = {
            "channel": send.channel_id,
            "thread_ts": send.reply_ts,
            "file": content,
            "filename": filename,
            "title": title,
        }
        for attempt in range(2):
            try:
                answer = self.slack.files_upload_v2(**arguments)
                return str((answer.get("file") or {}).get("id") or "") or None
            except SlackApiError as error:
                code = slack_error(error)
                if is_transient(error):
                    raise RetryLater(f"Slack: {code}", retry_after(error)) from None
                if (
                    code == "not_in_channel"
                    and attempt == 0
                    and join_channel(self.slack, send.channel_id)
                ):
                    continue
                log.error("file not shared in %s: %s", send.channel_id, code)
                self._reply(send, _("camp.cannot_share", code=code))
                return None
            except Exception as error:
                raise RetryLater(f"Slack unreachable ({type(error).__name__})") from None
        return None


def _plan_problem(plan: Plan) -> str | None:
    if plan.unknown:
        names = ", ".join("{" + name + "}" for name in plan.unknown)
        return _("camp.unknown", names=names, columns=", ".join(plan.columns))
    if not plan.rows:
        return _("camp.no_rows", invalid=len(plan.invalid))
    return None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
