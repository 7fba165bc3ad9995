"""The demo page's renderer: every surface the app builds becomes HTML, with all its texts
shown, nothing dropped and nothing from the JSON able to become markup."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk import WebClient

from bot.core import i18n
from bot.core.chart import Tally
from bot.core.consent import SOURCE_IMPORT
from bot.core.delivery import REPORTED_STATES, State, is_final
from bot.core.formatting import VIETNAM, format_vnd
from bot.core.marketing import parse_hours
from bot.core.message import ViberMessage
from bot.core.model import (
    Approval,
    Campaign,
    CampaignState,
    Category,
    Channel,
    Recipient,
    Send,
    ThreadState,
)
from bot.core.sms_text import SmsTemplate, template_matches
from bot.posts.approval import approval_request, reject_view
from bot.posts.campaign import (
    PAUSE_ACTION,
    RESUME_ACTION,
    START_ACTION,
    STOP_ACTION,
    Skipped,
    campaign_modal,
    campaign_parent,
    milestone_text,
    preview_reply,
)
from bot.posts.common import help_text
from bot.posts.composer import ComposerContext, ComposerOptions, composer_view
from bot.posts.home import home_view, team_figures
from bot.posts.lookup import lookup_text, send_summary
from bot.posts.outcomes import outcome_replies
from bot.posts.thread import decision_reply, parent_message
from sandbox.demo import seeding, stories, workflow
from sandbox.demo.conversations import NO_DMS, render_dms
from sandbox.demo.elements import OfferedFile
from sandbox.demo.files import BUILT_IN_CAMPAIGN, examples, order_photo
from sandbox.demo.history import AGENTS
from sandbox.demo.render import (
    FILES_PATH,
    UnknownBlock,
    render_blocks,
    render_message,
    render_mrkdwn,
    render_plain,
    render_view,
)
from sandbox.demo.world import CHANNEL_ID, PEOPLE
from sandbox.standins.esms_sms import DEFAULT_TEMPLATES
from sandbox.standins.slack_api import SlackApiStandIn
from tests import helpers

NOW = 1_700_000_000.0
APPROVERS = ["U0MINH", "S0LEADS"]
PHONES = ["0901234567", "0912345678", "0987654321", "0934567890", "0971234567"]


def make_send(**changes: Any) -> Send:
    send = Send(
        id="abc123",
        created_at=NOW,
        team_id="T1",
        channel_id="C1",
        user_id="U1",
        message=ViberMessage(
            text="Xin chào <b>&</b>\n> quoted",
            image_url="https://x.example/a.png",
            button_label="Mua *ngay*",
            button_url="https://x.example/offer?a=1&b=2",
        ),
        brandname="BRAND",
        test_send=False,
        thread_state=ThreadState.POSTED,
        thread_note=None,
        parent_ts="1700000001.000100",
        response_url=None,
    )
    return replace(send, **changes)


def make_recipient(phone: str, state: str, code: int | None = None, detail: str | None = None):
    number = PHONES.index(phone) + 1 if phone in PHONES else 99
    return helpers.make_recipient(phone, state, code, detail, id=number)


def recipients(*states: str) -> list[Recipient]:
    return [make_recipient(PHONES[i], state) for i, state in enumerate(states)]


MIXED = [
    make_recipient(PHONES[0], State.DELIVERED),
    make_recipient(PHONES[1], State.FAILED),
    make_recipient(PHONES[2], State.REFUSED, 103, "Balance not enough"),
    make_recipient(PHONES[3], State.UNCONFIRMED, detail="timeout <@U9>"),
    make_recipient(PHONES[4], State.SENT),
]
# Viber failed on the first number, the SMS that stood in for it was delivered (Mobifone).
VIBER_FAILED = replace(make_recipient(PHONES[0], State.FAILED), telco_id=2, price=470.0)
SMS_DELIVERED = replace(
    make_recipient(PHONES[0], State.DELIVERED),
    id=11,
    channel=Channel.SMS,
    fallback_for=VIBER_FAILED.id,
    fallback_reason="failed",
    telco_id=2,
    price=350.0,
)
SMS_LATE = replace(SMS_DELIVERED, id=12, state=State.SENT, fallback_reason="late", price=None)
FALLBACK = [VIBER_FAILED, SMS_DELIVERED, make_recipient(PHONES[1], State.DELIVERED)]
OPTED_OUT = make_recipient(
    PHONES[2], State.SKIPPED, detail="not sent: opted out on 2026-12-01 (asked <b>stop</b>)"
)
SMS_DEFAULTS = {"sms_fallback": True, "sms_text": "Don hang A123 da san sang. Chi tiet: x <y>"}
MARKETING = {"category": Category.MARKETING}
PENDING = {"approval": Approval.PENDING, "approval_expires_at": NOW + 3600}
DECIDED = {"decided_by": "U0MINH", "decided_at": NOW + 60}


def parent_cases() -> dict[str, tuple[Send, list[Recipient]]]:
    queued = recipients(State.QUEUED, State.QUEUED)
    return {
        "queued": (make_send(thread_state=ThreadState.NEW), queued),
        "accepted": (make_send(), recipients(State.ACCEPTED, State.ACCEPTED)),
        "delivered": (make_send(), recipients(State.DELIVERED, State.DELIVERED)),
        "mixed": (make_send(), MIXED),
        "test send": (make_send(test_send=True), recipients(State.ACCEPTED)),
        "not posted": (
            make_send(thread_state=ThreadState.NOT_POSTED, thread_note="not_in_channel <!here>"),
            queued,
        ),
        "awaiting in the thread": (
            make_send(**PENDING, thread_note="The approval channel refused the post"),
            queued,
        ),
        "awaiting in APPROVAL_CHANNEL": (
            make_send(**PENDING, approval_channel="C0APPROVE"),
            queued,
        ),
        "approved": (make_send(approval=Approval.APPROVED, **DECIDED), queued),
        "rejected": (
            make_send(approval=Approval.REJECTED, decision_reason="Sai <giá> & link", **DECIDED),
            queued,
        ),
        "expired": (make_send(approval=Approval.EXPIRED, decided_at=NOW + 7200), queued),
        "scheduled": (make_send(scheduled_at=NOW + 86400), queued),
        "cancelled": (
            make_send(scheduled_at=NOW + 86400, cancelled_by="U1", cancelled_at=NOW + 10),
            [make_recipient(p, State.CANCELLED) for p in PHONES[:2]],
        ),
        "SMS fallback offered": (make_send(**SMS_DEFAULTS), recipients(State.ACCEPTED)),
        "SMS fallback: Viber failed, SMS delivered": (make_send(**SMS_DEFAULTS), FALLBACK),
        "SMS fallback: sent late": (
            make_send(**SMS_DEFAULTS),
            [replace(VIBER_FAILED, state=State.SENT), SMS_LATE],
        ),
        "an opted-out number skipped": (
            make_send(),
            [make_recipient(PHONES[0], State.DELIVERED), OPTED_OUT],
        ),
        "marketing: waits for the marketing hours": (
            make_send(**MARKETING, scheduled_at=NOW + 7200, held_until=NOW + 7200),
            queued,
        ),
        "marketing: the rest waits for the marketing hours": (
            make_send(**MARKETING, held_until=NOW + 7200),
            [make_recipient(PHONES[0], State.DELIVERED), make_recipient(PHONES[1], State.QUEUED)],
        ),
    }


def composer_cases() -> dict[str, dict[str, Any]]:
    many = ComposerOptions(
        brandnames=["BRAND", "SHOP"], allow_test_sends=True, templates=["giam-gia", "chao"]
    )
    return {
        "composer: templates, brandnames, test sends": composer_view(
            ComposerContext("C1", "https://hooks.example/r"), many
        ),
        "composer: one brandname, test mode": composer_view(
            ComposerContext("C1"), ComposerOptions(brandnames=["BRAND"], test_mode=True)
        ),
        "composer: refilled from a template": composer_view(
            ComposerContext("C1", version=2),
            many,
            recipients="0901234567\n0912345678",
            prefill=ViberMessage(text="Giảm <50%>", button_label="Go", button_url="https://x.y"),
        ),
        "composer: SMS fallback ticked, registered templates, marketing": composer_view(
            ComposerContext("C1", version=1),
            ComposerOptions(
                brandnames=["BRAND"],
                allow_test_sends=True,
                sms_brandname="TESTCSKH",
                sms_default=True,
                sms_templates=SMS_TEMPLATES,
            ),
            category=Category.MARKETING,
        ),
        "composer: SMS fallback unticked, no templates": composer_view(
            ComposerContext("C1"),
            ComposerOptions(brandnames=["BRAND", "SHOP"], sms_brandname="TESTCSKH"),
        ),
    }


def make_campaign(state: str, **changes: Any) -> Campaign:
    campaign = Campaign(
        send_id="abc123",
        state=state,
        file_name="khach <hang> & co.csv",
        file_url="http://127.0.0.1:9/files-pri/T0001-F1/download/khach.csv",
        rows_read=7,
        invalid=[(4, "“abc” is not a Vietnamese mobile number"), (6, "no value for <Tên>")],
        duplicates=1,
        unknown=[],
        columns=["so_dien_thoai", "ten_khach"],
        problem=None,
        pause_reason=None,
        started_by="U1" if state != CampaignState.PREVIEW else None,
        started_at=NOW + 60 if state != CampaignState.PREVIEW else None,
        finished_at=NOW + 600 if state == CampaignState.FINISHED else None,
        results_file_id=None,
    )
    return replace(campaign, **changes)


CAMPAIGN_TEXT = ViberMessage(text="Chào {Tên khách}, đơn <{Mã đơn}> & giao ngày {Ngày giao}")
CAMPAIGN_SEND = make_send(campaign=True, message=CAMPAIGN_TEXT)
HALFWAY = {"delivered": 2, "queued": 2, "accepted": 1, "skipped": 1, "sms:delivered": 1}
ALL_DONE = {"delivered": 3, "failed": 1, "skipped": 1, "sms:failed": 1}
PREVIEWED = {"queued": 4, "skipped": 1}


def campaign_cases() -> dict[str, tuple[Send, Campaign, dict[str, int]]]:
    """A campaign's parent in each of its states: (send, campaign, counts by state)."""
    later = {"scheduled_at": NOW + 86400}
    return {
        "reading": (CAMPAIGN_SEND, make_campaign(CampaignState.READING, rows_read=None), {}),
        "unreadable": (
            CAMPAIGN_SEND,
            make_campaign(CampaignState.UNREADABLE, problem="no phone column <b>"),
            {},
        ),
        "preview": (CAMPAIGN_SEND, make_campaign(CampaignState.PREVIEW), PREVIEWED),
        "preview, starts later": (
            replace(CAMPAIGN_SEND, **later),
            make_campaign(CampaignState.PREVIEW),
            PREVIEWED,
        ),
        "awaiting approval": (
            replace(CAMPAIGN_SEND, **PENDING),
            make_campaign(CampaignState.PREVIEW),
            PREVIEWED,
        ),
        "running": (
            replace(CAMPAIGN_SEND, approval=Approval.APPROVED, **DECIDED),
            make_campaign(CampaignState.RUNNING),
            HALFWAY,
        ),
        "held for the marketing hours": (
            replace(CAMPAIGN_SEND, **MARKETING, held_until=NOW + 7200),
            make_campaign(CampaignState.RUNNING),
            HALFWAY,
        ),
        "paused": (CAMPAIGN_SEND, make_campaign(CampaignState.PAUSED), HALFWAY),
        "paused: balance": (
            CAMPAIGN_SEND,
            make_campaign(CampaignState.PAUSED, pause_reason="balance"),
            HALFWAY,
        ),
        "cancelled": (
            replace(CAMPAIGN_SEND, cancelled_by="U1", cancelled_at=NOW + 90),
            make_campaign(CampaignState.CANCELLED),
            {"delivered": 2, "cancelled": 3},
        ),
        "finished": (CAMPAIGN_SEND, make_campaign(CampaignState.FINISHED), ALL_DONE),
    }


