"""Editing what the app posted, once an erasure masked the number in it (`slack_posts`): each
message is replaced (`chat.update`) by its stored text and blocks, masked; each file of an
erased send is deleted (`files.delete`), a file being beyond editing. Slack allows about 50
edits a minute per workspace: one pace for every process, kept in the database. A message Slack
says is gone, or will not let the app edit, is out of reach and recorded so.

A send's posts are edited by a job on its thread's line (after any refresh that read the
number, before any that reads after the erasure); posts of no send by one of the erasure's."""

from __future__ import annotations

import logging

from bot.core.model import Job
from bot.jobs.retry import RetryLater
from bot.jobs.slack_calls import Refused, SlackCalls
from bot.store import Store
from bot.store.erasure import request_id_of
from bot.store.slack_posts import EDITED, UNREACHABLE, Post

log = logging.getLogger(__name__)

PACE = "slack-edits"  # the lease whose turns every process takes
EDIT_SECONDS = 1.5  # 40 edits a minute, under Slack's 50, leaving room for the threads'
GONE = {"file_not_found", "file_deleted"}  # a file already gone is as good as deleted


class PostEdits:
    def __init__(self, store: Store, slack: SlackCalls, *, interval: float | None = None):
        self.store, self.slack = store, slack
        self.interval = EDIT_SECONDS if interval is None else interval

    def _whose(self, job: Job) -> tuple[str | None, int | None]:
        erasure_id = request_id_of(job.send_id)
        return (None, erasure_id) if erasure_id is not None else (job.send_id, None)

    def edit_posts(self, job: Job) -> None:
        send_id, erasure_id = self._whose(job)
        while posts := self.store.slack_posts.pending(send_id, erasure_id):
            for post in posts:
                if wait := self.store.leases.take_turn(PACE, self.interval):
                    raise RetryLater("waiting for Slack's pace for edits", wait)
                try:
                    state, note = self._edit(post)
                except RetryLater as retry:
                    if retry.delay:  # Slack's Retry-After holds for every process's edits
                        self.store.leases.delay_turn(PACE, retry.delay)
                    raise
                self.store.slack_posts.finish(post.id, state, note)

    def give_up(self, job: Job, reason: str) -> None:
        send_id, erasure_id = self._whose(job)
        self.store.slack_posts.give_up(send_id, erasure_id, reason[:300])

    def _edit(self, post: Post) -> tuple[str, str | None]:
        """Slack's answer to one edit (or deletion): edited, or out of reach and why."""
        if post.file_id:
            answer = self.slack.answer("files_delete", send_id=post.send_id, file=post.file_id)
            if isinstance(answer, Refused) and answer.code not in GONE:
                log.warning("file %s of an erased send not deleted: %s", post.file_id, answer.code)
                return UNREACHABLE, answer.code
            return EDITED, None
        if not post.ts or not (post.text or post.blocks):
            return UNREACHABLE, "not kept"  # purged before its edit: nothing to put back
        # Blocks as stored, masked: an edit without them would keep the old ones.
        blocks = {"blocks": post.blocks} if post.blocks is not None else {}
        refused = self.slack.call(
            "chat_update",
            send_id=post.send_id,
            channel=post.channel,
            ts=post.ts,
            text=post.text or "",
            **blocks,
        )
        if refused is not None:
            return UNREACHABLE, refused.code
        return EDITED, None
