"""Campaigns from Slack: `/viber campaign` (and the Home tab's button) opens the modal; its
submission stores the campaign before Slack hears back (the file is read afterwards); Start,
Pause, Resume and Cancel on the thread parent; `/viber campaign results ID`."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.i18n import _
from bot.core.message import ViberMessage
from bot.core.model import Send
from bot.core.schedule import check_send_at
from bot.intake import Draft, Intake, Refused, Surface
from bot.posts.campaign import (
    CAMPAIGN_CALLBACK_ID,
    OPEN_ACTION,
    PAUSE_ACTION,
    RESUME_ACTION,
    START_ACTION,
    STOP_ACTION,
    campaign_modal,
)
from bot.posts.common import INPUT_ACTION_ID, uploaded_image
from bot.posts.composer import ComposerContext
from bot.slack.binding import bind
from bot.slack.people import PeopleList
from bot.store import Store

log = logging.getLogger(__name__)

CSV_NAMES = (".csv", ".txt")


@dataclass(frozen=True)
class CampaignNeeds:
    """What the campaign modal, its controls and `/viber campaign …` read."""

    store: Store
    intake: Intake  # the modal's submission, and Start and Resume asked again
    approvers: PeopleList  # APPROVERS may control anyone's campaign
    sms_brandname: str | None  # ESMS_SMS_BRANDNAME: the modal offers the SMS fallback
    approval_required: bool  # APPROVAL_REQUIRED: Start asks the approvers
    approval_ttl_hours: float  # APPROVAL_TTL_HOURS: how long that request stays open
    approval_channel: str | None  # APPROVAL_CHANNEL: where it is posted, if not in the thread
    max_per_second: float  # ESMS_MAX_PER_SECOND: the rows' pace
    image_upload: bool  # a picture may be uploaded: eSMS can fetch what the app hosts
    image_max_side: int  # IMAGE_MAX_SIDE, said in the upload's hint


def register(app: App, needs: CampaignNeeds) -> None:
    app.view(CAMPAIGN_CALLBACK_ID)(bind(submit, needs))
    app.action(OPEN_ACTION)(bind(open_from_home, needs))
    for action in (START_ACTION, PAUSE_ACTION, RESUME_ACTION, STOP_ACTION):
        app.action(action)(bind(control, needs))


def open_modal(
    needs: CampaignNeeds, client: WebClient, trigger_id: str, channel_id: str
) -> str | None:
    """Open the campaign modal; Slack's error code when it would not."""
    view = campaign_modal(
        ComposerContext(channel_id).dump(),
        tuple(needs.store.templates.all()),
        sms_brandname=needs.sms_brandname,
        ask_channel=not channel_id,
        image_upload=needs.image_upload,
        image_max_side=needs.image_max_side,
    )
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        return str(error.response.get("error"))
    return None