def campaign_modals() -> dict[str, dict[str, Any]]:
    metadata = ComposerContext("C1").dump()
    return {
        "campaign modal": campaign_modal(metadata, (), sms_brandname=None, ask_channel=False),
        "campaign modal from the Home tab: templates, SMS": campaign_modal(
            ComposerContext("").dump(), ("giam-gia",), sms_brandname="TESTCSKH", ask_channel=True
        ),
    }


def shared_file(file_id: str = "F000000042", name: str = "campaign-abc123-results.csv", **more):
    """A thread reply as a file share makes it (what the Slack stand-in posts)."""
    file = {
        "id": file_id,
        "name": name,
        "title": more.pop("title", "Campaign results"),
        "filetype": "csv",
        "pretty_type": "CSV",
        "mimetype": "text/csv",
        "size": 1234,
        "url_private": f"http://127.0.0.1:9/files-pri/T0001-{file_id}/{name}",
        **more,
    }
    return {"text": "", "blocks": [], "files": [file], "ts": "1.31", "thread_ts": "1.1"}


SMS_TEMPLATES = (
    SmsTemplate(12640, "Don hang {P1,20} da san sang. Chi tiet: {P2,100}", 1),
    SmsTemplate(12641, "Ma xac nhan cua ban la {P1,10}", 2),
    SmsTemplate(12642, "Thong bao tu <{P1,20}>: {P2,160} & more text to be cut at 75", 3),
)


