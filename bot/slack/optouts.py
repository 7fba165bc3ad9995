"""Opt-outs from Slack: `/viber optout add|remove|list`, and "Customer asked to stop" on a
recipient's reply in a thread. Anyone allowed to send may add a number; only OPTOUT_ADMINS
(default: the template admins) may take one off the list."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.command_text import OptOutCommand
from bot.core.formatting import vietnam_day
from bot.core.i18n import _
from bot.core.model import MAX_OPT_OUT_REASON, OptOut
from bot.core.phones import normalize_phone
from bot.core.privacy import is_digest
from bot.posts.buttons import OPT_OUT_ACTION
from bot.posts.common import escape, listing, person
from bot.slack.binding import bind
from bot.slack.people import PeopleList
from bot.store import Store

log = logging.getLogger(__name__)

LIST_LIMIT = 50


@dataclass(frozen=True)
class OptOutNeeds:
    """What "Customer asked to stop" and `/viber optout …` read."""

    store: Store
    senders: PeopleList | None  # ALLOWED_USERS; None when unset: everyone may add a number
    admins: PeopleList | None  # OPTOUT_ADMINS; None when unset: no one may remove a number


def register(app: App, needs: OptOutNeeds) -> None:
    app.action(OPT_OUT_ACTION)(bind(stop_recipient, needs))


def _entry(opt_out: OptOut) -> str:
    reason = f" · {escape(opt_out.reason)}" if opt_out.reason else ""
    by = f" · {person(opt_out.added_by)}" if opt_out.added_by else ""
    # An erased number stays on the list as its digest, which names no one.
    who = _("privacy.erased_number") if is_digest(opt_out.phone) else opt_out.phone
    return f"• {who} · {vietnam_day(opt_out.added_at)}{by}{reason}"


def answer(needs: OptOutNeeds, request: OptOutCommand, user_id: str) -> str:
    """The reply to `/viber optout …`."""
    store, admins = needs.store, needs.admins
    if request.action == "list":
        total = store.optouts.count()
        if not total:
            return _("opt.none")
        entries = store.optouts.all(LIST_LIMIT, offset=request.start - 1)
        title = _("opt.title", count=total)
        return listing(title, list(map(_entry, entries)), request.start, total, "optout list")
    if request.action not in ("add", "remove"):
        return _("opt.usage")
    phone = normalize_phone(request.number)
    if phone is None:
        return _("opt.bad_number", number=escape(request.number[:40]) or "…") + _("opt.usage")
    if request.action == "add":
        reason = request.reason[:MAX_OPT_OUT_REASON] or None
        added = store.optouts.add(phone, user_id, reason)
        if added is None:
            existing = store.optouts.get(phone)
            return _(
                "opt.already", phone=phone, day=vietnam_day(existing.added_at) if existing else "?"
            )
        log.info("opt-out added by %s", user_id)
        return _("opt.added", phone=phone)
    if admins is None:
        return _("opt.no_admins")
    if not admins.contains(user_id, fresh=True):
        return _("opt.not_admin")
    if not store.optouts.remove(phone, user_id, request.reason[:MAX_OPT_OUT_REASON] or None):
        return _("opt.missing", phone=phone)
    log.info("opt-out removed by %s", user_id)
    return _("opt.removed", phone=phone)


def stop_recipient(
    needs: OptOutNeeds,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    """ "Customer asked to stop" (confirmed in Slack's dialog): the number joins the opt-outs,
    and the thread says who recorded it."""
    ack()
    user_id = (body.get("user") or {}).get("id", "")
    value = str(action.get("value", ""))
    valid = re.fullmatch(r"[0-9]{1,18}", value)  # a row id, nothing a database would choke on
    store, senders = needs.store, needs.senders
    recipient = store.sends.recipient(int(value)) if valid else None
    if senders is not None and not senders.contains(user_id, fresh=True):
        problem: str | None = _("access.user")
    elif recipient is None:
        problem = _("opt.gone")
    else:
        problem = None
    if problem or recipient is None:
        respond(text=problem or _("opt.gone"), response_type="ephemeral", replace_original=False)
        return
    number = recipient.opt_out_key
    if number is None:  # purged: the app no longer knows whom it was sent to
        respond(text=_("opt.purged"), response_type="ephemeral", replace_original=False)
        return
    added = store.optouts.add(number, user_id, _("opt.reason_thread"))
    if added is None:
        existing = store.optouts.get(number)
        day = vietnam_day(existing.added_at) if existing else "?"
        text = _("opt.already", phone=recipient.phone, day=day)
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    log.info("opt-out added from a thread by %s", user_id)
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    thread_ts = message.get("thread_ts") or message.get("ts")
    note = _("opt.recorded", user=user_id, phone=recipient.phone)
    arguments: dict[str, Any] = {"channel": channel or "", "thread_ts": thread_ts, "text": note}
    try:
        posted = client.chat_postMessage(**arguments)
    except Exception as error:  # the opt-out holds; only the note is missing
        log.warning("opt-out note not posted: %s", type(error).__name__)
        respond(text=note, response_type="ephemeral", replace_original=False)
        return
    # Kept with its send, as every post is, for an erasure of the number to find.
    data = posted.data if isinstance(posted.data, dict) else {}
    store.slack_posts.record_call(recipient.send_id, "chat_postMessage", arguments, data)
