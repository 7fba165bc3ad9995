"""The job runner with real stores and the Slack and eSMS stand-ins, one job at a time."""

import random
import time

import pytest
from slack_sdk import WebClient

from bot.config import load_settings
from bot.core.callback import parse_callback
from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.core.model import JobKind
from bot.esms.client import EsmsClient
from bot.jobs.pacing import ChannelPacer
from bot.jobs.runner import Worker, backoff_seconds
from bot.store.jobs import enqueue, enqueue_sync
from bot.store.privacy_requests import job_subject
from bot.web.runtime import wire_jobs
from sandbox.standins.esms import API_KEY, BRANDNAME, SECRET_KEY, EsmsStandIn
from sandbox.standins.slack_api import DOWNLOAD, SlackApiStandIn, block_text
from tests.e2e.harness import wait_for
from tests.helpers import new_send


def app_settings(slack_api, esms):
    return load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": "s" * 20,
            "ESMS_API_KEY": API_KEY,
            "ESMS_SECRET_KEY": SECRET_KEY,
            "ESMS_BRANDNAME": BRANDNAME,
            "SLACK_API_URL": slack_api.url + "api/",
            "ESMS_API_URL": esms.url,
            "ESMS_TIMEOUT_SECONDS": "1",
            "PUBLIC_URL": "http://127.0.0.1:9",  # where hosted pictures would be fetched
        }
    )


class Pacing:
    """A channel pacer a test may swap: none in unit tests, unless a test sets one."""

    def __init__(self) -> None:
        self.pacer = ChannelPacer(0)

    def reserve(self, channel):
        return self.pacer.reserve(channel)

    def back_off(self, channel, seconds):
        self.pacer.back_off(channel, seconds)


@pytest.fixture
def pacing():
    return Pacing()


@pytest.fixture
def world(store, pacing, monkeypatch):
    monkeypatch.setattr("bot.jobs.post_edits.EDIT_SECONDS", 0.0)  # no pace for edits here
    slack_api, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    settings = app_settings(slack_api, esms)
    slack = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, retry_handlers=[]
    )
    esms_client = EsmsClient(settings.esms_api_url, API_KEY, SECRET_KEY, timeout_seconds=1)
    worker = Worker(
        store, policies=wire_jobs(settings, store, slack, esms_client, pacing), retry_base=0
    )
    yield store, worker, slack_api, esms
    slack_api.stop()
    esms.stop()


def run_all(store, worker, limit=100):
    """Run due jobs (retries are due at once: base 0) until none is left or the limit is hit."""
    for _ in range(limit):
        if not worker.run_once():
            return


def send(store, phones=("0901234567",), **extra):
    return new_send(store, phones, brandname=BRANDNAME, **extra)


def test_backoff_grows_with_jitter_and_is_capped():
    rng = random.Random(7)
    delays = [backoff_seconds(attempt, 2.0, 300.0, rng) for attempt in range(1, 12)]
    assert 1.0 <= delays[0] <= 2.0 and 8.0 <= delays[3] <= 16.0
    assert all(delay <= 300.0 for delay in delays) and max(delays) > 150
    assert len({round(d, 6) for d in delays}) == len(delays)


def test_a_send_runs_to_an_accepted_thread(world):
    store, worker, slack_api, _ = world
    send_id = send(store, ["0901234567", "0912345678"])
    run_all(store, worker)
    assert {r.state for r in store.sends.recipients(send_id)} == {State.ACCEPTED}
    (parent,) = slack_api.parents()
    assert "Accepted by eSMS 2/2" in block_text(slack_api.messages[parent.ts].blocks)
    assert store.jobs.pending() == 0


def test_a_thread_update_that_keeps_failing_gives_up_with_a_note(world):
    store, worker, slack_api, _ = world
    attempts = worker.policies[JobKind.SYNC_THREAD].attempts
    send_id = send(store)
    run_all(store, worker)
    (parent,) = slack_api.parents()
    slack_api.fail_next("chat.update", times=attempts, status=500)
    (recipient,) = store.sends.recipients(send_id)
    store.deliveries.apply_callback(
        parse_callback(f"SMSID={recipient.sms_id}&SendStatus=5&SendSuccess=1"), "q"
    )
    run_all(store, worker)
    notes = [m.text for m in slack_api.replies(parent.ts)]
    assert any(f"after {attempts} attempts" in note and "Delivered 1/1" in note for note in notes)
    assert store.jobs.pending() == 0