def surfaces() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(name, kind, JSON) for every surface the app produces: kind is message or view."""
    for name, (send, rs) in parent_cases().items():
        text, blocks = parent_message(send, rs, APPROVERS)
        yield f"parent: {name}", "message", {"text": text, "blocks": blocks, "ts": send.parent_ts}
    for state in sorted(REPORTED_STATES):
        rs = [r for r in MIXED if r.state == state] or [make_recipient(PHONES[0], state)]
        for test_send in (False, True):
            [(text, blocks)] = outcome_replies(rs, test_send=test_send)
            reply = {"text": text, "blocks": blocks, "ts": "1700000009.0001", "thread_ts": "1.1"}
            yield f"outcome: {state} (test {test_send})", "message", reply
    [(text, blocks)] = outcome_replies(MIXED)
    yield "outcome: several", "message", {"text": text, "blocks": blocks, "ts": "1.2"}
    stories_told = {
        "Viber failed, an SMS follows": ([VIBER_FAILED], FALLBACK),
        "the SMS delivered": ([SMS_DELIVERED], FALLBACK),
        "an SMS sent late": ([SMS_LATE], [VIBER_FAILED, SMS_LATE]),
        "an opted-out number skipped": ([OPTED_OUT], [OPTED_OUT]),
        "more than there are buttons for": (
            [make_recipient(f"09{i:08d}", State.DELIVERED) for i in range(25)],
            (),
        ),
    }
    for name, (rs, everyone) in stories_told.items():
        [(text, blocks)] = outcome_replies(rs, everyone=everyone)
        yield f"outcome: {name}", "message", {"text": text, "blocks": blocks, "ts": "1.21"}
    for name, (send, _rs) in parent_cases().items():
        if send.approval in (Approval.APPROVED, Approval.REJECTED, Approval.EXPIRED):
            yield f"decision: {name}", "message", {"text": decision_reply(send), "ts": "1.3"}
    no_reason = make_send(approval=Approval.REJECTED, **DECIDED)
    yield "decision: rejected without a reason", "message", {"text": decision_reply(no_reason)}
    for name in ("awaiting in APPROVAL_CHANNEL", "approved", "rejected", "expired"):
        send, rs = parent_cases()[name]
        text, blocks = approval_request(send, rs, APPROVERS)
        yield f"approval request: {name}", "message", {"text": text, "blocks": blocks, "ts": "1.4"}
    for name, (send, campaign, counts) in campaign_cases().items():
        text, blocks = campaign_parent(send, campaign, counts, APPROVERS)
        yield f"campaign: {name}", "message", {"text": text, "blocks": blocks, "ts": "1.5"}
        reply = milestone_text(send, campaign, counts)
        if reply:
            yield f"campaign milestone: {name}", "message", {"text": reply, "thread_ts": "1.5"}
    samples = [(PHONES[0], ViberMessage(text="Chào Lan, đơn <A123> & giao ngày 02/12"))]
    preview = preview_reply(
        make_campaign(CampaignState.PREVIEW), 5, Skipped(1, 0, 0), samples, 470.0
    )
    yield "campaign preview", "message", {"text": preview, "ts": "1.51", "thread_ts": "1.5"}
    unpriced = preview_reply(make_campaign(CampaignState.PREVIEW), 5, Skipped(0, 1, 2), [], None)
    yield "campaign preview: no price yet", "message", {"text": unpriced, "thread_ts": "1.5"}
    yield "file share: a campaign's results file", "message", shared_file()
    yield "file share: invalid rows", "message", shared_file(name="invalid-rows.csv", title="x")
    for name, view in campaign_modals().items():
        yield name, "view", view
    yield "reject form", "view", reject_view("abc123")
    for name, view in composer_cases().items():
        yield name, "view", view
    lines = [send_summary(send, rs) for send, rs in parent_cases().values()]
    look_up = lookup_text("Latest sends to 0901234567", lines, "Nothing")
    yield "look-up", "message", {"text": look_up, "response_type": "ephemeral"}
    yield "look-up: empty", "message", {"text": lookup_text("History", [], "Nothing yet")}
    yield "home", "view", home_view(lines)
    yield "home: empty", "view", home_view([])
    yield "help", "message", {"text": help_text(), "response_type": "ephemeral"}


def render(kind: str, surface: dict[str, Any]) -> str:
    names = {"U1": "Linh", "U0MINH": "Minh"}
    if kind == "message":
        return render_message(surface, names=names, now=NOW, channel_id="C1")
    return render_view(surface, names=names, now=NOW, view_id="V1")


class Page(HTMLParser):
    """What a person sees: text, placeholders; and every tag with its attributes."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag == "br":
            self.text.append("\n")
        if found.get("placeholder"):
            self.text.append(f" {found['placeholder']} ")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def visible(self) -> str:
        return " ".join("".join(self.text).split())


def visible(markup: str) -> str:
    return Page(markup).visible()


def text_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every text object in a piece of Block Kit JSON, wherever it sits."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from text_objects(value)


