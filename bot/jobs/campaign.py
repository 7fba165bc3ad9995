"""A campaign's file, read after Slack's acknowledgement: downloaded, planned in the core and
stored as one recipient per row, in one transaction (`store.campaigns.save_plan`)."""

from __future__ import annotations

import logging

from bot.core.campaign import Plan, plan_campaign
from bot.core.consent import stop_line_room
from bot.core.formatting import vietnam_day
from bot.core.i18n import _
from bot.core.model import CampaignState, Category, Job, Send
from bot.core.spreadsheet import SheetError, TooManyRows, read_sheet
from bot.jobs.slack_files import NotDownloaded, download
from bot.store import Store

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024  # what Slack's file_input accepts


class CampaignReading:
    """The job that reads a campaign's file; it downloads with the bot token, and a file of
    more than `max_rows` rows is refused whole. An advertisement's rows each end with a stop
    link under `public_url`, which takes its room in every row's text."""

    def __init__(
        self, store: Store, *, slack_bot_token: str, max_rows: int, public_url: str | None
    ) -> None:
        self.store, self.slack_bot_token, self.max_rows = store, slack_bot_token, max_rows
        self.public_url = public_url

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
        self.plan(send, data)

    def plan(self, send: Send, data: bytes) -> None:
        """The file's rows stored as the campaign's recipients, or why it cannot be sent."""
        limit = self.max_rows
        stop_links = send.category == Category.MARKETING
        try:
            hosted = send.message.image_url if send.image_token else None
            sheet = read_sheet(data, limit)
            room = stop_line_room(self.public_url) if stop_links and self.public_url else 0
            plan = plan_campaign(sheet, send.message, limit, hosted_image=hosted, stop_room=room)
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
        if self.store.campaigns.save_plan(send.id, plan, plan.invalid, stop_links=stop_links):
            self._skip_opted_out(send.id)
            log.info("campaign %s planned: %d rows to send", send.id, len(plan.rows))

    def _download(self, url: str) -> bytes | str:
        """The file's bytes, or what is wrong with it in words."""
        got = download(url, self.slack_bot_token, MAX_FILE_BYTES)
        if not isinstance(got, NotDownloaded):
            return got
        if got.too_big:
            return _("camp.file_big")
        if got.status is None:
            return _("camp.file_login")  # Slack's sign-in page: no files:read scope
        return _("camp.file_gone", status=got.status)

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

    def give_up_reading(self, job: Job, reason: str) -> None:
        self.store.campaigns.unreadable(job.send_id, _("camp.file_failed", reason=reason))


def _plan_problem(plan: Plan) -> str | None:
    if plan.unknown:
        names = ", ".join("{" + name + "}" for name in plan.unknown)
        return _("camp.unknown", names=names, columns=", ".join(plan.columns))
    if not plan.rows:
        return _("camp.no_rows", invalid=len(plan.invalid))
    return None
