"""Lists answered within Slack's text budget whatever their size, each seen whole by pages:
150 templates of 400 characters, 60 opt-outs whose reasons are full of & < >."""

from __future__ import annotations

import re

from bot.core.command_text import OptOutCommand, TemplateCommand, parse_command
from bot.core.message import ViberMessage
from bot.core.slack_limits import ANSWER_TEXT
from bot.slack import optouts, templates
from bot.slack.optouts import OptOutNeeds
from bot.slack.templates import TemplateNeeds
from bot.store import Store


def pages(answer_of, command: str) -> list[str]:
    """Every page of a list, following each answer's `Next:` to the end."""
    answers, start = [], 1
    for _ in range(500):  # bounded: a list that never ends is a defect
        answer = answer_of(start)
        answers.append(answer)
        follow = re.search(rf"`/viber {command} (\d+)`", answer)
        if not follow:
            return answers
        start = int(follow.group(1))
    raise AssertionError("the pages never end")


def test_150_long_templates_are_listed_whole_within_the_budget(store: Store):
    for index in range(150):
        text = f"Ưu đãi {index} & <quà> " + "x" * 380
        store.templates.save(f"mau-{index:03d}", ViberMessage(text[:400]), "U0ADMIN")

    def answer_of(start: int) -> str:
        needs = TemplateNeeds(store, admins=None)
        return templates.answer(needs, TemplateCommand("list", start=start), "U0AGENT")

    answers = pages(answer_of, "template list")
    assert len(answers) > 1 and all(len(answer) <= ANSWER_TEXT for answer in answers)
    named = re.findall(r"\*(mau-\d{3})\*", "".join(answers))
    assert named == [f"mau-{i:03d}" for i in range(150)]  # each once, in order
    assert "&lt;quà&gt;" in answers[0] and "<quà>" not in answers[0]


def test_60_opt_outs_with_long_reasons_are_listed_whole_within_the_budget(store: Store):
    for index in range(60):
        reason = ("khách & <gia đình> yêu cầu " * 8)[:200]
        store.optouts.add(f"0901{index:06d}", "U0AGENT", reason)

    def answer_of(start: int) -> str:
        needs = OptOutNeeds(store, senders=None, admins=None)
        return optouts.answer(needs, OptOutCommand("list", start=start), "U0AGENT")

    answers = pages(answer_of, "optout list")
    assert len(answers) > 1 and all(len(answer) <= ANSWER_TEXT for answer in answers)
    numbers = re.findall(r"• (0901\d{6})", "".join(answers))
    assert sorted(numbers) == [f"0901{i:06d}" for i in range(60)] and len(set(numbers)) == 60
    assert "past" not in answers[-1]


def test_a_page_past_the_end_says_where_to_start(store: Store):
    store.optouts.add("0901234567", "U0AGENT", "x")
    needs = OptOutNeeds(store, senders=None, admins=None)
    answer = optouts.answer(needs, OptOutCommand("list", start=99), "U0AGENT")
    assert "`/viber optout list`" in answer


def test_list_takes_where_to_start_and_nothing_else():
    assert parse_command("template list 41") == TemplateCommand("list", start=41)
    assert parse_command("optout list 7") == OptOutCommand("list", start=7)
    assert parse_command("optout list") == OptOutCommand("list")
    assert parse_command("template list soon").action == ""
    assert parse_command("optout list 0").action == ""
