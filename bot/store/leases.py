"""Leases and turns: which process runs a duty that must run in one place at a time, and when
a Slack channel may next be posted to. Timed by the database's clock, shared by every process."""

from __future__ import annotations

from bot.db import Database


class Leases:
    def __init__(self, db: Database) -> None:
        self.db = db

    def hold(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew the lease called `name`; False while another holder's lease runs."""
        clock = self.db.clock
        with self.db.transaction() as conn:
            row = conn.execute(
                f"""INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, {clock} + ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
                        expires_at = excluded.expires_at
                    WHERE leases.holder = excluded.holder OR leases.expires_at < {clock}
                    RETURNING holder""",
                (name, holder, seconds),
            ).fetchone()
        return row is not None

    def take_turn(self, name: str, interval: float) -> float:
        """0.0 when the turn called `name` is taken (the next comes `interval` later);
        otherwise the seconds until the next turn."""
        clock = self.db.clock
        with self.db.transaction() as conn:
            taken = conn.execute(
                f"""INSERT INTO leases (name, holder, expires_at) VALUES (?, '', {clock} + ?)
                    ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at
                    WHERE leases.expires_at <= {clock}
                    RETURNING expires_at""",
                (name, interval),
            ).fetchone()
            if taken:
                return 0.0
            row = conn.execute(
                f"SELECT expires_at - {clock} AS wait FROM leases WHERE name = ?", (name,)
            ).fetchone()
        return max(row["wait"], 0.0)

    def reserve_slot(self, name: str, interval: float, longest_wait: float) -> tuple[bool, float]:
        """Book the next free slot of a pace shared by every process (one slot each `interval`
        seconds) if it comes within `longest_wait`: (booked, seconds to wait). A slot further
        away is not booked, so that callers who give up waiting do not push the pace back."""
        clock = self.db.clock
        with self.db.transaction() as conn:
            row = conn.execute(
                f"""INSERT INTO leases (name, holder, expires_at) VALUES (?, '', {clock} + ?)
                    ON CONFLICT (name) DO UPDATE SET expires_at = CASE
                        WHEN leases.expires_at > {clock} THEN leases.expires_at
                        ELSE {clock} END + ?
                    WHERE leases.expires_at - {clock} <= ?
                    RETURNING expires_at - ? - {clock} AS wait""",
                (name, interval, interval, longest_wait, interval),
            ).fetchone()
            if row is not None:
                return True, max(row["wait"], 0.0)
            row = conn.execute(
                f"SELECT expires_at - {clock} AS wait FROM leases WHERE name = ?", (name,)
            ).fetchone()
        return False, max(row["wait"] - longest_wait, 0.0)

    def delay_turn(self, name: str, seconds: float) -> None:
        """No turn called `name` before `seconds` from now (a 429's Retry-After)."""
        with self.db.transaction() as conn:
            conn.execute(
                f"""INSERT INTO leases (name, holder, expires_at)
                    VALUES (?, '', {self.db.clock} + ?)
                    ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at
                    WHERE leases.expires_at < excluded.expires_at""",
                (name, seconds),
            )