@pytest.fixture(params=["en", "vi"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    i18n.use(request.param)
    yield request.param
    i18n.use("en")


def test_every_surface_renders_with_every_text_shown(language: str) -> None:
    names = {"U1": "Linh", "U0MINH": "Minh"}
    count = 0
    for name, kind, surface in surfaces():
        page = visible(render(kind, surface))
        texts = list(text_objects(surface.get("blocks") or []))
        texts += [surface[key] for key in ("title", "submit", "close") if key in surface]
        if not surface.get("blocks"):
            texts.append({"type": "mrkdwn", "text": surface["text"]})
        assert texts, name
        for obj in texts:
            if obj["type"] == "mrkdwn":
                expected = visible(render_mrkdwn(obj["text"], names=names, now=NOW))
            else:
                expected = visible(render_plain(obj["text"]))
            assert expected in page, f"{name}: {obj['text']!r} is not on the page"
        count += 1
    assert count > 60


def test_each_parent_state_is_its_own_surface() -> None:
    pages = set()
    for send, rs in parent_cases().values():
        _text, blocks = parent_message(send, rs, APPROVERS)
        pages.add(visible(render_blocks(blocks, surface="message", now=NOW)))
    assert len(pages) == len(parent_cases())


def test_readable_text_replaces_markup_on_the_page() -> None:
    send, rs = parent_cases()["awaiting in APPROVAL_CHANNEL"]
    _text, blocks = parent_message(send, rs, APPROVERS)
    page = visible(render_message({"blocks": blocks}, names={"U1": "Linh"}))
    assert "Viber message from @Linh to 0901234567, 0912345678" in page
    assert "Awaiting approval in #C0APPROVE from @U0MINH, @S0LEADS" in page
    assert "(expires Nov 15, 2023 at 6:13 AM)" in page  # Vietnam time
    assert "<" not in page.replace("<b>&</b>", "") and "&lt;" not in page
    assert "Xin chào <b>&</b>" in page  # the agent's text, shown as typed


def test_mrkdwn_formatting() -> None:
    assert render_mrkdwn("*b* _i_ ~s~ `c *x*`") == (
        '<b>b</b> <i>i</i> <s>s</s> <code class="sk-code">c *x*</code>'
    )
    assert render_mrkdwn("*_both_*") == "<b><i>both</i></b>"
    assert render_mrkdwn("snake_case_name 2*3*4") == "snake_case_name 2*3*4"
    assert render_mrkdwn("a\nb") == "a<br>b"
    assert render_mrkdwn("```\nx *y*\n<@U1>```") == (
        '<pre class="sk-pre">x *y*\n<span class="sk-mention" data-id="U1">@U1</span></pre>'
    )
    assert render_mrkdwn("intro\n> one\n&gt; two\nafter") == (
        'intro<blockquote class="sk-quote">one<br>two</blockquote>after'
    )
    assert render_mrkdwn('&lt;b&gt; &amp;lt; & "q"') == "&lt;b&gt; &amp;lt; &amp; &quot;q&quot;"


def test_mrkdwn_links_and_mentions() -> None:
    rel = 'rel="noopener noreferrer" target="_blank"'
    assert render_mrkdwn("<https://x.example/a?b=1&amp;c=2|a &amp; b>") == (
        f'<a class="sk-link" href="https://x.example/a?b=1&amp;c=2" {rel}>a &amp; b</a>'
    )
    assert render_mrkdwn("<https://x.example>") == (
        f'<a class="sk-link" href="https://x.example" {rel}>https://x.example</a>'
    )
    assert render_mrkdwn("<mailto:a@b.example|write>") == (
        f'<a class="sk-link" href="mailto:a@b.example" {rel}>write</a>'
    )
    assert visible(render_mrkdwn("<mailto:a@b.example>")) == "a@b.example"
    names = {"U1": "Linh", "C1": "support", "S1": "leads"}
    shown = render_mrkdwn(
        "<@U1> <@U2> <#C1> <#C2|general> <#C3> <!subteam^S1> <!subteam^S2|@ops> <!subteam^S3> "
        "<!here> <!channel> <!everyone> <!here|here>",
        names=names,
    )
    assert visible(shown) == (
        "@Linh @U2 #support #general #C3 @leads @ops @S3 @here @channel @everyone @here"
    )
    assert '<span class="sk-mention" data-id="U1">@Linh</span>' in shown


def test_mrkdwn_dates_in_vietnam_time() -> None:
    date = "<!date^1700000000^{date_short_pretty} at {time}|2023-11-15 05:13 (GMT+7)>"
    assert visible(render_mrkdwn(date)) == "Nov 15, 2023 at 5:13 AM"
    assert 'datetime="2023-11-15T05:13:20+07:00"' in render_mrkdwn(date)
    assert visible(render_mrkdwn(date, now=1700000000 + 3600)) == "Today at 5:13 AM"
    assert visible(render_mrkdwn(date, now=1700000000 + 86400)) == "Yesterday at 5:13 AM"
    tokens = "<!date^1700050000^{date_num} {date} {date_long} {time_secs} {nope}|x>"
    assert visible(render_mrkdwn(tokens)) == (
        "2023-11-15 November 15th, 2023 Wednesday, November 15th, 2023 7:06:40 PM {nope}"
    )
    assert visible(render_mrkdwn("<!date^soon^{date}|the fallback>")) == "the fallback"
    linked = render_mrkdwn("<!date^1700000000^{date_num}^https://x.example|f>")
    assert linked.startswith('<a class="sk-link" href="https://x.example"')


def test_unknown_types_raise() -> None:
    with pytest.raises(UnknownBlock) as raised:
        render_blocks([{"type": "rich_text", "elements": []}], surface="message")
    assert raised.value.type == "rich_text"
    unknown_element = {"type": "actions", "elements": [{"type": "radio_buttons"}]}
    with pytest.raises(UnknownBlock):
        render_blocks([unknown_element], surface="modal")
    with pytest.raises(UnknownBlock):
        render_blocks([{"type": "section", "text": {"type": "html", "text": "x"}}], surface="home")
    with pytest.raises(UnknownBlock):
        render_message({"text": "x", "blocks": [{"type": "video"}]})
    with pytest.raises(UnknownBlock):  # a button where only texts and images may go
        render_blocks([{"type": "context", "elements": [{"type": "button"}]}], surface="message")
    with pytest.raises(UnknownBlock):
        render_view({"type": "workflow_step", "blocks": []})
    with pytest.raises(ValueError):
        render_blocks([], surface="email")


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</option></select><script>x</script>",
    "<javascript:alert(1)|click me>",
    "<JavaScript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>|x>",
    '<https://x.example/"onmouseover="alert(1)|x>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!date^1^{date}^javascript:alert(1)|x>",
    "\ue0000\ue001 placeholder characters",
]
ALLOWED_TAGS = {
    "div",
    "span",
    "b",
    "i",
    "s",
    "code",
    "pre",
    "blockquote",
    "br",
    "a",
    "time",
    "h2",
    "h3",
    "h4",
    "hr",
    "button",
    "dialog",
    "select",
    "option",
    "optgroup",
    "input",
    "textarea",
    "fieldset",
    "label",
    "form",
    "header",
    "footer",
    "section",
    "figure",  # a picture shared as a file, shown from the demo server
    "figcaption",
    "img",
}


def hostile_blocks(text: str) -> list[dict[str, Any]]:
    plain = {"type": "plain_text", "text": text}
    mrkdwn = {"type": "mrkdwn", "text": text}
    option = {"text": plain, "value": text}
    confirm = {"title": plain, "text": mrkdwn, "confirm": plain, "deny": plain}
    button = {"type": "button", "text": plain, "action_id": text, "value": text, "url": text}
    return [
        {"type": "header", "text": plain},
        {
            "type": "section",
            "block_id": text,
            "text": mrkdwn,
            "fields": [mrkdwn, plain],
            "accessory": {**button, "confirm": confirm},
        },
        {
            "type": "context",
            "elements": [mrkdwn, plain, {"type": "image", "image_url": text, "alt_text": text}],
        },
        {"type": "image", "image_url": text, "alt_text": text, "title": plain},
        {
            "type": "actions",
            "block_id": text,
            "elements": [
                button,
                {
                    "type": "static_select",
                    "action_id": "s",
                    "placeholder": plain,
                    "options": [option],
                    "initial_option": option,
                },
                {
                    "type": "checkboxes",
                    "action_id": "c",
                    "options": [{**option, "description": mrkdwn}],
                    "initial_options": [option],
                },
            ],
        },
        {
            "type": "input",
            "block_id": text + "1",
            "label": plain,
            "hint": plain,
            "element": {
                "type": "plain_text_input",
                "action_id": text,
                "placeholder": plain,
                "initial_value": text,
                "multiline": True,
            },
        },
        {
            "type": "input",
            "block_id": text + "2",
            "label": plain,
            "element": {"type": "plain_text_input", "initial_value": text},
        },
        {
            "type": "input",
            "block_id": text + "3",
            "label": plain,
            "element": {"type": "file_input", "filetypes": [text], "max_files": 2},
        },
    ]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_text_can_inject_markup(text: str) -> None:
    names = {"U1": text}
    message = {"text": text, "ts": text, "thread_ts": text, "user": "U1", "username": text}
    hostile_file = shared_file(text, text, title=text, pretty_type=text, size=text)
    picture = shared_file("F0PNG", text, title=text, filetype="png", mimetype="image/png")
    offered = [OfferedFile(text, text, text, text)]
    plain = {"type": "plain_text", "text": text}
    markups = [
        render_mrkdwn(f"{text} <@U1> *{text}* `{text}`", names=names),
        render_message({**message, **hostile_file}, names=names),
        render_message({**message, **picture}, names=names),
        render_view(
            {"type": "modal", "title": plain, "blocks": hostile_blocks(text)},
            files=offered,
            view_hash=text,
        ),
        render_message({**message, "blocks": hostile_blocks(text)}, names=names, channel_id=text),
        render_message(message, names=names),
        render_view(
            {
                "type": "modal",
                "title": {"type": "plain_text", "text": text},
                "submit": {"type": "plain_text", "text": text},
                "callback_id": text,
                "blocks": hostile_blocks(text),
            },
            errors={text + "1": text, text: text},
            view_id=text,
        ),
        render_view({"type": "home", "blocks": hostile_blocks(text)}),
    ]
    for markup in markups:
        page = Page(markup)
        for tag, attributes in page.tags:
            assert tag in ALLOWED_TAGS, (tag, markup)
            assert not any(name.startswith("on") for name in attributes), (tag, attributes)
            href = attributes.get("href")
            if href is not None:
                assert href.lower().startswith(("https://", "http://", "mailto:", "tel:")) or (
                    href.startswith(FILES_PATH + "F") and href[len(FILES_PATH) :].isalnum()
                ), href
            if tag == "img":  # never from the internet: a file the Slack stand-in holds
                assert attributes["src"] == FILES_PATH + "F0PNG", attributes
    # Text that looks like the renderer's own stand-ins for markup stays text.
    assert render_mrkdwn("\ue0000\ue001 <@U1> \ue0001\ue001").count("sk-mention") == 1


def test_attributes_carry_the_json_exactly() -> None:
    text = "\"><img src=x> & ' \n"
    page = Page(render_message({"blocks": hostile_blocks(text), "ts": "1.2"}))
    buttons = [a for tag, a in page.tags if tag == "button" and a.get("data-action-id") == text]
    assert buttons and all(b["data-value"] == text and b["data-block-id"] for b in buttons)
    section = next(a for tag, a in page.tags if a.get("data-block-type") == "section")
    assert section["data-block-id"] == text


def test_controls_follow_slack_elements() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "T"},
        "blocks": [
            {
                "type": "input",
                "block_id": "when",
                "optional": True,
                "label": {"type": "plain_text", "text": "When"},
                "element": {
                    "type": "datetimepicker",
                    "action_id": "value",
                    "initial_date_time": 1700000000,
                },
            },
            {
                "type": "input",
                "block_id": "file",
                "label": {"type": "plain_text", "text": "F"},
                "element": {
                    "type": "file_input",
                    "action_id": "f",
                    "filetypes": ["csv", "txt"],
                    "max_files": 1,
                },
            },
            {
                "type": "input",
                "block_id": "note",
                "label": {"type": "plain_text", "text": "N"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "n",
                    "max_length": 10,
                    "initial_value": "hi",
                },
            },
        ],
    }
    markup = render_view(view, view_id="V9", errors={"note": "Too <short>"})
    tags = Page(markup).tags
    form = next(a for tag, a in tags if tag == "form")
    assert form["data-view-id"] == "V9" and form["data-view-type"] == "modal"
    when = next(a for tag, a in tags if a.get("name") == "when")
    assert when == {
        "type": "datetime-local",
        "class": "sk-datetime",
        "value": "2023-11-15T05:13",
        "data-type": "datetimepicker",
        "data-action-id": "value",
        "data-block-id": "when",
        "name": "when",
    }
    choice = next(a for tag, a in tags if a.get("name") == "file")
    assert choice["data-type"] == "file_input" and "multiple" not in choice
    assert "required" in choice and choice["data-action-id"] == "f"
    upload = next(a for tag, a in tags if a.get("type") == "file")
    assert upload["accept"] == ".csv,.txt" and upload["data-upload-for"] == "file"
    assert "name" not in upload  # its bytes go to the demo server, never with the form
    note = next(a for tag, a in tags if a.get("name") == "note")
    assert note["maxlength"] == "10" and note["value"] == "hi"
    assert '<div class="sk-error" role="alert">Too &lt;short&gt;</div>' in markup
    assert "sk-view-submit" not in markup and "sk-view-close" in markup  # no submit given


