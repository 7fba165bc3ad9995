"""An uploaded picture made right for Viber: decoded (never trusted by its name or type),
turned by its orientation, stripped of every metadata, at most `max_side` px on its longest
side, JPEG (PNG when it has transparency), at most 1 MB; an animation becomes its first frame.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SOURCE_BYTES = 10 * 1024 * 1024  # what Slack's file_input takes
MAX_IMAGE_BYTES = 1024 * 1024  # a common provider maximum for a Viber picture
# Pillow refuses a picture with more pixels than twice this (a decompression bomb): a small
# file that would take gigabytes once decoded. 50 megapixels is past any phone's photo.
MAX_PIXELS = 25_000_000
FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
# What the composer's file input offers (Slack's `filetype` words); the content decides later.
FILE_TYPES = ("jpg", "jpeg", "png", "gif", "webp")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Stands for an uploaded picture while the shape rules are checked: it has not been hosted yet.
UPLOADED = "https://upload.invalid/picture.jpg"
_QUALITIES = (85, 75, 65, 50)  # tried in turn until the JPEG fits
_SHRINK = 0.8  # then the picture gets smaller, a bounded number of times
_MAX_SHRINKS = 8

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class ImageUpload:
    """A picture chosen in a modal's file input, as Slack describes it."""

    url: str  # url_private_download: where the bot token fetches it
    filetype: str  # Slack's word for its type, from its name: jpg, png …
    size: int  # bytes


def upload_problem(upload: ImageUpload) -> tuple[str, dict[str, object]] | None:
    """The catalogue key and values of what is wrong with an upload before it is downloaded:
    what its name and size already say."""
    if upload.filetype.lower() not in FILE_TYPES:
        return "err.image_file_type", {"filetype": upload.filetype[:20] or "?"}
    if upload.size > MAX_SOURCE_BYTES:
        return "err.image_file_big", {"megabytes": round(upload.size / 1024 / 1024, 1)}
    return None


def can_host(public_url: str | None) -> bool:
    """Whether eSMS can fetch a picture the app hosts: an https PUBLIC_URL, or http on this
    machine's loopback (the demo and the tests), which `viber-bot check` warns about."""
    if not public_url:
        return False
    parts = urlsplit(public_url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)


class ImageProblem(Exception):
    """Why an upload cannot be used; `reason` is a catalogue key under `image.`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    content_type: str  # image/jpeg or image/png
    extension: str  # jpg or png
    width: int
    height: int
    first_frame_only: bool  # the upload was an animation: only its first frame is kept

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def source_digest(source: bytes) -> str:
    """The upload's own fingerprint: the same file uploaded twice is hosted once."""
    return hashlib.sha256(source).hexdigest()


def prepare(source: bytes, max_side: int) -> PreparedImage:
    """The upload re-encoded for Viber, or ImageProblem saying why it cannot be."""
    if len(source) > MAX_SOURCE_BYTES:
        raise ImageProblem("too_big")
    with warnings.catch_warnings():
        # Between MAX_PIXELS and twice it Pillow only warns: refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture = Image.open(io.BytesIO(source))
            if picture.format not in FORMATS:
                raise ImageProblem("not_an_image")
            animated = bool(getattr(picture, "is_animated", False))
            if picture.format == "JPEG":
                # Decode at a fraction of the size straight from the JPEG's own scaling (1/2,
                # 1/4, 1/8 — the smallest still at least `max_side` on its longest side): a
                # 12-megapixel photo then never exists in memory at full size.
                width, height = picture.size
                longest = max(width, height, 1)
                wanted = (-(-max_side * width // longest), -(-max_side * height // longest))
                picture.draft("RGB", wanted)
            picture.load()  # a truncated or corrupt file fails here, not later
            oriented = ImageOps.exif_transpose(picture)  # the first frame, turned upright
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageProblem("too_many_pixels") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ImageProblem("not_an_image") from None
    oriented.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if _has_transparency(oriented):
        return _encoded(oriented.convert("RGBA"), "PNG", animated)
    return _encoded(oriented.convert("RGB"), "JPEG", animated)


def _has_transparency(picture: Image.Image) -> bool:
    if picture.mode == "P":
        picture = picture.convert("RGBA")  # a palette's transparent index becomes alpha
    if "A" not in picture.getbands():
        return False
    lowest = picture.getchannel("A").getextrema()[0]  # one band: (lowest, highest)
    return isinstance(lowest, int | float) and lowest < 255


def _encoded(picture: Image.Image, kind: str, animated: bool) -> PreparedImage:
    """Encoded without any metadata (Pillow writes none it is not given), smaller until it fits
    in MAX_IMAGE_BYTES."""
    for _attempt in range(_MAX_SHRINKS + 1):
        for quality in _QUALITIES if kind == "JPEG" else (None,):
            data = _encode(picture, kind, quality)
            if len(data) <= MAX_IMAGE_BYTES:
                width, height = picture.size
                content_type, extension = (
                    ("image/jpeg", "jpg") if kind == "JPEG" else ("image/png", "png")
                )
                return PreparedImage(data, content_type, extension, width, height, animated)
        width, height = picture.size
        size = (max(1, int(width * _SHRINK)), max(1, int(height * _SHRINK)))
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    raise ImageProblem("too_big")


def _encode(picture: Image.Image, kind: str, quality: int | None) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        picture.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    else:
        picture.save(out, "PNG", optimize=True)
    return out.getvalue()
