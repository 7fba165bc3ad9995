"""`/viber privacy …`: a data subject's requests, for PRIVACY_ADMINS (default: REPORT_ADMINS).
`/viber privacy NUMBER` sends what the app holds about the number by direct message; `erase
NUMBER` erases it everywhere, after a confirmation; `requests` lists the requests recorded.

An access request is recorded with its job before it is acknowledged (the number waits in it
only until the file is sent); the job gathers and uploads (`bot/jobs/privacy_access.py`),
never on Slack's listener threads.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.core.formatting import VIETNAM
from bot.core.i18n import _
from bot.core.model import JobKind
from bot.core.phones import mask_phone, normalize_phone
from bot.core.privacy import answer_due, carry_out_due, digest
from bot.core.privacy_command import PrivacyCommand
from bot.posts.common import escape, listing, person
from bot.slack import erasure
from bot.slack.erasure import ErasureNeeds
from bot.slack.people import PeopleList
from bot.store import Store
from bot.store import erasure as erasure_store
from bot.store.privacy_requests import (
    ACCESS,
    ANSWERED,
    ERASE,
    FAILED,
    GATHERING,
    NO_DIGEST,
    PrivacyRequest,
)

log = logging.getLogger(__name__)

LIST_LIMIT = 50  # read per page; as many as fit in Slack's 4,000 characters are shown


@dataclass(frozen=True)
class PrivacyNeeds:
    """What `/viber privacy …` reads."""

    store: Store
    data_key: str | None  # DATA_KEY: a request links to its number's digest only with it
    admins: PeopleList | None  # PRIVACY_ADMINS; None when unset (and REPORT_ADMINS too): no one
    erasure: ErasureNeeds  # `erase NUMBER` and its button


def answer(
    needs: PrivacyNeeds,
    request: PrivacyCommand,
    command: dict[str, Any],
    ack: Ack,
    respond: Respond,
    client: WebClient,
) -> None:
    """The reply to `/viber privacy …`; only PRIVACY_ADMINS are answered anything but why not."""
    user_id = command["user_id"]
    if needs.admins is None or not needs.admins.contains(user_id, fresh=True):
        ack(text=_("privacy.not_admin"), response_type="ephemeral")
        return
    if request.action == ERASE:
        erasure.answer(needs.erasure, request, user_id, ack)
        return
    if request.action == ACCESS:
        text = ask_access(needs, request.number, user_id)
    elif request.action == "requests":
        text = requests_list(needs.store, request.start)
    else:
        text = _("privacy.usage")
    ack(text=text, response_type="ephemeral")


def ask_access(needs: PrivacyNeeds, number: str, user_id: str) -> str:
    """Record the request and queue its job; the answer says what comes and by when. A number
    that is not one records nothing.

    Without DATA_KEY the request is still recorded and carried out: the customer's right does
    not wait for the app's configuration. It is recorded without a link to the number ("-"),
    and the answer says so."""
    phone = normalize_phone(number)
    if phone is None:
        return _("privacy.bad_number", number=escape(number[:40]) or "…")
    asked_at = time.time()
    key = needs.data_key
    request_id = needs.store.privacy_requests.record(
        ACCESS,
        digest(key, phone) if key else NO_DIGEST,
        user_id,
        asked_at,
        GATHERING,
        pending_phone=phone,
        then=JobKind.PRIVACY_ACCESS,
    )
    log.info("privacy request %d: access to %s asked by %s", request_id, mask_phone(phone), user_id)
    text = _(
        "privacy.gathering",
        id=request_id,
        phone=phone,
        answer_due=_when(answer_due(asked_at)),
        done_due=_when(carry_out_due(asked_at)),
    )
    return text if key else text + "\n" + _("privacy.no_key")


def requests_list(store: Store, start: int) -> str:
    """The requests recorded, the latest first, from the `start`-th: never a number."""
    total = store.privacy_requests.count()
    if not total:
        return _("privacy.requests_none")
    entries = [_entry(r) for r in store.privacy_requests.listing(LIST_LIMIT, start - 1)]
    title = _("privacy.requests_title", count=total)
    return listing(title, entries, start, total, "privacy requests")


def _entry(request: PrivacyRequest) -> str:
    kinds = {ACCESS: _("privacy.kind_access"), ERASE: _("privacy.kind_erase")}
    return _(
        "privacy.entry",
        id=request.id,
        kind=kinds.get(request.kind, escape(request.kind)),
        who=person(request.asked_by),
        asked=_when(request.asked_at),
        answer_due=_when(request.answer_due),
        done_due=_when(request.done_due),
        state=_state(request),
    )


def _state(request: PrivacyRequest) -> str:
    """Where the request stands and what was done, in words."""
    done = request.done or {}
    if request.state == GATHERING:
        return _("privacy.state_gathering")
    if request.state == FAILED:
        at = _when(request.done_at) if request.done_at else "?"
        # An access request keeps why in what it did, an erasure in what it could not reach.
        why = done.get("failed") or _unreached(request).get("failed", "?")
        return _("privacy.state_failed", at=at, reason=escape(str(why)))
    if request.state == ANSWERED and request.kind == ACCESS:
        text = _("privacy.state_answered", at=_when(done.get("file_sent_at") or request.done_at))
        if done.get("file_removed_at"):
            return text + _("privacy.file_removed", at=_when(done["file_removed_at"]))
        if request.remove_file_at:
            return text + _("privacy.file_due", at=_when(request.remove_file_at))
        return text
    if request.kind == ERASE and request.state == erasure_store.DONE:
        return _("privacy.state_erased", at=_when(request.done_at))
    if request.kind == ERASE and request.state in _ERASE_STATES:
        return _(f"privacy.state_{request.state}")
    return escape(request.state)


def _unreached(request: PrivacyRequest) -> dict[str, Any]:
    """What an erasure could not reach, as it recorded it (JSON)."""
    try:
        unreached = json.loads(request.unreachable or "{}")
    except ValueError:
        return {}
    return unreached if isinstance(unreached, dict) else {}


_ERASE_STATES = {
    erasure_store.CONFIRMING,
    erasure_store.QUEUED,
    erasure_store.WAITING,
    erasure_store.EDITING,
    erasure_store.EXPIRED,
}


def _when(epoch: float | None) -> str:
    """`2026-12-07 10:03`, Vietnam time (the list's title says so once)."""
    if epoch is None:
        return "?"
    return datetime.fromtimestamp(epoch, VIETNAM).strftime("%Y-%m-%d %H:%M")
