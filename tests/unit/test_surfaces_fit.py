"""Every surface the app builds, from generated extreme inputs, within Slack's limits (the same
table the Slack stand-in refuses with), and nothing a person must read is cut."""

from __future__ import annotations

import html
import re
from dataclasses import replace

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.core import slack_limits as limits
from bot.core.delivery import REPORTED_STATES, State
from bot.core.message import MAX_LABEL, MAX_TEXT, ViberMessage
from bot.core.model import Approval, CampaignState, Recipient
from bot.core.phones import MAX_RECIPIENTS
from bot.core.sms_text import SmsTemplate
from bot.posts.approval import approval_request
from bot.posts.campaign import Skipped, campaign_modal, campaign_parent, preview_reply
from bot.posts.common import escape, listing, summary_blocks
from bot.posts.composer import ComposerContext, ComposerOptions, composer_view
from bot.posts.outcomes import outcome_replies
from bot.posts.pickers import suggestions
from bot.posts.thread import parent_message
from tests.helpers import make_recipient
from tests.unit.test_blocks import make_send
from tests.unit.test_demo_render import make_campaign

NASTY = "a&<>ặ *_~`|@\n"
nasty = st.text(alphabet=NASTY, max_size=MAX_TEXT)
enough = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fits(text: str, blocks: list) -> None:
    problem = limits.message_problem(text, blocks)
    assert problem is None, problem


def shown(blocks: list) -> str:
    """What a person reads in the blocks, entities back to characters."""
    return html.unescape("\n".join(limits.texts(blocks)))


def recipients(states, details, codes) -> list[Recipient]:
    return [
        replace(
            make_recipient(f"09{number:08d}", state, code, detail, id=number + 1),
            price=470.0 if state == State.DELIVERED else None,
            telco_id=1,
        )
        for number, (state, detail, code) in enumerate(zip(states, details, codes, strict=False))
    ]


outcomes = st.integers(min_value=1, max_value=MAX_RECIPIENTS).flatmap(
    lambda count: st.tuples(
        st.lists(st.sampled_from(sorted(REPORTED_STATES)), min_size=count, max_size=count),
        st.lists(st.text(alphabet=NASTY, max_size=200), min_size=count, max_size=count),
        st.lists(st.sampled_from([None, 99, 103, 118]), min_size=count, max_size=count),
    )
)


WORST_DETAIL = "&<>" * 66 + "&&"  # 200 characters, each escaped to four or five


@enough
@given(outcomes, st.booleans())
@example(
    ([State.REFUSED] * MAX_RECIPIENTS, [WORST_DETAIL] * MAX_RECIPIENTS, [99] * MAX_RECIPIENTS),
    True,
)
@example(([State.UNCONFIRMED] * 20, [WORST_DETAIL] * 20, [None] * 20), True)
def test_outcome_replies_fit_and_name_every_recipient_once(drawn, test_send):
    told = recipients(*drawn)
    parts = outcome_replies(told, test_send=test_send, everyone=told)
    for text, blocks in parts:
        fits(text, blocks)
    everything = "\n".join(shown(blocks) for _, blocks in parts)
    for recipient in told:
        assert everything.count(recipient.phone) == 1


@enough
@given(nasty, st.text(alphabet=NASTY, max_size=MAX_LABEL), st.booleans(), st.booleans())
@example("&" * MAX_TEXT, "&" * MAX_LABEL, True, True)
@example(("a" * 99 + "\n") * 10, "b", False, False)
def test_the_parent_and_the_approval_request_show_the_whole_message(
    text, label, awaiting, test_send
):
    message = ViberMessage(text, "https://x.example/a.png", label, "https://x.example/go")
    send = replace(make_send(), message=message, test_send=test_send)
    if awaiting:
        send = replace(send, approval=Approval.PENDING, approval_expires_at=2e9)
    else:
        send = replace(send, approval=Approval.APPROVED, decided_by="U2", decided_at=1.7e9)
    people = [make_recipient(f"09{n:08d}", State.QUEUED, id=n) for n in range(MAX_RECIPIENTS)]
    for built in (parent_message(send, people, ["U1"]), approval_request(send, people, ["U1"])):
        fits(*built)
        flat = re.sub(r"\s|>", "", shown(built[1]))
        assert re.sub(r"\s|>", "", text) in flat  # every character of it, in order


