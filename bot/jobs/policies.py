"""One policy per kind of job: what runs it, how often it may fail, how long its retries may
wait, and what giving up leaves behind. Complete by construction: `job_policies` refuses a
table without every kind (so the app refuses to start), and a test drives every kind to its
give-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.model import Job, JobKind
from bot.jobs.campaign import CampaignReading
from bot.jobs.campaign_results import CampaignResults
from bot.jobs.erasure import ErasureRuns
from bot.jobs.images import ImageHosting
from bot.jobs.parent import ParentPosts
from bot.jobs.post_edits import PostEdits
from bot.jobs.privacy_access import PrivacyAccess
from bot.jobs.refresh import ThreadRefresh
from bot.jobs.submit import Submissions


@dataclass(frozen=True)
class JobPolicy:
    """How one kind of job runs, retries and gives up."""

    run: Callable[[Job], None]
    attempts: int  # failed attempts before giving up; a wait Slack asks for (429) is not one
    max_backoff_seconds: float  # the longest pause between two attempts
    give_up: Callable[[Job, str], None]  # leaves the send true and visible


def job_policies(
    *,
    parents: ParentPosts,
    threads: ThreadRefresh,
    submissions: Submissions,
    reading: CampaignReading,
    results: CampaignResults,
    images: ImageHosting,
    privacy: PrivacyAccess,
    erasures: ErasureRuns,
    edits: PostEdits,
) -> dict[JobKind, JobPolicy]:
    """Each kind's policy, bound to the task object that runs it."""
    policies = {
        JobKind.POST_PARENT: JobPolicy(parents.post_parent, 10, 300.0, parents.give_up_parent),
        JobKind.POST_APPROVAL: JobPolicy(
            parents.post_approval, 8, 120.0, parents.move_approval_to_thread
        ),
        # A customer is waiting: retries stay close together, and the thread says when they end.
        JobKind.SUBMIT: JobPolicy(submissions.submit, 4, 60.0, submissions.mark_unconfirmed),
        JobKind.SYNC_THREAD: JobPolicy(threads.sync_thread, 12, 300.0, threads.note_out_of_date),
        JobKind.READ_CAMPAIGN: JobPolicy(reading.read_campaign, 6, 120.0, reading.give_up_reading),
        JobKind.CAMPAIGN_RESULTS: JobPolicy(
            results.campaign_results, 8, 300.0, results.give_up_results
        ),
        JobKind.HOST_IMAGE: JobPolicy(images.host_image, 6, 60.0, images.give_up),
        # An admin waits for the file; the request records how it ended either way.
        JobKind.PRIVACY_ACCESS: JobPolicy(privacy.privacy_access, 6, 120.0, privacy.give_up_access),
        # Its waits (eSMS, the edits) are no failed attempts: only errors count.
        JobKind.ERASE: JobPolicy(erasures.erase, 8, 300.0, erasures.give_up),
        JobKind.EDIT_POSTS: JobPolicy(edits.edit_posts, 8, 300.0, edits.give_up),
    }
    # A kind without a policy would crash the runner the first time it fails: refuse to start.
    if missing := set(JobKind) - set(policies):
        raise ValueError(f"no job policy for {sorted(missing)}")
    return policies
