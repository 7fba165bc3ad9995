from dataclasses import replace

from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.core.model import Send, ThreadState
from bot.core.slack_limits import message_problem
from bot.posts.composer import (
    ComposerContext,
    ComposerOptions,
    composer_view,
)
from bot.posts.composer_values import submitted_values
from bot.posts.outcomes import outcome_replies
from bot.posts.thread import parent_message, status_line
from tests import helpers


def make_send(thread_state=ThreadState.POSTED, **message):
    return Send(
        id="abc123",
        created_at=0,
        team_id="T",
        channel_id="C1",
        user_id="U1",
        message=ViberMessage(**message),
        brandname="BRAND",
        test_send=False,
        thread_state=thread_state,
        thread_note=None,
        parent_ts="1.1",
        response_url=None,
    )


def make_recipient(phone, state, code=None, detail=None):
    return helpers.make_recipient(phone, state, code, detail, id=hash(phone) % 1000)


def test_status_line_moves_from_queued_to_delivered():
    send = make_send(text="Hi")
    two = ["0901234567", "0912345678"]
    assert status_line(
        make_send(ThreadState.NEW), [make_recipient(p, State.QUEUED) for p in two]
    ).startswith("⏳ Queued")
    assert (
        status_line(send, [make_recipient(p, State.ACCEPTED) for p in two])
        == "⏳ Accepted by eSMS 2/2"
    )
    mixed = [make_recipient(two[0], State.DELIVERED), make_recipient(two[1], State.SENT)]
    assert (
        status_line(send, mixed)
        == "⏳ Delivered 1/2 · sent, awaiting the operator's delivery status 1/2"
    )
    assert (
        status_line(send, [make_recipient(p, State.DELIVERED) for p in two]) == "✅ Delivered 2/2"
    )
    final_mixed = [make_recipient(two[0], State.DELIVERED), make_recipient(two[1], State.FAILED)]
    assert status_line(send, final_mixed) == "⚠️ Delivered 1/2 · failed 1/2"


def test_parent_shows_sender_numbers_preview_and_escapes_user_text():
    send = make_send(
        text="<!channel> & hi",
        image_url="https://x.example/a.png",
        button_label="Go",
        button_url="https://x.example",
    )
    text, blocks = parent_message(send, [make_recipient("0901234567", State.QUEUED)])
    rendered = str(blocks)
    assert "<@U1>" in rendered and "0901234567" in rendered
    assert "&lt;!channel&gt; &amp; hi" in rendered and "<!channel>" not in rendered
    assert "https://x.example/a.png" in rendered and "*Go*" in rendered
    assert text and len(blocks) <= 50


def test_refusal_reply_gives_reason_and_code():
    [(text, _blocks)] = outcome_replies(
        [make_recipient("0901234567", State.REFUSED, 103, "Balance not enough")]
    )
    assert "eSMS refused the message: insufficient balance (103)" in text


def test_many_outcomes_fit_in_section_limits():
    recipients = [
        make_recipient(f"09{i:08d}", State.UNCONFIRMED, detail="x" * 200) for i in range(50)
    ]
    parts = outcome_replies(recipients)
    assert all(message_problem(text, blocks) is None for text, blocks in parts)
    blocks = [block for _, part in parts for block in part]
    assert all(len(block["text"]["text"]) <= 3000 for block in blocks)
    assert sum(block["text"]["text"].count("\n") + 1 for block in blocks) == 50


def test_composer_context_round_trips_and_rejects_garbage():
    context = ComposerContext("C1", "https://hooks.slack.com/x")
    assert ComposerContext.load(context.dump()) == context
    for garbage in ("", "{", "[]", '{"c": 5}', '{"r": "x"}'):
        assert ComposerContext.load(garbage) is None


def test_composer_view_respects_slack_limits():
    options = ComposerOptions(brandnames=["B1", "B2"], allow_test_sends=True, templates=["a", "b"])
    view = composer_view(
        ComposerContext("C1", "https://hooks.slack.com/" + "x" * 200, "1.2", 3), options
    )
    assert len(view["title"]["text"]) <= 24 and len(view["private_metadata"]) <= 3000
    ids = {block.get("block_id") for block in view["blocks"]}
    assert {"recipients~3", "text~3", "send_at~3", "brandname~3", "test_send~3", "templates"} <= ids
    single = composer_view(
        ComposerContext("C1"), ComposerOptions(brandnames=["B1"], test_mode=True)
    )
    ids = {block.get("block_id") for block in single["blocks"]}
    assert "brandname" not in ids and "test_send" not in ids and "templates" not in ids


def test_composer_prefill_and_values_round_trip():
    view = composer_view(
        ComposerContext("C1", version=1),
        ComposerOptions(brandnames=["B"]),
        recipients="0901234567",
        prefill=ViberMessage(text="Hi", button_label="Go", button_url="https://x.example"),
    )
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        for b in view["blocks"]
        if b["type"] == "input"
    }
    assert initial["recipients~1"] == "0901234567" and initial["text~1"] == "Hi"
    state = {
        "text~1": {"value": {"type": "plain_text_input", "value": "Hi"}},
        "brandname~1": {"value": {"type": "static_select", "selected_option": {"value": "B"}}},
        "test_send~1": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
        "send_at~1": {"value": {"type": "datetimepicker", "selected_date_time": 1800000000}},
    }
    values, block_ids = submitted_values(state)
    assert values["text"] == "Hi" and values["brandname"] == "B" and values["test_send"] == "yes"
    assert values["send_at"] == "1800000000" and block_ids["text"] == "text~1"
    assert block_ids["recipients"] == "recipients"


def test_submitted_values_tolerates_missing_and_null_fields():
    values, _ = submitted_values(
        {"recipients": {"value": {"value": "0901234567"}}, "text": {"value": {"value": None}}}
    )
    assert (
        values["recipients"] == "0901234567" and values["text"] == "" and values["button_url"] == ""
    )


LIVE_MARKUP = ("<@", "<!", "<#", "<http", "<mailto")


def test_a_not_posted_reason_from_slack_is_shown_as_text():
    send = replace(
        make_send(ThreadState.NOT_POSTED, text="Hi"),
        thread_note="Slack refused (<!here> <@U123> <https://evil|shop>)",
    )
    line = status_line(send, [make_recipient("0901234567", State.QUEUED)])
    assert not any(mark in line for mark in LIVE_MARKUP)
    assert "&lt;!here&gt;" in line


def test_a_stored_link_with_a_pipe_cannot_show_another_address():
    from bot.posts.common import preview_lines

    message = ViberMessage(
        text="Hi",
        image_url="https://evil.example/a.png|https://shop.example/a.png",
        button_label="Go",
        button_url="https://evil.example/x|https://shop.example/offer",
    )
    rendered = "\n".join(preview_lines(message))
    assert "|" not in rendered
    assert "<https://evil.example/x%7Chttps://shop.example/offer>" in rendered
