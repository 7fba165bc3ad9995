"""An erased number lives on as its keyed digest: its opt-out still refuses it everywhere (the
opt-out list, the intake, a new send's own check, consent, the one submit check) and the daily
marketing cap still counts its messages. The store on both databases."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bot.cli.optouts import export_file, import_file
from bot.config import Settings
from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.core.model import Category, NewSend
from bot.core.phones import mask_phone
from bot.core.privacy import digest
from bot.intake import Draft, Intake, Refused, Surface, leaving
from bot.store import Store
from bot.store.consents import Given, NewConsent
from tests.helpers import new_send

KEY = "k" * 40
PHONE, OTHER = "0901234567", "0912345678"
SETTINGS = Settings(
    slack_bot_token="xoxb-test-token",
    slack_signing_secret="signing-secret",
    esms_api_key="KEY",
    esms_secret_key="SECRET",
    esms_brandnames=("B",),
    data_key=KEY,
)


@pytest.fixture
def keyed(database_url: str) -> Iterator[Store]:
    """A store given DATA_KEY, as the app opens it."""
    store = Store.open(database_url, job_lease_seconds=60, data_key=KEY)
    store.migrate()
    yield store
    store.close()


def erased_by_hand(store: Store, phone: str) -> None:
    """What an erasure leaves of a number in the opt-outs and the recipients: its digest."""
    with store.db.transaction() as conn:
        conn.execute("UPDATE opt_outs SET phone = ? WHERE phone = ?", (digest(KEY, phone), phone))
        conn.execute(
            "UPDATE recipients SET phone = ?, phone_digest = ? WHERE phone = ?",
            (mask_phone(phone), digest(KEY, phone), phone),
        )


def test_an_erased_opted_out_number_is_still_found_on_the_list(keyed):
    keyed.optouts.add(PHONE, "U1", "asked by phone")
    erased_by_hand(keyed, PHONE)
    found = keyed.optouts.get(PHONE)
    assert found is not None and found.phone == PHONE and found.reason == "asked by phone"
    assert set(keyed.optouts.among([PHONE, OTHER])) == {PHONE}
    assert keyed.optouts.add(PHONE, "U2") is None  # on the list already, as its digest
    assert keyed.optouts.count() == 1
    # Without the key the digest cannot be matched: the app refuses to erase without it.
    assert Store(keyed.db).optouts.get(PHONE) is None


def test_removing_an_erased_number_takes_its_digest_off(keyed):
    keyed.optouts.add(PHONE, "U1")
    erased_by_hand(keyed, PHONE)
    assert keyed.optouts.remove(PHONE, "U2", "asked again")
    assert keyed.optouts.get(PHONE) is None and keyed.optouts.count() == 0


def test_a_new_send_to_an_erased_opted_out_number_is_refused_by_the_intake_and_its_store(keyed):
    keyed.optouts.add(PHONE, "U1")
    erased_by_hand(keyed, PHONE)
    intake = Intake(SETTINGS, keyed)
    message = ViberMessage(text="Xin chào")
    refused = intake.accept(Draft(Surface.COMPOSER, "T", "C1", "U1", PHONE, message))
    assert isinstance(refused, Refused) and PHONE in refused.sentence()
    # The send's own check, in its transaction, on both paths (PostgreSQL's one statement).
    assert keyed.sends.create_unless_opted_out(_new(PHONE)) is None
    assert keyed.sends.create_unless_opted_out(_new(OTHER)) is not None


def _new(phone: str) -> NewSend:
    return NewSend(
        phones=(phone,),
        team_id="T",
        channel_id="C1",
        user_id="U1",
        message=ViberMessage(text="Hi"),
        brandname="B",
        test_send=False,
    )


def test_the_submit_check_skips_an_erased_opted_out_number(keyed):
    send_id = new_send(keyed, (PHONE,))  # stored before the opt-out
    keyed.optouts.add(PHONE, "U1")
    with keyed.db.transaction() as conn:  # only the opt-out is erased: the send still waits
        conn.execute("UPDATE opt_outs SET phone = ? WHERE phone = ?", (digest(KEY, PHONE), PHONE))
    send = keyed.sends.get(send_id)
    (recipient,) = keyed.sends.recipients(send_id)
    assert not leaving.check(SETTINGS, keyed, send, recipient).go
    assert keyed.sends.recipients(send_id)[0].state == State.SKIPPED


def test_a_masked_number_never_leaves(keyed):
    send_id = new_send(keyed, (PHONE,))
    erased_by_hand(keyed, PHONE)
    send = keyed.sends.get(send_id)
    (recipient,) = keyed.sends.recipients(send_id)
    assert not leaving.check(SETTINGS, keyed, send, recipient).go
    assert keyed.sends.recipients(send_id)[0].state == State.CANCELLED


def test_consent_is_refused_for_an_erased_opted_out_number(keyed):
    keyed.optouts.add(PHONE, "U1")
    erased_by_hand(keyed, PHONE)
    given = keyed.consents.give(NewConsent(PHONE, "form", 1.0), "U1", "slack")
    assert given == Given.OPTED_OUT


def test_the_daily_cap_still_counts_an_erased_numbers_messages(keyed):
    ids = [
        keyed.sends.recipients(new_send(keyed, (PHONE,), category=Category.MARKETING))[0].id
        for _ in range(3)
    ]
    assert keyed.marketing_cap.take_slot(ids[0], PHONE, 2, 86400)
    assert keyed.marketing_cap.take_slot(ids[1], PHONE, 2, 86400)
    erased_by_hand(keyed, PHONE)
    later = keyed.sends.recipients(new_send(keyed, (PHONE,), category=Category.MARKETING))[0].id
    assert not keyed.marketing_cap.take_slot(later, PHONE, 2, 86400)
    assert keyed.marketing_cap.full([PHONE, OTHER], 2, 86400) == {PHONE}
    assert keyed.marketing_cap.full([PHONE], 3, 86400) == set()
    assert ids[2]  # never sent: no slot taken


def test_an_exported_digest_is_imported_again_and_keeps_refusing(keyed):
    keyed.optouts.add(PHONE, "U1")
    erased_by_hand(keyed, PHONE)
    out = io.StringIO()
    export_file(keyed, out)
    assert digest(KEY, PHONE) in out.getvalue() and PHONE not in out.getvalue()
    keyed.optouts.remove(PHONE, "U1")
    assert import_file(keyed, out.getvalue().encode(), "cli:admin") == (1, 0)
    assert keyed.optouts.get(PHONE) is not None
