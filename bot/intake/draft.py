"""What a surface hands the intake, and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.i18n import _
from bot.core.images import ImageUpload
from bot.core.message import ViberMessage
from bot.core.model import StepRunStart


class Surface(StrEnum):
    """Every way a send is made. A new one gets its row in the rules' matrix test."""

    COMPOSER = "composer"
    QUICK_SEND = "quick_send"
    SHORTCUT = "shortcut"
    CAMPAIGN = "campaign"
    WORKFLOW_STEP = "workflow_step"


@dataclass(frozen=True)
class Draft:
    """One send as a person asked for it: who, where, to whom, what, which template, which kind,
    when. Fields left empty take the template's (message, kind) or the deployment's defaults."""

    surface: Surface
    team_id: str
    channel_id: str
    user_id: str
    recipients: str = ""  # the numbers as typed; a campaign's come from its file
    message: ViberMessage = field(default_factory=ViberMessage)
    template: str = ""  # a stored template's name
    category: str = ""  # care or marketing; "" follows the template (care without one)
    brandname: str = ""  # "" is ESMS_BRANDNAME
    test_send: bool = False
    scheduled_at: float | None = None
    sms_fallback: bool | None = None  # None: SMS_FALLBACK decides
    sms_text: str | None = None
    response_url: str | None = None
    thread_ts: str | None = None
    campaign_file: tuple[str, str, str] | None = None  # (file id, name, download URL)
    step_run: StepRunStart | None = None  # recorded with the send: once per execution
    image_upload: ImageUpload | None = None  # a picture to host as the message's image


@dataclass(frozen=True)
class Accepted:
    send_id: str
    phones: tuple[str, ...]
    category: str
    message: ViberMessage  # as the customer reads it (the marketing prefix included)
    again: bool = False  # the workflow run was recorded before: nothing new was stored


@dataclass(frozen=True)
class Refused:
    """Nothing was stored; each problem keyed by the draft's field it concerns."""

    errors: dict[str, str]

    def sentence(self) -> str:
        """Every problem on a line of its own, for a surface without fields."""
        return "\n".join(f"• {_(f'field.{key}')}: {text}" for key, text in self.errors.items())
