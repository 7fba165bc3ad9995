"""Templates: canned messages that agents start from in the composer."""

from __future__ import annotations

import time

from bot.core.message import ViberMessage
from bot.core.model import Category
from bot.db import Database


class Templates:
    def __init__(self, db: Database) -> None:
        self.db = db

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

    def all(self) -> dict[str, ViberMessage]:
        rows = self.db.fetch_all("SELECT * FROM templates ORDER BY name")
        return {
            row["name"]: ViberMessage(
                row["text"], row["image_url"], row["button_label"], row["button_url"]
            )
            for row in rows
        }

    def category(self, name: str) -> str:
        """Care or marketing: what a send started from this template is, unless changed."""
        row = self.db.fetch_one("SELECT category FROM templates WHERE name = ?", (name,))
        return row["category"] if row else Category.CARE

    def remove(self, name: str) -> bool:
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM templates WHERE name = ?", (name,)).rowcount > 0
