"""Every surface at the sizes real teams reach, against a Slack stand-in that refuses what Slack
refuses: 150 long templates, 50 refusals with eSMS's long texts, 50 opt-outs with long reasons,
a 1,000-character message in an approval. Nothing is cut, nothing is lost, every list is seen."""

from __future__ import annotations

import html
import re

from bot.core.slack_limits import ANSWER_TEXT, SELECT_OPTIONS, message_problem
from sandbox.standins.slack_api import block_text
from tests.e2e.harness import composer_values, wait_for

ADMIN = "U0ADMIN"
NASTY = "Ưu đãi & <quà> > "  # 17 characters, escaped to 31
TEMPLATE_TEXT = (NASTY * 24)[:400].strip()
ERROR_TEXT = ("Lỗi & <x> " * 20)[:200]
TEMPLATES = [f"t{number:03d}" for number in range(150)]


def every_page(app, command: str) -> list[str]:
    """Each answer to `/viber COMMAND`, following its "Next" until the list ends."""
    pages, start = [], 1
    while True:
        answer = app.command(f"{command} {start}" if start > 1 else command).json()["text"]
        pages.append(answer)
        following = re.search(rf"`/viber {command} (\d+)`", answer)
        if following is None or len(pages) > 200:
            return pages
        start = int(following.group(1))


def test_long_lists_and_many_templates_are_seen_whole_and_every_template_is_chosen(
    app_factory, slack_api
):
    app = app_factory(TEMPLATE_ADMINS=ADMIN, OPTOUT_ADMINS=ADMIN)
    for name in TEMPLATES:
        saved = app.command(f"template add {name} | {TEMPLATE_TEXT}", user=ADMIN).json()["text"]
        assert "saved" in saved
    pages = every_page(app, "template list")
    assert len(pages) > 1 and all(len(page) <= ANSWER_TEXT for page in pages)
    listed = "\n".join(pages)
    assert all(f"*{name}*" in listed for name in TEMPLATES)
    assert listed.count("&amp;") >= 150 and "<quà>" not in listed  # escaped, never cut mid-way

    phones = [f"0903{number:06d}" for number in range(50)]
    for phone in phones:
        reason = ("khách gọi & <nói> dừng " * 10)[:200]
        assert "added" in app.command(f"optout add {phone} {reason}").json()["text"]
    pages = every_page(app, "optout list")
    assert len(pages) > 1 and all(len(page) <= ANSWER_TEXT for page in pages)
    assert all(phone in "\n".join(pages) for phone in phones)

    app.command("")  # the composer: Slack would refuse a select of 150 options
    (opened,) = wait_for(lambda: slack_api.calls_to("views.open"))
    view = opened.args["view"]
    [picker] = next(b for b in view["blocks"] if b.get("block_id") == "templates")["elements"]
    assert picker["type"] == "external_select"
    first = app.suggest(view, "templates", picker["action_id"], "").json()["options"]
    assert [o["value"] for o in first] == TEMPLATES[:SELECT_OPTIONS]
    found = app.suggest(view, "templates", picker["action_id"], "T149").json()["options"]
    assert [o["value"] for o in found] == ["t149"]  # the 150th, found by typing
    app.pick_template(view, "t149", {"recipients": "0901234567"})
    (updated,) = wait_for(lambda: slack_api.calls_to("views.update"))
    filled = {
        b["block_id"]: b["element"].get("initial_value")
        for b in updated.args["view"]["blocks"]
        if b["type"] == "input"
    }
    assert filled["text~1"] == TEMPLATE_TEXT

    app.command("campaign")  # the campaign form offers them the same way
    wait_for(lambda: len(slack_api.calls_to("views.open")) == 2)
    campaign = slack_api.calls_to("views.open")[1]
    [template] = [b for b in campaign.args["view"]["blocks"] if b.get("block_id") == "template"]
    assert template["element"]["type"] == "external_select"
    found = app.suggest(campaign.args["view"], "template", "value", "t07").json()["options"]
    assert [o["value"] for o in found] == [f"t07{n}" for n in range(10)]


def test_fifty_refusals_with_long_texts_are_all_told_in_the_thread(app, slack_api, esms):
    phones = [f"0904{number:06d}" for number in range(50)]
    for phone in phones:
        esms.refuse_phone[phone] = (99, ERROR_TEXT)
    answer = app.submit_composer(composer_values(",".join(phones), text="Xin chào"))
    assert answer.status_code == 200
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]

    def told() -> str:
        return "\n".join(block_text(m.blocks) or m.text for m in slack_api.replies(parent.ts))

    wait_for(lambda: all(phone in told() for phone in phones), timeout=60)
    replies = slack_api.replies(parent.ts)
    assert len(replies) >= 2  # more than one message could hold
    for reply in replies:
        assert message_problem(reply.text, reply.blocks) is None
    everything = told()
    assert all(everything.count(phone) == 1 for phone in phones)  # each once, none twice
    assert html.unescape(everything).count(ERROR_TEXT) == 50  # whole, in every line


def test_a_long_message_full_of_ampersands_is_shown_whole_to_the_approvers(app_factory, slack_api):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS", APPROVAL_CHANNEL="C0APPROVE")
    text = "&" * 1000
    assert app.submit_composer(composer_values("0901234567", text=text)).status_code == 200
    request = wait_for(lambda: slack_api.parents("C0APPROVE"))[0]
    shown = block_text(request.blocks)
    assert shown.count("&amp;") == 1000 and "…" not in shown
    assert message_problem(request.text, request.blocks) is None
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    assert block_text(parent.blocks).count("&amp;") == 1000
