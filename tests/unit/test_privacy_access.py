"""Access requests carried out, on both databases: the job that sends the file by direct message
and keeps no number in the record, the duty that removes the file a day later, and `/viber
privacy` answered to its admins."""

from __future__ import annotations

import json
import time
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient

from bot.core.model import JobKind
from bot.core.privacy import digest
from bot.core.privacy_command import PrivacyCommand
from bot.jobs.pacing import ChannelPacer
from bot.jobs.policies import JobPolicy
from bot.jobs.privacy_access import PrivacyAccess
from bot.jobs.privacy_files import PrivacyFiles
from bot.jobs.runner import Worker
from bot.jobs.slack_calls import SlackCalls
from bot.slack.erasure import ErasureNeeds
from bot.slack.people import PeopleList
from bot.slack.privacy import PrivacyNeeds, answer
from bot.store import Store
from bot.store.privacy_requests import job_subject
from tests.unit.test_privacy_held import KEY, LEAD, PHONE, seed
from tests.unit.test_worker import run_all

# -- the record, the job and the file's removal ------------------------------------------------


@pytest.fixture
def calls(store, slack_api):
    client = WebClient(token="xoxb-test-token", base_url=slack_api.url + "api/")
    return SlackCalls(client, store, ChannelPacer(0))


def ask(store: Store, key: str | None = KEY) -> int:
    return store.privacy_requests.record(
        "access",
        digest(key, PHONE) if key else "-",
        LEAD,
        time.time(),
        "gathering",
        pending_phone=PHONE,
        then=JobKind.PRIVACY_ACCESS,
    )


def run_jobs(store: Store, calls: SlackCalls) -> None:
    access = PrivacyAccess(store, calls)
    policy = JobPolicy(access.privacy_access, 6, 1.0, access.give_up_access)
    run_all(store, Worker(store, policies={JobKind.PRIVACY_ACCESS: policy}, retry_base=0))


def rows_of(store: Store, table: str) -> str:
    return json.dumps([dict(row) for row in store.db.fetch_all(f"SELECT * FROM {table}")])


def test_the_file_goes_by_direct_message_and_the_record_keeps_no_number(store, calls, slack_api):
    seed(store)
    request_id = ask(store)
    run_jobs(store, calls)
    (upload,) = slack_api.uploads
    assert slack_api.dms[upload.channel_id] == LEAD
    assert upload.filename == f"privacy-request-{request_id}.json"
    assert PHONE not in upload.title and PHONE not in (upload.initial_comment or "")
    held = json.loads(upload.content)
    assert held["about"]["number"] == PHONE and len(held["sends"]) == 2
    request = store.privacy_requests.get(request_id)
    assert request.state == "answered" and request.found["sends"] == 2
    assert request.file_id == upload.file_id and request.file_channel == upload.channel_id
    assert request.remove_file_at == pytest.approx(time.time() + 86400, abs=60)
    assert request.digest == digest(KEY, PHONE)
    for table in ("privacy_requests", "jobs"):
        assert PHONE not in rows_of(store, table) and PHONE[1:] not in rows_of(store, table)


def test_a_day_later_the_file_leaves_slack_once_even_if_gone_already(store, calls, slack_api):
    first, second = ask(store), ask(store)
    run_jobs(store, calls)
    duty = PrivacyFiles(store, calls.client)
    assert duty.remove_due() == 0  # not due yet
    with store.db.transaction() as conn:
        conn.execute("UPDATE privacy_requests SET remove_file_at = ?", (time.time() - 1,))
    gone = store.privacy_requests.get(second).file_id
    calls.client.files_delete(file=gone)  # someone deleted it by hand already
    assert duty.remove_due() == 2 and duty.remove_due() == 0
    assert slack_api.deleted == [gone, store.privacy_requests.get(first).file_id]
    assert slack_api.files.keys().isdisjoint(slack_api.deleted)
    for request_id in (first, second):
        request = store.privacy_requests.get(request_id)
        assert request.remove_file_at is None and request.done["file_removed_at"]


