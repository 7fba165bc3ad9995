"""The SMS that stands in for a failed Viber message, as the composer settles it: the text
(typed, a registered template filled from the message, or the message with its link), checked
against the brandname's registered templates (eSMS refuses any other text, code 146)."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass

from bot.core.i18n import _
from bot.core.message import ViberMessage
from bot.core.model import Category
from bot.core.sms_text import (
    SmsTemplate,
    fallback_text,
    fill_template,
    matching_template,
    segments,
    slot_values,
    strip_diacritics,
)
from bot.esms.client import EsmsClient, EsmsError

log = logging.getLogger(__name__)

TEMPLATES_TTL_SECONDS = 600.0
ANYWAY = "anyway"  # the second box: send it even though it matches no registered template
_SLOT = re.compile(r"\{P[0-9]+,[0-9]+\}")


class SmsTemplates:
    """The brandname's registered templates (GetTemplate), cached and refreshed in the
    background: opening the composer never waits on eSMS."""

    def __init__(self, esms: EsmsClient, brandname: str | None) -> None:
        self._esms, self._brandname = esms, brandname
        self._templates: list[SmsTemplate] = []
        self._fetched_at = -TEMPLATES_TTL_SECONDS
        self._loaded = False
        self._refreshing = threading.Lock()

    def warm(self, seconds: float) -> None:
        """Read them now, waiting at most `seconds`: the first composer after a start should
        offer them (and check against them) already; a slow eSMS leaves it to the background."""
        if self._brandname:
            reader = threading.Thread(target=self.refresh, name="sms-templates", daemon=True)
            reader.start()
            reader.join(seconds)

    def get(self) -> list[SmsTemplate] | None:
        """The templates; None while they were never read (eSMS has not answered yet)."""
        if self._brandname and time.monotonic() - self._fetched_at > TEMPLATES_TTL_SECONDS:
            threading.Thread(target=self.refresh, name="sms-templates", daemon=True).start()
        return self._templates if self._loaded else None

    def refresh(self) -> None:
        if not self._brandname or not self._refreshing.acquire(blocking=False):
            return
        try:
            found = self._esms.sms_templates(self._brandname)
            self._templates, self._loaded = found, True
            self._fetched_at = time.monotonic()
        except EsmsError as error:
            log.warning("SMS templates not read: %s", error)
            self._fetched_at = time.monotonic() - TEMPLATES_TTL_SECONDS + 60  # again in a minute
        finally:
            self._refreshing.release()


@dataclass(frozen=True)
class SmsFallback:
    """The SMS fallback's settings, as the composer and the quick send read them."""

    brandname: str | None  # ESMS_SMS_BRANDNAME, a customer-care brandname; None: no SMS
    ticked: bool  # SMS_FALLBACK: the composer's "SMS if Viber fails" box, at first
    ascii_only: bool  # SMS_ASCII: Vietnamese diacritics stripped from SMS texts

    @property
    def available(self) -> bool:
        """Whether an SMS can stand in for a Viber message at all."""
        return bool(self.brandname)


@dataclass(frozen=True)
class SmsChoice:
    wanted: bool
    text: str | None
    errors: dict[str, str]


def choose_sms(
    values: dict[str, str],
    message: ViberMessage,
    category: str,
    fallback: SmsFallback,
    templates: list[SmsTemplate] | None,
) -> SmsChoice:
    """What the composer's SMS fields ask for, or the errors to show under them. A marketing
    message never falls back (not over a customer-care brandname), whatever the box says."""
    ticked = set(values["sms_fallback"].split(","))
    if "yes" not in ticked or not fallback.available or category == Category.MARKETING:
        return SmsChoice(False, None, {})
    ascii_only = fallback.ascii_only
    text = values["sms_text"].strip()
    chosen = next(
        (t for t in templates or () if str(t.template_id) == values["sms_template"]), None
    )
    if values["sms_template"] and chosen is None:
        return SmsChoice(True, None, {"sms_template": _("err.sms_template_gone")})
    if not text and chosen:
        text = fill_template(chosen.content, slot_values(message, ascii_only=ascii_only))
    text = text or fallback_text(message, ascii_only=ascii_only)
    if ascii_only:
        text = strip_diacritics(text)
    if not text:
        return SmsChoice(True, None, {"sms_text": _("err.sms_empty")})
    if _SLOT.search(text):
        return SmsChoice(True, text, {"sms_text": _("err.sms_slots", text=text[:300])})
    if ANYWAY not in ticked and (warning := template_warning(text, fallback, templates)):
        return SmsChoice(True, text, {"sms_text": warning})
    return SmsChoice(True, text, {})


def template_warning(
    text: str, fallback: SmsFallback, templates: list[SmsTemplate] | None
) -> str | None:
    """Why eSMS would refuse this SMS text (146), or None when a registered template fits."""
    brandname, count = fallback.brandname or "", segments(text)
    if templates is None:
        return _("err.sms_templates_unknown", brandname=brandname, segments=count)
    if matching_template(templates, text):
        return None
    return _("err.sms_no_template", brandname=brandname, segments=count, text=text[:300])
