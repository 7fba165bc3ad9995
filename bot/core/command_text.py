"""What the text after `/viber` asks for."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.chart_period import ChartCommand, chart_command
from bot.core.consent_command import ConsentCommand, consent_command
from bot.core.formatting import VIETNAM
from bot.core.phones import leading_number, normalize_phone
from bot.core.privacy_command import PrivacyCommand, privacy_command

HELP_WORDS = {"help", "?", "-h", "--help"}
# \d: any script's decimal digits (full-width, Arabic-Indic …); `phones` reads them as 0-9.
_NUMBER_LIST = re.compile(r"^[\d+＋(),;.\-，；－]*\d[\d+＋(),;.\-，；－]*$")
# Slack may wrap a phone number it recognised as <tel:0901234567|0901 234 567>.
_TEL_LINK = re.compile(r"<tel:([^|>]*)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class OpenComposer:
    pass


@dataclass(frozen=True)
class ShowHelp:
    unrecognised: str | None = None


@dataclass(frozen=True)
class QuickSend:
    recipients: str
    text: str


@dataclass(frozen=True)
class StatusLookup:
    query: str  # a phone number or an SMSID; empty when the agent gave none


@dataclass(frozen=True)
class HistoryLookup:
    count: int


@dataclass(frozen=True)
class BalanceLookup:
    pass


@dataclass(frozen=True)
class TemplateCommand:
    action: str  # add | list | remove | "" (usage)
    name: str = ""
    fields: tuple[str, ...] = ()  # text, image URL, button label, button URL
    category: str = "care"  # `add NAME marketing | …` makes a marketing template
    start: int = 1  # `list 41`: the list from its 41st entry


@dataclass(frozen=True)
class CampaignCommand:
    action: str  # "" (open the modal) | results | help
    send_id: str = ""


@dataclass(frozen=True)
class OptOutCommand:
    action: str  # add | remove | list | "" (usage)
    number: str = ""
    reason: str = ""
    start: int = 1  # `list 41`: the list from its 41st entry


@dataclass(frozen=True)
class ExportCommand:
    """`/viber export FROM TO [phone]` (and `viber-bot export`): the sends of whole days in
    Vietnamese time, FROM and TO included. `problem` is a catalog key (`export.*`) saying why
    nothing can be exported, with `detail` the words at fault; empty when the request is good."""

    start: date | None = None
    end: date | None = None
    phone: str | None = None
    problem: str = ""
    detail: str = ""

    def bounds(self) -> tuple[float, float]:
        """[start, end): from FROM's midnight to the midnight after TO, Vietnamese time."""
        assert self.start is not None and self.end is not None and not self.problem
        first = datetime.combine(self.start, datetime.min.time(), VIETNAM)
        after = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), VIETNAM)
        return first.timestamp(), after.timestamp()


EXPORT_MAX_DAYS = 366  # a year, leap day included
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


EXPORT_FIRST_YEAR, EXPORT_LAST_YEAR = 2000, 2100


def export_command(start: str, end: str, phone: str = "") -> ExportCommand:
    """The export these words ask for, or the first problem with them."""
    days = []
    for word in (start.strip(), end.strip()):
        try:
            days.append(date.fromisoformat(word) if _ISO_DAY.match(word) else None)
        except ValueError:
            days.append(None)
        if days[-1] is None:
            return ExportCommand(problem="export.bad_date", detail=word[:40])
    first, last = days
    assert first is not None and last is not None
    for day in (first, last):  # beyond these, the day after the last overflows
        if not EXPORT_FIRST_YEAR <= day.year <= EXPORT_LAST_YEAR:
            return ExportCommand(problem="export.bad_date", detail=day.isoformat())
    if first > last:
        return ExportCommand(problem="export.reversed", detail=f"{first} > {last}")
    if (last - first).days + 1 > EXPORT_MAX_DAYS:
        return ExportCommand(problem="export.too_long", detail=str((last - first).days + 1))
    number = None
    if phone.strip():
        number = normalize_phone(phone)
        if number is None:
            return ExportCommand(problem="export.bad_phone", detail=phone.strip()[:40])
    return ExportCommand(first, last, number)


def _export_command(rest: str) -> ExportCommand:
    words = rest.split()
    if len(words) < 2:
        return ExportCommand(problem="export.usage")
    return export_command(words[0], words[1], " ".join(words[2:]))


HISTORY_DEFAULT = 10
HISTORY_MAX = 30

Command = (
    OpenComposer
    | ShowHelp
    | QuickSend
    | OptOutCommand
    | ConsentCommand
    | PrivacyCommand
    | CampaignCommand
    | StatusLookup
    | HistoryLookup
    | BalanceLookup
    | TemplateCommand
    | ExportCommand
    | ChartCommand
)


