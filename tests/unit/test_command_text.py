import pytest

from bot.core.command_text import OpenComposer, QuickSend, ShowHelp, parse_command


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_no_text_opens_the_composer(text):
    assert parse_command(text) == OpenComposer()


@pytest.mark.parametrize("text", ["help", "HELP", "?", "--help"])
def test_help(text):
    assert parse_command(text) == ShowHelp()


@pytest.mark.parametrize("text", ["hello world", "payload=1", "statuses"])
def test_anything_unrecognised_answers_with_help(text):
    result = parse_command(text)
    assert isinstance(result, ShowHelp) and result.unrecognised


def test_quick_send_keeps_every_character_of_the_text():
    text = "Xin chào 🍀 & = + % # https://example.com/?a=1&b=2 <b> payload"
    result = parse_command(f"0901234567,0912345678 {text}")
    assert result == QuickSend("0901234567,0912345678", text)


def test_slack_entities_in_text_are_decoded():
    assert parse_command("0901234567 a &lt;b&gt; &amp;amp;").text == "a <b> &amp;"


def test_multiline_text_keeps_its_lines():
    assert parse_command("0901234567\nline one\nline two").text == "line one\nline two"


def test_tel_links_are_unwrapped():
    assert parse_command("<tel:0901234567|090 123 4567> Hi") == QuickSend("0901234567", "Hi")


def test_numbers_without_text():
    assert parse_command("0901234567") == QuickSend("0901234567", "")


def test_look_ups():
    from bot.core.command_text import BalanceLookup, HistoryLookup, StatusLookup

    assert parse_command("status 0901234567") == StatusLookup("0901234567")
    assert parse_command("Status  +84 901 234 567") == StatusLookup("+84 901 234 567")
    assert parse_command("status") == StatusLookup("")
    assert parse_command("history") == HistoryLookup(10)
    assert parse_command("history 3") == HistoryLookup(3)
    assert parse_command("history 999") == HistoryLookup(30)
    assert isinstance(parse_command("history lots"), ShowHelp)
    assert parse_command("balance") == BalanceLookup()


def test_template_commands():
    from bot.core.command_text import TemplateCommand

    assert parse_command("template list") == TemplateCommand("list")
    assert parse_command("template") == TemplateCommand("")
    assert parse_command("template remove giam-gia") == TemplateCommand("remove", "giam-gia")
    added = parse_command(
        "template add giam-gia | Giảm 50% &amp; quà | https://x.example/a.png | Xem | https://x.example"
    )
    assert added == TemplateCommand(
        "add", "giam-gia", ("Giảm 50% & quà", "https://x.example/a.png", "Xem", "https://x.example")
    )
    assert parse_command("template frobnicate") == TemplateCommand("")


@pytest.mark.parametrize("action", ["results", "Results", "report", "REPORT"])
def test_a_campaigns_results_file_is_asked_for_again_with_results_or_report(action):
    # `/viber campaign report ID`: the older word, which people keep typing.
    from bot.core.command_text import CampaignCommand

    assert parse_command(f"campaign {action} abc123") == CampaignCommand("results", "abc123")
    assert parse_command(f"campaigns {action}  abc123 ") == CampaignCommand("results", "abc123")
    assert parse_command(f"campaign {action}") == CampaignCommand("help")
    assert parse_command("campaign") == CampaignCommand("")


def test_unrecognised_words_are_given_back_as_typed_not_as_entities():
    assert parse_command("&lt;@U123&gt; hi").unrecognised == "<@U123>"
    assert parse_command("history &lt;!here&gt;").unrecognised == "history <!here>"


def test_quick_send_to_full_width_numbers():
    assert parse_command("０９０１２３４５６７，0912345678 Xin chào") == QuickSend(
        "０９０１２３４５６７，0912345678", "Xin chào"
    )


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        (
            "see <https://x.example/a?b=1&amp;c=2|our offer>",
            "see our offer (https://x.example/a?b=1&c=2)",
        ),
        ("<https://x.example>", "https://x.example"),
        ("<http://x.example|x.example> now", "x.example now"),
        ("<https://x.example/|https://x.example/>", "https://x.example/"),
        ("write to <mailto:a@b.example|a@b.example>", "write to a@b.example"),
        ("<mailto:a@b.example|Email us>", "Email us (a@b.example)"),
        ("<mailto:a@b.example>", "a@b.example"),
        ("<tel:0901234567|0901 234 567>", "0901 234 567"),
        ("hi <@U123|linh>", "hi @linh"),
        ("hi <@U123>", "hi @Linh Nguyễn"),
        ("hi <@U999>", "hi @U999"),
        ("hi <@U999|>", "hi @U999"),
        ("in <#C123|general>", "in #general"),
        ("in <#C123|>", "in #C123"),
        ("<!here> Chào anh", "Chào anh"),
        ("Chào <!channel> anh <!everyone>", "Chào anh "),
        ("ask <!subteam^S1|@support>", "ask @support"),
        ("ask <!subteam^S1> please", "ask please"),
        ("on <!date^1392734382^{date} at {time}|Feb 18, 2014 6:39 AM>", "on Feb 18, 2014 6:39 AM"),
        ("5 &lt; 6 &amp;&amp; 7 &gt; 3", "5 < 6 && 7 > 3"),
        ("typed &lt;@U123&gt; literally", "typed <@U123> literally"),
        ("Đơn <https://shop.example/đơn|hàng> 🎉", "Đơn hàng (https://shop.example/đơn) 🎉"),
    ],
)
def test_slack_markup_becomes_what_the_reader_saw(slack, plain):
    from bot.core.command_text import slack_markup_to_text

    assert slack_markup_to_text(slack, {"U123": "Linh Nguyễn"}) == plain


def test_mentions_that_need_a_name_are_listed_once_in_order():
    from bot.core.command_text import unnamed_mentions

    text = "<@U2> <@U1|a> <@U2> <@W3> &lt;@U4&gt; <#C1> <!here>"
    assert unnamed_mentions(text) == ["U2", "W3"]


@pytest.mark.parametrize(
    ("start", "end"),
    [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-02"), ("2026-12-01", "9999-12-31")],
)
def test_an_export_of_days_out_of_reach_is_refused_not_crashed(start, end):
    from bot.core.command_text import export_command

    asked = export_command(start, end)
    assert asked.problem == "export.bad_date"
    assert asked.start is None and asked.end is None