def test_messages_show_thread_replies_and_ephemeral_answers() -> None:
    reply = render_message({"text": "hi", "ts": "1700000009.000100", "thread_ts": "1.1"})
    tags = Page(reply).tags
    assert tags[0][1]["class"] == "sk-message sk-reply" and tags[0][1]["data-thread-ts"] == "1.1"
    assert "APP" in visible(reply) and "05:13" in visible(reply)
    note = render_message({"text": "only you", "response_type": "ephemeral"})
    assert "Only visible to you" in visible(note) and 'data-ephemeral="true"' in note
    person = render_message({"text": "x", "user": "U1"}, names={"U1": "Linh"})
    assert visible(person).startswith("Linh") and "APP" not in visible(person)


def test_the_demo_marketing_hours_are_closed_at_start_and_open_within_hours() -> None:
    midnight = 1_764_522_000.0  # 2025-12-01 00:00 in Vietnam
    for second in range(0, 2 * 86400, 37):  # every minute of two days, at varied seconds
        now = midnight + second
        hours = parse_hours(stories.marketing_hours(now))  # MARKETING_HOURS the app accepts
        assert hours.closes - hours.opens == stories.MARKETING_OPEN_MINUTES
        assert not hours.is_open(now), (second, hours)
        wait = hours.next_opening(now) - now
        assert 2 * 3600 <= wait <= 3 * 3600, (second, hours, wait)


def test_the_hints_say_which_number_does_what() -> None:
    hints = stories.hints(marketing="09:05-10:05", approvals=True, delay=3.0)
    page = Page("".join(f"<div>{hint}</div>" for hint in hints))
    shown = page.visible()
    for words in (
        f"{stories.DELIVERED} gets its Viber message",
        f"{stories.FALLBACK}: its Viber message fails",
        f"/viber {stories.FALLBACK} {stories.SMS_EXAMPLE}",
        f"{stories.OPTED_OUT} asked to stop",
        stories.OPT_OUT_COMMAND,
        "Marketing hours here are 09:05–10:05",
        "Acting as",
        f"{stories.CAMPAIGN_COMMAND} (or Start a campaign on the Home tab), choose "
        "campaign.csv, the example from examples/campaign.csv",
        f"write the message {stories.CAMPAIGN_TEXT} and Read the file",
        "preview of its 5 rows",
        f"{stories.CONSENTING} has it (a signed form",
        f"{stories.NO_CONSENT} has none, and a marketing send to it is refused",
    ):
        assert words in shown, words
    assert {tag for tag, _attrs in page.tags} <= {"div", "b", "i", "code", "button"}
    [button] = [attrs for tag, attrs in page.tags if tag == "button"]
    assert button == {"type": "button", "class": "try-hours"}  # opens the marketing hours
    assert f"Open them now restarts the app with MARKETING_HOURS={stories.OPEN_ALL_DAY}" in shown
    commands = [attrs.get("data-command") for tag, attrs in page.tags if tag == "code"]
    assert f"/viber {stories.FALLBACK} {stories.SMS_EXAMPLE}" in commands
    assert stories.CAMPAIGN_COMMAND in commands and None in commands  # the text is no command
    assert stories.CHART_COMMAND in commands and stories.CHART_PUBLIC_COMMAND in commands
    assert "brings its chart and summary to your direct messages with the app (💬 Viber" in shown
    assert "Acting as" not in visible(
        "".join(stories.hints(marketing="x", approvals=False, delay=0))
    )
    # The example fits a template registered for the stand-in's customer-care brandname.
    assert any(template_matches(t["TempContent"], stories.SMS_EXAMPLE) for t in DEFAULT_TEMPLATES)
    chosen = stories.PRECHOSEN[stories.FALLBACK]
    assert (chosen.viber, chosen.sms) == ("fail", "deliver")
    assert stories.describe("fail", "deliver") == chosen.label == "Viber fails, SMS delivered"
    assert stories.describe("silent", "fail") == "Viber silent, SMS fail"


def test_once_the_marketing_hours_are_open_the_hints_say_an_advertisement_goes_out() -> None:
    hints = stories.hints(marketing=stories.OPEN_ALL_DAY, approvals=False, delay=3.0)
    page = Page("".join(f"<div>{hint}</div>" for hint in hints))
    shown = page.visible()
    assert "Marketing hours here are 00:00–24:00 (opened on this page)" in shown
    assert "the send goes out at once" in shown and "Open them now" not in shown
    assert "button" not in {tag for tag, _attrs in page.tags}
    assert "Every advertisement ends with its reader's stop link" in shown
    assert parse_hours(stories.OPEN_ALL_DAY).is_open(NOW)  # MARKETING_HOURS the app accepts


