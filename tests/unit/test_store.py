import threading
import time

import pytest

from bot.core.callback import parse_callback
from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.core.model import Approval, JobKind, NewSend, ThreadState
from bot.db import SCHEMA_VERSION
from bot.jobs.parent import after_parent
from tests.helpers import drain, new_send

TWO_PHONES = ("0901234567", "0912345678")


def test_migrate_is_idempotent(store):
    assert store.migrate() == SCHEMA_VERSION


def test_a_send_is_stored_with_one_request_id_per_recipient_and_a_post_job(store):
    send_id = new_send(store, TWO_PHONES)
    recipients = store.sends.recipients(send_id)
    assert [r.phone for r in recipients] == ["0901234567", "0912345678"]
    assert len({r.request_id for r in recipients}) == 2
    assert all(r.state == State.QUEUED for r in recipients)
    assert drain(store) == [JobKind.POST_PARENT]


def test_posting_the_parent_releases_one_submit_per_recipient_once(store):
    send_id = new_send(store, TWO_PHONES)
    drain(store)
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    store.sends.mark_parent_posted(send_id, "1.2", then=after_parent)  # a repeat changes nothing
    assert store.sends.get(send_id).parent_ts == "1.1"
    assert drain(store) == [JobKind.SUBMIT, JobKind.SUBMIT]


def test_posting_the_parent_queues_exactly_what_the_job_names(store):
    send_id = new_send(store, TWO_PHONES)
    drain(store)
    store.sends.mark_parent_posted(send_id, "1.1", then=lambda send: ())
    assert store.sends.get(send_id).parent_ts == "1.1" and drain(store) == []


def test_the_thread_and_what_follows_it_are_stored_together(store):
    send_id = new_send(store, TWO_PHONES)
    drain(store)

    def crash(send):
        raise RuntimeError("the process died here")

    with pytest.raises(RuntimeError):
        store.sends.mark_parent_posted(send_id, "1.1", then=crash)
    assert store.sends.get(send_id).thread_state == ThreadState.NEW  # neither was stored
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)  # the job's next attempt
    assert drain(store) == [JobKind.SUBMIT, JobKind.SUBMIT]


def test_not_posted_cancels_every_recipient(store):
    send_id = new_send(store, TWO_PHONES)
    store.sends.mark_not_posted(send_id, "no access")
    assert store.sends.get(send_id).thread_state == ThreadState.NOT_POSTED
    assert {r.state for r in store.sends.recipients(send_id)} == {State.CANCELLED}


def test_thread_jobs_run_in_order_and_never_together(store):
    send_id = new_send(store, ["0901234567"])
    first = store.jobs.claim()
    assert first.kind == JobKind.POST_PARENT
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    recipient = store.sends.recipients(send_id)[0]
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")  # queues a sync
    # The submit may run, but the sync must wait until the parent job is done.
    claimed = store.jobs.claim()
    assert claimed.kind == JobKind.SUBMIT
    assert store.jobs.claim() is None
    store.jobs.finish(first.id)
    assert store.jobs.claim().kind == JobKind.SYNC_THREAD


def test_waiting_refreshes_coalesce(store):
    send_id = new_send(store, ["0901234567"])
    drain(store)
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    drain(store)
    recipient = store.sends.recipients(send_id)[0]
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")
    for status in ("2", "7", "5&SendSuccess=1"):
        store.deliveries.apply_callback(parse_callback(f"SMSID=S1&SendStatus={status}"), "q")
    assert drain(store) == [JobKind.SYNC_THREAD]


def test_callbacks_merge_idempotently_and_never_go_back(store):
    send_id = new_send(store, ["0901234567"])
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    recipient = store.sends.recipients(send_id)[0]
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")
    delivered = parse_callback("SMSID=S1&SendStatus=5&SendSuccess=1")
    assert store.deliveries.apply_callback(delivered, "a").changed
    assert not store.deliveries.apply_callback(delivered, "b").changed
    assert not store.deliveries.apply_callback(parse_callback("SMSID=S1&SendStatus=7"), "c").changed
    assert store.sends.recipient(recipient.id).state == State.DELIVERED
    assert store.deliveries.count_callbacks() == 3


