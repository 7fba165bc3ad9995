"""`GET /media/<token>.<ext>`: the images the app hosts for Viber, from a small in-process cache
so that a 10,000-row campaign's fetches do not read the database 10,000 times."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.store.images import HostedImage

MEDIA_PREFIX = "/media/"
CACHE_BYTES = 16 * 1024 * 1024  # a dozen images or more at 1 MB at most each
_NAME = re.compile(r"([A-Za-z0-9_-]{24,64})\.(jpg|png)")
# Unguessable tokens: a URL once given out always names the same bytes until the image is
# released, so caches may keep it for a day.
CACHE_CONTROL = "public, max-age=86400"
# How long a cached image is served without asking the database: an image purged by another
# process answers 404 here at most this much later.
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class MediaAnswer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    length: int  # the Content-Length: the image's own, for a HEAD too


_NOT_FOUND = MediaAnswer(404, b"not found", (("Content-Type", "text/plain; charset=utf-8"),), 9)


class MediaCache:
    """The latest images served, at most CACHE_BYTES of them; misses read `load`."""

    def __init__(
        self, load: Callable[[str], HostedImage | None], limit_bytes: int = CACHE_BYTES
    ) -> None:
        self._load = load
        self._limit = limit_bytes
        self._images: OrderedDict[str, tuple[HostedImage, str, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, token: str) -> tuple[HostedImage, str] | None:
        """The image and its ETag, or None when no such image is stored."""
        now = time.monotonic()
        with self._lock:
            found = self._images.get(token)
            if found is not None and found[2] > now:
                self._images.move_to_end(token)
                return found[0], found[1]
        image = self._load(token)  # outside the lock: other requests need not wait for it
        self.forget(token)
        if image is None:
            return None
        etag = '"' + hashlib.sha256(image.data).hexdigest()[:32] + '"'
        with self._lock:
            if token not in self._images and len(image.data) <= self._limit:
                self._images[token] = (image, etag, now + CACHE_SECONDS)
                self._bytes += len(image.data)
                while self._bytes > self._limit:
                    _, (old, _tag, _until) = self._images.popitem(last=False)
                    self._bytes -= len(old.data)
        return image, etag

    def forget(self, token: str) -> None:
        with self._lock:
            found = self._images.pop(token, None)
            if found is not None:
                self._bytes -= len(found[0].data)


def media_answer(cache: MediaCache, name: str, method: str, if_none_match: str) -> MediaAnswer:
    """The answer to a GET or HEAD of /media/<name>; 404 for anything not stored, whatever the
    name tries (only a token's own shape reaches the database)."""
    match = _NAME.fullmatch(name)
    if match is None:
        return _NOT_FOUND
    token, extension = match.groups()
    found = cache.get(token)
    if found is None or found[0].extension != extension:
        return _NOT_FOUND
    image, etag = found
    headers = (
        ("Content-Type", image.content_type),
        ("ETag", etag),
        ("Cache-Control", CACHE_CONTROL),
    )
    if etag in (tag.strip() for tag in if_none_match.split(",")):
        return MediaAnswer(304, b"", headers, 0)
    body = b"" if method == "HEAD" else image.data
    return MediaAnswer(200, body, headers, len(image.data))
