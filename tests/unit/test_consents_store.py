"""Consent on record and stop links in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from bot.core.consent import (
    CUSTOMER,
    SOURCE_CUSTOMER,
    SOURCE_IMPORT,
    SOURCE_OPT_OUT,
    SOURCE_SLACK,
    TOKEN,
    stop_line,
    stop_line_room,
    with_stop_line,
)
from bot.core.delivery import State
from bot.core.message import MAX_TEXT, ViberMessage, validate_message
from bot.core.model import Category
from bot.store import Store
from bot.store.consents import Given, NewConsent, OptedOut
from bot.store.stop_links import StopLink, Stopped
from tests.helpers import new_send

A, B = "0901234567", "0912345678"
DAY = 86400.0


def consent(phone: str, evidence: str = "signed form 12/2026", at: float = 1_790_000_000.0):
    return NewConsent(phone, evidence, at)


def note(link: StopLink, at: float) -> tuple[str, list[dict[str, object]]]:
    return f"stopped {link.phone}", [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]


def test_consent_is_recorded_replaced_withdrawn_and_every_change_kept(store: Store):
    assert store.consents.give(consent(A), "U1", SOURCE_SLACK) == Given.RECORDED
    assert store.consents.give(consent(A), "U1", SOURCE_SLACK) == Given.SAME  # nothing new
    assert store.consents.give(consent(A, "website box, order A123"), "U2", SOURCE_SLACK)
    now = store.consents.get(A)
    assert now is not None and (now.evidence, now.recorded_by) == ("website box, order A123", "U2")
    assert store.consents.withdraw(A, "U3", SOURCE_SLACK, "asked on the phone")
    assert not store.consents.withdraw(A, "U3", SOURCE_SLACK)  # none left to withdraw
    events, total = store.consents.history(A)
    assert total == 3
    assert [(e["action"], e["actor"]) for e in events] == [
        ("give", "U1"),
        ("give", "U2"),
        ("withdraw", "U3"),
    ]
    assert events[2]["evidence"] == "asked on the phone"
    assert store.consents.get(A) is None and store.consents.count() == 0


def test_an_opted_out_number_gets_no_consent_and_an_opt_out_withdraws_it(store: Store):
    store.consents.give(consent(A), "U1", SOURCE_SLACK)
    store.optouts.add(A, "U2", "asked to stop")
    assert store.consents.get(A) is None
    [*_, withdrawn], _total = store.consents.history(A)
    assert (withdrawn["action"], withdrawn["source"], withdrawn["actor"]) == (
        "withdraw",
        SOURCE_OPT_OUT,
        "U2",
    )
    assert store.consents.give(consent(A), "U1", SOURCE_SLACK) == Given.OPTED_OUT
    assert store.consents.get(A) is None


def test_many_consents_are_recorded_together_or_not_at_all(store: Store):
    store.optouts.add(B, "U2")
    phones = [f"09{n:08d}" for n in range(1200)]  # more than one batch of look-ups
    with pytest.raises(OptedOut) as refused:
        store.consents.give_many([consent(p) for p in [*phones, B]], "cli:root", SOURCE_IMPORT)
    assert refused.value.phones == [B] and store.consents.count() == 0
    assert store.consents.give_many([consent(p) for p in phones], "cli:root", SOURCE_IMPORT) == (
        1200,
        0,
    )
    assert store.consents.lacking([phones[5], A, phones[1100]]) == [A]
    listed = list(store.consents.all())
    assert len(listed) == 1200 and len({c.phone for c in listed}) == 1200


def test_history_is_bounded_to_the_latest_changes(store: Store):
    for n in range(25):
        store.consents.give(consent(A, f"form {n}"), "U1", SOURCE_SLACK)
    events, total = store.consents.history(A)
    assert total == 25 and len(events) == 20 and events[-1]["evidence"] == "form 24"


def test_an_advertisements_recipients_each_get_a_stop_link_and_care_none(store: Store):
    advert = new_send(store, (A, B), category=Category.MARKETING, stop_links=True)
    care = new_send(store, (A,))
    tokens = [r.stop_token for r in store.sends.recipients(advert)]
    assert all(t and TOKEN.fullmatch(t) for t in tokens) and len(set(tokens)) == 2
    assert [r.stop_token for r in store.sends.recipients(care)] == [None]


def test_the_stop_link_opts_out_withdraws_consent_and_stages_one_note(store: Store):
    store.consents.give(consent(A), "U1", SOURCE_SLACK)
    send_id = new_send(store, (A,), category=Category.MARKETING, stop_links=True)
    [recipient] = store.sends.recipients(send_id)
    token = recipient.stop_token or ""
    outcome, link, at = store.stop_links.use(token, note) or (None, None, 0.0)
    assert outcome == Stopped.NOW and link and link.phone == A
    opt_out = store.optouts.get(A)
    assert opt_out and (opt_out.added_by, opt_out.reason) == (CUSTOMER, "stop link")
    assert store.consents.get(A) is None
    assert store.consents.history(A)[0][-1]["source"] == SOURCE_CUSTOMER
    [staged] = store.replies.pending(send_id)
    assert staged.text == f"stopped {A}"
    again = store.stop_links.use(token, note)
    assert again is not None and again[0] == Stopped.BEFORE and again[2] == at
    assert len(store.replies.pending(send_id)) == 1 and len(store.optouts.history(A)) == 1
    assert store.stop_links.use("x" * 22, note) is None


def test_a_stop_link_of_an_opted_out_number_still_records_its_use(store: Store):
    send_id = new_send(store, (A,), category=Category.MARKETING, stop_links=True)
    store.optouts.add(A, "U2", "asked on the phone")
    [recipient] = store.sends.recipients(send_id)
    used = store.stop_links.use(recipient.stop_token or "", note)
    assert used is not None and used[0] == Stopped.NOW
    assert store.optouts.get(A).added_by == "U2"  # the first refusal's record stands


def test_a_purged_sends_stop_link_has_expired(store: Store):
    send_id = new_send(store, (A,), category=Category.MARKETING, stop_links=True)
    [recipient] = store.sends.recipients(send_id)
    store.deliveries.record_submission(recipient.id, State.DELIVERED)
    store.privacy.purge(-DAY)
    used = store.stop_links.use(recipient.stop_token or "", note)
    assert used is not None and used[0] == Stopped.EXPIRED
    assert store.optouts.count() == 0 and store.replies.pending(send_id) == []


def test_two_clicks_at_once_opt_out_once_and_tell_once(store: Store):
    send_id = new_send(store, (A,), category=Category.MARKETING, stop_links=True)
    [recipient] = store.sends.recipients(send_id)
    outcomes: list[Stopped] = []

    def click() -> None:
        used = store.stop_links.use(recipient.stop_token or "", note)
        assert used is not None
        outcomes.append(used[0])

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted([Stopped.NOW] + [Stopped.BEFORE] * 3)
    assert len(store.replies.pending(send_id)) == 1


def test_the_stop_line_is_counted_against_the_text():
    url = "https://bot.example.com"
    room = stop_line_room(url)
    assert room == len(stop_line(url, "t" * 22)) == len("\nTừ chối nhận tin: ") + len(url) + 28
    fits = ViberMessage("x" * (MAX_TEXT - room))
    assert validate_message(fits, stop_room=room) == {}
    long = ViberMessage("x" * (MAX_TEXT - room + 1))
    problem = validate_message(long, stop_room=room)["text"]
    assert str(MAX_TEXT - room) in problem and "stop link" in problem
    sent = with_stop_line(fits, url, "t" * 22)
    assert len(sent.text) == MAX_TEXT and validate_message(sent) == {}
    assert sent.text.endswith("/stop/" + "t" * 22)
