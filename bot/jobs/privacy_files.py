"""An access request's file leaves Slack a day after it was sent: a periodic duty, run by the
one process holding its lease, deletes each file due (`files.delete`, the app's own file with
the bot token). A file already gone counts as removed; one Slack would not delete now is tried
again ten minutes later, so a day of Slack trouble costs a few calls per file, not one a run.
"""

from __future__ import annotations

import logging
import time

from slack_sdk import WebClient

from bot.jobs.slack_calls import failure_of
from bot.store import Store

log = logging.getLogger(__name__)

FILE_SECONDS = 24 * 3600.0  # how long the file stays in the asker's direct messages
RETRY_SECONDS = 600.0
BATCH = 20  # files removed per run; the rest wait for the next one, seconds later
GONE = frozenset({"file_not_found", "file_deleted"})  # removed already, by someone or by us


def remove_file(client: WebClient, file_id: str) -> str | None:
    """Delete the app's file from Slack: None once it is gone (now or before), else why not."""
    try:
        client.files_delete(file=file_id)
    except Exception as error:
        failed = failure_of(error)
        return None if failed.code in GONE else failed.reason
    return None


class PrivacyFiles:
    def __init__(self, store: Store, client: WebClient) -> None:
        self.store, self.client = store, client

    def remove_due(self) -> int:
        """Delete the files due to leave Slack; returns how many went."""
        removed = 0
        for request in self.store.privacy_requests.files_due(time.time(), BATCH):
            file_id = request.file_id or ""
            problem = remove_file(self.client, file_id)
            if problem is not None:
                log.warning("privacy request %d: file not removed yet: %s", request.id, problem)
                later = time.time() + RETRY_SECONDS
                self.store.privacy_requests.remove_file_later(request.id, later)
                continue
            self.store.privacy_requests.file_removed(request.id, file_id, time.time())
            log.info("privacy request %d: file removed from Slack", request.id)
            removed += 1
        return removed
