"""`/viber export FROM TO [number]`: every recipient of those days' sends as a CSV file, sent to
the asker by direct message; for REPORT_ADMINS only.

The listener only checks and acknowledges; the file is written (a batch at a time, into a
temporary file) and uploaded on the look-ups executor, never on Slack's listener threads, and
whatever goes wrong there is told to the asker.
"""

from __future__ import annotations

import logging
import tempfile
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.core.command_text import ExportCommand
from bot.core.i18n import _, plural
from bot.exports import problem_sentence, records, write_csv
from bot.posts.common import escape
from bot.slack.later import answer_later
from bot.slack.people import PeopleList
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportNeeds:
    """What `/viber export …` reads."""

    store: Store
    admins: PeopleList | None  # REPORT_ADMINS (TEMPLATE_ADMINS by default); None: unset
    lookups: Executor  # the file is written and uploaded here, off Slack's listener threads


def answer(
    needs: ExportNeeds,
    request: ExportCommand,
    command: dict[str, Any],
    ack: Ack,
    respond: Respond,
    client: WebClient,
) -> None:
    """Refuse at once what can be refused; otherwise acknowledge and export off this thread."""
    user = command["user_id"]
    admins = needs.admins
    if admins is None:
        ack(text=_("export.no_admins"), response_type="ephemeral")
        return
    if admins.contains(user, fresh=False) is False:
        ack(text=_("export.not_admin"), response_type="ephemeral")
        return
    if request.problem:
        ack(text=problem_sentence(request, escape), response_type="ephemeral")
        return
    ack(text=_("export.preparing", **_words(request)), response_type="ephemeral")
    work = partial(_export_to_dm, needs.store, admins, client, request, user)
    keys = {"slack_failed": "export.slack_failed", "failed": "export.failed"}
    needs.lookups.submit(answer_later, respond, user, "export", work, **keys)


def _words(request: ExportCommand) -> dict[str, str]:
    phone = _("export.to_phone", phone=request.phone) if request.phone else ""
    return {"start": str(request.start), "end": str(request.end), "phone": phone}


def _export_to_dm(
    store: Store, admins: PeopleList, client: WebClient, request: ExportCommand, user: str
) -> str:
    """What to tell the asker once the file is in their direct messages (or why it is not)."""
    # Read afresh: someone taken out of a REPORT_ADMINS group loses the right at once.
    allowed = admins.contains(user, fresh=True)
    if allowed is not True:
        return _("export.cannot_check" if allowed is None else "export.not_admin")
    words = _words(request)
    name = (
        f"viber-sends-{request.start}-{request.end}{f'-{request.phone}' if request.phone else ''}"
    )
    with tempfile.TemporaryDirectory(prefix="viber-export-") as folder:
        path = Path(folder) / f"{name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as out:  # a BOM: Excel reads UTF-8
            count = write_csv(records(store, request), out)
        if count == 0:
            return _("export.empty", **words)
        noun = plural(count, "export.line", "export.lines")
        dm = client.conversations_open(users=user)["channel"]["id"]
        upload = {
            "channel": dm,
            "filename": path.name,
            "title": _("export.title", **words),
            "initial_comment": _("export.comment", count=count, noun=noun, **words),
        }
        shared = client.files_upload_v2(file=str(path), **upload)
        # An export of one number names it: an erasure of that number deletes the file.
        data = shared.data if isinstance(shared.data, dict) else {}
        store.slack_posts.record_call(None, "files_upload_v2", upload, data)
    log.info("export of %d lines sent to %s", count, user)
    return _("export.sent", count=count, noun=noun)
