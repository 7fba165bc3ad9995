"""A chart's figures, folded from the export's rows a batch at a time (bounded memory for any
range), for one Slack channel or for all of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.chart import FAILED_STATES, Figures
from bot.core.chart_period import Period
from bot.core.delivery import State
from bot.core.i18n import _
from bot.core.model import Channel
from bot.db import Row
from bot.exports import error_words
from bot.store.exports import Exports

if TYPE_CHECKING:
    from bot.store import Store


def gather(store: Store, period: Period, channel_id: str | None = None) -> Figures:
    """Every recipient of the sends made in `period` (in `channel_id` only, if given)."""
    figures = Figures()
    for batch in Exports(store.db).batches(period.start, period.end, channel_id=channel_id):
        for row in batch:
            figures.add(row, failure_reason(row) if row["state"] in FAILED_STATES else None)
    return figures


def failure_reason(row: Row) -> str:
    """Why a recipient failed, in the words the threads use; an SMS fallback's says so."""
    words = error_words(row) or _(
        "chart.not_delivered" if row["state"] == State.FAILED else f"state.{row['state']}"
    )
    return _("chart.sms_reason", reason=words) if row["channel"] == Channel.SMS else words
