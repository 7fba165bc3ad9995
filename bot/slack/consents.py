"""Consent to marketing from Slack: `/viber consent add NUMBER EVIDENCE` records what a customer
agreed to and how, given now; `remove NUMBER [reason]` withdraws it; `/viber consent NUMBER`
shows it and its latest changes. Anyone allowed to send may: the access middleware refuses
everyone else before a command reaches this module, as it does for opt-outs."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.command_text import ConsentCommand
from bot.core.consent import (
    CUSTOMER,
    MAX_EVIDENCE,
    SOURCE_CUSTOMER,
    SOURCE_IMPORT,
    SOURCE_OPT_OUT,
    SOURCE_SLACK,
    Consent,
    evidence_problem,
)
from bot.core.formatting import VIETNAM, vietnam_day
from bot.core.i18n import _
from bot.core.model import OptOut
from bot.core.phones import mask_phone, normalize_phone
from bot.core.slack_limits import ANSWER_TEXT, shorten
from bot.posts.common import escape, person
from bot.store import Store
from bot.store.consents import GIVE, Given, NewConsent

log = logging.getLogger(__name__)

# The history's answer within Slack's budget: the consent as it stands shows this much of its
# evidence; each change shares what is left, its evidence shortened to fit.
STATE_EVIDENCE = 600
HISTORY_MARGIN = 100  # the line breaks and the final guard's room


@dataclass(frozen=True)
class ConsentNeeds:
    """What `/viber consent …` reads."""

    store: Store


def answer(needs: ConsentNeeds, request: ConsentCommand, user_id: str) -> str:
    """The reply to `/viber consent …`; a refused request changes nothing."""
    if request.action not in ("add", "remove", "history"):
        return _("consent.usage")
    phone = normalize_phone(request.number)
    if phone is None:
        number = escape(request.number[:40]) or "…"
        return _("opt.bad_number", number=number) + "\n" + _("consent.usage")
    if request.action == "add":
        return _give(needs.store, phone, request.text.strip(), user_id)
    if request.action == "remove":
        return _withdraw(needs.store, phone, request.text.strip()[:MAX_EVIDENCE], user_id)
    return _history(needs.store, phone)


def _give(store: Store, phone: str, evidence: str, user_id: str) -> str:
    problem = evidence_problem(evidence)
    if problem:
        return _("consent.not_recorded", phone=phone, problem=_(problem))
    before = store.consents.get(phone)
    new = NewConsent(phone, evidence, given_at=time.time())
    given = store.consents.give(new, user_id, SOURCE_SLACK)
    if given is Given.OPTED_OUT:
        opt_out = store.optouts.get(phone)
        day = vietnam_day(opt_out.added_at) if opt_out else "?"
        return _("consent.opted_out", phone=phone, day=day)
    if given is Given.SAME:
        return _("consent.same", phone=phone)
    log.info("consent recorded for %s by %s", mask_phone(phone), user_id)
    text = _(
        "consent.recorded", phone=phone, day=vietnam_day(new.given_at), evidence=_plain(evidence)
    )
    if before is not None:
        text += "\n" + _("consent.replaced", day=vietnam_day(before.given_at))
    return text


def _withdraw(store: Store, phone: str, reason: str, user_id: str) -> str:
    if not store.consents.withdraw(phone, user_id, SOURCE_SLACK, reason or None):
        return _("consent.missing", phone=phone)
    log.info("consent withdrawn for %s by %s", mask_phone(phone), user_id)
    return _("consent.withdrawn", phone=phone)


def _history(store: Store, phone: str) -> str:
    events, total = store.consents.history(phone)
    current, opt_out = store.consents.get(phone), store.optouts.get(phone)
    if not events and current is None and opt_out is None:
        return _("consent.no_history", phone=phone)
    return history_text(phone, current, opt_out, events, total)


def history_text(
    phone: str,
    current: Consent | None,
    opt_out: OptOut | None,
    events: Sequence[Mapping[str, object]],
    total: int,
) -> str:
    """The number's consent as it stands, then its latest changes (oldest first), within
    Slack's budget for an answer whatever the evidence's length."""
    lines = [_("consent.history_title", phone=phone)]
    if opt_out is not None:
        lines.append(_("consent.state_opted_out", day=vietnam_day(opt_out.added_at)))
    if current is not None:
        evidence = shorten(_plain(current.evidence), STATE_EVIDENCE)
        lines.append(
            _(
                "consent.state",
                day=vietnam_day(current.given_at),
                how=_how(current.source),
                who=_who(current.recorded_by),
                recorded=_moment(current.recorded_at),
                evidence=evidence,
            )
        )
    elif opt_out is None:
        lines.append(_("consent.state_none"))
    if events:
        lines.append(_("consent.changes"))
    if total > len(events):
        lines.append(_("consent.earlier", count=total - len(events)))
    head = "\n".join(lines)
    each = (ANSWER_TEXT - len(head) - HISTORY_MARGIN) // max(len(events), 1)
    changes = [shorten("• " + _change(event), max(each - 1, 20)) for event in events]
    return shorten("\n".join([head, *changes]), ANSWER_TEXT)


def _change(event: Mapping[str, object]) -> str:
    """One change as the record holds it: {at, actor, action, source, evidence, given_at}."""
    at, given_at = event["at"], event["given_at"]
    when = _moment(at) if isinstance(at, int | float) else "?"
    who, how = _who(str(event["actor"])), _how(str(event["source"]))
    words = _plain(str(event["evidence"] or ""))
    if event["action"] == GIVE:
        day = vietnam_day(given_at) if isinstance(given_at, int | float) else "?"
        return _("consent.change_give", when=when, who=who, day=day, how=how, evidence=words)
    withdrawn = _("consent.change_withdraw", when=when, who=who, how=how)
    return f"{withdrawn}: {words}" if words else withdrawn


def _plain(text: str) -> str:
    """User text on one line, unable to become Slack markup."""
    return escape(" ".join(text.split()))


def _moment(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, VIETNAM).strftime("%Y-%m-%d %H:%M")


def _who(actor: str) -> str:
    return _("consent.the_customer") if actor == CUSTOMER else person(actor)


def _how(source: str) -> str:
    """The way a change came, in words; one the app does not know by its own name."""
    words = {
        SOURCE_SLACK: _("consent.via_slack"),
        SOURCE_IMPORT: _("consent.via_import"),
        SOURCE_CUSTOMER: _("consent.via_customer"),
        SOURCE_OPT_OUT: _("consent.via_opt_out"),
    }
    return words.get(source) or escape(source)