def open_from_home(needs: CampaignNeeds, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    problem = open_modal(needs, client, body.get("trigger_id", ""), "")
    if problem:
        log.warning("campaign modal not opened from Home: %s", problem)


def _values(state: dict[str, Any]) -> dict[str, Any]:
    """Each block's value: text, the selected option's value, files, a time, a channel."""
    values: dict[str, Any] = defaultdict(str)
    for block_id, block in (state or {}).items():
        element = block.get(INPUT_ACTION_ID) if isinstance(block, dict) else None
        if not isinstance(element, dict):
            continue
        if isinstance(element.get("files"), list):
            values[block_id] = element["files"]
        elif isinstance(element.get("value"), str):
            values[block_id] = element["value"]
        elif isinstance(element.get("selected_option"), dict):
            values[block_id] = str(element["selected_option"].get("value") or "")
        elif isinstance(element.get("selected_options"), list):
            values[block_id] = ",".join(
                str(o.get("value")) for o in element["selected_options"] if isinstance(o, dict)
            )
        elif isinstance(element.get("selected_date_time"), int):
            values[block_id] = str(element["selected_date_time"])
        elif isinstance(element.get("selected_conversation"), str):
            values[block_id] = element["selected_conversation"]
    return values


def submit(needs: CampaignNeeds, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Check what can be checked at once (the file is read after the acknowledgement)."""
    values = _values((view.get("state") or {}).get("values") or {})
    context = ComposerContext.load(view.get("private_metadata", ""))
    channel = (context.channel_id if context else "") or values["channel"]
    errors: dict[str, str] = {}
    files = [f for f in values["file"] or [] if isinstance(f, dict)]
    upload = files[0] if files else None
    if upload is None or not upload.get("url_private_download"):
        errors["file"] = _("camp.err_no_file")
    elif not str(upload.get("name", "")).lower().endswith(CSV_NAMES) and (
        upload.get("filetype") not in ("csv", "text")
    ):
        errors["file"] = _("camp.err_not_csv")
    scheduled_at, problem = check_send_at(values["send_at"], time.time())
    if problem:
        errors["send_at"] = problem
    if not channel:
        errors["channel"] = _("camp.err_channel")
    campaign_file = (
        str((upload or {}).get("id", "")),
        str((upload or {}).get("name", "file.csv"))[:200],
        str((upload or {}).get("url_private_download", "")),
    )
    draft = Draft(
        surface=Surface.CAMPAIGN,
        team_id=(body.get("team") or {}).get("id", ""),
        channel_id=channel,
        user_id=(body.get("user") or {}).get("id", ""),
        message=ViberMessage.from_fields(
            values["text"], values["image_url"], values["button_label"], values["button_url"]
        ),
        template=values["template"],
        category=values["category"],
        scheduled_at=scheduled_at,
        sms_fallback="yes" in values["sms_fallback"].split(","),
        campaign_file=campaign_file,
        image_upload=uploaded_image(values["image_file"] or None),
    )
    outcome = needs.intake.accept(draft, also=errors)
    if isinstance(outcome, Refused):
        blocks = {block["block_id"] for block in view.get("blocks", []) if "block_id" in block}
        shown = {k if k in blocks else "file": v for k, v in outcome.errors.items()}
        ack(response_action="errors", errors=shown)
        return
    log.info("campaign %s stored by %s in %s", outcome.send_id, draft.user_id, channel)
    ack()


def control(
    needs: CampaignNeeds, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """Start, Pause, Resume, Cancel: for the campaign's author and the approvers."""
    ack()
    user_id = (body.get("user") or {}).get("id", "")
    send = needs.store.sends.get(str(action.get("value", "")))
    problem = _control(needs, send, user_id, action.get("action_id", ""))
    if problem:
        respond(text=problem, response_type="ephemeral", replace_original=False)


def _control(needs: CampaignNeeds, send: Send | None, user_id: str, action: str) -> str | None:
    if send is None or not send.campaign:
        return _("camp.gone")
    approver = needs.approvers.contains(user_id, fresh=True)
    if user_id != send.user_id and not approver:
        return _("camp.not_allowed", user=send.user_id)
    # What sends is asked again, whoever clicks (the author, or an approver for them): the
    # author may have lost the right to send, or to send marketing, since the preview.
    if action in (START_ACTION, RESUME_ACTION) and (problem := needs.intake.still_allowed(send)):
        return problem
    campaigns = needs.store.campaigns
    if action == START_ACTION:
        ttl = needs.approval_ttl_hours * 3600 if needs.approval_required else None
        started = campaigns.start(
            send.id,
            user_id,
            approval_seconds=ttl,
            approval_channel=needs.approval_channel,
            spacing=1.0 / needs.max_per_second,
        )
        done = started is not None
    elif action == PAUSE_ACTION:
        done = campaigns.pause(send.id, "person")
    elif action == RESUME_ACTION:
        done = campaigns.resume(send.id)
    else:
        done = campaigns.cancel(send.id, user_id)
    if done:
        log.info("campaign %s: %s by %s", send.id, action, user_id)
        return None
    return _("camp.not_now")


def results_command(needs: CampaignNeeds, send_id: str, user_id: str, channel_id: str) -> str:
    """`/viber campaign results ID` (or `report ID`, the older word): the results file is
    uploaded into the campaign's thread again."""
    send = needs.store.sends.get(send_id.strip())
    if send is None or not send.campaign:
        return _("camp.no_such", send_id=send_id[:40])
    if send.user_id != user_id and send.channel_id != channel_id:
        return _("camp.elsewhere")
    needs.store.campaigns.queue_results_again(send.id)
    return _("camp.results_coming", channel=send.channel_id)
