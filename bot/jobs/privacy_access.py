"""An access request carried out: everything the app holds about the number, written as one
JSON file (`bot/exports/held.py`) and sent to the admin who asked, by direct message.

The file goes up through Slack's external upload flow, step by step rather than in one call,
so that its id is recorded before Slack shares it: a run cut off after the share still leaves
a file the removal duty (`bot/jobs/privacy_files.py`) deletes a day later, and the next run
deletes it first, so the asker ends up with one file. The number waits in the request only
until it ends, sent or given up.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import requests

from bot.core.i18n import _
from bot.core.model import Job
from bot.core.phones import mask_phone
from bot.exports.held import Subject, write_held
from bot.jobs.privacy_files import FILE_SECONDS, remove_file
from bot.jobs.retry import RetryLater
from bot.jobs.slack_calls import Refused, SlackCalls, failure_of
from bot.posts.common import vietnam_time
from bot.store import Store
from bot.store.privacy_requests import ANSWERED, FAILED, PrivacyRequest, request_of

log = logging.getLogger(__name__)

UPLOAD_TIMEOUT_SECONDS = 60


class PrivacyAccess:
    """The job that gathers a number's data and sends it to the asker."""

    def __init__(self, store: Store, slack: SlackCalls) -> None:
        self.store, self.slack = store, slack

    def privacy_access(self, job: Job) -> None:
        request = self._request(job)
        phone = self.store.privacy_requests.pending_phone(request.id) if request else None
        if request is None or phone is None:  # ended already (a second run), or gone
            return
        if request.file_id:  # a run before this one may have shared its file: one file only
            problem = remove_file(self.slack.client, request.file_id)
            if problem is not None:
                raise RetryLater(f"an earlier file is still in Slack ({problem})")
        opened = self.slack.answer("conversations_open", send_id=None, users=request.asked_by)
        if isinstance(opened, Refused):
            self._fail(request, f"Slack: {opened.code}", None)
            return
        channel = str(opened["channel"]["id"])
        made_at = time.time()
        removed_at = made_at + FILE_SECONDS
        subject = Subject(phone, request.digest, request.id, request.asked_by, made_at, removed_at)
        with tempfile.TemporaryDirectory(prefix="viber-privacy-") as folder:
            path = Path(folder) / f"privacy-request-{request.id}.json"
            with path.open("w", encoding="utf-8") as out:
                found = write_held(self.store, subject, out)
            problem = self._share(request, path, channel, subject, found)
        if problem is not None:
            self._fail(request, problem, channel)
            return
        done = {"file_sent_at": made_at}
        self.store.privacy_requests.finish(request.id, ANSWERED, found=found, done=done)
        log.info(
            "privacy request %d: file sent to %s (%d messages held)",
            request.id,
            request.asked_by,
            found["messages_held"],
        )

    def give_up_access(self, job: Job, reason: str) -> None:
        request = self._request(job)
        if request is not None and request.done_at is None:
            self._fail(request, reason, request.file_channel)

    def _request(self, job: Job) -> PrivacyRequest | None:
        request_id = request_of(job)
        if request_id is None:
            log.error("job %s names no privacy request", job.id)
            return None
        return self.store.privacy_requests.get(request_id)

    def _share(
        self,
        request: PrivacyRequest,
        path: Path,
        channel: str,
        subject: Subject,
        found: dict[str, object],
    ) -> str | None:
        """Upload the file and share it in the direct message: None once shared, else what
        Slack refused for good."""
        size = path.stat().st_size
        upload = self.slack.answer(
            "files_getUploadURLExternal", send_id=None, filename=path.name, length=size
        )
        if isinstance(upload, Refused):
            return f"Slack: {upload.code}"
        file_id = str(upload["file_id"])
        privacy = self.store.privacy_requests
        privacy.note_file(request.id, file_id, channel, subject.removed_at)
        _post_bytes(str(upload["upload_url"]), path)
        masked = mask_phone(subject.phone)  # the comment stays in Slack; the number only inside
        title = _("privacy.file_title", id=request.id, phone=masked)
        comment = _(
            "privacy.file_comment",
            id=request.id,
            phone=masked,
            messages=found["messages_held"],
            removed=vietnam_time(subject.removed_at),
        )
        shared = self.slack.answer(
            "files_completeUploadExternal",
            send_id=None,  # no send's: the file leaves Slack a day later by itself
            files=[{"id": file_id, "title": title}],
            channel_id=channel,
            initial_comment=comment,
        )
        return f"Slack: {shared.code}" if isinstance(shared, Refused) else None

    def _fail(self, request: PrivacyRequest, reason: str, channel: str | None) -> None:
        """The request ends failed, the number forgotten; a file noted on the way leaves Slack
        now, and the asker is told where the file would have been."""
        if not self.store.privacy_requests.finish(request.id, FAILED, done={"failed": reason}):
            return
        self.store.privacy_requests.remove_file_later(request.id, time.time())
        log.error("privacy request %d failed: %s", request.id, reason)
        text = _("privacy.failed", id=request.id, reason=reason)
        try:  # never retried: the request has ended, and its record says why
            if channel is None:
                opened = self.slack.client.conversations_open(users=request.asked_by)
                channel = str(opened["channel"]["id"])
            self.slack.client.chat_postMessage(channel=channel, text=text)
        except Exception as error:
            code = failure_of(error).code
            log.warning("privacy request %d: the asker was not told: %s", request.id, code)


def _post_bytes(url: str, path: Path) -> None:
    """The file's bytes to Slack's upload URL; RetryLater when Slack did not take them."""
    try:
        with path.open("rb") as content:
            answer = requests.post(url, data=content, timeout=UPLOAD_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise RetryLater(f"file upload failed ({type(error).__name__})") from None
    if answer.status_code != 200:
        raise RetryLater(f"file upload: HTTP {answer.status_code}")
