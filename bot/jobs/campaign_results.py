"""A campaign's results file: one CSV line per row of its file, with what became of it,
uploaded into its thread when it ends or when asked for again."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime

from bot.core.csv_cells import CsvWriter
from bot.core.formatting import VIETNAM
from bot.core.i18n import _
from bot.core.model import Campaign, Job, Recipient, Send
from bot.core.networks import network_name
from bot.esms import codes
from bot.jobs.in_thread import reply, share_file
from bot.jobs.retry import RetryLater
from bot.jobs.slack_calls import SlackCalls
from bot.store import Store

log = logging.getLogger(__name__)


class CampaignResults:
    """The job that uploads a campaign's results file into its thread."""

    def __init__(self, store: Store, slack: SlackCalls) -> None:
        self.store, self.slack = store, slack

    def campaign_results(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        campaign = self.store.campaigns.get(job.send_id)
        if send is None or campaign is None or not send.parent_ts:
            return
        content = campaign_results_csv(self.store, send, campaign)
        name = f"campaign-{send.id}-results.csv"
        file_id = share_file(self.slack, send, name, content, _("camp.results_file"))
        if file_id:
            self.store.campaigns.mark_results_uploaded(send.id, file_id)

    def give_up_results(self, job: Job, reason: str) -> None:
        send = self.store.sends.get(job.send_id)
        if send and send.parent_ts:
            try:
                reply(self.slack, send, _("camp.results_failed", reason=reason, send_id=send.id))
            except RetryLater:
                log.error("campaign %s: results file not uploaded: %s", job.send_id, reason)


def campaign_results_csv(store: Store, send: Send, campaign: Campaign) -> bytes:
    """One line per row of the file: its own columns, then what became of it."""
    columns = list(campaign.columns)
    head = [*columns, "state", "error", "sms_id", "network", "price", "submitted_at"]
    head += ["updated_at", "sms_state", "sms_sms_id", "sms_price"]
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(head)
    sms: dict[int, Recipient] = {}
    for batch in store.campaigns.rows(send.id):  # two passes, a batch at a time
        sms.update({r.fallback_for: r for r in batch if r.is_sms and r.fallback_for})
    for batch in store.campaigns.rows(send.id):
        for r in batch:
            if r.is_sms:
                continue
            values = json.loads(r.row_values or "{}")
            fallback = sms.get(r.id)
            writer.writerow(
                [
                    *[values.get(column, "") for column in columns],
                    r.state,
                    _error(r),
                    r.sms_id or "",
                    network_name(r.telco_id) or "",
                    "" if r.price is None else f"{r.price:g}",
                    _when(r.submitted_at),
                    _when(r.updated_at),
                    fallback.state if fallback else "",
                    (fallback.sms_id or "") if fallback else "",
                    "" if not fallback or fallback.price is None else f"{fallback.price:g}",
                ]
            )
    return out.getvalue().encode("utf-8-sig")  # with a BOM: Excel reads it as UTF-8


def _error(recipient: Recipient) -> str:
    if recipient.error_code is not None:
        return codes.describe(recipient.error_code, recipient.error_detail)
    return recipient.error_detail or ""


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, VIETNAM).isoformat(timespec="seconds") if epoch else ""
