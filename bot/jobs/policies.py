"""One policy per kind of job: what runs it, how often it may fail, how long its retries may
wait, and what giving up leaves behind. Complete by construction: the app refuses to start with
a kind that has none, and a test drives every kind to its give-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.model import Job, JobKind
from bot.jobs.images import give_up_image, host_image
from bot.jobs.tasks import Tasks


@dataclass(frozen=True)
class JobPolicy:
    """How one kind of job runs, retries and gives up."""

    run: Callable[[Tasks, Job], None]
    attempts: int  # failed attempts before giving up; a wait Slack asks for (429) is not one
    max_backoff_seconds: float  # the longest pause between two attempts
    give_up: Callable[[Tasks, Job, str], None]  # leaves the send true and visible


POLICIES: dict[JobKind, JobPolicy] = {
    JobKind.POST_PARENT: JobPolicy(Tasks.post_parent, 10, 300.0, Tasks.give_up_parent),
    JobKind.POST_APPROVAL: JobPolicy(Tasks.post_approval, 8, 120.0, Tasks.move_approval_to_thread),
    # A customer is waiting: retries stay close together, and the thread says when they end.
    JobKind.SUBMIT: JobPolicy(Tasks.submit, 4, 60.0, Tasks.mark_unconfirmed),
    JobKind.SYNC_THREAD: JobPolicy(Tasks.sync_thread, 12, 300.0, Tasks.note_out_of_date),
    JobKind.READ_CAMPAIGN: JobPolicy(Tasks.read_campaign, 6, 120.0, Tasks.give_up_reading),
    JobKind.CAMPAIGN_RESULTS: JobPolicy(Tasks.campaign_results, 8, 300.0, Tasks.give_up_results),
    JobKind.HOST_IMAGE: JobPolicy(host_image, 6, 60.0, give_up_image),
}
# A kind without a policy would crash the runner the first time it fails: refuse to start.
if set(POLICIES) != set(JobKind):
    raise ImportError(f"no job policy for {sorted(set(JobKind) - set(POLICIES))}")
