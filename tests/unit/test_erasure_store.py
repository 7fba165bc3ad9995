"""An erasure in the store, on both databases: every table holds the number in no written form
afterwards, its opt-out still refuses it and the daily cap still counts it; run twice it changes
nothing more; a crash before its commit changes nothing; a message still with eSMS makes it
wait, a day at most."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator

import pytest
from PIL import Image

from bot.core.callback import parse_callback
from bot.core.campaign import plan_campaign
from bot.core.consent import SOURCE_SLACK
from bot.core.delivery import State
from bot.core.images import prepare, source_digest
from bot.core.message import ViberMessage
from bot.core.model import Category, JobKind, NewSend
from bot.core.privacy import digest
from bot.core.spreadsheet import read_sheet
from bot.db import TABLES
from bot.jobs.parent import after_parent
from bot.store import Store
from bot.store import erasure as erasure_store
from bot.store.consents import NewConsent
from bot.store.replies import stage_note
from tests.helpers import new_send

KEY = "k" * 40
PHONE, OTHER = "0901234567", "0912345678"
DIGITS = "901234567"


@pytest.fixture
def keyed(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setattr("bot.store.jobs.SYNC_DEBOUNCE_SECONDS", 0)
    store = Store.open(database_url, job_lease_seconds=60, data_key=KEY)
    store.migrate()
    yield store
    store.close()


def settle(store: Store, send_id: str, state: State = State.DELIVERED) -> None:
    """Each recipient of the send as eSMS would have settled it."""
    for recipient in store.sends.recipients(send_id):
        store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id=f"S{recipient.id}")
        status = "5&SendSuccess=1" if state == State.DELIVERED else "5&SendFailed=1"
        query = f"SMSID=S{recipient.id}&SendStatus={status}&phonenumber=84{recipient.phone[1:]}"
        store.deliveries.apply_callback(parse_callback(query), query)


def campaign_with(store: Store, *phones: str) -> str:
    send_id = store.sends.create(
        NewSend(
            team_id="T",
            channel_id="C1",
            user_id="U1",
            message=ViberMessage(text="Chào {Tên}"),
            phones=(),
            brandname="B",
            test_send=False,
            campaign_file=("F1", "list.csv", "https://files.example/list.csv"),
        )
    )
    store.sends.mark_parent_posted(send_id, "1.2", then=after_parent)
    rows = "".join(f"{phone},Khách {phone[-3:]},ghi chú {phone}\n" for phone in phones)
    sheet = read_sheet(f"Số điện thoại,Tên,Ghi chú\n{rows}".encode(), 100)
    plan = plan_campaign(sheet, ViberMessage(text="Chào {Tên}"), 100)
    invalid = [(9, "0901.234.567,too long a text")]
    assert store.campaigns.save_plan(send_id, plan, invalid)
    return send_id


def world(store: Store) -> dict[str, str]:
    """Everything the app can hold about PHONE: sends to it alone, with another number and
    as a campaign row, their callbacks, an unmatched callback, an opt-out, consent and its
    history, a mention in someone else's send, a note waiting for its thread, what was posted
    to Slack about it."""
    agreed = NewConsent(PHONE, "signed form, called back on 090 123 4567", time.time() - 60)
    store.consents.give(agreed, "U1", SOURCE_SLACK)
    alone = new_send(store, (PHONE,), message=ViberMessage(text="Chào chị, số 0901234567"))
    shared = new_send(store, (PHONE, OTHER), message=ViberMessage(text="Khuyến mãi"))
    mention = new_send(store, (OTHER,), message=ViberMessage(text="Gọi +84 90 123 45 67 nhé"))
    rows = campaign_with(store, PHONE, OTHER)
    for send_id in (alone, shared, mention):
        store.sends.mark_parent_posted(
            send_id, f"1.{len(send_id)}{send_id[:3]}", then=lambda send: ()
        )
        settle(store, send_id)
    unmatched = f"SMSID=GONE1&SendStatus=5&SendSuccess=1&phonenumber=%2B84{DIGITS}"
    store.deliveries.apply_callback(parse_callback(unmatched), unmatched)
    store.optouts.add(PHONE, "U1", "khách gọi từ 0901-234-567")
    with store.db.transaction() as conn:
        stage_note(conn, shared, f"{PHONE} asked to stop", [{"type": "section", "text": PHONE}])
        conn.execute(
            "UPDATE jobs SET last_error = ? WHERE id = (SELECT MIN(id) FROM jobs)",
            (f"eSMS refused {PHONE}",),
        )
    posts = store.slack_posts
    posts.record_call(
        alone,
        "chat_postMessage",
        {
            "text": f"To {PHONE}",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{PHONE}*"}}],
        },
        {"channel": "C1", "ts": "10.1"},
    )
    posts.record_call(
        shared,
        "chat_postMessage",
        {"text": "2 numbers", "thread_ts": "10.1"},
        {"channel": "C1", "ts": "10.2"},
    )
    posts.record_call(
        None,
        "chat_postMessage",
        {"text": "Opt-out: 090 123 4567"},
        {"channel": "C9", "ts": "10.3"},
    )
    posts.record_call(
        rows, "files_upload_v2", {"channel": "C1", "title": "Results"}, {"file": {"id": "F9"}}
    )
    posts.record_call(
        mention, "chat_postMessage", {"text": "Sent to 1 number"}, {"channel": "C1", "ts": "10.4"}
    )
    return {"alone": alone, "shared": shared, "mention": mention, "campaign": rows}


def holding(store: Store) -> list[str]:
    """Every text column of every table whose value still holds the number, in any form."""
    found = []
    for table in (*TABLES, "phone_locks"):
        for row in store.db.fetch_all(f"SELECT * FROM {table}"):
            for column, value in dict(row).items():
                if isinstance(value, str) and DIGITS in re.sub(r"[ .\-()+]", "", value):
                    found.append(f"{table}.{column}: {value[:80]}")
    return found


def snapshot(store: Store) -> dict[str, list[dict]]:
    return {
        table: [dict(row) for row in store.db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")]
        for table in (*TABLES, "phone_locks")
        if table not in ("jobs", "leases")
    }


def erase(store: Store, phone: str = PHONE) -> int:
    request_id, _reach = store.erasures.ask(phone, "U0ADMIN")
    assert store.erasures.confirm(request_id) is not None
    store.erasures.carry_out(request_id)
    return request_id


def test_after_the_erasure_no_table_holds_the_number_in_any_written_form(keyed):
    sends = world(keyed)
    assert holding(keyed)  # the world does hold it, everywhere
    request_id, reach = keyed.erasures.ask(PHONE, "U0ADMIN")
    # The opt-out withdrew the consent: its history stays, to be kept under the digest.
    assert (reach.sends, reach.alone, reach.campaign_rows, reach.opt_out, reach.consent) == (
        3,
        1,
        1,
        True,
        False,
    )
    assert reach.history == 3
    assert (reach.callbacks, reach.queued) == (3, 1) and reach.posts >= 3 and reach.mentions >= 5
    assert keyed.erasures.confirm(request_id) is not None
    assert keyed.erasures.confirm(request_id) is None  # a second click queues nothing more
    outcome = keyed.erasures.carry_out(request_id)
    assert outcome.request.state == erasure_store.EDITING
    assert holding(keyed) == []
    # What stays: states and counts; the opt-out as the digest; the mask.
    recipients = keyed.sends.recipients(sends["shared"])
    assert [r.phone for r in recipients] == ["•••••••567", OTHER]
    assert {r.state for r in recipients} == {State.DELIVERED}
    assert keyed.sends.get(sends["alone"]).message.text == ""
    assert (
        keyed.sends.get(sends["shared"]).message.text == "Khuyến mãi"
    )  # shared, without the number
    assert keyed.sends.get(sends["mention"]).message.text == "Gọi •••••••567 nhé"
    assert keyed.optouts.get(PHONE) is not None and keyed.consents.get(PHONE) is None
    row = keyed.db.fetch_one("SELECT * FROM privacy_requests WHERE id = ?", (request_id,))
    assert row["pending_phone"] is None and row["digest"] == digest(KEY, PHONE)
    # Its posts wait for their edits, each on its send's line of jobs (or the erasure's).
    pending = keyed.db.fetch_all(
        "SELECT send_id, text, file_id FROM slack_posts WHERE edit_state = 'pending'"
    )
    assert {p["send_id"] for p in pending} == {sends["alone"], None, sends["campaign"]}
    edits = keyed.db.fetch_all("SELECT send_id FROM jobs WHERE kind = ?", (JobKind.EDIT_POSTS,))
    assert {j["send_id"] for j in edits} == {
        sends["alone"],
        sends["campaign"],
        f"erasure-posts:{request_id}",
    }


def test_the_erasure_run_twice_changes_nothing_more(keyed):
    world(keyed)
    request_id = erase(keyed)
    before = snapshot(keyed)
    keyed.erasures.carry_out(request_id)  # the job again, after a crash past its commit
    erase(keyed)  # and asked again
    after = snapshot(keyed)
    after["privacy_requests"] = after["privacy_requests"][:1]
    assert after == before


def test_a_crash_before_the_commit_changes_nothing(keyed, monkeypatch):
    world(keyed)
    request_id, _ = keyed.erasures.ask(PHONE, "U0ADMIN")
    keyed.erasures.confirm(request_id)
    before = snapshot(keyed)

    def crash(*args, **kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr("bot.store.erasing.mark_for_erasure", crash)
    with pytest.raises(RuntimeError):
        keyed.erasures.carry_out(request_id)
    assert snapshot(keyed) == before
    monkeypatch.undo()
    keyed.erasures.carry_out(request_id)  # the job's next run finishes it
    assert holding(keyed) == []


def test_an_erased_opted_out_number_stays_refused_and_counted(keyed):
    keyed.optouts.add(PHONE, "U1")
    marketing = new_send(keyed, (PHONE,), category=Category.MARKETING)
    (recipient,) = keyed.sends.recipients(marketing)
    assert keyed.marketing_cap.take_slot(recipient.id, PHONE, 1, 86400)
    settle(keyed, marketing)
    erase(keyed)
    assert holding(keyed) == []
    assert keyed.optouts.get(PHONE) is not None
    assert (
        keyed.sends.create_unless_opted_out(
            NewSend(
                phones=(PHONE,),
                team_id="T",
                channel_id="C1",
                user_id="U1",
                message=ViberMessage(text="Hi"),
                brandname="B",
                test_send=False,
            )
        )
        is None
    )
    later = keyed.sends.recipients(new_send(keyed, (PHONE,), category=Category.MARKETING))[0]
    assert not keyed.marketing_cap.take_slot(later.id, PHONE, 1, 86400)


def test_a_message_still_with_esms_makes_the_erasure_wait_and_a_queued_one_is_cancelled(keyed):
    waiting = new_send(keyed, (PHONE,))
    (recipient,) = keyed.sends.recipients(waiting)
    keyed.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")
    queued = new_send(keyed, (PHONE, OTHER))
    request_id, reach = keyed.erasures.ask(PHONE, "U0ADMIN")
    assert (reach.in_flight, reach.queued) == (1, 1)
    keyed.erasures.confirm(request_id)
    outcome = keyed.erasures.carry_out(request_id)
    assert outcome.waiting is not None and outcome.first_wait
    # Only the number's own message: the other number's still leaves.
    assert [r.state for r in keyed.sends.recipients(queued)] == [State.CANCELLED, State.QUEUED]
    row = keyed.db.fetch_one("SELECT * FROM privacy_requests WHERE id = ?", (request_id,))
    assert (row["state"], row["pending_phone"]) == ("waiting", PHONE)
    assert not keyed.erasures.carry_out(request_id).first_wait  # told once
    query = f"SMSID=S1&SendStatus=5&SendSuccess=1&phonenumber=84{DIGITS}"
    keyed.deliveries.apply_callback(parse_callback(query), query)
    assert keyed.erasures.carry_out(request_id).waiting is None
    assert holding(keyed) == []


def test_after_a_day_the_erasure_goes_ahead_and_says_so(keyed):
    send_id = new_send(keyed, (PHONE,))
    (recipient,) = keyed.sends.recipients(send_id)
    keyed.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")
    request_id, _ = keyed.erasures.ask(PHONE, "U0ADMIN")
    keyed.erasures.confirm(request_id)
    assert keyed.erasures.carry_out(request_id).waiting is not None
    with keyed.db.transaction() as conn:  # asked a day ago
        conn.execute("UPDATE privacy_requests SET asked_at = asked_at - 86401")
    request = keyed.erasures.carry_out(request_id).request
    assert request.state == erasure_store.EDITING
    assert request.unreachable["forced"] == 1 and holding(keyed) == []
    # Its status arriving later keeps no number either.
    query = f"SMSID=S1&SendStatus=5&SendSuccess=1&phonenumber=84{DIGITS}"
    keyed.deliveries.apply_callback(parse_callback(query), query)
    assert holding(keyed) == []


def test_an_unknown_number_is_recorded_as_nothing_found(keyed):
    request_id, reach = keyed.erasures.ask(PHONE, "U0ADMIN")
    assert reach.nothing
    request = keyed.erasures.get(request_id)
    assert request.state == erasure_store.DONE and request.done_at is not None
    assert keyed.erasures.confirm(request_id) is None
    assert holding(keyed) == []


def test_a_confirmation_not_clicked_within_the_hour_lets_go_of_the_number(keyed):
    new_send(keyed, (PHONE,))
    request_id, _ = keyed.erasures.ask(PHONE, "U0ADMIN")
    with keyed.db.transaction() as conn:
        conn.execute("UPDATE privacy_requests SET asked_at = asked_at - 3601")
    assert keyed.erasures.expire_confirmations() == 1
    assert keyed.erasures.confirm(request_id) is None
    assert keyed.erasures.get(request_id).state == erasure_store.EXPIRED
    row = keyed.db.fetch_one("SELECT pending_phone FROM privacy_requests")
    assert row["pending_phone"] is None


def test_the_erasure_is_done_once_its_posts_are_edited(keyed):
    world(keyed)
    request_id = erase(keyed)
    assert keyed.erasures.finish_if_edited(request_id).state == erasure_store.EDITING
    for send_id in (
        *{p["send_id"] for p in keyed.db.fetch_all("SELECT send_id FROM slack_posts")},
    ):
        for post in keyed.slack_posts.pending(send_id, request_id):
            keyed.slack_posts.finish(post.id, "edited" if post.ts else "unreachable", "x")
    request = keyed.erasures.finish_if_edited(request_id)
    assert request.state == erasure_store.DONE
    assert request.done["edited"] == 2 and request.unreachable["files"] == 1
    assert json.dumps(request.done).find(DIGITS) == -1


def test_a_purge_forgets_what_its_sends_posts_said(keyed):
    send_id = new_send(keyed, (PHONE,), message=ViberMessage(text="Chào"))
    settle(keyed, send_id)
    keyed.slack_posts.record_call(
        send_id, "chat_postMessage", {"text": PHONE, "blocks": [{"type": "divider"}]}, {"ts": "1"}
    )
    assert keyed.privacy.purge(-10) == 1
    [post] = keyed.slack_posts.of_send(send_id)
    assert (post.ts, post.text, post.blocks) == ("1", None, None)


def test_a_picture_hosted_for_a_send_to_the_number_alone_is_released(keyed: Store):
    """The app hosts an uploaded picture as long as a send that keeps its content shows it:
    erased with the only send that showed it, eSMS can no longer fetch it."""
    picture = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(picture, "PNG")
    source = picture.getvalue()
    alone = new_send(keyed, (PHONE,), image_file="F0PHOTO")
    shared = new_send(keyed, (PHONE, OTHER), image_file="F0OTHER")
    hosted = [
        keyed.images.host(send_id, source_digest(data), prepare(data, 800), "https://b.example")
        for send_id, data in ((alone, source), (shared, source + b"\0"))
    ]
    settle(keyed, alone)
    settle(keyed, shared)
    erase(keyed)
    assert keyed.images.get(hosted[0].token) is None  # its send's content is erased
    assert keyed.images.get(hosted[1].token) is not None  # the other number's send keeps it
    assert keyed.sends.get(alone).message.image_url == ""
