"""An uploaded picture, hosted after Slack's acknowledgement: downloaded from Slack with the bot
token, re-encoded for Viber (`bot.core.images`), stored once per upload, and the send pointed at
it. The job is first on its send's line, so the thread's parent (and the approval request, and a
campaign's reading) only comes after; a picture that cannot be used ends the send there, before
anything leaves."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bot.core.i18n import _
from bot.core.images import MAX_SOURCE_BYTES, ImageProblem, prepare, source_digest
from bot.core.model import Job
from bot.jobs.slack_files import NotDownloaded, download
from bot.store import Store

log = logging.getLogger(__name__)


def _lowest_priority() -> None:
    """The re-encoding thread yields the CPU to everything else in the process: Slack's
    acknowledgements must not wait for a photo (Linux: a thread has a niceness of its own)."""
    # Elsewhere the thread keeps the process's priority.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


# One picture re-encoded at a time per process, on a thread of its own: a few uploads at once
# cannot take a small dyno's memory (a 12-megapixel photo is decoded at a fraction of its size,
# but a PNG is not), and Pillow works with the interpreter's lock released, at the lowest
# priority.
_ENCODER = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="image", initializer=_lowest_priority
)


@dataclass(frozen=True)
class ImageHosting:
    store: Store
    bot_token: str
    public_url: str
    max_side: int

    def host_image(self, job: Job) -> None:
        send = self.store.sends.get(job.send_id)
        if send is None or not send.image_file or send.image_problem:
            return  # hosted already, or refused: nothing left to do
        source = self._download(send.image_file)
        if isinstance(source, str):
            self.store.images.refuse(send.id, source)
            return
        key = f"{source_digest(source)}:{self.max_side}"
        stored = self.store.images.stored(key)
        if stored is not None:  # the same upload, sent before: hosted once
            self.store.images.attach(send.id, stored, self.public_url)
            return
        try:
            prepared = _ENCODER.submit(prepare, source, self.max_side).result()
        except ImageProblem as problem:
            self.store.images.refuse(send.id, _(f"image.{problem.reason}"))
            return
        hosted = self.store.images.host(send.id, key, prepared, self.public_url)
        log.info(
            "send %s: image hosted as %s (%d bytes)", send.id, hosted.token[:6], len(hosted.data)
        )

    def give_up(self, job: Job, reason: str) -> None:
        """Slack would not hand the file over, try after try: the send ends, saying why."""
        self.store.images.refuse(job.send_id, _("image.not_downloaded", reason=reason))

    def _download(self, url: str) -> bytes | str:
        """The file's bytes, or why it cannot be had, in words."""
        got = download(url, self.bot_token, MAX_SOURCE_BYTES)
        if not isinstance(got, NotDownloaded):
            return got
        if got.too_big:
            return _("image.too_big")
        if got.status is None:
            return _("image.no_files_read")
        return _("image.not_downloaded", reason=f"HTTP {got.status}")
