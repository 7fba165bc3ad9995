"""User and user-group lists against the Slack stand-in: what is cached, what is asked fresh."""

import pytest
from slack_sdk import WebClient

from bot.slack.people import PeopleList
from sandbox.standins.slack_api import SlackApiStandIn


@pytest.fixture
def slack_api():
    stand_in = SlackApiStandIn().start()
    stand_in.user_groups["S0TEAM"] = {"U0MEMBER"}
    yield stand_in
    stand_in.stop()


@pytest.fixture
def people(slack_api):
    client = WebClient(token=slack_api.token, base_url=slack_api.url + "api/", retry_handlers=[])
    return PeopleList(client, ["U0DIRECT", "S0TEAM"], cache_seconds=60)


def test_users_need_no_call_and_groups_are_cached(people, slack_api):
    assert people.contains("U0DIRECT", fresh=False)
    assert slack_api.calls_to("usergroups.users.list") == []
    assert people.contains("U0MEMBER", fresh=False)
    assert not people.contains("U0OTHER", fresh=False)
    assert len(slack_api.calls_to("usergroups.users.list")) == 1


def test_fresh_reads_see_removals_and_the_cache_only_stands_in_when_slack_fails(people, slack_api):
    assert people.contains("U0MEMBER", fresh=True)
    slack_api.user_groups["S0TEAM"] = set()
    assert not people.contains("U0MEMBER", fresh=True)
    slack_api.fail_next("usergroups.users.list", status=500)
    assert not people.contains("U0MEMBER", fresh=True)  # the last known (empty) membership


def test_unknown_when_slack_fails_and_nothing_is_cached(people, slack_api):
    slack_api.fail_next("usergroups.users.list", status=500)
    assert people.contains("U0MEMBER", fresh=True) is None
