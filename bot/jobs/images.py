"""An uploaded picture, hosted after Slack's acknowledgement: downloaded from Slack with the bot
token, re-encoded for Viber (`bot.core.images`), stored once per upload, and the send pointed at
it. The job is first on its send's line, so the thread's parent (and the approval request, and a
campaign's reading) only comes after; a picture that cannot be used ends the send there, before
anything leaves."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from bot.core.i18n import _
from bot.core.images import (
    MAX_SOURCE_BYTES,
    ImageProblem,
    PreparedImage,
    prepare,
    source_digest,
)
from bot.core.model import Job
from bot.jobs.retry import RetryLater
from bot.jobs.slack_files import NotDownloaded, download
from bot.store import Store

log = logging.getLogger(__name__)


class _Encoder:
    """One picture re-encoded at a time per process, in a child process of its own at the
    lowest CPU priority: a few uploads at once cannot take a small dyno's memory, and the web
    process's interpreter, which acknowledges Slack, is never shared with the decoding (on one
    interpreter, acknowledgements' p99 grew by half while photos were re-encoded). Started on
    the first picture (spawned, not forked: the web process has threads), and again after a
    child that died."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def prepare(self, source: bytes, max_side: int) -> PreparedImage:
        with self._lock:
            if self._pool is None:
                spawn = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    1, mp_context=spawn, initializer=os.nice, initargs=(19,)
                )
            pool = self._pool
        try:
            return pool.submit(prepare, source, max_side).result()
        except BrokenProcessPool:  # killed (out of memory, say): a new child next time
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            raise RetryLater("the picture's re-encoding process stopped") from None

    def close(self) -> None:
        """The child ends with its process, shut down before the interpreter's own goodbye to
        the pool, which may write to a pipe already closed (a traceback at every exit)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_ENCODER = _Encoder()


def close_encoder() -> None:
    """End the pictures' child process, if one was started; after the job runner stopped."""
    _ENCODER.close()


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
            prepared = _ENCODER.prepare(source, self.max_side)
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
