"""Tables that must cover every case of an enum are checked here by looping over the enum, so a
new case that one of them misses fails a test instead of showing people a raw code."""

import pytest
from slack_sdk import WebClient

from bot.config import load_settings
from bot.core import i18n
from bot.core.delivery import REPORTED_STATES, State
from bot.core.model import Approval, JobKind, Recipient
from bot.esms.client import EsmsClient
from bot.jobs.pacing import ChannelPacer
from bot.posts import outcomes, thread
from bot.web.runtime import wire_jobs
from tests.helpers import make_recipient


def recipient(state: State) -> Recipient:
    return make_recipient("0901234567", state, code=103)


@pytest.mark.parametrize("state", list(State))
def test_every_recipient_state_has_a_name_and_a_place_in_the_summary(state):
    assert f"state.{state}" in i18n.CATALOG
    assert state in thread._STATE_ORDER


@pytest.mark.parametrize("state", sorted(REPORTED_STATES))
def test_every_reported_state_has_its_own_sentence_in_the_thread(state):
    line = outcomes.outcome_line(recipient(state))
    assert line != f"0901234567: {i18n._(f'state.{state}')}"  # not the generic fallback


@pytest.mark.parametrize("kind", list(JobKind))
def test_every_job_kind_has_a_policy(kind, store):
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": "s" * 20,
            "ESMS_API_KEY": "key",
            "ESMS_SECRET_KEY": "secret",
            "ESMS_BRANDNAME": "BRAND",
        }
    )
    esms = EsmsClient(settings.esms_api_url, "key", "secret")
    policies = wire_jobs(
        settings, store, WebClient(), esms, ChannelPacer()
    )  # as the app wires them
    assert policies[kind].attempts >= 1


@pytest.mark.parametrize(
    "approval", [a for a in Approval if a not in (Approval.NONE, Approval.PENDING)]
)
def test_every_decision_can_be_put_in_words(approval):
    assert f"decision.{approval}" in i18n.CATALOG
