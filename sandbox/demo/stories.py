"""What the demo shows without anyone configuring anything, besides a delivered message: a
number whose Viber message fails and whose SMS arrives instead, a number on the opt-outs, one
with consent to marketing on record and one without, marketing hours that are closed when the
demo starts (and open all day once the page's button says so: then an advertisement goes out,
its stop link in its text), a campaign from the example file (`examples/campaign.csv`, offered
in the campaign form), and a month of other agents' sends for `/viber chart` and the Home tab.
The page's hints say which is which.

Pure: the numbers, the marketing hours for a moment, the outcome choices the page offers, and
the hints as HTML (every text escaped).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.formatting import VIETNAM
from sandbox.standins.esms import SMS_BRANDNAME

DELIVERED = "0901234567"  # the stand-in's default: delivered
FALLBACK = "0912345678"  # Viber fails, the SMS that stands in for it is delivered
OPTED_OUT = "0987654321"  # on the opt-outs from the start
CONSENTING = DELIVERED  # consent to marketing on record from the start (`seeding`)
NO_CONSENT = FALLBACK  # none: a marketing send to it is refused
INVALID_STEP_PHONE = "12345"  # not a phone number: the step fails with a sentence naming it
OPT_OUT_COMMAND = f"/viber optout add {OPTED_OUT} asked to stop (demo)"
# Fits the stand-in's registered TESTCSKH template "Don hang {P1,20} da san sang. Chi tiet:
# {P2,100}": eSMS sends a customer-care SMS only when its text fits one (code 146 otherwise).
SMS_EXAMPLE = "Don hang A123 da san sang. Chi tiet: https://shop.example/a123"
# The example file's columns, put in the campaign's message.
CAMPAIGN_COMMAND = "/viber campaign"
CAMPAIGN_TEXT = "Chào {Tên khách}, đơn {Mã đơn} giao ngày {Ngày giao}"
# A month of history is in #support from the start (`seeding`): its chart, by direct message.
CHART_COMMAND = "/viber chart 30d"
CHART_PUBLIC_COMMAND = "/viber chart 30d public"
# A customer's data on request: what is held about the SMS fallback's number, then erased.
ACCESS_COMMAND = f"/viber privacy {FALLBACK}"
ERASE_COMMAND = f"/viber privacy erase {FALLBACK}"
MARKETING_OPENS_AFTER_MINUTES = 120
MARKETING_OPEN_MINUTES = 60
OPEN_ALL_DAY = "00:00-24:00"  # MARKETING_HOURS once the page's button opened them
_DAY = 24 * 60


@dataclass(frozen=True)
class Choice:
    """One outcome the page offers for a number: what eSMS gives for Viber, then for the SMS."""

    viber: str
    sms: str
    label: str


# In the page's order; the first is the stand-in's default for every number.
CHOICES = (
    Choice("deliver", "deliver", "Viber delivered"),
    Choice("fail", "deliver", "Viber fails, SMS delivered"),
    Choice("fail", "fail", "Viber fails, SMS fails too"),
    Choice("reject", "deliver", "Viber rejected, SMS delivered"),
    Choice("silent", "deliver", "stay silent (reconciliation finds it)"),
)
PRECHOSEN = {FALLBACK: CHOICES[1]}


def describe(viber: str, sms: str) -> str:
    """An outcome chosen for a number, in the page's words."""
    for choice in CHOICES:
        if (choice.viber, choice.sms) == (viber, sms):
            return choice.label
    return f"Viber {viber}, SMS {sms}"


def chosen(viber: Mapping[str, str], sms: Mapping[str, str]) -> list[dict[str, str]]:
    """The numbers with an outcome of their own, in the page's words (every other number:
    delivered)."""
    return [
        {
            "phone": phone,
            "outcome": describe(viber.get(phone, "deliver"), sms.get(phone, "deliver")),
        }
        for phone in sorted(viber.keys() | sms.keys())
    ]


def marketing_hours(now: float) -> str:
    """MARKETING_HOURS (`HH:MM-HH:MM`, Vietnamese time) closed at `now` and open for an hour two
    to three hours later. MARKETING_HOURS cannot cross midnight, so an hour that would is moved
    to start at midnight."""
    moment = datetime.fromtimestamp(now, VIETNAM)
    # From the next whole minute, so `now` itself is never within the hours.
    start = (moment.hour * 60 + moment.minute + 1 + MARKETING_OPENS_AFTER_MINUTES) % _DAY
    if start + MARKETING_OPEN_MINUTES > _DAY:
        start = 0
    end = start + MARKETING_OPEN_MINUTES
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _code(command: str) -> str:
    """A command the person can click to put in the message box."""
    text = html.escape(command)
    return (
        f'<code class="try-command" data-command="{text}" title="Put it in the box">{text}</code>'
    )