def test_a_parent_slack_never_takes_tells_the_agent_and_sends_nothing(world):
    store, worker, slack_api, esms = world
    attempts = worker.policies[JobKind.POST_PARENT].attempts
    slack_api.fail_next("chat.postMessage", times=attempts, status=503)
    send_id = send(store)
    run_all(store, worker)
    assert store.sends.get(send_id).thread_state == "not_posted"
    assert esms.submissions == []
    assert store.sends.recipients(send_id)[0].state == State.CANCELLED


def post_in_flight(world, slack_seconds):
    """A send whose thread parent Slack is holding for `slack_seconds`, the worker running."""
    store, worker, slack_api, _ = world
    send_id = send(store)
    slack_api.delay["chat.postMessage"] = slack_seconds
    worker.start()
    wait_for(lambda: slack_api.calls_to("chat.postMessage"))
    return send_id


def test_stopping_lets_the_running_job_finish_and_takes_no_other(world):
    store, worker, _, esms = world
    send_id = post_in_flight(world, 0.5)
    worker.stop(timeout=5)
    assert store.sends.get(send_id).parent_ts  # the post in flight was recorded
    assert esms.submissions == [] and store.jobs.pending() == 1  # the submit waits


def test_stopping_waits_no_longer_than_its_timeout_and_says_so(world, caplog):
    store, worker, _, _ = world
    send_id = post_in_flight(world, 2)
    worker.stop(timeout=0.2)
    assert store.sends.get(send_id).parent_ts is None
    assert "stopped with 1 job(s) still running" in caplog.text
    wait_for(lambda: store.sends.get(send_id).parent_ts)  # it still finishes, after the stop


# -- one policy per job kind, each giving up visibly -------------------------------------------


def give_up_posting_the_parent(world):
    store, worker, slack_api, esms = world
    slack_api.fail_next("chat.postMessage", times=50, error="internal_error")
    send_id = send(store)
    run_all(store, worker)
    assert store.sends.get(send_id).thread_state == "not_posted" and esms.submissions == []
    return send_id


def give_up_posting_the_approval_request(world):
    store, worker, slack_api, esms = world
    send_id = send(store, approval_ttl_seconds=3600, approval_channel="CAPPROVE")
    assert worker.run_once()  # the thread parent
    slack_api.fail_next("chat.postMessage", times=50, error="internal_error")
    run_all(store, worker)
    stored = store.sends.get(send_id)
    assert stored.approval_channel is None and stored.awaiting_approval
    parent = slack_api.messages[stored.parent_ts]
    text = block_text(parent.blocks)
    assert "could not be posted in <#CAPPROVE>" in text and "internal_error" in text
    assert any(b.get("block_id") == "approval" for b in parent.blocks)  # the buttons moved here
    assert esms.submissions == []
    return send_id


def give_up_submitting(world):
    store, worker, _, esms = world
    esms.next_failures = ["http500"] * 50
    send_id = send(store)
    run_all(store, worker)
    (recipient,) = store.sends.recipients(send_id)
    assert recipient.state == State.UNCONFIRMED and "4 attempts" in recipient.error_detail
    return send_id


def give_up_refreshing_the_thread(world):
    store, worker, slack_api, _ = world
    send_id = send(store)
    run_all(store, worker)
    slack_api.fail_next("chat.update", times=50, error="internal_error")
    (recipient,) = store.sends.recipients(send_id)
    store.deliveries.apply_callback(
        parse_callback(f"SMSID={recipient.sms_id}&SendStatus=5&SendSuccess=1"), "q"
    )
    run_all(store, worker)
    (parent,) = slack_api.parents()
    assert any("may be out of date" in m.text for m in slack_api.replies(parent.ts))
    return send_id


