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
