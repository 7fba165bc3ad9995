"""The intake: a draft from any surface becomes a stored send, or a refusal that stored
nothing. The order is the one a person would ask about: may I, what exactly, is it valid,
may these numbers be messaged."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import replace
from typing import Protocol

from bot.config import Settings
from bot.core.campaign import fill
from bot.core.consent import stop_line_room
from bot.core.draft import check_draft
from bot.core.i18n import _
from bot.core.images import UPLOADED, ImageUpload, can_host, upload_problem
from bot.core.marketing import with_prefix
from bot.core.message import ViberMessage, validate_message
from bot.core.model import Category, NewSend, Send
from bot.core.sms_text import fallback_text
from bot.intake.draft import Accepted, Draft, Refused, Surface
from bot.intake.reach import lacking_sentence, opted_out_sentence
from bot.store import Store
from bot.store.new_sends import RunRecorded

log = logging.getLogger(__name__)


class Membership(Protocol):
    """A configured list of people (user and user-group IDs)."""

    def contains(self, user_id: str, *, fresh: bool) -> bool | None: ...


class Intake:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        allowed_users: Membership | None = None,
        marketing_senders: Membership | None = None,
    ) -> None:
        """A list left as None lets everyone (ALLOWED_USERS, MARKETING_SENDERS unset)."""
        self.settings = settings
        self.store = store
        self.allowed_users = allowed_users
        self.marketing_senders = marketing_senders

    def accept(self, draft: Draft, *, also: dict[str, str] | None = None) -> Accepted | Refused:
        """Store the draft as a send when every rule allows it; otherwise say why, per field.
        `also` holds problems the surface found in fields of its own (the composer's SMS, a
        time in the past): with any, nothing is stored and they are told with the intake's."""
        # A workflow runs unattended: its person's rights are read from Slack, not a cache.
        fresh = draft.surface == Surface.WORKFLOW_STEP
        if problem := self._access(draft, fresh=fresh):
            return Refused({"access": problem})
        errors: dict[str, str] = dict(also or {})
        message, category = self._resolve(draft, errors)
        if draft.image_upload is not None:
            message = self._upload(draft.image_upload, message, errors)
        stop_room = 0
        if category == Category.MARKETING:
            message = self._marketing(draft, message, errors, fresh=fresh)
            stop_room = self._stop_room(errors)
        campaign = draft.campaign_file is not None
        phones: tuple[str, ...] = ()
        if campaign:
            # Checked with every placeholder standing for a word: the shapes and links hold then.
            checked_text = validate_message(_with_samples(message), stop_room=stop_room)
            errors = {**checked_text, **errors}
            if not message.text and not message.image_url:
                errors.setdefault("text", _("camp.err_no_text"))
        else:
            checked = check_draft(draft.recipients, message, stop_room=stop_room)
            errors = {**checked.errors, **errors}
            phones = checked.phones
        brandname = draft.brandname or self.settings.esms_brandname
        if brandname not in self.settings.esms_brandnames:
            known = ", ".join(self.settings.esms_brandnames)
            errors["brandname"] = (
                _("step.brandname", brandname=brandname[:40], known=known)
                if draft.surface == Surface.WORKFLOW_STEP
                else _("err.brandname")
            )
        consent_required = self._consent_required(category)
        if (
            consent_required
            and "recipients" not in errors
            and (lacking := lacking_sentence(self.store, phones))
        ):
            errors["recipients"] = lacking
        if errors:
            # Shown beside the other problems, so the person fixes everything at once.
            if "recipients" not in errors and (opted_out := opted_out_sentence(self.store, phones)):
                errors["recipients"] = opted_out
            return Refused(errors)
        new = replace(
            self._new_send(draft, message, category, phones, brandname),
            consent_required=consent_required,
            stop_links=category == Category.MARKETING,
        )
        try:
            send_id = self.store.sends.create_unless_opted_out(new)
            if send_id is None:
                if opted_out := opted_out_sentence(self.store, phones):
                    return Refused({"recipients": opted_out})
                send_id = self.store.sends.create(new)  # taken off the list in between
        except RunRecorded as recorded:  # Slack delivered the workflow's event again
            return Accepted(recorded.send_id or "", phones, category, message, again=True)
        log.info(
            "send %s stored from the %s: %d recipient(s) by %s in %s",
            send_id,
            draft.surface,
            len(phones),
            draft.user_id,
            draft.channel_id,
        )
        return Accepted(send_id, phones, category, new.message)

    def _consent_required(self, category: str) -> bool:
        outreach = self.settings.outreach
        return category == Category.MARKETING and outreach.marketing_consent_required

    def _access(self, draft: Draft, *, fresh: bool) -> str | None:
        # A workflow's author reads about the person the step sends as, not about themselves.
        step = draft.surface == Surface.WORKFLOW_STEP
        return self.access_problem(draft.user_id, draft.channel_id, fresh=fresh, step=step)

    def access_problem(
        self, user_id: str, channel_id: str, *, fresh: bool, step: bool = False
    ) -> str | None:
        """Why this person may not send from this channel (ALLOWED_USERS, ALLOWED_CHANNELS);
        None when they may. Also asked when a stored campaign is started or resumed."""
        users = self.allowed_users
        if users is not None and not users.contains(user_id, fresh=fresh):
            return _("step.sender_not_allowed", user=user_id) if step else _("access.user")
        allowed = self.settings.allowed_channels
        if allowed and channel_id not in allowed:
            return (
                _("step.channel_not_allowed", channel=channel_id) if step else _("access.channel")
            )
        return None

    def kind(self, template: str, category: str) -> str:
        """Care or marketing, as the intake will settle it: a marketing template makes the
        send marketing whatever was chosen (an explicit care is then refused)."""
        if template and self.store.templates.category(template) == Category.MARKETING:
            return Category.MARKETING
        return category if category in (Category.CARE, Category.MARKETING) else Category.CARE

    def still_allowed(self, send: Send) -> str | None:
        """Why a stored send (a campaign being started or resumed) may no longer go out on
        its author's behalf: their right to send, and to send marketing, read afresh."""
        if problem := self.access_problem(send.user_id, send.channel_id, fresh=True):
            return problem
        senders = self.marketing_senders
        marketing = send.category == Category.MARKETING
        if marketing and senders is not None and not senders.contains(send.user_id, fresh=True):
            return _("err.marketing_sender")
        return None

    def _resolve(self, draft: Draft, errors: dict[str, str]) -> tuple[ViberMessage, str]:
        """The message (the template's when nothing was typed) and the kind, which follows the
        template: a marketing template stays marketing."""
        message, category = draft.message, draft.category or Category.CARE
        if category not in (Category.CARE, Category.MARKETING):
            errors["category"] = _("err.category")
            category = Category.CARE
        if not draft.template:
            return message, category
        templates = self.store.templates
        template = templates.all().get(draft.template)
        if template is None:
            errors["template"] = _("step.template", name=draft.template[:100])
            return message, category
        if not (message.text or message.image_url):
            message = template
        if templates.category(draft.template) == Category.MARKETING:
            if draft.category == Category.CARE:
                errors["category"] = _("err.marketing_template", name=draft.template[:100])
            category = Category.MARKETING
        return message, category

    def _upload(
        self, upload: ImageUpload, message: ViberMessage, errors: dict[str, str]
    ) -> ViberMessage:
        """The message with the uploaded picture standing in for its image, so that the shape
        rules see it; the picture's own problems, as far as Slack describes it."""
        if message.image_url:
            errors["image_file"] = _("err.image_both")
        elif not can_host(self.settings.public_url):
            errors["image_file"] = _("composer.image_upload_off")
        elif problem := upload_problem(upload):
            key, values = problem
            errors["image_file"] = _(key, **values)
        return replace(message, image_url=UPLOADED)

    def _stop_room(self, errors: dict[str, str]) -> int:
        """What the advertisement's stop link takes of its text; without the app's public
        address there is no link, and no advertisement."""
        if not self.settings.public_url:
            errors.setdefault("category", _("err.no_stop_link"))
            return 0
        return stop_line_room(self.settings.public_url)

    def _marketing(
        self, draft: Draft, message: ViberMessage, errors: dict[str, str], *, fresh: bool
    ) -> ViberMessage:
        """An advertisement: sent by the people named for it, labelled with the prefix, which
        needs a text to stand in."""
        senders = self.marketing_senders
        if senders is not None and not senders.contains(draft.user_id, fresh=fresh):
            errors["category"] = _("err.marketing_sender")
        prefix = self.settings.outreach.marketing_prefix
        if prefix and not message.text and message.image_url:
            errors["text"] = _("err.marketing_no_text", prefix=prefix)
        return replace(message, text=with_prefix(message.text, prefix) or "")

    def _new_send(
        self,
        draft: Draft,
        message: ViberMessage,
        category: str,
        phones: tuple[str, ...],
        brandname: str,
    ) -> NewSend:
        settings, outreach = self.settings, self.settings.outreach
        scheduled_at, held_until = draft.scheduled_at, None
        sms_fallback, sms_text = draft.sms_fallback, draft.sms_text
        if category == Category.MARKETING:
            # Within the marketing hours: at the next opening when composed outside them.
            moment = scheduled_at or time.time()
            opening = outreach.marketing_hours.next_opening(moment)
            if opening != moment:
                held_until = scheduled_at = opening
            sms_fallback = False  # never over a customer-care brandname
        elif sms_fallback is None:
            sms_fallback = outreach.sms_fallback
        sms_fallback = bool(sms_fallback and outreach.sms_available)
        if sms_fallback and not sms_text and draft.campaign_file is None:
            sms_text = fallback_text(message, ascii_only=outreach.sms_ascii)
        # A campaign asks its approvers when it is started, with its rows known.
        approval = settings.approval_required and draft.campaign_file is None
        upload = draft.image_upload
        return NewSend(
            team_id=draft.team_id,
            channel_id=draft.channel_id,
            user_id=draft.user_id,
            # The picture's own address comes once it is hosted (bot.jobs.images).
            message=replace(message, image_url="") if upload else message,
            phones=phones,
            brandname=brandname,
            test_send=settings.esms_sandbox or (draft.test_send and settings.esms_allow_test_sends),
            response_url=draft.response_url,
            approval_ttl_seconds=settings.approval_ttl_hours * 3600 if approval else None,
            approval_channel=settings.approval_channel,
            scheduled_at=scheduled_at,
            thread_ts=draft.thread_ts,
            category=category,
            sms_fallback=sms_fallback,
            sms_text=sms_text if sms_fallback else None,
            held_until=held_until,
            campaign_file=draft.campaign_file,
            step_run=draft.step_run,
            image_file=upload.url if upload else None,
        )


def _with_samples(message: ViberMessage) -> ViberMessage:
    sample: defaultdict[str, str] = defaultdict(lambda: "x")
    return ViberMessage(
        fill(message.text, sample),
        fill(message.image_url, sample, link=True),
        fill(message.button_label, sample),
        fill(message.button_url, sample, link=True),
    )