def test_a_campaign_parent_shows_its_progress_and_the_buttons_of_its_state() -> None:
    expected = {
        "reading": [],
        "unreadable": [],
        "preview": [START_ACTION, STOP_ACTION],
        "awaiting approval": ["approve_send", "reject_send"],
        "running": [PAUSE_ACTION, STOP_ACTION],
        "paused": [RESUME_ACTION, STOP_ACTION],
        "cancelled": [],
        "finished": [],
    }
    pages = set()
    for name, (send, campaign, counts) in campaign_cases().items():
        _text, blocks = campaign_parent(send, campaign, counts, APPROVERS)
        markup = render_message({"blocks": blocks, "ts": "1.5"}, names={"U1": "Linh"}, now=NOW)
        page = Page(markup)
        shown = page.visible()
        pages.add(shown)
        assert "Campaign by @Linh from khach <hang> & co.csv" in shown, name
        buttons = [
            a["data-action-id"]
            for tag, a in page.tags
            if tag == "button" and a.get("data-action-id")
        ]
        if name in expected:
            assert buttons == expected[name], name
        if STOP_ACTION in buttons:  # Cancel asks first, in a dialog right after the button
            assert "<dialog" in markup.split(f'data-action-id="{STOP_ACTION}"', 1)[1]
            assert "Cancel this campaign?Rows not submitted yet will never be sent" in shown
        if campaign.state not in (CampaignState.READING, CampaignState.UNREADABLE):
            # The bar in a code span, as Slack shows it: filled for the rows that are done.
            assert '<code class="sk-code">█' in markup or '<code class="sk-code">░' in markup
    assert len(pages) == len(campaign_cases())
    shown = {
        name: visible(render_message({"blocks": campaign_parent(*case, APPROVERS)[1]}))
        for name, case in campaign_cases().items()
    }
    assert "👀 preview: nothing is sent until Start" in shown["preview"]
    assert "████░░░░░░░░░░░░░░░░ 1/5" in shown["preview"]  # the opted-out row is done already
    assert "▶️ sending" in shown["running"] and "██████████░░░░░░░░░░ 3/6" in shown["running"]
    assert "submitted 3 · delivered 2 · failed 0 · SMS fallback 1 · skipped 1" in shown["running"]
    assert "⏸️ paused" in shown["paused"] and "balance ran out" in shown["paused: balance"]
    assert "✅ finished" in shown["finished"] and "████████████████████ 5/5" in shown["finished"]
    assert "submitted 4 · delivered 3 · failed 1" in shown["finished"]


def test_the_campaigns_replies_and_its_shared_files() -> None:
    samples = [(PHONES[0], ViberMessage(text="Chào Lan, đơn <A123>"))]
    preview = preview_reply(
        make_campaign(CampaignState.PREVIEW), 5, Skipped(1, 0, 0), samples, 470.0
    )
    shown = visible(render_message({"text": preview, "thread_ts": "1.5", "ts": "1.6"}))
    assert (
        "Preview — 7 rows read: 5 valid, 2 invalid, 1 duplicate numbers merged → 4 to send."
        in shown
    )
    assert "• row 6: no value for <Tên>" in shown and "0901234567: Chào Lan, đơn <A123>" in shown
    send, campaign, counts = campaign_cases()["finished"]
    finished = milestone_text(send, campaign, counts)
    assert finished
    markup = render_message({"text": finished, "thread_ts": "1.5", "ts": "1.7"})
    assert '<code class="sk-code">████████████████████ 5/5</code>' in markup
    assert "The results file follows" in visible(markup)

    share = render_message(shared_file(), now=NOW)
    page = Page(share)
    assert page.visible().endswith(
        "📄Campaign resultscampaign-abc123-results.csv · CSV · 1,234 bytesDownload"
    )
    [link] = [a for tag, a in page.tags if tag == "a"]
    assert link == {
        "class": "sk-button sk-file-download",
        "href": "/files/F000000042",
        "download": "campaign-abc123-results.csv",
    }
    assert "sk-text" not in share  # a file shared without a comment: only the file
    commented = render_message({**shared_file(), "text": "Here it is <@U1>"}, names={"U1": "Linh"})
    assert "Here it is @Linh" in visible(commented) and "sk-file-card" in commented
    odd = Page(render_message(shared_file("../api/state", "x.csv")))
    assert not [a for tag, a in odd.tags if tag == "a"]  # no link for an id Slack never gives
    with pytest.raises(ValueError):
        render_message({"files": ["F1"]})


def test_the_campaign_modal_offers_the_example_a_channel_and_an_upload() -> None:
    view = campaign_modals()["campaign modal from the Home tab: templates, SMS"]
    offered = [
        OfferedFile("F01", "campaign.csv", "csv", "the example (examples/campaign.csv)"),
        OfferedFile("F02", "notes.pdf", "pdf", "uploaded from this computer"),
    ]
    names = {"U1": "Linh", "C0SUPPORT": "support", "G0PRIVATE": "leads"}
    markup = render_view(view, view_id="V3", view_hash="h9", files=offered, names=names)
    page = Page(markup)
    form = next(a for tag, a in page.tags if tag == "form")
    assert (form["data-view-id"], form["data-view-hash"]) == ("V3", "h9")
    assert form["data-callback-id"] == "viber_campaign"
    options = [a.get("value") for tag, a in page.tags if tag == "option"]
    # The channel first (only the channels the page knows), then the file: the example, no PDF.
    assert options[:5] == ["", "C0SUPPORT", "G0PRIVATE", "", "F01"]
    shown = page.visible()
    assert "Select a channel#support#leads" in shown
    assert (
        "campaign.csv — the example (examples/campaign.csv)" in shown and "notes.pdf" not in shown
    )
    assert "or upload one from this computer" in shown
    channel = next(a for tag, a in page.tags if a.get("name") == "channel")
    assert channel["data-type"] == "conversations_select" and "required" in channel
    [upload] = [a for tag, a in page.tags if a.get("type") == "file"]
    assert upload["accept"] == ".csv" and upload["data-upload-for"] == "file"


def test_the_example_file_is_the_repositorys_or_the_same_built_in(tmp_path) -> None:
    example, picture = examples()
    assert (example.name, example.origin) == ("campaign.csv", "examples/campaign.csv")
    assert example.content == BUILT_IN_CAMPAIGN  # the copy says exactly what the file says
    assert (picture.name, picture.origin) == ("order.jpg", "examples/order.jpg")
    assert picture.content == order_photo()  # the file is what the function draws
    built_in, built_in_picture = examples(tmp_path)  # an installed package: no examples folder
    assert (built_in.origin, built_in.content) == ("built in", BUILT_IN_CAMPAIGN)
    assert (built_in_picture.origin, built_in_picture.content) == ("built in", order_photo())
    lines = BUILT_IN_CAMPAIGN.decode("utf-8-sig").splitlines()
    assert len(lines) == 6 and lines[0] == "Số điện thoại;Tên khách;Mã đơn;Ngày giao"
    assert stories.OPTED_OUT in BUILT_IN_CAMPAIGN.decode() and stories.FALLBACK in lines[2]


# -- the Workflow Builder panel ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
STEP_PEOPLE = {"U0LINH": "Linh (agent)", "U0MINH": "Minh (approver)"}
STEP_NAMES = {**STEP_PEOPLE, "C0SUPPORT": "support"}


def step_manifest() -> dict[str, Any]:
    manifest = yaml.safe_load((ROOT / "manifest.workflow.yml").read_text())
    return manifest["functions"][workflow.CALLBACK_ID]


