"""`/viber consent …`: the words parsed, every answer, and who did what named as Slack shows a
person (a mention) or as the record names them (`cli:root`, `customer`)."""

from __future__ import annotations

import pytest

from bot.core.command_text import OptOutCommand
from bot.posts.common import person
from bot.slack import optouts
from bot.slack.optouts import OptOutNeeds
from bot.store import Store

PHONE = "0901234567"


@pytest.mark.parametrize(
    ("actor", "shown"),
    [
        ("U0AGENT", "<@U0AGENT>"),
        ("W123ABC", "<@W123ABC>"),
        ("cli:root", "cli:root"),
        ("customer", "customer"),
        ("u0agent", "u0agent"),
        ("cli:<@U1>", "cli:&lt;@U1&gt;"),
    ],
)
def test_a_slack_user_is_mentioned_and_anyone_else_named_in_plain_words(actor, shown):
    assert person(actor) == shown


def test_the_opt_out_list_mentions_slack_users_only(store: Store):
    store.optouts.add(PHONE, "U0AGENT", "hotline")
    store.optouts.add("0912345678", "cli:root", None)
    needs = OptOutNeeds(store, senders=None, admins=None)
    listed = optouts.answer(needs, OptOutCommand("list"), "U0AGENT")
    assert "<@U0AGENT>" in listed and "· cli:root" in listed and "<@cli:root>" not in listed