def test_unknown_sms_id_is_kept_raw_and_changes_nothing(store):
    outcome = store.deliveries.apply_callback(
        parse_callback("SMSID=NOPE&SendStatus=5"), "SMSID=NOPE&SendStatus=5"
    )
    assert not outcome.matched
    assert store.deliveries.count_callbacks("unmatched") == 1
    assert store.jobs.pending() == 0


def test_callback_before_the_send_answer_is_matched_by_request_id(store):
    send_id = new_send(store, ["0901234567"])
    recipient = store.sends.recipients(send_id)[0]
    query = f"SMSID=S9&SendStatus=5&SendSuccess=1&RequestId={recipient.request_id}"
    assert store.deliveries.apply_callback(parse_callback(query), query).changed
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S9")
    assert store.sends.recipient(recipient.id).state == State.DELIVERED


def test_callback_without_request_id_waits_for_its_sms_id(store):
    send_id = new_send(store, ["0901234567"])
    recipient = store.sends.recipients(send_id)[0]
    query = "SMSID=S10&SendStatus=5&SendSuccess=1"
    assert not store.deliveries.apply_callback(parse_callback(query), query).matched
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S10")
    assert store.sends.recipient(recipient.id).state == State.DELIVERED
    assert store.deliveries.count_callbacks("applied") == 1


def test_concurrent_callbacks_lose_nothing(store):
    send_id = new_send(store, [f"09{i:08d}" for i in range(20)])
    for index, recipient in enumerate(store.sends.recipients(send_id)):
        store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id=f"S{index}")

    def hammer(index):
        for status in ("2", "7", "5&SendSuccess=1", "7"):
            query = f"SMSID=S{index}&SendStatus={status}"
            store.deliveries.apply_callback(parse_callback(query), query)

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.deliveries.count_callbacks() == 80
    assert {r.state for r in store.sends.recipients(send_id)} == {State.DELIVERED}


def test_retry_with_server_directed_wait_does_not_count_as_an_attempt(store):
    new_send(store, ["0901234567"])
    job = store.jobs.claim()
    store.jobs.retry(job.id, 0, "429", count_attempt=False)
    assert store.jobs.claim().attempts == 1


def approval_send(store, ttl=3600.0):
    send_id = new_send(store, approval_ttl_seconds=ttl)
    drain(store)
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    return send_id


def test_a_pending_approval_holds_back_every_submit(store):
    approval_send(store)
    assert drain(store) == []


def test_a_pending_approval_with_a_channel_is_asked_there_first(store):
    send_id = new_send(store, approval_ttl_seconds=3600.0, approval_channel="CAPPROVE")
    drain(store)
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    assert drain(store) == [JobKind.POST_APPROVAL]


def test_an_approval_that_expired_while_the_parent_was_posted_releases_nothing(store):
    send_id = new_send(store, approval_ttl_seconds=-1.0, approval_channel="CAPPROVE")
    assert store.approvals.expire() == [send_id]
    drain(store)
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)  # asked of the send now
    assert drain(store) == []


