"""The composer modal: open it (command or message shortcut), refill it from a template, submit it."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.command_text import slack_markup_to_text, unnamed_mentions
from bot.core.i18n import _
from bot.core.message import MAX_TEXT, ViberMessage
from bot.core.schedule import check_send_at
from bot.intake import Draft, Intake, Refused, Surface
from bot.posts.common import escape
from bot.posts.composer import (
    COMPOSER_CALLBACK_ID,
    PICK_TEMPLATE_ACTION,
    ComposerContext,
    ComposerOptions,
    composer_view,
)
from bot.posts.composer_values import submitted_image, submitted_values
from bot.slack.binding import bind
from bot.slack.sms_choice import SmsFallback, SmsTemplates, choose_sms
from bot.store import Store

log = logging.getLogger(__name__)

SHORTCUT_CALLBACK_ID = "send_on_viber"
# The shortcut's trigger_id expires 3 s after the click: names are looked up for at most this
# many people, in parallel, for at most this long; the others keep their user ID.
NAME_LOOKUPS = 5
NAME_SECONDS = 1.0


@dataclass(frozen=True)
class ComposeNeeds:
    """What the composer reads (`/viber` alone opens it with these too)."""

    store: Store  # the Viber templates it offers
    intake: Intake  # every submission goes through it
    sms_templates: SmsTemplates  # the SMS fallback's registered templates
    sms: SmsFallback
    brandnames: tuple[str, ...]  # ESMS_BRANDNAMES, offered in the composer
    test_mode: bool  # ESMS_SANDBOX: every send is a test send
    allow_test_sends: bool  # ESMS_ALLOW_TEST_SENDS: the composer offers a test send
    image_upload: bool  # a picture may be uploaded: eSMS can fetch what the app hosts
    image_max_side: int  # IMAGE_MAX_SIDE, said in the upload's hint


def register(app: App, needs: ComposeNeeds) -> None:
    app.shortcut(SHORTCUT_CALLBACK_ID)(bind(from_message, needs))
    app.action(PICK_TEMPLATE_ACTION)(bind(pick_template, needs))
    app.view(COMPOSER_CALLBACK_ID)(bind(submit, needs))


def composer_options(needs: ComposeNeeds) -> ComposerOptions:
    return ComposerOptions(
        brandnames=needs.brandnames,
        test_mode=needs.test_mode,
        allow_test_sends=needs.allow_test_sends,
        templates=tuple(needs.store.templates.all()),
        sms_brandname=needs.sms.brandname,
        sms_default=needs.sms.ticked,
        sms_templates=tuple(needs.sms_templates.get() or ()),
        image_upload=needs.image_upload,
        image_max_side=needs.image_max_side,
    )


def open_composer(
    needs: ComposeNeeds,
    client: WebClient,
    trigger_id: str,
    context: ComposerContext,
    prefill: ViberMessage | None = None,
) -> str | None:
    """Open the modal; returns Slack's error code when it would not."""
    view = composer_view(context, composer_options(needs), prefill=prefill)
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        code = str(error.response.get("error"))
        log.warning("views.open failed: %s", code)
        return code
    return None


def display_names(client: WebClient, user_ids: Sequence[str]) -> dict[str, str]:
    """Names for mentions, from users.info; whoever Slack has not answered for in
    NAME_SECONDS is left out (the lookups still running finish on their own)."""
    if not user_ids:
        return {}
    pool = ThreadPoolExecutor(max_workers=len(user_ids), thread_name_prefix="names")
    futures = {pool.submit(_display_name, client, user_id): user_id for user_id in user_ids}
    done, _pending = wait(futures, timeout=NAME_SECONDS)
    pool.shutdown(wait=False, cancel_futures=True)
    return {futures[future]: name for future in done if (name := future.result())}