def test_the_workflow_panel_asks_for_the_steps_main_inputs() -> None:
    markup = workflow.render_form(
        people=STEP_PEOPLE, channels={"C0SUPPORT": "support"}, phones="0901234567", text="Xin"
    )
    page = Page(markup)
    [form] = [a for tag, a in page.tags if tag == "form"]
    assert form["id"] == "workflow-form" and form["data-callback-id"] == "send_viber_message"
    names = [a["name"] for tag, a in page.tags if a.get("name")]
    assert names == ["sent_by", "channel", "phones", "text", "wait_for", "timeout_minutes"]
    declared = step_manifest()["input_parameters"]
    assert set(names) <= set(declared)  # inputs the step declares, by their own names
    assert {n for n, p in declared.items() if p.get("is_required")} <= set(names)
    shown = page.visible()
    for title in ("Sent by", "Channel for the thread", "Phone numbers", "Text", "Wait for"):
        assert title in shown and declared[_by_title(declared, title)]["title"] == title
    assert "Linh (agent)" in shown and "Minh (approver)" in shown and "#support" in shown
    options = [a["value"] for tag, a in page.tags if tag == "option"]
    assert options == ["U0LINH", "U0MINH", "C0SUPPORT", "accepted", "delivered"]
    [phones] = [a for tag, a in page.tags if a.get("name") == "phones"]
    assert phones["value"] == "0901234567" and "Xin" in shown and "Run the step" in shown


def _by_title(declared: dict[str, Any], title: str) -> str:
    return next(name for name, p in declared.items() if p.get("title") == title)


def step_run(execution_id: str, at: float, status: int = 200, **inputs: Any) -> workflow.StepRun:
    values = {"sent_by": {"id": "U0LINH"}, "channel": "C0SUPPORT", "phones": "0901234567", **inputs}
    return workflow.StepRun(execution_id, values, at, status)


def test_the_runs_show_as_workflow_builder_shows_them() -> None:
    assert visible(workflow.render_runs([], names=STEP_NAMES, channel_id="C0SUPPORT")) == (
        "No runs yet."
    )
    outputs = {
        "send_id": "abc123",
        "thread_url": "https://slack.com/archives/C0SUPPORT/p1700000000000100",
        "delivered": 1,
        "failed": 0,
        "pending": 1,
        "states": "0901234567: delivered; 0912345678: accepted by eSMS",
    }
    runs = [
        (step_run("Fx1", NOW, wait_for="delivered"), workflow.Outcome("completed", outputs)),
        (
            step_run("Fx2", NOW + 1, phones="12345"),
            workflow.Outcome("failed", error="12345 <@U0MINH>"),
        ),
        (step_run("Fx3", NOW + 2, timeout_minutes=0.5), workflow.Outcome("running")),
        (step_run("Fx4", NOW + 3), workflow.Outcome("stopped")),
    ]
    markup = workflow.render_runs(runs, names=STEP_NAMES, channel_id="C0SUPPORT")
    page = Page(markup)
    shown = [a for tag, a in page.tags if "wf-run" in (a.get("class") or "").split()]
    assert [a["data-execution-id"] for a in shown] == ["Fx4", "Fx3", "Fx2", "Fx1"]  # newest first
    assert [a["data-state"] for a in shown] == ["stopped", "running", "failed", "completed"]
    text = page.visible()
    assert "■ the workflow stopped waiting" in text and "running…" in text
    assert "✗ failed: 12345 @Minh (approver)" in text  # the app's sentence, mentions named
    assert "run by Linh (agent) · #support · 0901234567 · wait for delivered" in text
    assert "timeout 0.5 min" in text
    assert "✓ completed" in text
    shown_outputs = {
        key: visible(value)
        for key, value in re.findall(r'<dd data-output="(\w+)">(.*?)</dd>', markup)
    }
    assert shown_outputs == {
        "send_id": "abc123",
        "thread_url": "the thread in #support",
        "delivered": "1",
        "failed": "0",
        "pending": "1",
        "states": "0901234567: delivered; 0912345678: accepted by eSMS",
    }
    for _key, title in workflow.OUTPUTS:
        assert f"<dt>{html.escape(title)}</dt>" in markup
    [link] = [a for tag, a in page.tags if "wf-thread-link" in (a.get("class") or "").split()]
    assert link["data-thread-ts"] == "1700000000.000100" and link["title"] == outputs["thread_url"]
    [stop] = [a for tag, a in page.tags if "wf-stop" in (a.get("class") or "").split()]
    assert stop["data-execution-id"] == "Fx3"  # only a running run can be stopped
    titles = [title for key, title in workflow.OUTPUTS]
    declared = step_manifest()["output_parameters"]
    assert titles == [declared[key]["title"] for key, _title in workflow.OUTPUTS]
    assert [key for key, _title in workflow.OUTPUTS] == list(declared)
    # A thread elsewhere, or no permalink at all, is shown as it came.
    elsewhere = {**outputs, "thread_url": "https://slack.com/archives/C0OTHER/p1700000000000100"}
    other = workflow.render_runs(
        [(step_run("Fx5", NOW), workflow.Outcome("completed", elsewhere))],
        names=STEP_NAMES,
        channel_id="C0SUPPORT",
    )
    assert "wf-thread-link" not in other and "C0OTHER/p1700000000000100" in visible(other)


@pytest.mark.parametrize("text", HOSTILE)
def test_no_step_input_or_sentence_can_inject_markup(text: str) -> None:
    outputs = {key: text for key, _title in workflow.OUTPUTS}
    run = workflow.StepRun(
        text, {"sent_by": {"id": text}, "channel": text, "phones": text}, NOW, 200
    )
    markups = [
        workflow.render_runs(
            [(run, workflow.Outcome("completed", outputs))], names={text: text}, channel_id=text
        ),
        workflow.render_runs(
            [(run, workflow.Outcome("failed", error=text))], names={}, channel_id=""
        ),
        workflow.render_runs([(run, workflow.Outcome("running"))], names={}, channel_id=""),
        workflow.render_form(people={text: text}, channels={text: text}, phones=text, text=text),
    ]
    allowed = ALLOWED_TAGS | {"form", "label", "input", "textarea", "dl", "dt", "dd"}
    for markup in markups:
        page = Page(markup)
        for tag, attributes in page.tags:
            assert tag in allowed, (tag, markup)
            assert not any(name.startswith("on") for name in attributes), (tag, attributes)
            assert tag != "a" or attributes.get("href", "").startswith("https://"), attributes


def test_the_hint_runs_the_step_with_a_good_and_a_wrong_number() -> None:
    hints = stories.hints(marketing="09:05-10:05", approvals=False, delay=3.0)
    page = Page("".join(f"<div>{hint}</div>" for hint in hints))
    shown = page.visible()
    assert (
        f"Run the step with {stories.DELIVERED} and the thread appears in #support, the run "
        "completing once eSMS accepts"
    ) in shown
    assert f"try {stories.INVALID_STEP_PHONE} to see how a workflow author is told" in shown
    phones = [
        a["data-phones"] for tag, a in page.tags if "try-step" in (a.get("class") or "").split()
    ]
    assert phones == [stories.DELIVERED, stories.INVALID_STEP_PHONE]


def chart_file(file_id: str = "F000000007", **more: Any) -> dict[str, Any]:
    """A chart as the Slack stand-in shares it in a direct message."""
    name = "viber-chart-2026-11-03-2026-12-02.png"
    picture = {"filetype": "png", "pretty_type": "PNG", "mimetype": "image/png", "size": 245993}
    shared = shared_file(file_id, name, title="Viber chart 2026-11-03 – 2026-12-02", **picture)
    shared["files"][0].update(more)
    return {**shared, "thread_ts": None}


