"""The composer modal: the state it carries (ComposerContext), what it offers
(ComposerOptions), the view itself, and the values a submission holds."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.i18n import _
from bot.core.message import MAX_LABEL, MAX_TEXT, ViberMessage, allowed_shapes
from bot.core.model import Category
from bot.core.phones import MAX_RECIPIENTS
from bot.core.sms_text import SmsTemplate
from bot.posts.common import (
    INPUT_ACTION_ID,
    escape,
    image_upload_blocks,
    input_block,
    option,
    text_input,
)
from bot.posts.pickers import picker

COMPOSER_CALLBACK_ID = "viber_compose"
MAX_SMS_TEXT = 612  # four segments without diacritics
PICK_TEMPLATE_ACTION = "pick_template"


@dataclass(frozen=True)
class ComposerContext:
    """What the modal carries from the command (or shortcut) to its submission."""

    channel_id: str
    response_url: str | None = None
    thread_ts: str | None = None  # set when started from a message: updates go to its thread
    version: int = 0  # bumped when a template refills the form (see `field_block_id`)
    template: str = ""  # the template that last filled the form: the send's kind follows it

    def dump(self) -> str:
        data = {
            "c": self.channel_id,
            "r": self.response_url,
            "t": self.thread_ts,
            "v": self.version,
            "p": self.template,
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str) -> ComposerContext | None:
        try:
            data = json.loads(raw or "")
            channel = data["c"]
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(channel, str) or not channel:
            return None

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        version = data.get("v")
        return cls(
            channel_id=channel,
            response_url=text("r"),
            thread_ts=text("t"),
            version=version if isinstance(version, int) and 0 <= version < 10_000 else 0,
            template=(text("p") or "")[:100],
        )


@dataclass(frozen=True)
class ComposerOptions:
    """What the composer offers, from the configuration and the stored templates."""

    brandnames: Sequence[str]
    test_mode: bool = False  # ESMS_SANDBOX: every send is a test send
    allow_test_sends: bool = False
    templates: Sequence[str] = ()
    sms_brandname: str | None = None  # None: no SMS fallback offered
    sms_default: bool = False  # SMS_FALLBACK: the box is ticked to begin with
    sms_templates: Sequence[SmsTemplate] = ()  # registered with eSMS for sms_brandname
    image_upload: bool = False  # a picture may be uploaded (eSMS can fetch what the app hosts)
    image_max_side: int = 800


def field_block_id(field: str, version: int) -> str:
    """Slack keeps what a person typed in an input whose block_id stays the same, so a form
    refilled from a template gets new block ids."""
    return field if version == 0 else f"{field}~{version}"


def field_of(block_id: str) -> str:
    return block_id.split("~", 1)[0]


def composer_view(
    context: ComposerContext,
    options: ComposerOptions,
    *,
    recipients: str = "",
    prefill: ViberMessage | None = None,
    category: str = Category.CARE,
) -> dict[str, Any]:
    message = prefill or ViberMessage()

    def block_id(field: str) -> str:
        return field_block_id(field, context.version)

    blocks: list[dict[str, Any]] = []
    if options.templates:
        names = [(name, name) for name in options.templates]
        select = picker(PICK_TEMPLATE_ACTION, names, _("composer.template"))
        blocks.append({"type": "actions", "block_id": "templates", "elements": [select]})
    blocks += [
        text_input(
            block_id("recipients"),
            _("composer.recipients"),
            placeholder="0901234567, 0912 345 678",
            hint=_("composer.recipients_hint", limit=MAX_RECIPIENTS),
            multiline=True,
            optional=False,
            initial=recipients,
        ),
        text_input(
            block_id("text"),
            _("composer.text"),
            placeholder="Xin chào …",
            multiline=True,
            max_length=MAX_TEXT,
            initial=message.text,
        ),
        text_input(
            block_id("image_url"),
            _("composer.image_url"),
            placeholder="https://example.com/banner.png",
            hint=_("composer.image_hint"),
            initial=message.image_url,
        ),
        *image_upload_blocks(
            block_id("image_file"),
            can_upload=options.image_upload,
            max_side=options.image_max_side,
        ),
        text_input(
            block_id("button_label"),
            _("composer.button_label"),
            placeholder="Xem ngay",
            max_length=MAX_LABEL,
            initial=message.button_label,
        ),
        text_input(
            block_id("button_url"),
            _("composer.button_url"),
            placeholder="https://example.com/offer",
            initial=message.button_url,
        ),
        input_block(
            block_id("send_at"),
            _("composer.send_at"),
            {"type": "datetimepicker", "action_id": INPUT_ACTION_ID},
            hint=_("composer.send_at_hint"),
        ),
    ]
    if len(options.brandnames) > 1:
        choices = [option(name, name) for name in options.brandnames]
        element = {
            "type": "static_select",
            "action_id": INPUT_ACTION_ID,
            "options": choices,
            "initial_option": choices[0],
        }
        blocks.append(
            input_block(block_id("brandname"), _("composer.brandname"), element, optional=False)
        )
    blocks.append(_category_block(block_id("category"), category))
    if options.sms_brandname:
        blocks += _sms_blocks(block_id, options)
    if options.allow_test_sends and not options.test_mode:
        choice = option("yes", _("composer.test_option"))
        element = {"type": "checkboxes", "action_id": INPUT_ACTION_ID, "options": [choice]}
        blocks.append(input_block(block_id("test_send"), _("composer.test"), element))
    note = _("composer.note", shapes=allowed_shapes())
    if len(options.brandnames) == 1:
        note += _("composer.sent_as", brandname=escape(options.brandnames[0]))
    if options.test_mode:
        note += _("composer.test_mode")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return {
        "type": "modal",
        "callback_id": COMPOSER_CALLBACK_ID,
        "private_metadata": context.dump(),
        "title": {"type": "plain_text", "text": _("composer.title")},
        "submit": {"type": "plain_text", "text": _("composer.submit")},
        "close": {"type": "plain_text", "text": _("composer.close")},
        "blocks": blocks,
    }


def _category_block(block_id: str, category: str) -> dict[str, Any]:
    choices = [option(c, _(f"composer.category_{c}")) for c in (Category.CARE, Category.MARKETING)]
    element = {
        "type": "static_select",
        "action_id": INPUT_ACTION_ID,
        "options": choices,
        "initial_option": choices[1] if category == Category.MARKETING else choices[0],
    }
    hint = _("composer.category_hint")
    # Optional for Slack (it has a value from the start); an empty one means care.
    return input_block(block_id, _("composer.category"), element, hint=hint)


def _sms_blocks(block_id: Callable[[str], str], options: ComposerOptions) -> list[dict[str, Any]]:
    """ "SMS if Viber fails" (care only), the registered templates, and the SMS text."""
    choice = option("yes", _("composer.sms_option", brandname=options.sms_brandname or ""))
    choices = [choice, option("anyway", _("composer.sms_anyway"))]
    element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": INPUT_ACTION_ID,
        "options": choices,
    }
    if options.sms_default:
        element["initial_options"] = [choice]
    blocks = [input_block(block_id("sms_fallback"), _("composer.sms"), element)]
    if options.sms_templates:
        picks = sms_template_choices(options.sms_templates)
        select = picker(INPUT_ACTION_ID, picks, _("composer.sms_template"))
        hint = _("composer.sms_template_hint")
        blocks.append(
            input_block(block_id("sms_template"), _("composer.sms_template"), select, hint=hint)
        )
    blocks.append(
        text_input(
            block_id("sms_text"),
            _("composer.sms_text"),
            placeholder=_("composer.sms_text_placeholder"),
            hint=_("composer.sms_text_hint"),
            multiline=True,
            max_length=MAX_SMS_TEXT,
        )
    )
    return blocks


def sms_template_choices(templates: Sequence[SmsTemplate]) -> list[tuple[str, str]]:
    return [(str(t.template_id), f"{t.template_id}: {t.content}") for t in templates]