def campaign(store, slack_api, content=b"phone,ten\n0901234567,Lan\n"):
    upload = slack_api.add_file("khach.csv", content)
    file = ("F1", "khach.csv", upload["url_private_download"])
    return new_send(store, (), message=ViberMessage(text="Chào {ten}"), campaign_file=file)


def give_up_reading_the_campaign_file(world):
    store, worker, slack_api, esms = world
    slack_api.fail_next(DOWNLOAD, times=50, status=500)
    send_id = campaign(store, slack_api)
    run_all(store, worker)
    assert store.campaigns.get(send_id).state == "unreadable"
    assert "could not be read" in store.campaigns.get(send_id).problem
    assert esms.submissions == []
    return send_id


def give_up_uploading_the_results_file(world):
    store, worker, slack_api, _ = world
    send_id = campaign(store, slack_api)
    run_all(store, worker)
    slack_api.fail_next("files.getUploadURLExternal", times=50, error="internal_error")
    store.campaigns.queue_results_again(send_id)
    run_all(store, worker)
    (parent,) = slack_api.parents()
    assert any("results file could not be uploaded" in m.text for m in slack_api.replies(parent.ts))
    return send_id


def give_up_hosting_the_image(world):
    store, worker, slack_api, esms = world
    picture = slack_api.add_file("order.jpg", b"\xff\xd8\xff not downloaded anyway")
    slack_api.fail_next(DOWNLOAD, times=50, status=500)
    send_id = new_send(store, image_file=picture["url_private_download"])
    run_all(store, worker)
    stored = store.sends.get(send_id)
    assert "could not download the uploaded picture" in stored.image_problem
    (parent,) = slack_api.parents()
    assert "could not download the uploaded picture" in block_text(parent.blocks)
    assert esms.submissions == [] and store.sends.recipients(send_id)[0].state == "cancelled"
    return send_id


def give_up_sending_the_privacy_file(world):
    store, worker, slack_api, _ = world
    slack_api.fail_next("conversations.open", times=50, error="internal_error")
    request_id = store.privacy_requests.record(
        "access",
        "-",
        "U0LEAD",
        time.time(),
        "gathering",
        pending_phone="0901234567",
        then=JobKind.PRIVACY_ACCESS,
    )
    run_all(store, worker)
    request = store.privacy_requests.get(request_id)
    assert request.state == "failed" and "internal_error" in request.done["failed"]
    assert store.privacy_requests.pending_phone(request_id) is None  # the number forgotten
    assert slack_api.uploads == []
    return job_subject(request_id)


def give_up_erasing(world):
    """Without DATA_KEY (the command refuses to record a request then) every try fails."""
    store, worker, slack_api, _ = world
    with store.db.transaction() as conn:
        request_id = conn.execute(
            """INSERT INTO privacy_requests (kind, digest, asked_by, asked_at, answer_due,
                   done_due, state, found, pending_phone)
               VALUES ('erase', 'h:0', 'U0ADMIN', ?, 0, 0, 'queued', ?, '0901234567')
               RETURNING id""",
            (time.time(), '{"number": "•••••••567"}'),
        ).fetchone()["id"]
        enqueue(conn, JobKind.ERASE, f"erasure:{request_id}")
    run_all(store, worker)
    request = store.erasures.get(request_id)
    assert request.state == "failed" and "RuntimeError" in request.unreachable["failed"]
    [note] = [m for m in slack_api.messages.values() if m.channel == "U0ADMIN"]
    assert "•••••••567 could not be carried out" in note.text
    row = store.db.fetch_one("SELECT pending_phone FROM privacy_requests")
    assert row["pending_phone"] is None
    return f"erasure:{request_id}"