@enough
@given(
    st.lists(st.from_regex(r"[\w.-]{1,40}", fullmatch=True), max_size=300, unique=True),
    st.lists(st.text(alphabet=NASTY, min_size=1, max_size=400), max_size=150),
)
def test_the_forms_fit_whatever_the_templates(names, sms_contents):
    sms = [SmsTemplate(number, content) for number, content in enumerate(sms_contents)]
    options = ComposerOptions(
        brandnames=[f"BRAND{n}" for n in range(100)],
        allow_test_sends=True,
        templates=names,
        sms_brandname="SMSBRAND",
        sms_templates=sms,
    )
    views = [
        composer_view(ComposerContext("C1", "https://hooks.slack.com/x" * 20), options),
        campaign_modal("m", names, sms_brandname="SMSBRAND", ask_channel=True),
    ]
    for view in views:
        assert limits.view_problems(view) == []
    found = suggestions([(name, name) for name in names], "")
    assert [o["value"] for o in found] == names[: limits.SELECT_OPTIONS]


@enough
@given(st.lists(st.text(alphabet=NASTY, min_size=1, max_size=900), min_size=1, max_size=120))
def test_a_list_answer_fits_and_each_page_goes_on_where_the_last_stopped(entries):
    escaped = [f"[{number}] {escape(entry)}" for number, entry in enumerate(entries)]
    start, seen = 1, 0
    while start <= len(escaped):
        answer = listing("*Title*", escaped[start - 1 :], start, len(escaped), "x list")
        assert len(answer) <= limits.ANSWER_TEXT
        shown_here = sum(1 for entry in escaped[start - 1 :] if entry in answer)
        assert shown_here >= 1
        seen += shown_here
        start += shown_here
    assert seen >= len(escaped)


@enough
@given(st.lists(nasty, min_size=1, max_size=80))
def test_a_summary_of_any_message_fits(texts):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": escape(t)}} for t in texts]
    blocks.append({"type": "actions", "elements": [{"type": "button", "action_id": "a"}]})
    smaller = summary_blocks(blocks)
    fits("t", smaller)
    assert smaller[-2]["type"] == "actions"  # the buttons stay


@given(st.text(alphabet="ab&<>é\u0301 \n", max_size=3000), st.integers(min_value=20, max_value=400))
@example("<<<<<<aaaaaaaaaaaaaaaa&&\u0301", 25)  # an accent after an entity, at the cut
def test_split_keeps_every_character_and_never_breaks_an_entity(raw, limit):
    text = escape(raw) + " <@U0AGENT>"
    pieces = limits.split(text, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)
    for piece in pieces:
        assert re.fullmatch(r"([^&<]|&(amp|lt|gt);|<[^<>]*>)*", piece, re.S), piece


@enough
@given(nasty, st.lists(st.text(alphabet=NASTY, max_size=300), max_size=40), st.booleans())
@example("&" * MAX_TEXT, ["&" * 300] * 40, True)
def test_a_campaign_parent_and_its_preview_show_the_message_whole_and_fit(text, reasons, approving):
    send = replace(
        make_send(), message=ViberMessage(text), campaign=True, approval=Approval.PENDING,
        approval_expires_at=2e9, approval_channel="C0APPROVE",
    )  # fmt: skip
    invalid = [(number + 2, reason) for number, reason in enumerate(reasons)]
    campaign = make_campaign(CampaignState.PREVIEW, invalid=invalid, file_name="&<>" * 60)
    counts = {"queued": 100_000, "skipped": 40}
    built = campaign_parent(send, campaign, counts, ["U1"], approving=approving)
    fits(*built)
    assert re.sub(r"\s|>", "", text) in re.sub(r"\s|>", "", shown(built[1]))
    samples = [(f"09{n:08d}", ViberMessage(text)) for n in range(3)]
    preview = preview_reply(campaign, 100_000, Skipped(40, 7, 12), samples, 470.0)
    assert len(preview) <= limits.ANSWER_TEXT
    assert re.fullmatch(r"([^&<]|&(amp|lt|gt);|<[^<>]*>)*", preview, re.S)  # no entity cut
