"""One line of `viber-bot check`: what was checked, whether it holds, and the fix when not."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def render(self) -> str:
        line = f"{'✓' if self.ok else '✗'} {self.name}: {self.detail}"
        return line if self.ok or not self.fix else f"{line}\n    Fix: {self.fix}"
