"""The variables that decide who may do what (access, approvals, templates, opt-outs) and who
may be reached, when and how (the SMS fallback, Vietnam's rules for marketing): part of the one
declaration of every variable, `bot.config.variables`."""

from __future__ import annotations

from bot.config.variable import DAY, Variable, number
from bot.core.marketing import DEFAULT_HOURS

_PEOPLE = "user IDs (`U…`, `W…`) and user-group IDs (`S…`)"

PEOPLE_AND_OUTREACH: tuple[Variable, ...] = (
    # Who may do what
    Variable("ALLOWED_USERS", f"only these may send: {_PEOPLE} (members of the groups)"),
    Variable("ALLOWED_CHANNELS", "sends may start only in these channels (`C…`, `G…`)"),
    Variable("TEMPLATE_ADMINS", f"who may add and remove templates: {_PEOPLE}"),
    # The name is older than the word *chart*; renaming it would break deployed settings.
    Variable(
        "REPORT_ADMINS",
        f"who may export (`/viber export`) and chart every channel (`/viber chart all`): "
        f"{_PEOPLE}; unset: `TEMPLATE_ADMINS`. The name dates from when charts were called "
        "reports; it governs charts and exports",
    ),
    Variable(
        "PRIVACY_ADMINS",
        f"who may see what the app holds about a number and erase it (`/viber privacy`): "
        f"{_PEOPLE}; unset: `REPORT_ADMINS`",
    ),
    Variable(
        "OPTOUT_ADMINS",
        f"who may remove a number from the opt-outs: {_PEOPLE}; unset: `TEMPLATE_ADMINS`; "
        "anyone allowed to send may add one",
    ),
    number(
        "USER_GROUP_CACHE_SECONDS",
        60.0,
        0,
        DAY,
        "how long a user group's membership is kept (for `ALLOWED_USERS`; for approvals only "
        "while Slack cannot answer)",
    ),
    # Approvals
    Variable(
        "APPROVAL_REQUIRED",
        "`true`: every send waits for an approver's decision",
        default="false",
    ),
    Variable(
        "APPROVERS",
        f"who may approve: {_PEOPLE}, separated by commas or spaces",
        required="with approval",
    ),
    Variable(
        "APPROVAL_CHANNEL",
        "channel ID (`C…`) where approval requests are posted; unset: on the send's own thread "
        "parent",
    ),
    number(
        "APPROVAL_TTL_HOURS", 24.0, 0.0001, 720, "a request nobody decided expires after this long"
    ),
    # SMS fallback, opt-outs and marketing
    Variable(
        "SMS_FALLBACK",
        "`true`: the composer's *SMS if Viber fails* box is ticked to begin with, and quick "
        "sends fall back too (needs `ESMS_SMS_BRANDNAME`)",
        default="false",
    ),
    Variable(
        "ESMS_SMS_BRANDNAME",
        "the customer-care (CSKH) brandname registered with eSMS that fallback SMS go out as; "
        "without it no SMS is ever sent",
        required="for SMS",
    ),
    number(
        "SMS_FALLBACK_AFTER_MINUTES",
        0,
        0,
        7 * 24 * 60,  # eSMS keeps a message's status for 7 days
        "also send the SMS when a Viber message is still undelivered this long after eSMS "
        "accepted it (the thread says the customer may receive both); 0: off",
    ),
    Variable(
        "SMS_ASCII",
        "`true`: Vietnamese diacritics are stripped from SMS texts (cheaper: 160 characters per "
        "SMS instead of 70, and how most registered templates are written)",
        default="false",
    ),
    Variable(
        "MARKETING_HOURS",
        "when marketing messages may go out, Vietnamese time, `HH:MM-HH:MM` (Decree 91/2020/ND-CP)",
        default=DEFAULT_HOURS,
    ),
    number(
        "MARKETING_DAILY_CAP",
        3,
        1,
        100,
        "marketing messages accepted by eSMS per number per rolling 24 hours (the decree "
        "allows 3, `viber-bot check` warns above)",
        whole=True,
    ),
    Variable(
        "MARKETING_SENDERS",
        f"who may send marketing messages: {_PEOPLE}; unset: everyone allowed to send. Others "
        "see the marketing choice refused with a sentence, on every way of sending (composer, "
        "campaign, workflow step)",
    ),
    Variable(
        "MARKETING_CONSENT_REQUIRED",
        "`true`: a marketing message goes only to numbers with consent on record (`/viber "
        "consent add`, `viber-bot consent import`); others are refused when the send is made "
        "and skipped when it leaves. `false` turns the rule off for sends made from then on",
        default="true",
    ),
    Variable(
        "MARKETING_PREFIX",
        "put in front of every marketing text, e.g. `[QC]` (at most 20 characters)",
    ),
    number(
        "IMAGE_MAX_SIDE",
        800,
        200,
        1600,
        "a picture uploaded in the composer or the campaign form is hosted by the app at most "
        "this many pixels on its longest side (Viber recommends about 800 × 800)",
        whole=True,
    ),
)