def test_a_picture_shared_as_a_file_is_shown_and_anything_else_is_a_card() -> None:
    comment = "*📊 Viber chart · <#C0SUPPORT> · 2026-11-03 – 2026-12-02*\n• *303* sends"
    markup = render_message({**chart_file(), "text": comment}, names={"C0SUPPORT": "support"})
    page = Page(markup)
    [picture] = [a for tag, a in page.tags if tag == "img"]
    assert picture == {
        "class": "sk-file-picture",
        "src": "/files/F000000007",
        "alt": "Viber chart 2026-11-03 – 2026-12-02",
    }
    [link] = [a for tag, a in page.tags if tag == "a"]
    assert link["href"] == "/files/F000000007" and link["class"] == "sk-button sk-file-download"
    shown = page.visible()
    assert "📊 Viber chart · #support · 2026-11-03 – 2026-12-02 • 303 sends" in shown
    assert shown.endswith(
        "2026-12-02viber-chart-2026-11-03-2026-12-02.png · PNG · 245,993 bytesDownload"
    )
    assert "📄" not in shown and "sk-file-card" not in markup
    # Not a picture to show: an SVG (it may carry a script), types that disagree, an odd id.
    for odd in (
        chart_file(filetype="svg", mimetype="image/svg+xml"),
        chart_file(mimetype="text/html"),
        chart_file("../api/state"),
    ):
        assert "<img" not in render_message(odd) and "sk-file-card" in render_message(odd)


def test_a_file_deleted_since_it_was_shared_is_a_card_that_says_so() -> None:
    deleted = {**shared_file(), "files": [{"id": "F000000042", "mode": "tombstone"}]}
    markup = render_message(deleted)
    assert "This file was deleted." in visible(markup) and "/files/" not in markup


def test_the_home_tab_shows_the_teams_week_and_the_balance_as_of_its_time() -> None:
    week = Tally(sends=31, recipients=59, delivered=45, failed=10, not_sent=4, sms=7, cost=26480)
    checking = visible(render_view(home_view(["• a send"], team_figures(week, None, None, None))))
    assert "This week, the whole team (since Monday, Vietnamese time)" in checking
    assert "31 sends · 59 recipients · " in checking and "SMS fallbacks 7" in checking
    assert "eSMS balance: being checked…" in checking and "• a send" in checking
    read = home_view([], team_figures(week, 36693, NOW, None))
    markup = render_view(read, now=NOW + 60)
    assert f"eSMS balance: {format_vnd(36693)} (as of Today at 5:13 AM)" in visible(markup)
    assert 'datetime="2023-11-15T05:13:20+07:00"' in markup and "&lt;!date" not in markup
    assert "(as of Nov 15, 2023 at 5:13 AM)" in visible(render_view(read))  # the page's way
    failed = visible(render_view(home_view([], team_figures(Tally(), 36693, NOW, "wrong <keys>"))))
    assert "No send yet this week." in failed and "eSMS balance: unknown (wrong <keys>)" in failed
    assert f"eSMS balance: {format_vnd(36693)} (as of " in failed  # the last amount read stays


def test_the_direct_messages_are_the_apps_conversation_with_the_person() -> None:
    slack = SlackApiStandIn(token="xoxb-demo")
    slack.start()
    try:
        assert render_dms(slack, "U0LINH") == (NO_DMS, 0)
        client = WebClient(token="xoxb-demo", base_url=slack.url + "api/")
        dm = client.conversations_open(users="U0LINH")["channel"]["id"]
        other = client.conversations_open(users="U0MINH")["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            content=b"\x89PNG\r\n\x1a\n not drawn here",
            filename="viber-chart.png",
            title="Viber chart",
            initial_comment="*📊 Viber chart* · <#C0SUPPORT> · <@U0LAN>",
        )
        client.files_upload_v2(
            channel=dm, content="a,b\n1,2\n", filename="viber-sends.csv", title="Viber sends"
        )
        client.chat_postMessage(channel=other, text="for Minh only")
        client.chat_postMessage(channel=CHANNEL_ID, text="in #support")
        markup, count = render_dms(slack, "U0LINH")
        uploads = {upload.filename: upload.file_id for upload in slack.uploads}
    finally:
        slack.stop()
    assert count == 2 and markup.index("Viber chart") < markup.index("Viber sends")
    page = Page(markup)
    shown = page.visible()
    assert "📊 Viber chart · #support · @Nguyễn Thị Lan" in shown  # the history's agents
    assert "for Minh only" not in shown and "in #support" not in shown
    [picture] = [a["src"] for tag, a in page.tags if tag == "img"]
    assert picture == FILES_PATH + uploads["viber-chart.png"]
    downloads = [a["href"] for tag, a in page.tags if tag == "a"]
    assert downloads == [
        FILES_PATH + uploads["viber-chart.png"],
        FILES_PATH + uploads["viber-sends.csv"],
    ]
    assert 'class="sk-file-card" data-file-id="' + uploads["viber-sends.csv"] in markup


def test_the_demos_history_is_past_settled_apart_and_written_once(store, database_url) -> None:
    now = datetime(2026, 12, 2, 23, 59, tzinfo=VIETNAM).timestamp()  # every day's sends made
    rows = seeding.demo_history(now, CHANNEL_ID)
    assert seeding.history_start(now) == datetime(2026, 11, 3, tzinfo=VIETNAM).timestamp()
    assert min(row.created_at for row in rows) >= seeding.history_start(now)
    assert max(row.created_at for row in rows) + seeding.SETTLED_SECONDS <= now
    assert {row.channel_id for row in rows} == {CHANNEL_ID}
    assert {row.user_id for row in rows} <= set(AGENTS) and not set(AGENTS) & set(PEOPLE)
    early = datetime(2026, 12, 2, 9, 30, tzinfo=VIETNAM).timestamp()  # none after the start
    assert max(row.created_at for row in seeding.demo_history(early, CHANNEL_ID)) < early
    sends = len({row.send_id for row in rows})
    assert seeding.seed_history(database_url, CHANNEL_ID, now) == sends > 250
    assert seeding.seed_history(database_url, CHANNEL_ID, now + 86400) == 0  # a kept database
    written = store.db.fetch_all("SELECT phone, state FROM recipients")
    assert len(written) == len(rows)
    # Nothing the running app would still ask eSMS about, or send a late SMS fallback for.
    assert all(is_final(row["state"]) for row in written)
    # None of the numbers the page's stories and the example campaign file use.
    used = {stories.DELIVERED, stories.FALLBACK, stories.OPTED_OUT}
    used |= set(re.findall(r"0\d{9}", BUILT_IN_CAMPAIGN.decode()))
    assert len(used) == 5 and not used & {row["phone"] for row in written}


def test_the_demos_consent_is_past_for_one_number_alone_and_recorded_once(store) -> None:
    now = datetime(2026, 12, 2, 9, 30, tzinfo=VIETNAM).timestamp()
    assert seeding.give_demo_consent(store, now)
    consent = store.consents.get(stories.CONSENTING)
    assert consent is not None and consent.given_at == seeding.history_start(now) < now
    assert consent.evidence == "signed form 11/2026 (demo)"
    assert (consent.source, consent.recorded_by) == (SOURCE_IMPORT, seeding.CONSENT_ACTOR)
    assert store.consents.lacking([stories.CONSENTING, stories.NO_CONSENT]) == [stories.NO_CONSENT]
    assert stories.NO_CONSENT != stories.CONSENTING and stories.OPTED_OUT != stories.CONSENTING
    assert not seeding.give_demo_consent(store, now + 86400)  # a kept database, started again
    assert store.consents.get(stories.CONSENTING) == consent
    # Withdrawn (its stop link used) in a kept database: it stays withdrawn.
    assert store.consents.withdraw(stories.CONSENTING, "customer", "customer", "stop link")
    assert not seeding.give_demo_consent(store, now + 2 * 86400)
    assert store.consents.get(stories.CONSENTING) is None
