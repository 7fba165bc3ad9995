"""`/viber consent …`: the words parsed, every answer, and who did what named as Slack shows a
person (a mention) or as the record names them (`cli:root`, `customer`)."""

from __future__ import annotations

import logging
import time
from datetime import datetime

import pytest

from bot.core import i18n
from bot.core.command_text import ConsentCommand, OptOutCommand, parse_command
from bot.core.consent import SOURCE_IMPORT, SOURCE_SLACK
from bot.core.formatting import VIETNAM
from bot.core.phones import leading_number
from bot.core.slack_limits import ANSWER_TEXT
from bot.posts.common import help_text, person
from bot.slack import consents, optouts
from bot.slack.consents import ConsentNeeds
from bot.slack.optouts import OptOutNeeds
from bot.store import Store
from bot.store.consents import NewConsent

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


# -- the words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("consent", ConsentCommand("")),
        ("consent frobnicate 0901234567", ConsentCommand("")),
        (
            "consent add 0901 234 567 signed form 12/2026",
            ConsentCommand("add", "0901 234 567", "signed form 12/2026"),
        ),
        (
            "consents give <tel:0901234567|0901 234 567>  website  checkbox,\norder A123",
            ConsentCommand("add", "0901234567", "website checkbox, order A123"),
        ),
        ("consent add", ConsentCommand("add")),
        ("consent add 0901234567", ConsentCommand("add", "0901234567")),
        ("consent remove 0901234567", ConsentCommand("remove", "0901234567")),
        (
            "consent withdraw 0901234567 asked on the phone",
            ConsentCommand("remove", "0901234567", "asked on the phone"),
        ),
        ("consent 0901234567", ConsentCommand("history", "0901234567")),
        ("consent +84 901 234 567", ConsentCommand("history", "+84 901 234 567")),
        ("consent 12345", ConsentCommand("history", "12345")),
        ("consent history 0901234567", ConsentCommand("history", "0901234567")),
        (
            "consent add 0901234567 form &lt;b&gt; &amp; <https://shop.example/a|shop.example/a>",
            ConsentCommand("add", "0901234567", "form <b> & shop.example/a"),
        ),
    ],
)
def test_consent_commands_parse(text, expected):
    assert parse_command(text) == expected


def test_a_number_with_spaces_is_read_whole_and_the_words_after_it_kept():
    assert leading_number("0901 234 567 signed  form") == ("0901 234 567", "signed  form")
    assert leading_number("12345 form") == ("12345", "form")
    assert leading_number("   ") == ("", "")
    assert parse_command("optout add 090 123 4567 asked  by phone") == OptOutCommand(
        "add", "090 123 4567", "asked by phone"
    )


# -- the answers ------------------------------------------------------------------------------


def ask(store: Store, words: str, user: str = "U0AGENT") -> str:
    request = parse_command(f"consent {words}")
    assert isinstance(request, ConsentCommand)
    return consents.answer(ConsentNeeds(store), request, user)


def test_consent_is_recorded_with_its_evidence_given_now(store: Store, caplog):
    caplog.set_level(logging.INFO)
    before = time.time()
    answer = ask(store, f"add {PHONE} signed form 12/2026 &lt;b&gt; &amp; co")  # as Slack sends it
    consent = store.consents.get(PHONE)
    assert consent.evidence == "signed form 12/2026 <b> & co"
    assert before <= consent.given_at <= time.time()
    assert (consent.source, consent.recorded_by) == (SOURCE_SLACK, "U0AGENT")
    assert "Marketing consent recorded for 0901234567" in answer
    assert "&lt;b&gt; &amp; co" in answer and "<b>" not in answer
    assert PHONE not in caplog.text and "•••••••567" in caplog.text


def test_a_second_consent_replaces_the_first_and_says_so(store: Store):
    ask(store, f"add {PHONE} signed form")
    answer = ask(store, f"add {PHONE} website checkbox, order A123")
    assert "replaces the consent on record since" in answer
    assert store.consents.get(PHONE).evidence == "website checkbox, order A123"


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("add 12345 signed form", "12345 is not a Vietnamese mobile number."),
        ("add", "… is not a Vietnamese mobile number."),
        ("add <@U1> form", "@U1 is not a Vietnamese mobile number."),
        (f"add {PHONE}", "Say what the customer agreed to and how"),
        (f"add {PHONE} " + "x" * 501, "The evidence is at most 500 characters."),
        ("remove 0123 reason", "0123 is not a Vietnamese mobile number."),
        ("12345", "12345 is not a Vietnamese mobile number."),
    ],
)
def test_a_bad_request_is_answered_and_changes_nothing(store: Store, words, said):
    answer = ask(store, words)
    assert said in answer
    assert store.consents.count() == 0 and store.consents.history(PHONE) == ([], 0)


