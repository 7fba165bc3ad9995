"""Campaign rows in the store, on both databases: a marketing hold keeps the campaign's pace,
and a Cancel never loses a row that reached eSMS."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from bot.core.campaign import plan_campaign
from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.core.model import Category, JobKind, JobState, NewSend
from bot.core.spreadsheet import read_sheet
from bot.esms.client import EsmsClient
from bot.intake.leaving import PAUSED_RECHECK_SECONDS
from bot.jobs.parent import after_parent
from bot.jobs.retry import RetryLater
from bot.jobs.submit import Submissions
from bot.store import Store
from sandbox.standins.esms import API_KEY, BRANDNAME, SECRET_KEY
from tests.e2e.harness import wait_for
from tests.helpers import new_send
from tests.unit.test_worker import app_settings


def campaign(store: Store, count: int, *, category: str = Category.CARE) -> str:
    """A planned campaign of `count` rows, in preview."""
    send_id = store.sends.create(
        NewSend(
            team_id="T",
            channel_id="C",
            user_id="U",
            message=ViberMessage(text="Chào {Tên}"),
            phones=(),
            brandname=BRANDNAME,
            test_send=False,
            category=category,
            campaign_file=("F1", "list.csv", "https://files.example/list.csv"),
        )
    )
    store.sends.mark_parent_posted(
        send_id, "1.1", then=after_parent
    )  # read once its thread is posted
    sheet = "Số điện thoại,Tên\n" + "".join(f"09{i:08d},Khách {i}\n" for i in range(count))
    plan = plan_campaign(read_sheet(sheet.encode(), 10_000), ViberMessage(text="Chào {Tên}"), count)
    assert store.campaigns.save_plan(send_id, plan, plan.invalid)
    return send_id


def submit_times(store: Store, send_id: str) -> list[float]:
    rows = store.db.fetch_all(
        "SELECT run_after FROM jobs WHERE send_id = ? AND kind = ? AND state = ? ORDER BY id",
        (send_id, JobKind.SUBMIT, JobState.QUEUED),
    )
    return [row["run_after"] for row in rows]


def test_a_held_campaign_goes_on_at_its_pace_from_the_opening(store: Store):
    send_id = campaign(store, 1000, category=Category.MARKETING)
    assert store.campaigns.start(send_id, "U", approval_seconds=None, spacing=0.5)
    assert len(submit_times(store, send_id)) == 1000
    opening = time.time() + 3600
    store.sends.hold_for_hours(send_id, opening)  # the first row met the closed hours
    times = sorted(submit_times(store, send_id))
    assert times[0] >= opening + 0.5  # the row that asked goes first, at the opening itself
    gaps = {round(later - earlier, 6) for earlier, later in itertools.pairwise(times)}
    assert gaps == {0.5}  # never stacked at one instant
    assert times[-1] == opening + 1000 * 0.5
    store.sends.hold_for_hours(send_id, opening)  # asked again by another row: unchanged
    assert sorted(submit_times(store, send_id)) == times


@pytest.fixture
def submissions(store: Store, slack_api, esms):
    settings = app_settings(slack_api, esms)
    esms_client = EsmsClient(settings.esms_api_url, API_KEY, SECRET_KEY, timeout_seconds=5)
    return Submissions(settings, store, esms_client)


def _claimed_submit(store: Store):
    for _ in range(5):
        job = store.jobs.claim()
        if job is not None and job.kind == JobKind.SUBMIT:
            return job
        if job is not None:
            store.jobs.finish(job.id)
    raise AssertionError("no submit job")


def test_a_cancel_after_the_row_left_lets_esms_answer_for_it(store: Store, submissions, esms):
    """Claimed, handed to eSMS, then Cancel: the row ends as eSMS said, never `cancelled`."""
    send_id = campaign(store, 1)
    store.campaigns.start(send_id, "U", approval_seconds=None)
    job = _claimed_submit(store)
    esms.send_delay = 1.0  # the call is on its way while Cancel commits
    sending = threading.Thread(target=submissions.submit, args=(job,))
    sending.start()
    (row,) = store.sends.recipients(send_id)
    wait_for(lambda: store.sends.recipient(row.id).state == State.SUBMITTING)
    assert store.campaigns.cancel(send_id, "U")
    sending.join(10)
    assert [s.body["Phones"] for s in esms.submissions] == [[row.phone]]
    assert store.sends.recipient(row.id).state == State.ACCEPTED  # the delivery status says it went


def test_a_cancel_before_the_row_left_sends_nothing(store: Store, submissions, esms):
    """Claimed, then Cancel, then the submit runs: nothing reaches eSMS."""
    send_id = campaign(store, 1)
    store.campaigns.start(send_id, "U", approval_seconds=None)
    job = _claimed_submit(store)
    assert store.campaigns.cancel(send_id, "U")
    submissions.submit(job)
    (row,) = store.sends.recipients(send_id)
    assert esms.submissions == [] and row.state == State.CANCELLED


def test_no_row_reaches_esms_after_its_cancel_committed(store: Store, submissions, esms):
    """Eight rows submitted by four threads while Cancel lands among them: every row eSMS
    received is recorded as sent, and every row recorded cancelled never reached it."""
    send_id = campaign(store, 8)
    store.campaigns.start(send_id, "U", approval_seconds=None)
    esms.send_delay = 0.05
    jobs = [_claimed_submit(store) for _ in range(8)]

    def submit(job) -> None:  # as the runner does: a row told to wait for its slot tries again
        while True:
            try:
                return submissions.submit(job)
            except RetryLater as retry:
                time.sleep(retry.delay or 0.01)

    threads = [threading.Thread(target=submit, args=(job,)) for job in jobs]
    for index, thread in enumerate(threads):
        thread.start()
        if index == 3:
            store.campaigns.cancel(send_id, "U")
    for thread in threads:
        thread.join(10)
    reached = {phone for s in esms.submissions for phone in s.body["Phones"]}
    for row in store.sends.recipients(send_id):
        assert (row.phone in reached) == (row.state == State.ACCEPTED), row
        assert row.state in (State.ACCEPTED, State.CANCELLED)


def test_a_preview_nobody_started_expires_and_its_rows_can_be_purged(store: Store):
    from bot.posts.campaign import milestone_text

    stale, fresh = campaign(store, 3), campaign(store, 2)
    with store.db.transaction() as conn:
        conn.execute(
            "UPDATE campaigns SET updated_at = ? WHERE send_id = ?",
            (time.time() - 80 * 3600, stale),
        )
        conn.execute("UPDATE sends SET created_at = created_at - 80 * 3600")
    assert store.campaigns.expire_previews(time.time() - 72 * 3600) == [stale]
    assert store.campaigns.expire_previews(time.time() - 72 * 3600) == []  # once
    ended = store.campaigns.get(stale)
    assert ended.state == "cancelled" and ended.pause_reason == "expired"
    assert {r.state for r in store.sends.recipients(stale)} == {State.CANCELLED}
    assert store.campaigns.get(fresh).state == "preview"
    assert not store.campaigns.start(stale, "U", approval_seconds=None)  # too late to start
    said = milestone_text(store.sends.get(stale), ended, {})
    assert said and "CAMPAIGN_PREVIEW_HOURS" in said
    assert not store.campaigns.finish_if_done(stale)  # no results file of rows nobody sent
    assert store.privacy.purge(72 * 3600) == 1  # the expired one; the fresh one still waits
    assert all("•" in r.phone for r in store.sends.recipients(stale))


def test_a_row_that_meets_its_campaign_paused_comes_back_to_look_again(
    store: Store, submissions, esms
):
    """Pause parks the queued rows and Resume brings them back; a row running meanwhile is in
    neither, so it looks again a few minutes later instead of waiting for years."""
    send_id = campaign(store, 2)
    store.campaigns.start(send_id, "U", approval_seconds=None)
    job = _claimed_submit(store)
    assert store.campaigns.pause(send_id, "person")
    with pytest.raises(RetryLater) as waiting:
        submissions.submit(job)
    assert 0 < waiting.value.delay <= PAUSED_RECHECK_SECONDS
    assert store.sends.recipient(job.recipient_id).state == State.QUEUED
    assert esms.submissions == []


def test_an_empty_balance_pauses_the_campaign_and_the_row_waits_queued(
    store: Store, submissions, esms
):
    send_id = campaign(store, 2)
    store.campaigns.start(send_id, "U", approval_seconds=None)
    job = _claimed_submit(store)
    esms.balance = 0
    with pytest.raises(RetryLater) as waiting:
        submissions.submit(job)
    assert 0 < waiting.value.delay <= PAUSED_RECHECK_SECONDS
    assert store.campaigns.is_paused(send_id)
    # eSMS took nothing: the row is queued again, so a Cancel now holds for it too.
    assert store.sends.recipient(job.recipient_id).state == State.QUEUED
    assert store.campaigns.cancel(send_id, "U")
    assert store.sends.recipient(job.recipient_id).state == State.CANCELLED


def test_a_row_whose_answer_was_lost_ends_as_esms_answers_even_after_cancel(
    store, submissions, esms
):
    """Handed to eSMS, its answer lost (HTTP 500): Cancel leaves its retry alone, and the retry
    (same RequestId) settles it: never left `submitting` for ever."""
    send_id = campaign(store, 1)
    store.campaigns.start(send_id, "U", approval_seconds=None)
    job = _claimed_submit(store)
    esms.next_failures.append("http500")
    with pytest.raises(RetryLater):
        submissions.submit(job)
    (row,) = store.sends.recipients(send_id)
    assert row.state == State.SUBMITTING
    store.jobs.retry(job.id, 0, "eSMS 500")
    assert store.campaigns.pause(send_id, "person") and store.campaigns.cancel(send_id, "U")
    retry = _claimed_submit(store)  # neither parked by Pause nor dropped by Cancel
    assert retry.recipient_id == row.id
    submissions.submit(retry)
    assert store.sends.recipient(row.id).state == State.ACCEPTED
    assert store.campaigns.finish_if_done(send_id) is False  # accepted is not final yet


def test_a_hold_met_again_after_a_resume_keeps_the_pace(store: Store):
    send_id = campaign(store, 20, category=Category.MARKETING)
    assert store.campaigns.start(send_id, "U", approval_seconds=None, spacing=0.5)
    opening = time.time() + 3600
    store.sends.hold_for_hours(send_id, opening)
    assert store.campaigns.pause(send_id, "balance") and store.campaigns.resume(send_id)
    assert min(submit_times(store, send_id)) < opening  # resumed at night: due before it
    store.sends.hold_for_hours(send_id, opening)  # the hold is set already; a row meets it
    times = sorted(submit_times(store, send_id))
    assert times[0] > opening and len(set(times)) == len(times) == 20


def test_a_preview_waiting_for_its_approvers_is_not_expired_under_them(store: Store):
    send_id = campaign(store, 2)
    assert store.campaigns.start(send_id, "U", approval_seconds=3600)  # asks the approvers
    with store.db.transaction() as conn:
        conn.execute("UPDATE campaigns SET updated_at = ?", (time.time() - 80 * 3600,))
    assert store.campaigns.expire_previews(time.time() - 72 * 3600) == []


def test_a_send_whose_step_ended_never_falls_back_to_sms(store: Store):
    from bot.core.model import StepRunStart

    run = StepRunStart("Fx-ended", "xwfp", "delivered", time.time() + 60)
    send_id = new_send(store, sms_fallback=True, step_run=run)
    (viber,) = store.sends.recipients(send_id)
    store.deliveries.record_submission(viber.id, State.ACCEPTED, sms_id="S1")
    assert store.steps.end_send(send_id, "the workflow step ended: timed out") is False
    store.deliveries.apply_status(viber.id, 5, 0, 1)  # the Viber message failed afterwards
    assert [r.channel for r in store.sends.recipients(send_id)] == ["viber"]


def test_an_agents_send_goes_before_a_campaign_behind_its_schedule(store: Store):
    send_id = campaign(store, 50)
    store.campaigns.start(send_id, "U", approval_seconds=None)
    with store.db.transaction() as conn:  # the machine fell behind: every row is long due
        conn.execute("UPDATE jobs SET run_after = run_after - 3600 WHERE send_id = ?", (send_id,))
        conn.execute("UPDATE jobs SET state = 'done' WHERE kind <> 'submit'")  # only rows left
    agents = new_send(store, ["0987654321"])  # queued after all of them
    first = store.jobs.claim()
    assert (first.send_id, first.kind) == (agents, JobKind.POST_PARENT)
    store.jobs.finish(first.id)
    store.sends.mark_parent_posted(agents, "2.2", then=after_parent)  # its submit is queued now
    second = store.jobs.claim()
    assert (second.send_id, second.kind) == (agents, JobKind.SUBMIT)
    assert store.jobs.claim().send_id == send_id  # then the campaign goes on
