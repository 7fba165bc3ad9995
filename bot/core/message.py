"""The Viber business message: its four allowed shapes and the limits eSMS and Viber impose."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from bot.i18n import _

MAX_TEXT = 1000
MAX_LABEL = 30
MAX_URL = 1000
_UNSUPPORTED_IMAGE_SUFFIXES = (".gif", ".webp", ".svg", ".bmp", ".tif", ".tiff", ".heic", ".avif")


def allowed_shapes() -> str:
    return _("shapes")


class Shape(Enum):
    TEXT = "text"
    TEXT_BUTTON = "text + button"
    IMAGE = "image"
    TEXT_IMAGE_BUTTON = "text + image + button"


@dataclass(frozen=True)
class ViberMessage:
    text: str = ""
    image_url: str = ""
    button_label: str = ""
    button_url: str = ""

    @classmethod
    def from_fields(
        cls,
        text: str | None = None,
        image_url: str | None = None,
        button_label: str | None = None,
        button_url: str | None = None,
    ) -> ViberMessage:
        """Build from raw form values: blank means absent; line breaks become \\n."""
        clean_text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        return cls(
            text=clean_text,
            image_url=(image_url or "").strip(),
            button_label=(button_label or "").strip(),
            button_url=(button_url or "").strip(),
        )

    @property
    def shape(self) -> Shape | None:
        has_text, has_image = bool(self.text), bool(self.image_url)
        has_button = bool(self.button_label and self.button_url)
        half_button = bool(self.button_label) != bool(self.button_url)
        if half_button:
            return None
        return {
            (True, False, False): Shape.TEXT,
            (True, False, True): Shape.TEXT_BUTTON,
            (False, True, False): Shape.IMAGE,
            (True, True, True): Shape.TEXT_IMAGE_BUTTON,
        }.get((has_text, has_image, has_button))

    @property
    def esms_content(self) -> str:
        """eSMS expects Windows line breaks inside Content."""
        return self.text.replace("\n", "\r\n")


def _url_problem(value: str, *, https_only: bool, what: str) -> str | None:
    if len(value) > MAX_URL:
        return _("err.url_too_long", what=what, limit=MAX_URL)
    parts = urlsplit(value)
    allowed = ("https",) if https_only else ("http", "https")
    if parts.scheme.lower() not in allowed or not parts.netloc or " " in value:
        return _("err.url_https" if https_only else "err.url_http", what=what)
    return None


def validate_message(message: ViberMessage) -> dict[str, str]:
    """Return problems keyed by field name (text, image_url, button_label, button_url)."""
    errors: dict[str, str] = {}
    if len(message.text) > MAX_TEXT:
        errors["text"] = _("err.text_long", count=len(message.text), limit=MAX_TEXT)
    if len(message.button_label) > MAX_LABEL:
        errors["button_label"] = _(
            "err.label_long", count=len(message.button_label), limit=MAX_LABEL
        )
    if message.image_url:
        problem = _url_problem(message.image_url, https_only=True, what=_("what.image_url"))
        path = urlsplit(message.image_url).path.lower()
        if problem is None and path.endswith(_UNSUPPORTED_IMAGE_SUFFIXES):
            problem = _("err.image_type")
        if problem:
            errors["image_url"] = problem
    if message.button_url:
        problem = _url_problem(message.button_url, https_only=False, what=_("what.button_url"))
        if problem:
            errors["button_url"] = problem

    if message.button_label and not message.button_url:
        errors.setdefault("button_url", _("err.button_needs_link"))
    elif message.button_url and not message.button_label:
        errors.setdefault("button_label", _("err.button_needs_label"))
    elif message.shape is None:
        field, problem = _shape_problem(message)
        errors.setdefault(field, _("err.shape", problem=problem, shapes=allowed_shapes()))
    return errors


def _shape_problem(message: ViberMessage) -> tuple[str, str]:
    """Name the field that would turn an invalid combination into an allowed one."""
    has_button = bool(message.button_label)
    if not message.text and not message.image_url:
        if has_button:
            return "text", _("err.button_needs_text")
        return "text", _("err.empty")
    if message.image_url and message.text:  # text + image without a button
        return "button_label", _("err.image_text_needs_button")
    return "text", _("err.image_button_needs_text")
