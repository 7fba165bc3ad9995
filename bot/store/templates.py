"""Templates: canned messages that agents start from in the composer."""

from __future__ import annotations

import time

from bot.core.message import ViberMessage
from bot.core.model import Category
from bot.db import Database

# `/viber` opens the composer with the templates in it, within Slack's 3 seconds: they are
# kept this long in each process (a change made here shows at once, one made by another
# process within this time).
CACHE_SECONDS = 5.0


class Templates:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cached: tuple[float, dict[str, ViberMessage], dict[str, str]] | None = None

    def save(
        self, name: str, message: ViberMessage, created_by: str, category: str = Category.CARE
    ) -> None:
        """Add a template, or replace the one with that name."""
        with self.db.transaction() as conn:
            conn.execute(
                """INSERT INTO templates (name, text, image_url, button_label, button_url,
                       created_by, created_at, category) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(name) DO UPDATE SET text = excluded.text,
                       category = excluded.category,
                       image_url = excluded.image_url, button_label = excluded.button_label,
                       button_url = excluded.button_url, created_by = excluded.created_by,
                       created_at = excluded.created_at""",
                (
                    name,
                    message.text,
                    message.image_url,
                    message.button_label,
                    message.button_url,
                    created_by,
                    time.time(),
                    category,
                ),
            )
        self._cached = None

    def all(self) -> dict[str, ViberMessage]:
        return dict(self._read()[1])

    def _read(self) -> tuple[float, dict[str, ViberMessage], dict[str, str]]:
        cached = self._cached
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached
        rows = self.db.fetch_all("SELECT * FROM templates ORDER BY name")
        messages = {
            row["name"]: ViberMessage(
                row["text"], row["image_url"], row["button_label"], row["button_url"]
            )
            for row in rows
        }
        self._cached = (time.monotonic(), messages, {r["name"]: r["category"] for r in rows})
        return self._cached

    def category(self, name: str) -> str:
        """Care or marketing: what a send started from this template is, unless changed."""
        return self._read()[2].get(name, Category.CARE)

    def remove(self, name: str) -> bool:
        with self.db.transaction() as conn:
            removed = conn.execute("DELETE FROM templates WHERE name = ?", (name,)).rowcount > 0
        self._cached = None
        return removed
