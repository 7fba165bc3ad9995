"""`/viber status NUMBER|SMSID`, `/viber history [N]` and `/viber balance`: what became of
sends, and what is left to spend."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond

from bot.core.command_text import HistoryLookup, StatusLookup
from bot.core.formatting import format_vnd
from bot.core.i18n import _, plural
from bot.core.model import Approval
from bot.core.phones import normalize_phone
from bot.esms import codes
from bot.esms.client import EsmsClient, EsmsError, EsmsRefused
from bot.posts.common import escape
from bot.posts.lookup import approval_trail, lookup_text, send_summary
from bot.slack.people import PeopleList
from bot.store import Store

STATUS_LIMIT = 5


@dataclass(frozen=True)
class LookupNeeds:
    """What the look-ups read."""

    store: Store
    approvers: PeopleList  # APPROVERS also read each approval's trail
    esms: EsmsClient  # for the balance only
    # Answers that need eSMS are computed here, never on Slack's listener threads.
    lookups: Executor
    low_balance: int | None  # ESMS_LOW_BALANCE: below it, the balance comes with a warning


def sends(
    needs: LookupNeeds, request: StatusLookup | HistoryLookup, command: dict[str, Any]
) -> str:
    """The answer to `/viber status …` or `/viber history …`."""
    store = needs.store
    # Full lines only for the asker's own sends and this channel's (Slack lets only members
    # use a command in a channel); any other send, perhaps in a private channel, is counted.
    asker = {"user_id": command["user_id"], "channel_id": command["channel_id"]}
    if isinstance(request, HistoryLookup):
        # This channel's sends only, whoever sent them.
        found, elsewhere = store.sends.recent(command["channel_id"], request.count), 0
        title, empty = _("lookup.history_title", count=len(found)), _("lookup.history_empty")
    elif not request.query:
        return _("lookup.which")
    else:
        phone = normalize_phone(request.query)
        if phone:
            found, elsewhere = store.sends.to_phone(phone, STATUS_LIMIT, **asker)
            title, empty = (
                _("lookup.phone_title", phone=phone),
                _("lookup.phone_empty", phone=phone),
            )
        else:
            found, elsewhere = store.sends.with_sms_id(request.query.strip(), **asker)
            title = _("lookup.smsid_title", sms_id=escape(request.query.strip()[:64]))
            empty = _("lookup.smsid_empty")
    lines = [send_summary(send, store.sends.recipients(send.id)) for send in found]
    # Approvers also read each approval's trail (approval_events) under its send.
    approvals = isinstance(request, StatusLookup) and any(
        s.approval != Approval.NONE for s in found
    )
    # A user group as last read: this only decides what a look-up shows.
    if approvals and needs.approvers.contains(command["user_id"], fresh=False) is True:
        for index, send in enumerate(found):
            if trail := approval_trail(send, store.approvals.events(send.id)):
                lines[index] += "\n" + trail
    if elsewhere:
        noun = plural(elsewhere, "lookup.send_elsewhere", "lookup.sends_elsewhere")
        key = "lookup.elsewhere_more" if lines else "lookup.elsewhere_only"
        lines.append(_(key, count=elsewhere, noun=noun))
    return lookup_text(title, lines, empty)


def balance(needs: LookupNeeds, respond: Respond) -> None:
    """`/viber balance`, answered through the response URL once eSMS has (on `lookups`)."""
    try:
        amount = needs.esms.balance()
    except EsmsRefused as refusal:
        problem = codes.describe(refusal.code, refusal.error_message)
    except EsmsError as error:
        problem = str(error)
    else:
        text = _("balance.value", amount=format_vnd(amount))
        low = needs.low_balance
        if low is not None and amount < low:
            text += _("balance.low", amount=format_vnd(low))
        respond(text=text, response_type="ephemeral", replace_original=True)
        return
    respond(
        text=_("balance.failed", error=escape(problem)),
        response_type="ephemeral",
        replace_original=True,
    )