def test_500_characters_of_evidence_are_enough(store: Store):
    assert "recorded" in ask(store, f"add {PHONE} " + "x" * 500)
    assert len(store.consents.get(PHONE).evidence) == 500


def test_consent_is_refused_for_an_opted_out_number(store: Store):
    store.optouts.add(PHONE, "U0AGENT", "asked on the phone")
    answer = ask(store, f"add {PHONE} signed form")
    day = datetime.now(VIETNAM).strftime("%Y-%m-%d")
    assert answer.startswith(f"{PHONE} opted out on {day}: a customer who asked to stop must be")
    assert "taken off the opt-outs by an opt-out admin" in answer
    assert store.consents.get(PHONE) is None and store.consents.history(PHONE) == ([], 0)


def test_consent_is_withdrawn_once(store: Store):
    ask(store, f"add {PHONE} signed form")
    assert "Marketing consent withdrawn for 0901234567" in ask(store, f"remove {PHONE} moved")
    assert store.consents.get(PHONE) is None
    assert "has no marketing consent on record" in ask(store, f"remove {PHONE}")
    events, total = store.consents.history(PHONE)
    assert total == 2 and events[-1]["action"] == "withdraw" and events[-1]["evidence"] == "moved"
    assert events[-1]["source"] == SOURCE_SLACK and events[-1]["actor"] == "U0AGENT"


def test_nothing_to_ask_or_unknown_words_get_the_usage(store: Store):
    for words in ("", "frobnicate"):
        assert "`/viber consent add NUMBER evidence`" in ask(store, words)


def test_the_history_names_who_did_what_and_how(store: Store):
    assert "never had" in ask(store, PHONE)
    store.consents.give(NewConsent(PHONE, "form A", 1_767_225_600.0), "cli:root", SOURCE_IMPORT)
    ask(store, f"remove {PHONE} moved away", user="U0BOSS")
    ask(store, f"add {PHONE} website checkbox &lt;order&gt; &amp; co")
    answer = ask(store, f"history {PHONE}")
    assert answer.startswith("*Marketing consent of 0901234567*")
    lines = answer.splitlines()
    assert any(
        line.startswith("Consent since ") and "(Slack), recorded by <@U0AGENT>" in line
        for line in lines
    )
    changes = [line for line in lines if line.startswith("• ")]
    assert len(changes) == 3
    assert "cli:root recorded consent given 2026-01-01 (file import): form A" in changes[0]
    assert "<@cli:root>" not in answer
    assert changes[1].endswith("<@U0BOSS> withdrew consent (Slack): moved away")
    assert "&lt;order&gt; &amp; co" in changes[2] and "<order>" not in answer
    assert "earlier changes" not in answer


def test_the_history_of_an_opted_out_number_says_so(store: Store):
    store.consents.give(NewConsent(PHONE, "form A", time.time()), "U0AGENT", SOURCE_SLACK)
    store.optouts.add(PHONE, "customer", "stop link")
    answer = ask(store, PHONE)
    assert "🚫 Opted out since" in answer and "Consent since" not in answer
    assert "withdrew consent (opt-out): stop link" in answer


def test_a_long_history_stays_within_slacks_budget(store: Store):
    evidence = ("khách & <gia đình> đồng ý " * 30)[:500]
    for index in range(30):
        store.consents.give(
            NewConsent(PHONE, f"{index:02d} {evidence}"[:500], 1_700_000_000.0 + index),
            "U0AGENT",
            SOURCE_SLACK,
        )
    answer = ask(store, PHONE)
    assert len(answer) <= ANSWER_TEXT
    assert "… 10 earlier changes not shown" in answer
    changes = [line for line in answer.splitlines() if line.startswith("• ")]
    assert len(changes) == 20 and "): 10 khách &amp; &lt;gia" in changes[0]
    assert "): 29 khách" in changes[-1]
    assert all(line.endswith("…") for line in changes)  # each shortened, none dropped
    assert "Evidence: 29 khách" in answer  # the consent as it stands


def test_the_answers_speak_vietnamese(store: Store):
    i18n.use("vi")
    try:
        store.optouts.add(PHONE, "U0AGENT")
        assert "đã từ chối nhận tin từ ngày" in ask(store, f"add {PHONE} phiếu đăng ký")
        assert "Bằng chứng tối đa 500 ký tự." in ask(store, "add 0912345678 " + "x" * 501)
        assert "Đã ghi nhận sự đồng ý" in ask(store, "add 0912345678 phiếu đăng ký")
        assert "*Các thay đổi*" in ask(store, "0912345678")
    finally:
        i18n.use("en")


def test_the_help_tells_about_consent():
    assert "`/viber consent add 0901234567 evidence`" in help_text()
