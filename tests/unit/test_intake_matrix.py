"""Every rule against every way of making a send: each surface's real listener hands its draft
to the intake, and each stored message is then asked the one submit check as it would leave.
A surface added to `Surface` without its row here fails `test_every_surface_has_its_row`."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import Ack

from bot.config import Settings
from bot.config.outreach import Outreach
from bot.core.consent import SOURCE_SLACK
from bot.core.delivery import State
from bot.core.formatting import VIETNAM
from bot.core.marketing import parse_hours
from bot.core.message import ViberMessage
from bot.core.model import Approval, CampaignState, Category
from bot.intake import Accepted, Draft, Intake, Surface, leaving
from bot.jobs.campaign import CampaignReading
from bot.jobs.submit import viber_sent
from bot.posts.campaign import START_ACTION
from bot.posts.composer import COMPOSER_CALLBACK_ID, ComposerContext
from bot.slack import campaigns, commands, compose, workflow
from bot.slack.app import ListenerNeeds
from bot.slack.people import PeopleList
from bot.store import Store
from bot.store.consents import NewConsent
from tests.helpers import new_send
from tests.unit.test_listeners import needs_of

AGENT, MARKETER, OUTSIDER = "U0AGENT", "U0MARKETER", "U0OUTSIDER"
CHANNEL, TEAM = "C0SUPPORT", "T0TEAM"
A, B = "0901234567", "0912345678"
PROMO = "promo"  # a marketing template
SETTINGS = Settings(
    slack_bot_token="xoxb-test-token",
    slack_signing_secret="signing-secret",
    esms_api_key="KEY",
    esms_secret_key="SECRET",
    esms_brandnames=("BRAND",),
    approvers=("U0LEAD",),
    outreach=Outreach(marketing_hours=parse_hours("00:00-24:00"), marketing_prefix="[QC]"),
    public_url="https://bot.example.com",
)
STOP_LINE = "\nTừ chối nhận tin: https://bot.example.com/stop/"


@dataclass
class Made:
    """What one attempt at a send came to: refused with a sentence, or a stored send."""

    refused: str | None
    send_id: str | None


def _made(ack: Ack, send_ids: list[str]) -> Made:
    """A refusal is what the person read when nothing was stored."""
    assert ack.response is not None and ack.response.status == 200
    if send_ids:
        return Made(None, send_ids[0])
    return Made(ack.response.body or "", None)


class World:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        people = Mock()  # user IDs only: a list never asks Slack about them
        allowed = settings.allowed_users
        senders = settings.outreach.marketing_senders
        self.intake = Intake(
            settings,
            store,
            allowed_users=PeopleList(people, allowed) if allowed else None,
            marketing_senders=PeopleList(people, senders) if senders else None,
        )
        store.templates.save(PROMO, ViberMessage("Sale 50% for you"), AGENT, Category.MARKETING)
        # Both numbers agreed to marketing, as every rule but consent's assumes.
        agreed = [NewConsent(phone, "signed form 12/2026", time.time() - 86400) for phone in (A, B)]
        store.consents.give_many(agreed, AGENT, SOURCE_SLACK)

    @property
    def needs(self) -> ListenerNeeds:
        """The listeners' dependencies, as the app builds them from the settings as they are now
        (user IDs only: a list never asks Slack about them)."""
        return needs_of(self.settings, self.store, Mock())

    def leave(self, send_id: str) -> list[tuple[str, leaving.Verdict, str]]:
        """Each queued message asked the submit check, as the submit job asks it."""
        send = self.store.sends.get(send_id)
        assert send is not None
        out = []
        for recipient in self.store.sends.recipients(send_id):
            if recipient.state == State.QUEUED:
                verdict = leaving.check(self.settings, self.store, send, recipient)
                if verdict.go:  # as eSMS would take it
                    self.store.deliveries.record_submission(recipient.id, State.ACCEPTED)
                text = viber_sent(send, recipient, self.settings.public_url).text
                out.append((recipient.phone, verdict, text))
        return out

    def gone(self, send_id: str) -> dict[str, str]:
        """The numbers whose message may leave now, with the text eSMS would receive."""
        return {phone: text for phone, verdict, text in self.leave(send_id) if verdict.go}


# -- one driver per surface: the real listener, called as Bolt calls it ------------------------

Driver = Callable[..., Made]


def _composer(world: World, user: str, phones: str, *, thread_ts: str | None = None, **kw) -> Made:
    values: dict[str, Any] = {
        "recipients": {"value": {"type": "plain_text_input", "value": phones}},
        "text": {"value": {"type": "plain_text_input", "value": kw.get("text", "Hello")}},
        "image_url": {"value": {"type": "plain_text_input", "value": kw.get("image", "")}},
        "category": {"value": {"selected_option": {"value": kw.get("category") or "care"}}},
    }
    if kw.get("test_send"):
        values["test_send"] = {"value": {"selected_options": [{"value": "yes"}]}}
    context = ComposerContext(CHANNEL, thread_ts=thread_ts, template=kw.get("template", ""))
    view = {"callback_id": COMPOSER_CALLBACK_ID, "private_metadata": context.dump()}
    view["state"] = {"values": values}
    body = {"team": {"id": TEAM}, "user": {"id": user}, "view": view}
    before = {s.id for s in world.store.sends.by_user(user, 100)}
    ack = Ack()
    compose.submit(world.needs.compose, ack, body, view)
    after = [s.id for s in world.store.sends.by_user(user, 100) if s.id not in before]
    return _made(ack, after)


def _shortcut(world: World, user: str, phones: str, **kw) -> Made:
    return _composer(world, user, phones, thread_ts="1700000000.000100", **kw)


def _quick_send(world: World, user: str, phones: str, **kw) -> Made:
    """`/viber NUMBERS TEXT`: no template and no kind to choose, always care."""
    command = {
        "text": f"{phones.replace(' ', '')} {kw.get('text', 'Hello')}",
        "channel_id": CHANNEL,
        "user_id": user,
        "team_id": TEAM,
        "trigger_id": "1.2.3",
    }
    before = {s.id for s in world.store.sends.by_user(user, 100)}
    ack = Ack()
    commands.viber(world.needs.commands, ack, command, Mock(), Mock())
    after = [s.id for s in world.store.sends.by_user(user, 100) if s.id not in before]
    return _made(ack, after)


def _campaign(world: World, user: str, phones: str, **kw) -> Made:
    """The modal, then the file read and planned as the read job does, then Start."""
    state: dict[str, Any] = {
        "file": {
            "value": {"files": [{"id": "F1", "name": "list.csv", "url_private_download": "x"}]}
        },
        "text": {"value": {"value": kw.get("text", "Hello {Tên}")}},
        "image_url": {"value": {"value": kw.get("image", "")}},
        "template": {"value": {"selected_option": {"value": kw.get("template", "")}}},
        "category": {"value": {"selected_option": {"value": kw.get("category", "")}}},
    }
    if not kw.get("template"):
        del state["template"]
    if kw.get("text") == "":
        del state["text"]
    view = {"private_metadata": ComposerContext(CHANNEL).dump(), "state": {"values": state}}
    view["blocks"] = [{"type": "input", "block_id": name} for name in state]
    body = {"team": {"id": TEAM}, "user": {"id": user}, "view": view}
    before = {s.id for s in world.store.sends.by_user(user, 100)}
    ack = Ack()
    campaigns.submit(world.needs.campaigns, ack, body, view)
    after = [s.id for s in world.store.sends.by_user(user, 100) if s.id not in before]
    if not after:
        return _made(ack, after)
    send = world.store.sends.get(after[0])
    assert send is not None
    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow(["Số điện thoại", "Tên"])
    for index, phone in enumerate(p.strip() for p in phones.split(",")):
        writer.writerow([phone, f"Khách {index}"])
    reading = CampaignReading(
        world.store, slack_bot_token="", max_rows=10_000, public_url=world.settings.public_url
    )
    reading.plan(send, sheet.getvalue().encode())
    assert world.store.campaigns.get(send.id).state == CampaignState.PREVIEW
    start = {"user": {"id": user}}
    respond = Mock()
    click = {"action_id": START_ACTION, "value": send.id}
    campaigns.control(world.needs.campaigns, Ack(), start, click, respond)
    assert not respond.called, respond.call_args
    return Made(None, send.id)


def _workflow_step(world: World, user: str, phones: str, **kw) -> Made:
    inputs = {"channel": CHANNEL, "phones": phones, "text": kw.get("text", "Hello")}
    inputs["sent_by"] = {"id": user, "secret": "4f2a9c"}  # the person who ran the workflow
    inputs.update({k: kw[k] for k in ("template", "category") if kw.get(k) is not None})
    inputs["image_url"] = kw.get("image", "")
    if "text" in kw and not kw["text"]:
        del inputs["text"]
    execution = uuid.uuid4().hex
    failed: list[str] = []
    event = {"function_execution_id": execution, "bot_access_token": "xwfp-test"}
    workflow.run_step(world.needs.workflow, event, inputs, failed.append, {"team_id": TEAM})
    runs = [r for r in world.store.steps.open_runs() if r.execution_id == execution]
    return Made(failed[0] if failed else None, runs[0].send_id if runs else None)


DRIVERS: dict[Surface, Driver] = {
    Surface.COMPOSER: _composer,
    Surface.SHORTCUT: _shortcut,
    Surface.QUICK_SEND: _quick_send,
    Surface.CAMPAIGN: _campaign,
    Surface.WORKFLOW_STEP: _workflow_step,
}
# A quick send has no template and no kind: it is always care, and the marketing rules never
# concern it. Its cells check exactly that.
CHOOSES_KIND = {s for s in Surface if s != Surface.QUICK_SEND}


def test_every_surface_has_its_row():
    assert set(DRIVERS) == set(Surface)


def _closed_hours() -> str:
    """One hour that is not now, Vietnamese time."""
    later = datetime.now(VIETNAM) + timedelta(hours=3)
    return f"{later.hour:02d}:00-{later.hour:02d}:59"


# -- the rules -----------------------------------------------------------------------------


def rule_opt_out(world: World, surface: Surface) -> None:
    world.store.optouts.add(B, AGENT, "asked on the phone")
    made = DRIVERS[surface](world, AGENT, f"{A}, {B}")
    if surface == Surface.CAMPAIGN:  # a row is skipped as it would leave; the others go
        assert made.send_id and set(world.gone(made.send_id)) == {A}
        [skipped] = [r for r in world.store.sends.recipients(made.send_id) if r.phone == B]
        assert skipped.state == State.SKIPPED
    else:
        assert made.refused and B in made.refused and made.send_id is None


def rule_hours(world: World, surface: Surface) -> None:
    world.settings = replace(world.settings, outreach=replace(
        world.settings.outreach, marketing_hours=parse_hours(_closed_hours())))  # fmt: skip
    world.intake.settings = world.settings
    kind = {"category": "marketing"} if surface in CHOOSES_KIND else {}
    made = DRIVERS[surface](world, MARKETER, A, **kind)
    assert made.send_id, made.refused
    if surface in CHOOSES_KIND:
        [(_phone, verdict, _text)] = world.leave(made.send_id)
        assert not verdict.go and verdict.wait_seconds > 0
    else:
        assert set(world.gone(made.send_id)) == {A}  # care: the hours do not apply


def rule_cap(world: World, surface: Surface) -> None:
    world.settings = replace(
        world.settings, outreach=replace(world.settings.outreach, marketing_daily_cap=1)
    )
    kind = {"category": "marketing"} if surface in CHOOSES_KIND else {}
    first = DRIVERS[surface](world, MARKETER, A, **kind)
    assert first.send_id and set(world.gone(first.send_id)) == {A}
    second = DRIVERS[surface](world, MARKETER, A, **kind)
    assert second.send_id
    if surface in CHOOSES_KIND:
        assert world.gone(second.send_id) == {}
        [recipient] = world.store.sends.recipients(second.send_id)
        assert recipient.state == State.SKIPPED and "24 hours" in (recipient.error_detail or "")
    else:
        assert set(world.gone(second.send_id)) == {A}


def rule_prefix(world: World, surface: Surface) -> None:
    kind = {"category": "marketing"} if surface in CHOOSES_KIND else {}
    made = DRIVERS[surface](world, MARKETER, A, text="Sale 50%", **kind)
    assert made.send_id, made.refused
    text = world.gone(made.send_id)[A]
    assert text.startswith("[QC] ") == (surface in CHOOSES_KIND), text
    if surface in CHOOSES_KIND:  # an image alone cannot carry the label
        image = DRIVERS[surface](
            world, MARKETER, B, text="", image="https://shop.example/a.png", **kind
        )
        assert image.send_id is None and image.refused and "[QC]" in image.refused


def rule_template_kind(world: World, surface: Surface) -> None:
    if surface not in CHOOSES_KIND:
        made = DRIVERS[surface](world, MARKETER, A)
        send = world.store.sends.get(made.send_id or "")
        assert send is not None and send.category == Category.CARE
        return
    made = DRIVERS[surface](world, MARKETER, A, text="", template=PROMO, category="")
    if surface in (Surface.COMPOSER, Surface.SHORTCUT):  # the refill chose marketing
        made = DRIVERS[surface](world, MARKETER, A, text="", template=PROMO, category="marketing")
    send = world.store.sends.get(made.send_id or "")
    assert send is not None and send.category == Category.MARKETING, made.refused
    assert world.gone(send.id)[A].startswith("[QC] Sale 50% for you" + STOP_LINE)
    downgraded = DRIVERS[surface](world, MARKETER, B, text="", template=PROMO, category="care")
    assert downgraded.send_id is None and downgraded.refused and PROMO in downgraded.refused


def rule_approval(world: World, surface: Surface) -> None:
    world.settings = replace(world.settings, approval_required=True)
    world.intake.settings = world.settings
    made = DRIVERS[surface](world, AGENT, A)
    assert made.send_id, made.refused
    send = world.store.sends.get(made.send_id)
    assert send is not None and send.approval == Approval.PENDING
    assert world.gone(made.send_id) == {}


def rule_access(world: World, surface: Surface) -> None:
    world.settings = replace(world.settings, allowed_users=(AGENT, MARKETER))
    world = World(world.store, world.settings)
    made = DRIVERS[surface](world, OUTSIDER, A)
    assert made.send_id is None and made.refused
    assert world.store.sends.by_user(OUTSIDER, 10) == []


def rule_test_send(world: World, surface: Surface) -> None:
    world.settings = replace(world.settings, esms_sandbox=True)
    world.intake.settings = world.settings
    made = DRIVERS[surface](world, AGENT, A)
    assert made.send_id, made.refused
    [(_phone, verdict, _text)] = world.leave(made.send_id)
    assert verdict.go and verdict.test_send


def rule_marketing_senders(world: World, surface: Surface) -> None:
    world.settings = replace(world.settings, outreach=replace(
        world.settings.outreach, marketing_senders=(MARKETER,)))  # fmt: skip
    world = World(world.store, world.settings)
    if surface not in CHOOSES_KIND:  # care only: anyone allowed to send may
        assert DRIVERS[surface](world, AGENT, A).send_id
        return
    refused = DRIVERS[surface](world, AGENT, A, category="marketing")
    assert refused.send_id is None and refused.refused and "MARKETING_SENDERS" in refused.refused
    by_template = DRIVERS[surface](world, AGENT, A, text="", template=PROMO, category="")
    assert by_template.send_id is None
    assert DRIVERS[surface](world, MARKETER, A, category="marketing").send_id


def rule_consent(world: World, surface: Surface) -> None:
    world.store.consents.withdraw(B, AGENT, SOURCE_SLACK, "changed their mind")
    kind = {"category": "marketing"} if surface in CHOOSES_KIND else {}
    made = DRIVERS[surface](world, MARKETER, f"{A}, {B}", **kind)
    if surface not in CHOOSES_KIND:  # care: consent to marketing does not concern it
        assert made.send_id and set(world.gone(made.send_id)) == {A, B}
    elif surface == Surface.CAMPAIGN:  # the row is skipped as it would leave; the others go
        assert made.send_id and set(world.gone(made.send_id)) == {A}
        [skipped] = [r for r in world.store.sends.recipients(made.send_id) if r.phone == B]
        assert skipped.state == State.SKIPPED
        assert skipped.error_detail == "not sent: no marketing consent on record"
    else:  # refused, naming the number, and nothing stored
        assert made.send_id is None and made.refused and B in made.refused
        assert A not in made.refused and "consent" in made.refused
        assert DRIVERS[surface](world, MARKETER, A, **kind).send_id  # with consent: allowed
    # Withdrawn after the send was stored: skipped as it leaves, on every surface.
    stored = DRIVERS[surface](world, MARKETER, A, **kind)
    assert stored.send_id
    world.store.consents.withdraw(A, AGENT, SOURCE_SLACK, "asked on the phone")
    assert set(world.gone(stored.send_id)) == (set() if surface in CHOOSES_KIND else {A})


def rule_stop_link(world: World, surface: Surface) -> None:
    kind = {"category": "marketing"} if surface in CHOOSES_KIND else {}
    made = DRIVERS[surface](world, MARKETER, f"{A}, {B}", **kind)
    assert made.send_id, made.refused
    texts = world.gone(made.send_id)
    if surface not in CHOOSES_KIND:  # care ends as it was written
        assert not any(STOP_LINE in text for text in texts.values())
        return
    tokens = {phone: text.partition(STOP_LINE)[2] for phone, text in texts.items()}
    assert set(tokens) == {A, B} and len(set(tokens.values())) == 2  # one each
    assert all(len(token) == 22 and A not in token for token in tokens.values())
    # Without the app's public address there is no link, and no advertisement.
    world.settings = replace(world.settings, public_url=None)
    world.intake.settings = world.settings
    if surface != Surface.CAMPAIGN:
        refused = DRIVERS[surface](world, MARKETER, A, **kind)
        assert refused.send_id is None and refused.refused and "PUBLIC_URL" in refused.refused


RULES = {
    "opt-out": rule_opt_out,
    "marketing hours": rule_hours,
    "daily cap": rule_cap,
    "prefix": rule_prefix,
    "kind from the template": rule_template_kind,
    "approval": rule_approval,
    "access": rule_access,
    "test send": rule_test_send,
    "marketing senders": rule_marketing_senders,
    "consent": rule_consent,
    "stop link": rule_stop_link,
}


@pytest.mark.parametrize("surface", list(Surface))
@pytest.mark.parametrize("rule", list(RULES))
def test_the_rule_holds_on_the_surface(store: Store, rule: str, surface: Surface):
    RULES[rule](World(store, SETTINGS), surface)


# -- the submit check's own cases --------------------------------------------------------------

FALLBACK = replace(SETTINGS, outreach=replace(SETTINGS.outreach, sms_brandname="CSKH"))


def test_a_late_sms_is_not_sent_once_its_viber_message_was_delivered(store: Store):
    send_id = new_send(store, sms_fallback=True)
    (viber,) = store.sends.recipients(send_id)
    store.deliveries.record_submission(viber.id, State.ACCEPTED, sms_id="S1")
    assert store.fallbacks.queue_late(time.time() + 1) == 1
    store.deliveries.apply_status(viber.id, 5, 1, 0)  # delivered after all
    send, (viber, sms) = store.sends.get(send_id), store.sends.recipients(send_id)
    assert viber.state == State.DELIVERED and sms.is_sms
    assert not leaving.check(FALLBACK, store, send, sms).go
    (_, sms) = store.sends.recipients(send_id)
    assert sms.state == State.SKIPPED and "delivered after all" in (sms.error_detail or "")


def test_an_sms_standing_in_for_a_failed_viber_message_goes(store: Store):
    send_id = new_send(store, sms_fallback=True)
    (viber,) = store.sends.recipients(send_id)
    store.deliveries.record_submission(viber.id, State.REFUSED, error_code=108)
    send, (_, sms) = store.sends.get(send_id), store.sends.recipients(send_id)
    assert leaving.check(FALLBACK, store, send, sms).go
    assert not leaving.check(SETTINGS, store, send, sms).go  # no SMS brandname any more


@pytest.mark.parametrize("decision", [Approval.REJECTED, Approval.PENDING])
def test_nothing_leaves_without_an_approval(store: Store, decision: Approval):
    send_id = new_send(store, approval_ttl_seconds=3600)
    if decision == Approval.REJECTED:
        assert store.approvals.decide(send_id, decision, "U0LEAD", "no")
    send, (recipient,) = store.sends.get(send_id), store.sends.recipients(send_id)
    assert not leaving.check(SETTINGS, store, send, recipient).go
    (recipient,) = store.sends.recipients(send_id)
    expected = State.CANCELLED if decision == Approval.REJECTED else State.QUEUED
    assert recipient.state == expected


def test_no_surface_builds_a_send_itself():
    """Only the intake turns a draft into a NewSend (the store then writes it)."""
    root = Path(__file__).resolve().parents[2] / "bot"
    builders = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "NewSend(" in path.read_text(encoding="utf-8")
    }
    assert builders == {"intake/accept.py"}


def test_a_marketing_campaign_is_asked_about_its_author_again_at_start(store: Store):
    settings = replace(SETTINGS, outreach=replace(SETTINGS.outreach, marketing_senders=(MARKETER,)))
    world = World(store, settings)
    made = _campaign_stored(world, MARKETER)
    send = store.sends.get(made)
    assert world.intake.still_allowed(send) is None
    world = World(
        store,
        replace(settings, outreach=replace(settings.outreach, marketing_senders=("U0OTHER",))),
    )
    problem = world.intake.still_allowed(send)
    assert problem and "MARKETING_SENDERS" in problem


def _campaign_stored(world: World, user: str) -> str:
    draft = Draft(
        surface=Surface.CAMPAIGN,
        team_id=TEAM,
        channel_id=CHANNEL,
        user_id=user,
        message=ViberMessage("Sale {Tên}"),
        category="marketing",
        campaign_file=("F1", "list.csv", "https://files.example/list.csv"),
    )
    outcome = world.intake.accept(draft)
    assert isinstance(outcome, Accepted), outcome
    return outcome.send_id