def give_up_editing_posts(world):
    store, worker, slack_api, _ = world
    send_id = send(store)
    run_all(store, worker)
    slack_api.fail_next("chat.update", times=50, error="internal_error")
    with store.db.transaction() as conn:
        conn.execute(
            """INSERT INTO slack_posts (send_id, channel, ts, kind, text, created_at,
                   edit_state, erasure_id) VALUES (?, 'C1', '1.1', 'message', 'x', 0,
                   'pending', 1)""",
            (send_id,),
        )
        enqueue(conn, JobKind.EDIT_POSTS, send_id)
    run_all(store, worker)
    [post] = store.db.fetch_all("SELECT edit_state, edit_note FROM slack_posts WHERE ts = '1.1'")
    assert post["edit_state"] == "unreachable" and "internal_error" in post["edit_note"]
    return send_id


GIVING_UP = {
    JobKind.PRIVACY_ACCESS: give_up_sending_the_privacy_file,
    JobKind.ERASE: give_up_erasing,
    JobKind.EDIT_POSTS: give_up_editing_posts,
    JobKind.HOST_IMAGE: give_up_hosting_the_image,
    JobKind.READ_CAMPAIGN: give_up_reading_the_campaign_file,
    JobKind.CAMPAIGN_RESULTS: give_up_uploading_the_results_file,
    JobKind.POST_PARENT: give_up_posting_the_parent,
    JobKind.POST_APPROVAL: give_up_posting_the_approval_request,
    JobKind.SUBMIT: give_up_submitting,
    JobKind.SYNC_THREAD: give_up_refreshing_the_thread,
}


@pytest.mark.parametrize("kind", list(JobKind))
def test_every_job_kind_retries_a_bounded_number_of_times_then_gives_up_visibly(world, kind):
    policy = world[1].policies[kind]
    assert policy.attempts >= 1 and 0 < policy.max_backoff_seconds <= 300
    store = world[0]
    send_id = GIVING_UP[kind](world)  # a kind added without a scenario here fails
    with store.db.transaction() as conn:
        jobs = conn.execute(
            "SELECT state, attempts FROM jobs WHERE send_id = ? AND kind = ? ORDER BY id",
            (send_id, kind.value),
        ).fetchall()
    # The last job of that kind (a thread may have had refreshes that went through before).
    assert (jobs[-1]["state"], jobs[-1]["attempts"]) == ("failed", policy.attempts)
    assert all(job["state"] == "done" for job in jobs[:-1])
    assert store.jobs.pending() == 0  # nothing left running or queued behind it


# -- leases held by their worker ---------------------------------------------------------------


def test_a_call_slower_than_the_lease_is_not_run_twice(store, slack_api, esms):
    settings = app_settings(slack_api, esms)
    slack = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=30)
    esms_client = EsmsClient(esms.url, API_KEY, SECRET_KEY)
    policies = wire_jobs(settings, store, slack, esms_client, ChannelPacer(0))
    store.jobs.lease_seconds = 1.0  # Slack holds the post for four leases
    worker = Worker(store, policies=policies, retry_base=0)
    slack_api.delay["chat.postMessage"] = 4
    send_id = send(store)
    worker.start()
    wait_for(lambda: store.sends.get(send_id).parent_ts, timeout=15)
    worker.stop()
    assert len(slack_api.calls_to("chat.postMessage")) == 1 and len(slack_api.parents()) == 1


def test_a_job_whose_holder_stopped_renewing_is_taken_over_and_the_old_holder_cannot_finish_it(
    database_url,
):
    from bot.store import Store

    dead, alive = (Store.open(database_url, job_lease_seconds=60) for _ in range(2))
    try:
        dead.migrate()
        new_send(dead)
        job = dead.jobs.claim()
        assert alive.jobs.claim() is None  # held
        assert dead.jobs.renew({job.id}) == 1 and alive.jobs.renew({job.id}) == 0
        with dead.db.transaction() as conn:  # its holder stopped renewing a lease ago
            conn.execute("UPDATE jobs SET lease_until = lease_until - 61 WHERE id = ?", (job.id,))
        assert alive.jobs.claim().id == job.id  # taken over
        assert not dead.jobs.finish(job.id) and not dead.jobs.retry(job.id, 0, "x")
        assert not dead.jobs.fail(job.id, "x")
        assert dead.jobs.renew({job.id}) == 0 and alive.jobs.renew({job.id}) == 1
        assert alive.jobs.finish(job.id) and alive.jobs.pending() == 0
    finally:
        dead.close()
        alive.close()


