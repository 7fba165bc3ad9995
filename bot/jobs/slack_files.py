"""A file someone shared with the app, downloaded from Slack with the bot token (`files:read`),
at most so many bytes: a campaign's spreadsheet, a picture for a Viber message."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from bot.jobs.retry import RetryLater


@dataclass(frozen=True)
class NotDownloaded:
    """Why Slack will not hand the file over: its HTTP status (a deleted file), its sign-in page
    (no `files:read`, `status` None), or a file larger than asked."""

    status: int | None = None
    too_big: bool = False


def download(url: str, token: str, max_bytes: int) -> bytes | NotDownloaded:
    """The file's bytes; RetryLater when Slack may answer later (429, 5xx, no answer)."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        answer = requests.get(url, headers=headers, timeout=30, stream=True)
    except requests.RequestException as error:
        raise RetryLater(f"file download failed ({type(error).__name__})") from None
    with answer:
        if answer.status_code == 429 or answer.status_code >= 500:
            delay = _seconds(answer.headers.get("Retry-After"))
            raise RetryLater(f"file download: HTTP {answer.status_code}", delay)
        if answer.status_code != 200:
            return NotDownloaded(status=answer.status_code)
        if "text/html" in answer.headers.get("Content-Type", ""):
            return NotDownloaded()  # Slack's sign-in page
        data: bytes = answer.raw.read(max_bytes + 1, decode_content=True)
    if len(data) > max_bytes:
        return NotDownloaded(too_big=True)
    return data


def _seconds(header: str | None) -> float | None:
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None
