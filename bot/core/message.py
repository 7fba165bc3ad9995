"""The Viber business message: its four allowed shapes and the limits eSMS and Viber impose."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum
from urllib.parse import SplitResult, urlsplit

from bot.core.i18n import _

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
        """Build from raw form values: blank means absent; line breaks become \\n; everything
        composed (NFC), so a letter typed with combining marks counts, matches and is sent as one."""
        clean_text = _composed(text).replace("\r\n", "\n").replace("\r", "\n").strip()
        return cls(
            text=clean_text,
            image_url=_composed(image_url).strip(),
            button_label=_composed(button_label).strip(),
            button_url=_composed(button_url).strip(),
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


def _composed(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "")


def _character_problem(value: str, what: str) -> str | None:
    """Characters that let a link show one address and lead to another: Slack reads `|` in
    `<url|label>` as the start of the label, `<` and `>` end the link, and spaces and invisible
    characters (controls, zero-width, right-to-left overrides) hide part of the address."""
    for char in value:
        if char in "|<>":
            return _("err.url_char", what=what, char=char, encoded=f"%{ord(char):02X}")
        if char.isspace() or unicodedata.category(char) in ("Zs", "Zl", "Zp"):
            return _("err.url_space", what=what)
        if unicodedata.category(char) in ("Cc", "Cf"):
            return _("err.url_control", what=what, code=f"U+{ord(char):04X}")
    return None


def _split(value: str) -> SplitResult | None:
    """The URL's parts, or None where they cannot be read (an unclosed `[`, a port over 65535)."""
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0  # `.port` raises on a bad port
    except ValueError:
        return None
    return parts if port_ok else None


def _url_problem(value: str, *, https_only: bool, what: str) -> str | None:
    if len(value) > MAX_URL:
        return _("err.url_too_long", what=what, limit=MAX_URL)
    problem = _character_problem(value, what)
    if problem:
        return problem
    parts = _split(value)
    if parts is None:
        return _("err.url_unreadable", what=what)
    allowed = ("https",) if https_only else ("http", "https")
    if parts.scheme.lower() not in allowed or not parts.netloc or not parts.hostname:
        return _("err.url_https" if https_only else "err.url_http", what=what)
    if "@" in parts.netloc:  # https://shop.example@evil.example/ goes to evil.example
        return _("err.url_userinfo", what=what)
    return None


def validate_message(message: ViberMessage, *, stop_room: int = 0) -> dict[str, str]:
    """Return problems keyed by field name (text, image_url, button_label, button_url).
    `stop_room`: the characters an advertisement's stop line takes from the text."""
    errors: dict[str, str] = {}
    limit = MAX_TEXT - stop_room
    if len(message.text) > limit:
        key = "err.text_long_stop" if stop_room else "err.text_long"
        errors["text"] = _(key, count=len(message.text), limit=limit, room=stop_room)
    if len(message.button_label) > MAX_LABEL:
        errors["button_label"] = _(
            "err.label_long", count=len(message.button_label), limit=MAX_LABEL
        )
    if message.image_url:
        problem = _url_problem(message.image_url, https_only=True, what=_("what.image_url"))
        if problem is None and urlsplit(message.image_url).path.lower().endswith(
            _UNSUPPORTED_IMAGE_SUFFIXES
        ):
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