def test_a_periodic_duty_longer_than_its_lease_keeps_it(database_url):
    from bot.store import Store

    stores = [Store.open(database_url, job_lease_seconds=60) for _ in range(2)]
    stores[0].migrate()
    running, overlaps, runs = [], [], []

    def reconcile():  # one name for both processes' duty, as in the app
        running.append(1)
        overlaps.append(len(running) > 1)
        runs.append(1)
        time.sleep(2.5)  # far longer than its lease of 3 × 0.3 s, renewed four times as often
        running.pop()

    workers = [
        Worker(store, policies={}, threads=0, periodic=[(0.3, reconcile)]) for store in stores
    ]
    try:
        for worker in workers:
            worker.start()
        wait_for(lambda: len(runs) >= 2, timeout=15)
    finally:
        for worker in workers:
            worker.stop(timeout=3)
        for store in stores:
            store.close()
    assert not any(overlaps)


@pytest.mark.parametrize("refusals", [1, 2])
def test_outcomes_slack_refuses_are_posted_smaller_or_told_never_hidden(world, refusals):
    store, worker, slack_api, _ = world
    send_id = send(store, ["0901234567", "0912345678"])
    run_all(store, worker)
    (parent,) = slack_api.parents()
    for recipient in store.sends.recipients(send_id):
        store.deliveries.apply_callback(
            parse_callback(f"SMSID={recipient.sms_id}&SendStatus=5&SendSuccess=1"), "q"
        )
    slack_api.fail_next("chat.postMessage", times=refusals, error="msg_blocks_too_long")
    run_all(store, worker)
    replies = [m for m in slack_api.replies(parent.ts) if "delivered" in m.text]
    if refusals == 1:  # the same news as plain lines, every number named
        (reply,) = replies
        assert reply.blocks == [] and "0901234567" in reply.text and "0912345678" in reply.text
    else:  # nothing fits: the person who made the send is told, with its id
        assert replies == []
        (note,) = [n for n in slack_api.ephemeral_notes() if send_id in n.text]
        assert note.user == "U1" and "msg_blocks_too_long" in note.text
    assert store.jobs.pending() == 0


def test_outcomes_too_many_for_one_message_go_in_parts_each_posted_once_across_retries(
    world, pacing
):
    store, worker, slack_api, _ = world
    phones = [f"0904{number:06d}" for number in range(50)]
    send_id = send(store, phones)
    run_all(store, worker)
    (parent,) = slack_api.parents()
    detail = ("Lỗi & <x> " * 20)[:200]  # eSMS's own words, escaped to almost twice as long
    with store.db.transaction() as conn:
        conn.execute(
            "UPDATE recipients SET state = ?, error_code = 99, error_detail = ? WHERE send_id = ?",
            (State.REFUSED, detail, send_id),
        )
        enqueue_sync(conn, send_id)
    # The channel's next turn is a minute away once the first part is posted: the job stops
    # there and is tried again later, without counting it as a failure.
    pacing.pacer = ChannelPacer(60)
    wait_for(lambda: (worker.run_once(), slack_api.replies(parent.ts))[1])
    (first,) = slack_api.replies(parent.ts)
    staged = store.replies.pending(send_id)
    assert staged and staged[0].seq == 2
    assert all(r.reported_state == State.REFUSED for r in store.sends.recipients(send_id))

    pacing.pacer = ChannelPacer(0)
    with store.db.transaction() as conn:
        conn.execute("UPDATE jobs SET run_after = 0 WHERE state = 'queued'")
    run_all(store, worker)
    replies = slack_api.replies(parent.ts)
    assert replies[0] is first and len(replies) == 1 + len(staged)
    told = "\n".join(block_text(reply.blocks) for reply in replies)
    assert all(told.count(phone) == 1 for phone in phones)
    assert [r["state"] for r in store.replies.posted(send_id)] == ["posted"] * len(replies)
    assert [r["ts"] for r in store.replies.posted(send_id)] == [r.ts for r in replies]
    assert store.jobs.pending() == 0