def _step_phones(phones: str) -> str:
    """Numbers the person can click to put in the Workflow Builder panel's phones."""
    text = html.escape(phones)
    return f'<code class="try-step" data-phones="{text}" title="Put it in the step">{text}</code>'


def _marketing_hours(marketing: str) -> str:
    hours = html.escape(marketing.replace("-", "–"))
    if marketing == OPEN_ALL_DAY:
        return (
            f"Marketing hours here are <b>{hours}</b> (opened on this page): choose "
            "<i>Marketing</i> in the composer and the send goes out at once."
        )
    button = '<button type="button" class="try-hours">Open them now</button>'
    return (
        f"Marketing hours here are <b>{hours}</b> (Vietnam time), closed at the start: choose "
        "<i>Marketing</i> in the composer and the send waits for them, with <i>Cancel "
        f"send</i>. {button} restarts the app with MARKETING_HOURS={OPEN_ALL_DAY}, as you "
        "would change the setting (a send already waiting keeps its time)."
    )


def hints(*, marketing: str, approvals: bool, delay: float | None) -> list[str]:
    """What to try on the page, one HTML fragment each."""
    seconds = f"{delay:g} s" if delay else "a moment"
    out = [
        f"{_code(f'/viber {DELIVERED} Xin chào!')}: <b>{DELIVERED}</b> gets its Viber message, "
        f"delivered {seconds} later, as eSMS calls back.",
        f"<b>{FALLBACK}</b>: its Viber message fails, then an SMS as "
        f"{html.escape(SMS_BRANDNAME)} is delivered instead: "
        f"{_code(f'/viber {FALLBACK} {SMS_EXAMPLE}')}. eSMS takes only an SMS that fits a "
        "registered template (this one does): in the composer, write such an <i>SMS text</i> "
        "or pick an <i>SMS template</i>.",
        f"<b>{OPTED_OUT}</b> asked to stop ({_code(OPT_OUT_COMMAND)} at the start): the "
        f"composer refuses it, {_code('/viber optout list')} lists it, and <i>Customer asked "
        "to stop</i> under a reply adds that number.",
        _marketing_hours(marketing),
        f"Marketing needs the customer's consent on record: <b>{CONSENTING}</b> has it (a "
        f"signed form, recorded when the demo's database was made), <b>{NO_CONSENT}</b> has "
        "none, and a marketing send to it is refused with a sentence naming it. Every "
        "advertisement ends with its reader's stop link, in the text the eSMS panel shows: "
        "open it, press the button, and the number is on the opt-outs, its consent "
        "withdrawn, and the send's thread says so (🛑).",
        f"A campaign from a spreadsheet: {_code(CAMPAIGN_COMMAND)} (or <i>Start a campaign</i> "
        "on the Home tab), choose <b>campaign.csv</b>, the example from examples/campaign.csv "
        "(or upload a CSV of your own), write the message "
        f"<code>{html.escape(CAMPAIGN_TEXT)}</code> and <i>Read the file</i>. The thread shows "
        f"a preview of its 5 rows; <i>Start</i> sends them ({OPTED_OUT} is skipped, "
        f"{FALLBACK}'s Viber message fails), and the results file arrives in the thread "
        "as a CSV.",
        "A picture from your computer: in the composer, <i>Or upload a picture</i> offers "
        "<b>order.jpg</b> (a phone's photo, taken sideways, with its location), or choose one "
        "of your own; the app hosts it upright, without its location, at most 800 px, and eSMS "
        "fetches it from the app as it sends the message.",
        "Workflow Builder (the panel on the right) runs the app's step <i>Send a Viber "
        f"message</i>: <i>Run the step</i> with {_step_phones(DELIVERED)} and the thread "
        "appears in #support, the run completing once eSMS accepts (or, waiting for "
        f"<i>delivered</i>, once it is delivered); try {_step_phones(INVALID_STEP_PHONE)} to "
        "see how a workflow author is told what is wrong.",
        f"#support has a month of past sends by four other agents: {_code(CHART_COMMAND)} "
        "brings its chart and summary to your direct messages with the app (<i>💬 Viber</i> "
        f"in the sidebar), {_code(CHART_PUBLIC_COMMAND)} posts them in #support; the "
        "<i>Home</i> tab shows the whole team's week and the eSMS balance.",
    ]
    out.append(
        f"A customer's data on request (you are a privacy admin here): {_code(ACCESS_COMMAND)} "
        "brings a file of everything the app holds about the number to your direct messages "
        "(removed from Slack a day later); after a send to it, "
        f"{_code(ERASE_COMMAND)} erases it everywhere once you confirm: its rows are masked, "
        "the app's messages in #support that named it are edited to show only its last "
        f"digits, and {_code('/viber privacy requests')} lists both requests with their due "
        "dates."
    )
    if approvals:
        out.append("Every send waits for an approver: switch <i>Acting as</i> to Minh to decide.")
    out.append("Choose other outcomes for any number in the eSMS panel on the right.")
    return out
