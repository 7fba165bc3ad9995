"""What an erasure says to the privacy admin who asked for it: the confirmation (what will be
erased, and the Erase button, whose value is the request's id, never the number), the wait for
eSMS, and the closing note (what was erased, and what the app could not reach). The number is
only ever shown masked (•••••••567)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.i18n import _
from bot.posts.common import section, slack_time

ERASE_ACTION = "privacy_erase"


def _counts(found: Mapping[str, Any]) -> str:
    return _(
        "erase.counts",
        sends=found.get("sends", 0),
        alone=found.get("alone", 0),
        rows=found.get("campaign_rows", 0),
        callbacks=found.get("callbacks", 0),
        history=found.get("history", 0),
        mentions=found.get("mentions", 0),
        posts=found.get("posts", 0),
    )


def _standing(found: Mapping[str, Any]) -> list[str]:
    lines = []
    if found.get("opt_out"):
        lines.append(_("erase.opt_out_stays"))
    if found.get("consent"):
        lines.append(_("erase.consent_goes"))
    if found.get("queued"):
        lines.append(_("erase.queued_cancelled", count=found["queued"]))
    if found.get("in_flight"):
        lines.append(_("erase.in_flight", count=found["in_flight"]))
    return lines


def confirmation(request_id: int, found: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The ephemeral answer to `/viber privacy erase NUMBER`: what will go, and the button."""
    number = str(found.get("number", ""))
    title = _("erase.confirm_title", number=number, id=request_id)
    lines = [title, _counts(found), *_standing(found), _("erase.confirm_hint")]
    text = "\n".join(lines)
    button = {
        "type": "button",
        "action_id": ERASE_ACTION,
        "style": "danger",
        "text": {"type": "plain_text", "text": _("erase.button")},
        "value": str(request_id),  # the request's id: the number stays in the database
        "confirm": {
            "title": {"type": "plain_text", "text": _("erase.dialog_title")},
            "text": {"type": "mrkdwn", "text": _("erase.dialog_text", number=number)},
            "confirm": {"type": "plain_text", "text": _("erase.dialog_yes")},
            "deny": {"type": "plain_text", "text": _("erase.dialog_no")},
            "style": "danger",
        },
    }
    blocks = [section(text), {"type": "actions", "block_id": "erase", "elements": [button]}]
    return text, blocks


def waiting_note(found: Mapping[str, Any], until: float) -> str:
    return _("erase.waiting", number=found.get("number", ""), when=slack_time(until))


def closing_note(
    request_id: int,
    found: Mapping[str, Any],
    done: Mapping[str, Any],
    unreachable: Mapping[str, Any],
) -> str:
    """What was erased, and what the app could not reach (told once, when it is over)."""
    lines = [_("erase.done_title", number=found.get("number", ""), id=request_id), _counts(done)]
    lines += _standing({**done, "in_flight": 0})
    lines.append(
        _("erase.done_posts", edited=done.get("edited", 0), deleted=done.get("deleted", 0))
    )
    lines.append(_("erase.unreachable_title"))
    if count := unreachable.get("unrecorded"):
        lines.append(_("erase.unreachable_unrecorded", count=count))
    if count := unreachable.get("messages"):
        lines.append(_("erase.unreachable_messages", count=count))
    if count := unreachable.get("files"):
        lines.append(_("erase.unreachable_files", count=count))
    if unreachable.get("forced"):
        lines.append(_("erase.unreachable_forced"))
    lines.append(_("erase.unreachable_always"))
    return "\n".join(lines)


def failed_note(found: Mapping[str, Any], reason: str) -> str:
    return _("erase.failed", number=found.get("number", ""), reason=reason)