def test_a_job_whose_process_dies_each_time_gives_up_after_the_crashes_allowed(world):
    """Three processes died holding the file's read (its lease ran out each time): the next
    one gives it up through the read's own way, with a sentence, and sends nothing."""
    store, worker, slack_api, esms = world
    send_id = campaign(store, slack_api)
    while (job := store.jobs.claim()) and job.kind != JobKind.READ_CAMPAIGN:
        worker._run(job)  # the parent, posted as usual
    for crashes in range(1, worker.max_crashes + 1):
        with store.db.transaction() as conn:  # its holder died: the lease runs out
            conn.execute("UPDATE jobs SET lease_until = 0 WHERE id = ?", (job.id,))
        job = store.jobs.claim()
        assert (job.kind, job.crashes) == (JobKind.READ_CAMPAIGN, crashes)
    worker._run(job)
    problem = store.campaigns.get(send_id).problem
    assert store.campaigns.get(send_id).state == "unreadable"
    assert f"stopped {worker.max_crashes} times" in problem and "Nothing was sent" in problem
    run_all(store, worker)  # the thread says so
    assert slack_api.downloads == [] and esms.submissions == [] and store.jobs.pending() == 0
    (parent,) = slack_api.parents()
    assert any(
        "stopped 3 times" in block_text(m.blocks) + m.text for m in slack_api.replies(parent.ts)
    )


def test_a_job_taken_over_once_runs_again(world):
    store, worker, slack_api, _ = world
    send_id = campaign(store, slack_api)
    run_all(store, worker)
    store.campaigns.queue_results_again(send_id)
    job = store.jobs.claim()
    with store.db.transaction() as conn:
        conn.execute("UPDATE jobs SET lease_until = 0 WHERE id = ?", (job.id,))
    taken = store.jobs.claim()
    assert (taken.id, taken.crashes) == (job.id, 1)
    worker._run(taken)
    assert store.jobs.pending() == 0
    (parent,) = slack_api.parents()
    assert any(m.files for m in slack_api.replies(parent.ts))  # the results file, uploaded


def test_a_campaign_is_previewed_and_its_opt_outs_skipped_a_batch_at_a_time(world, monkeypatch):
    monkeypatch.setattr("bot.store.campaigns.ROWS_BATCH", 2)
    store, worker, slack_api, esms = world
    for number in (1, 4, 6):
        store.optouts.add(f"09{number:08d}", "U0ADMIN", "asked")
    content = "phone,ten\n" + "".join(f"09{n:08d},Khách {n}\n" for n in range(7))
    send_id = campaign(store, slack_api, content.encode())
    run_all(store, worker)
    stored = store.sends.recipients(send_id)  # stored two rows at a time, in file order
    assert [(r.phone, r.row_number) for r in stored] == [(f"09{n:08d}", n + 2) for n in range(7)]
    states = [r.state for r in stored]
    assert states.count(State.SKIPPED) == 3 and states.count(State.QUEUED) == 4
    (parent,) = slack_api.parents()
    preview = next(m.text for m in slack_api.replies(parent.ts) if "Preview" in m.text)
    assert "7 rows read: 7 valid" in preview and "*4 to send*" in preview, preview
    assert esms.submissions == []


def test_a_database_failing_between_jobs_does_not_end_the_worker_thread(world, monkeypatch):
    store, worker, _, _ = world
    real = store.jobs.next_due
    met = []  # each thread meets one failure, as when the database drops every connection

    def next_due():
        if len(met) < worker.thread_count:
            met.append(1)
            raise RuntimeError("server closed the connection")
        return real()

    monkeypatch.setattr(store.jobs, "next_due", next_due)
    worker.start()
    try:
        wait_for(lambda: len(met) == worker.thread_count)
        send_id = send(store)  # stored after every thread met its failure
        wait_for(lambda: store.sends.get(send_id).parent_ts, timeout=15)
    finally:
        worker.stop(timeout=5)
