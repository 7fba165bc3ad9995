"""What an erased number can still do, on both databases: refuse by the button in its thread or
by its advertisement's stop link (recorded under its digest), and no update drawn before the
erasure brings it back into the copy its edit will send; the files sent about it leave Slack."""

from __future__ import annotations

import time
from unittest.mock import Mock

from bot.core.consent import SOURCE_SLACK
from bot.core.model import Category
from bot.slack.optouts import OptOutNeeds, stop_recipient
from bot.store import Store
from bot.store.consents import NewConsent
from bot.store.stop_links import Stopped
from tests.helpers import new_send
from tests.unit.test_erasure_store import KEY, PHONE, erase, keyed, settle

__all__ = ["keyed"]  # the fixture, shared with the erasure's own store tests


def _note(link, at):
    return "stopped", [{"type": "section", "text": {"type": "mrkdwn", "text": "stopped"}}]


def test_the_button_in_an_erased_numbers_thread_opts_it_out_by_its_digest(keyed: Store):
    send_id = new_send(keyed, (PHONE,))
    settle(keyed, send_id)
    erase(keyed)
    [recipient] = keyed.sends.recipients(send_id)
    assert recipient.phone == "•••••••567" and recipient.phone_digest
    respond = Mock()
    body = {"user": {"id": "U1"}, "channel": {"id": "C1"}, "message": {"ts": "1.1"}}
    needs = OptOutNeeds(keyed, senders=None, admins=None)
    stop_recipient(needs, Mock(), body, {"value": str(recipient.id)}, Mock(), respond)
    assert keyed.optouts.get(PHONE) is not None  # the number itself is refused from now on
    assert keyed.optouts.get("•••••••567") is None  # and no masked row stands for it
    rows = keyed.db.fetch_all("SELECT phone FROM opt_outs")
    assert [row["phone"] for row in rows] == [recipient.phone_digest]


def test_an_erased_numbers_stop_link_still_opts_it_out(keyed: Store):
    keyed.consents.give(NewConsent(PHONE, "signed form", time.time() - 60), "U1", SOURCE_SLACK)
    send_id = new_send(keyed, (PHONE,), category=Category.MARKETING, stop_links=True)
    settle(keyed, send_id)
    [recipient] = keyed.sends.recipients(send_id)
    erase(keyed)
    used = keyed.stop_links.use(recipient.stop_token or "", _note)
    assert used is not None and used[0] == Stopped.NOW
    assert keyed.optouts.get(PHONE) is not None
    again = keyed.stop_links.use(recipient.stop_token or "", _note)
    assert again is not None and again[0] == Stopped.BEFORE


def test_an_update_drawn_before_the_erasure_keeps_out_of_the_copy_to_edit(keyed: Store):
    send_id = new_send(keyed, (PHONE,))
    posts = keyed.slack_posts
    posts.record_call(
        send_id, "chat_postMessage", {"text": f"To {PHONE}"}, {"channel": "C1", "ts": "7.1"}
    )
    settle(keyed, send_id)
    erase(keyed)
    # A refresh that read the rows before the erasure updates the message after it.
    posts.record_call(
        send_id,
        "chat_update",
        {"channel": "C1", "ts": "7.1", "text": f"To {PHONE}: delivered"},
        {"channel": "C1", "ts": "7.1"},
    )
    [post] = keyed.db.fetch_all("SELECT text, edit_state FROM slack_posts WHERE ts = '7.1'")
    assert post["edit_state"] == "pending" and PHONE not in post["text"]


def test_the_files_sent_about_an_erased_number_leave_slack_at_once(keyed: Store):
    from bot.core.privacy import digest

    settle(keyed, new_send(keyed, (PHONE,)))
    asked = time.time()
    request_id = keyed.privacy_requests.record(
        "access", digest(KEY, PHONE), "U1", asked, "answered"
    )
    keyed.privacy_requests.note_file(request_id, "F0FILE", "D1", asked + 86400)
    other = keyed.privacy_requests.record(
        "access", digest(KEY, "0912345678"), "U1", asked, "answered"
    )
    keyed.privacy_requests.note_file(other, "F0OTHER", "D1", asked + 86400)
    erase(keyed)
    due = {request.file_id for request in keyed.privacy_requests.files_due(time.time(), 10)}
    assert due == {"F0FILE"}
