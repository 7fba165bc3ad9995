"""Figures the database adds up itself: the Home tab's week, one query however many rows.

Read-only. The full chart folds the export's rows instead (`bot/charts/gather.py`), since it
needs them per day, agent, channel, brandname and failure reason.
"""

from __future__ import annotations

from bot.core.chart import Tally
from bot.db import Database


class Charts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def tally(self, start: float, end: float) -> Tally:
        """Every channel's sends made in [start, end), test sends left out."""
        in_range = "s.created_at >= ? AND s.created_at < ? AND s.test_send = 0"
        tally = Tally()
        groups = self.db.fetch_all(
            f"""SELECT r.channel, r.state, COUNT(*) AS count, SUM(r.price) AS cost
                FROM recipients r JOIN sends s ON s.id = r.send_id
                WHERE {in_range} GROUP BY r.channel, r.state""",
            (start, end),
        )
        for group in groups:
            tally.add(group["channel"], group["state"], group["cost"], count=int(group["count"]))
        sends = self.db.fetch_one(  # counted as the chart counts them: those with recipients
            f"""SELECT COUNT(DISTINCT r.send_id) AS count
                FROM recipients r JOIN sends s ON s.id = r.send_id WHERE {in_range}""",
            (start, end),
        )
        tally.sends = int(sends["count"]) if sends else 0
        return tally