def test_exactly_one_concurrent_decision_wins_and_releases_the_recipients_once(store):
    send_id = approval_send(store)
    results = []

    def decide(actor):
        results.append(store.approvals.decide(send_id, Approval.APPROVED, actor).won)

    threads = [threading.Thread(target=decide, args=(f"U{i}",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    assert sorted(drain(store)) == [JobKind.SUBMIT, JobKind.SYNC_THREAD]
    assert len(store.approvals.events(send_id)) == 1


def test_rejection_cancels_and_records_the_reason(store):
    send_id = approval_send(store)
    decision = store.approvals.decide(send_id, Approval.REJECTED, "U2", "wrong price")
    assert decision.won and decision.send.decision_reason == "wrong price"
    assert store.sends.recipients(send_id)[0].state == State.CANCELLED
    assert drain(store) == [JobKind.SYNC_THREAD]
    assert not store.approvals.decide(send_id, Approval.APPROVED, "U3").won
    (event,) = store.approvals.events(send_id)
    assert (
        event["actor"] == "U2"
        and event["action"] == "rejected"
        and event["reason"] == "wrong price"
    )


def test_expiry_settles_overdue_requests_and_a_late_click_loses(store):
    overdue = approval_send(store, ttl=-1)
    fresh = approval_send(store)
    assert store.approvals.expire() == [overdue]
    assert store.sends.get(overdue).approval == Approval.EXPIRED
    assert store.sends.get(fresh).approval == Approval.PENDING
    assert not store.approvals.decide(overdue, Approval.APPROVED, "U2").won


def test_a_click_after_the_deadline_expires_the_request_itself(store):
    send_id = approval_send(store, ttl=-1)
    decision = store.approvals.decide(send_id, Approval.APPROVED, "U2")
    assert not decision.won and decision.send.approval == Approval.EXPIRED


def test_purge_erases_content_and_numbers_of_settled_sends_only(store):
    settled = new_send(store, ["0901234567"])
    in_flight = new_send(store, ["0912345678"])
    store.sends.mark_parent_posted(settled, "1.1", then=after_parent)
    (done,) = store.sends.recipients(settled)
    store.deliveries.record_submission(done.id, State.ACCEPTED, sms_id="S1")
    store.deliveries.apply_callback(
        parse_callback("SMSID=S1&SendStatus=5&SendSuccess=1&TotalPrice=470"), "SMSID=S1&..."
    )
    assert store.privacy.purge(0) == 1
    purged = store.sends.get(settled)
    assert purged.message.text == "" and purged.response_url is None
    (recipient,) = store.sends.recipients(settled)
    assert recipient.phone == "•••••••567" and recipient.state == State.DELIVERED
    assert store.sends.get(in_flight).message.text == "Hi"
    assert store.sends.recipients(in_flight)[0].phone == "0912345678"
    assert store.deliveries.count_callbacks("applied") == 1
    assert store.privacy.purge(0) == 0  # already purged


def test_look_ups_show_own_and_this_channels_sends_and_count_the_others(store):
    def send(user, channel):
        return store.sends.create(
            NewSend(
                team_id="T",
                channel_id=channel,
                user_id=user,
                message=ViberMessage(text="Hi"),
                phones=("0901234567",),
                brandname="B",
                test_send=False,
            )
        )

    mine, colleague = send("U1", "C1"), send("U2", "C1")
    elsewhere, private = send("U1", "C2"), send("U3", "G9")
    found = store.sends.to_phone("0901234567", 5, user_id="U1", channel_id="C1")
    assert [s.id for s in found.sends] == [elsewhere, colleague, mine] and found.elsewhere == 1
    found = store.sends.to_phone("0901234567", 2, user_id="U1", channel_id="C1")
    assert [s.id for s in found.sends] == [elsewhere, colleague] and found.elsewhere == 1
    assert store.sends.to_phone("0901234567", 5, user_id="U4", channel_id="C7") == ([], 4)
    assert store.sends.to_phone("0912345678", 5, user_id="U1", channel_id="C1") == ([], 0)
    (recipient,) = store.sends.recipients(private)
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S-PRIVATE")
    assert store.sends.with_sms_id("S-PRIVATE", user_id="U1", channel_id="C1") == ([], 1)
    assert (
        store.sends.with_sms_id("S-PRIVATE", user_id="U3", channel_id="C1").sends[0].id == private
    )
    assert (
        store.sends.with_sms_id("S-PRIVATE", user_id="U1", channel_id="G9").sends[0].id == private
    )
    assert store.sends.with_sms_id("S-NONE", user_id="U1", channel_id="C1") == ([], 0)


def test_purge_takes_old_test_sends_whatever_their_state_once_submitted(store):
    def test_send(phone):
        return new_send(store, (phone,), test_send=True)

    accepted, waiting = test_send("0901234567"), test_send("0912345678")
    store.sends.mark_parent_posted(accepted, "1.1", then=after_parent)
    (recipient,) = store.sends.recipients(accepted)
    store.deliveries.record_submission(
        recipient.id, State.ACCEPTED, sms_id="S1"
    )  # the sandbox stops here
    assert store.privacy.purge(3600) == 0  # younger than the cut-off
    assert store.privacy.purge(0) == 1
    assert store.sends.get(accepted).message.text == ""
    (recipient,) = store.sends.recipients(accepted)
    assert recipient.phone == "•••••••567" and recipient.state == State.ACCEPTED
    # Not submitted yet: purged now, it would go to eSMS with a masked number.
    assert store.sends.recipients(waiting)[0].phone == "0912345678"
    assert store.sends.get(waiting).message.text == "Hi"


def test_purge_erases_the_number_in_old_unmatched_callbacks(store):
    query = "SMSID=S77&SendStatus=5&SendSuccess=1&phonenumber=0901234567"
    store.deliveries.apply_callback(parse_callback(query), query)
    assert store.privacy.purge(3600) == 0
    assert store.db.fetch_one("SELECT query FROM callbacks")["query"] == query  # too recent
    store.privacy.purge(0)
    (row,) = store.db.fetch_all("SELECT query, sms_id, outcome FROM callbacks")
    assert row["query"] == "" and "0901234567" not in str(dict(row))
    assert store.deliveries.count_callbacks("unmatched") == 1  # still counted
    # A send that gets that SMSID later is not disturbed by the erased callback.
    send_id = new_send(store, ["0901234567"])
    (recipient,) = store.sends.recipients(send_id)
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S77")
    assert store.sends.recipient(recipient.id).state == State.ACCEPTED


def test_purge_erases_the_reasons_of_decisions(store):
    rejected = approval_send(store)
    store.approvals.decide(rejected, Approval.REJECTED, "U2", "0901234567 asked us to stop")
    pending = approval_send(store)
    assert store.privacy.purge(0) == 1
    assert store.sends.get(rejected).decision_reason is None
    (event,) = store.approvals.events(rejected)
    assert event["reason"] is None and event["action"] == "rejected" and event["actor"] == "U2"
    assert store.sends.get(pending).message.text == "Hi"  # still waits for its approver


def test_a_refresh_waits_a_moment_so_statuses_that_arrive_together_make_one(store, monkeypatch):
    from bot.store import jobs as store_module

    monkeypatch.setattr(store_module, "SYNC_DEBOUNCE_SECONDS", 0.5)
    send_id = new_send(store, ["0901234567"])
    drain(store)
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    drain(store)  # the submit
    (recipient,) = store.sends.recipients(send_id)
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")
    assert store.jobs.claim() is None  # not due yet
    due = store.jobs.next_due()
    assert 0 < due - time.time() <= store_module.SYNC_DEBOUNCE_SECONDS


def test_progress_waits_longer_for_its_refresh_and_an_outcome_brings_it_forward(store, monkeypatch):
    from bot.store import jobs as store_module

    monkeypatch.setattr(store_module, "PROGRESS_DEBOUNCE_SECONDS", 30)
    send_id = new_send(store, ["0901234567"])
    drain(store)
    store.sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    drain(store)  # the submit
    (recipient,) = store.sends.recipients(send_id)
    store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")
    drain(store)  # its refresh, due at once here
    sent = "SMSID=S1&SendStatus=7"  # on its way
    store.deliveries.apply_callback(parse_callback(sent), sent)
    (job,) = _queued_refreshes(store, send_id)
    assert 25 < store.jobs.next_due() - time.time() <= 30
    monkeypatch.setattr(store_module, "SYNC_DEBOUNCE_SECONDS", 0.5)
    delivered = "SMSID=S1&SendStatus=5&SendSuccess=1"
    store.deliveries.apply_callback(parse_callback(delivered), delivered)
    assert _queued_refreshes(store, send_id) == [job]  # the same refresh, not a second one
    assert 0 < store.jobs.next_due() - time.time() <= 0.5


def _queued_refreshes(store, send_id):
    rows = store.db.fetch_all(
        "SELECT id FROM jobs WHERE kind = 'sync_thread' AND send_id = ? AND state = 'queued'",
        (send_id,),
    )
    return [row["id"] for row in rows]


def test_turns_are_one_per_interval_per_name_and_a_429_pushes_them_back(store):
    assert store.leases.take_turn("slack-pace:C1", 60) == 0.0
    assert 59 < store.leases.take_turn("slack-pace:C1", 60) <= 60
    assert store.leases.take_turn("slack-pace:C2", 60) == 0.0  # other channels are not held up
    store.leases.delay_turn("slack-pace:C2", 120)
    assert 119 < store.leases.take_turn("slack-pace:C2", 60) <= 120
    store.leases.delay_turn("slack-pace:C2", 5)  # a shorter wait never brings a turn forward
    assert store.leases.take_turn("slack-pace:C2", 60) > 100
    assert store.leases.take_turn("slack-pace:C3", 0.05) == 0.0
    time.sleep(0.06)
    assert store.leases.take_turn("slack-pace:C3", 0.05) == 0.0  # the next turn has come
