"""`viber-bot check`'s lines about reaching customers: the SMS fallback's registered templates
the marketing rules, consent and stop links against Decree 91/2020/ND-CP."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from bot.check.line import Check
from bot.config import Settings
from bot.esms.client import EsmsClient, EsmsError


def sms_fallback(esms: EsmsClient, settings: Settings) -> Iterator[Check]:
    """The customer-care brandname's registered templates: eSMS refuses any other text (146)."""
    outreach = settings.outreach
    if not outreach.sms_brandname:
        yield Check("SMS fallback", True, "off (ESMS_SMS_BRANDNAME is not set)")
        return
    name = f"SMS templates of {outreach.sms_brandname}"
    try:
        templates = esms.sms_templates(outreach.sms_brandname)
    except EsmsError as error:
        yield Check(name, False, f"could not read them: {error}", _SMS_FIX)
        return
    if not templates:
        ok = not outreach.sms_fallback
        detail = "none registered: eSMS refuses every customer-care SMS (146)"
        yield Check(name, ok, detail, _SMS_FIX)
        return
    listed = "; ".join(f"{t.template_id}: {t.content}" for t in templates[:20])
    more = f" (+{len(templates) - 20} more)" if len(templates) > 20 else ""
    yield Check(name, True, f"{len(templates)} registered — {listed}{more}")


_SMS_FIX = (
    "register the customer-care brandname's templates with eSMS (or fix ESMS_SMS_BRANDNAME); "
    "until then set SMS_FALLBACK=false"
)


def marketing_rules(settings: Settings) -> Iterator[Check]:
    outreach = settings.outreach
    hours = outreach.marketing_hours
    cap = outreach.marketing_daily_cap
    legal = hours.opens >= 7 * 60 and hours.closes <= 22 * 60 and cap <= 3
    detail = f"marketing hours {hours.label}, at most {cap} per number per 24 hours"
    fix = "Decree 91/2020/ND-CP allows advertising 07:00–22:00, at most 3 per number a day"
    yield Check("Marketing rules", legal, detail, "" if legal else fix)


def marketing_consent(settings: Settings) -> Iterator[Check]:
    """Decree 91/2020: prior consent, and a way to refuse at the end of every advertisement."""
    if settings.outreach.marketing_consent_required:
        yield Check(
            "Marketing consent",
            True,
            "required: an advertisement goes only to numbers with consent on record",
        )
    else:
        yield Check(
            "Marketing consent",
            False,
            "not required (MARKETING_CONSENT_REQUIRED=false): advertisements go to numbers "
            "without consent on record",
            "Decree 91/2020/ND-CP asks for the customer's prior consent: record it "
            "(`viber-bot consent import`) and set MARKETING_CONSENT_REQUIRED=true",
        )
    public_url = settings.public_url
    name = "Stop links"
    if not public_url:
        detail = "warning: PUBLIC_URL is not set, so marketing sends are refused (each ends with "
        yield Check(name, True, detail + "a stop link to this app); care messages are not")
    elif urlsplit(public_url).scheme == "https":
        yield Check(name, True, f"each advertisement ends with {public_url}/stop/<its own token>")
    else:
        yield Check(
            name,
            True,
            f"warning: {public_url} is http: customers open stop links over an unencrypted "
            "connection; fine for the demo and tests",
        )