def unescape_slack(text: str) -> str:
    """Slack sends &, < and > as HTML entities in command text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# In a message's text every literal <, > and & is an entity, so each <…> is Slack markup.
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>( ?)")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)\|?>")


def unnamed_mentions(text: str) -> list[str]:
    """User IDs mentioned without a name (`<@U123>`), each once, in order of appearance."""
    return list(dict.fromkeys(_MENTION.findall(text)))


def slack_markup_to_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """A Slack message's text as its reader saw it, for a customer who cannot follow Slack
    markup: links show their address, mentions a name (`names` maps user IDs to display names
    for mentions that carry none), broadcasts (`@here`, `@channel`, unnamed groups) are dropped."""
    known = names or {}

    def plain(match: re.Match[str]) -> str:
        target, label, space = match.group(1), (match.group(2) or "").strip(), match.group(3)
        kind = target[:1]
        if kind == "@":
            return "@" + (label.lstrip("@") or known.get(target[1:]) or target[1:]) + space
        if kind == "#":
            return "#" + (label.lstrip("#") or target[1:]) + space
        if kind == "!":
            if target.startswith("!date^"):
                return label + space if label else ""
            if target.startswith("!subteam^") and label:
                return "@" + label.lstrip("@") + space
            return ""  # @here, @channel, @everyone: a ping for Slack members, not for a customer
        if target.startswith("tel:"):
            return (label or target[len("tel:") :]) + space
        return _link_text(target.removeprefix("mailto:"), label) + space

    return unescape_slack(_MARKUP.sub(plain, text))


def _link_text(address: str, label: str) -> str:
    """`label (address)`; just one of them where the label is the address (auto-links)."""
    if not label:
        return address
    bare = re.sub(r"^[a-z]+://", "", address.lower()).rstrip("/")
    return label if label.lower() in (address.lower(), bare) else f"{label} ({address})"


def parse_command(text: str) -> Command:
    stripped = _TEL_LINK.sub(r"\1", text or "").strip()
    if not stripped:
        return OpenComposer()
    first, *remainder = re.split(r"\s+", stripped, maxsplit=1)
    rest = remainder[0] if remainder else ""
    word = first.lower()
    if word in HELP_WORDS:
        return ShowHelp()
    if word == "status":
        return StatusLookup(query=rest.strip())
    if word == "history":
        count = rest.strip()
        if not count:
            return HistoryLookup(HISTORY_DEFAULT)
        if count.isascii() and count.isdigit():
            return HistoryLookup(max(1, min(int(count), HISTORY_MAX)))
        return ShowHelp(unrecognised=f"history {unescape_slack(count)[:20]}")
    if word == "balance":
        return BalanceLookup()
    if word in ("template", "templates"):
        return _template_command(unescape_slack(rest.strip()))
    if word in ("campaign", "campaigns"):
        action, _, send_id = rest.strip().partition(" ")
        if not action:
            return CampaignCommand("")
        # `report`: the word before `results`, still typed by people used to it.
        if action.lower() in ("results", "report") and send_id.strip():
            return CampaignCommand("results", send_id.strip()[:40])
        return CampaignCommand("help")
    if word in ("optout", "opt-out", "optouts", "opt-outs"):
        return _opt_out_command(unescape_slack(rest.strip()))
    if word in ("consent", "consents"):
        # Links and mentions as their reader saw them: the evidence is kept as plain words.
        return consent_command(slack_markup_to_text(rest.strip()))
    if word == "privacy":
        return privacy_command(slack_markup_to_text(rest.strip()))
    if word in ("export", "exports"):
        return _export_command(unescape_slack(rest))
    # `report`: the word before `chart`, still typed by people used to it.
    if word in ("chart", "charts", "report", "reports"):
        return chart_command(unescape_slack(rest))
    if _NUMBER_LIST.match(first):
        return QuickSend(recipients=first.replace(";", ","), text=unescape_slack(rest.strip()))
    return ShowHelp(unrecognised=unescape_slack(first)[:40])


def _list_start(word: str) -> int | None:
    """`list` (from the first entry) or `list 41`; None for anything else."""
    word = word.strip()
    if not word:
        return 1
    return int(word) if word.isdigit() and 0 < int(word) < 1_000_000 else None


def _template_command(rest: str) -> TemplateCommand:
    """`add NAME | text | image URL | button label | button URL`, `list`, `remove NAME`."""
    action, *remainder = re.split(r"\s+", rest, maxsplit=1) if rest else [""]
    action = action.lower()
    rest = remainder[0] if remainder else ""
    if action == "list" or (action == "" and not rest):
        start = _list_start(rest)
        return TemplateCommand("list" if action == "list" and start else "", start=start or 1)
    if action == "remove":
        return TemplateCommand("remove", name=rest.strip())
    if action == "add":
        name, _, fields = rest.partition("|")
        parts = tuple(part.strip() for part in fields.split("|")) if fields else ()
        words = name.split()
        category = "care"
        if len(words) == 2 and words[1].lower() in ("marketing", "care"):
            name, category = words[0], words[1].lower()
        return TemplateCommand("add", name=name.strip(), fields=parts, category=category)
    return TemplateCommand("")


def _opt_out_command(rest: str) -> OptOutCommand:
    """`add NUMBER [reason]`, `remove NUMBER`, `list`."""
    action, *remainder = re.split(r"\s+", rest, maxsplit=1) if rest else [""]
    action = action.lower()
    if action == "list":
        start = _list_start(remainder[0] if remainder else "")
        return OptOutCommand("list" if start else "", start=start or 1)
    if action not in ("add", "remove"):
        return OptOutCommand("")
    # A number may be written with spaces (0901 234 567), as the composer takes it.
    number, reason = leading_number(remainder[0] if remainder else "")
    return OptOutCommand(action, number, " ".join(reason.split()))
