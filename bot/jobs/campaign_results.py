"""A campaign's results file: one CSV line per row of its file, with what became of it."""

from __future__ import annotations

import io
import json
from datetime import datetime

from bot.core.csv_cells import CsvWriter
from bot.core.formatting import VIETNAM
from bot.core.model import Campaign, Recipient, Send
from bot.core.networks import network_name
from bot.esms import codes
from bot.store import Store


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