def test_a_removal_slack_refuses_is_tried_again_later_not_at_every_run(store, calls, slack_api):
    request_id = ask(store)
    run_jobs(store, calls)
    with store.db.transaction() as conn:
        conn.execute("UPDATE privacy_requests SET remove_file_at = ?", (time.time() - 1,))
    slack_api.fail_next("files.delete", error="internal_error")
    duty = PrivacyFiles(store, calls.client)
    assert duty.remove_due() == 0 and duty.remove_due() == 0
    assert store.privacy_requests.get(request_id).remove_file_at > time.time() + 500
    assert len(slack_api.calls_to("files.delete")) == 1


def test_a_run_cut_off_after_slack_shared_its_file_leaves_one_file(store, calls, slack_api):
    request_id = ask(store)
    access = PrivacyAccess(store, calls)
    job = store.jobs.claim()
    access.privacy_access(job)  # shared, then "died" before the job ended: it runs again
    with store.db.transaction() as conn:
        conn.execute(
            "UPDATE privacy_requests SET done_at = NULL, pending_phone = ? WHERE id = ?",
            (PHONE, request_id),
        )
    first = store.privacy_requests.get(request_id).file_id
    access.privacy_access(job)
    assert slack_api.deleted == [first] and len(slack_api.uploads) == 2
    assert store.privacy_requests.get(request_id).file_id == slack_api.uploads[-1].file_id


# -- /viber privacy ----------------------------------------------------------------------------


def command(
    store: Store, slack_api, text_action: PrivacyCommand, *, user: str = LEAD, key: str | None = KEY
) -> str:
    client = WebClient(token="xoxb-test-token", base_url=slack_api.url + "api/")
    admins = PeopleList(client, (LEAD,))
    needs = PrivacyNeeds(store, key, admins, ErasureNeeds(store, key, admins))
    ack = Mock()
    answer(needs, text_action, {"user_id": user}, ack, Mock(), client)
    (call,) = ack.call_args_list
    assert call.kwargs["response_type"] == "ephemeral"
    return call.kwargs["text"]


def test_only_privacy_admins_are_answered_and_a_bad_number_records_nothing(store, slack_api):
    text = command(store, slack_api, PrivacyCommand("access", PHONE), user="U0SOMEONE")
    assert "Only the privacy admins" in text
    text = command(store, slack_api, PrivacyCommand("access", "12345"))
    assert "12345 is not a Vietnamese mobile number" in text and "Nothing was recorded" in text
    assert store.privacy_requests.count() == 0 and store.jobs.pending() == 0


def test_an_access_request_is_recorded_with_its_job_and_due_dates(store, slack_api):
    text = command(store, slack_api, PrivacyCommand("access", "+84 90 123 45 67"))
    assert "Request *1* recorded" in text and "direct message" in text and "DATA_KEY" not in text
    assert store.jobs.pending() == 1 and store.privacy_requests.get(1).digest == digest(KEY, PHONE)
    text = command(store, slack_api, PrivacyCommand("access", PHONE), key=None)
    assert "DATA_KEY is not set" in text and store.privacy_requests.get(2).digest == "-"
    assert store.jobs.claim().send_id == job_subject(1)


def test_the_requests_list_fits_slack_and_pages_without_a_number(store, slack_api):
    assert "No privacy request" in command(store, slack_api, PrivacyCommand("requests"))
    for _ in range(40):
        ask(store)
    text = command(store, slack_api, PrivacyCommand("requests"))
    assert len(text) <= 4000 and PHONE not in text and "*40*" in text
    assert "being gathered" in text and "answer by" in text and "carry out by" in text
    shown = text.count("\n• ")
    assert 0 < shown < 40 and f"/viber privacy requests {shown + 1}" in text
    rest = command(store, slack_api, PrivacyCommand("requests", start=shown + 1))
    assert f"*{40 - shown}*" in rest and "*40*" not in rest