def _display_name(client: WebClient, user_id: str) -> str | None:
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except Exception as error:  # the mention then keeps its user ID
        log.info("users.info failed: %s", type(error).__name__)
        return None
    profile = user.get("profile") or {}
    return profile.get("display_name") or profile.get("real_name") or user.get("name") or None


def from_message(
    needs: ComposeNeeds,
    ack: Ack,
    shortcut: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    """The message shortcut: the composer, filled with the message's text, in its thread."""
    ack()
    message = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id", "")
    # Replies in a thread point at its root; the send joins that same thread.
    thread_ts = message.get("thread_ts") or message.get("ts")
    context = ComposerContext(channel, shortcut.get("response_url"), thread_ts=thread_ts)
    raw = str(message.get("text") or "")
    names = display_names(client, unnamed_mentions(raw)[:NAME_LOOKUPS])
    text = ViberMessage.from_fields(text=slack_markup_to_text(raw, names)).text[:MAX_TEXT]
    problem = open_composer(needs, client, shortcut["trigger_id"], context, ViberMessage(text=text))
    if problem and shortcut.get("response_url"):
        respond(_("cmd.no_composer", code=escape(problem)))


def pick_template(
    needs: ComposeNeeds,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
) -> None:
    """Refill the open composer from a template, keeping the recipients typed so far."""
    ack()
    view = body.get("view") or {}
    context = ComposerContext.load(view.get("private_metadata", ""))
    name = (action.get("selected_option") or {}).get("value", "")
    templates = needs.store.templates
    template = templates.all().get(name)
    if context is None or template is None:
        return
    values, _block_ids = submitted_values((view.get("state") or {}).get("values") or {})
    refilled = replace(context, version=context.version + 1, template=name)
    new_view = composer_view(
        refilled,
        composer_options(needs),
        recipients=values["recipients"],
        prefill=template,
        category=templates.category(name),
    )
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
    except SlackApiError as error:  # hash_conflict: the person kept typing; their text wins
        log.info("template not applied: %s", error.response.get("error"))


def submit(needs: ComposeNeeds, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Hand the submission to the intake; its problems go back under their input blocks."""
    context = ComposerContext.load(view.get("private_metadata", ""))
    state = (view.get("state") or {}).get("values") or {}
    values, block_ids = submitted_values(state)
    if context is None:
        ack(response_action="errors", errors={block_ids["recipients"]: _("err.form_expired")})
        return
    message = ViberMessage.from_fields(
        text=values["text"],
        image_url=values["image_url"],
        button_label=values["button_label"],
        button_url=values["button_url"],
    )
    kind = needs.intake.kind(context.template, values["category"])
    choice = choose_sms(values, message, kind, needs.sms, needs.sms_templates.get())
    errors = dict(choice.errors)
    scheduled_at, problem = check_send_at(values["send_at"], time.time())
    if problem:
        errors["send_at"] = problem
    user = body.get("user") or {}
    draft = Draft(
        surface=Surface.SHORTCUT if context.thread_ts else Surface.COMPOSER,
        team_id=(body.get("team") or {}).get("id", ""),
        channel_id=context.channel_id,
        user_id=user.get("id", ""),
        recipients=values["recipients"],
        message=message,
        template=context.template,
        category=values["category"],
        brandname=values["brandname"],
        test_send=values["test_send"] == "yes",
        scheduled_at=scheduled_at,
        sms_fallback=choice.wanted,
        sms_text=choice.text,
        response_url=context.response_url,
        thread_ts=context.thread_ts,
        image_upload=submitted_image(state),
    )
    outcome = needs.intake.accept(draft, also=errors)
    if isinstance(outcome, Refused):
        shown = {
            block_ids.get(_SHOWN_UNDER.get(k, k), block_ids["recipients"]): v
            for k, v in outcome.errors.items()
        }
        ack(response_action="errors", errors=shown)
        return
    ack()


# Problems without a field of their own in the composer are shown under the numbers.
_SHOWN_UNDER = {"access": "recipients", "template": "text"}
