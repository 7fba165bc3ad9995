"""The settings that decide who may be reached, when and how: the SMS fallback, opt-out
admins, and Vietnam's rules for marketing messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config.environment import Environment
from bot.config.variables import whole_default
from bot.core.marketing import DEFAULT_HOURS, MarketingHours, parse_hours

_BRANDNAME = r"[A-Za-z0-9 ._-]{1,20}"


@dataclass(frozen=True)
class Outreach:
    sms_fallback: bool = False  # SMS_FALLBACK: the composer's default for "SMS if Viber fails"
    sms_brandname: str | None = None  # ESMS_SMS_BRANDNAME: a customer-care brandname
    sms_fallback_after_minutes: float | None = None  # None: only a failure falls back
    sms_ascii: bool = False  # SMS_ASCII: Vietnamese diacritics stripped from SMS texts
    optout_admins: tuple[str, ...] = ()  # who may remove a number from the opt-outs
    marketing_hours: MarketingHours = field(default_factory=lambda: parse_hours(DEFAULT_HOURS))
    marketing_daily_cap: int = whole_default("MARKETING_DAILY_CAP")
    marketing_prefix: str = ""
    marketing_senders: tuple[str, ...] = ()  # who may send marketing; () is everyone allowed
    marketing_consent_required: bool = True  # marketing only to numbers with consent on record

    @property
    def sms_available(self) -> bool:
        """Whether an SMS can stand in for a Viber message at all."""
        return bool(self.sms_brandname)


def load_outreach(
    env: Environment, people: tuple[str, str], template_admins: tuple[str, ...]
) -> Outreach:
    """Outreach from the environment; problems land in `env.problems`."""
    problems = env.problems
    fallback = env.boolean("SMS_FALLBACK")
    brandname = env.identifier(
        "ESMS_SMS_BRANDNAME", _BRANDNAME, "the customer-care brandname registered with eSMS"
    )
    if fallback and not brandname:
        problems.append(
            "SMS_FALLBACK is true but ESMS_SMS_BRANDNAME is missing: name the customer-care "
            "(CSKH) brandname registered with eSMS that the fallback SMS is sent as"
        )
    try:
        hours = parse_hours(env.text("MARKETING_HOURS") or DEFAULT_HOURS)
    except ValueError as problem:
        problems.append(f"MARKETING_HOURS: {problem}, not {env.text('MARKETING_HOURS')!r}")
        hours = parse_hours(DEFAULT_HOURS)
    after = env.number("SMS_FALLBACK_AFTER_MINUTES")
    prefix = env.text("MARKETING_PREFIX")
    if len(prefix) > 20:
        problems.append(f"MARKETING_PREFIX must be at most 20 characters, not {len(prefix)}")
        prefix = prefix[:20]
    return Outreach(
        sms_fallback=fallback,
        sms_brandname=brandname,
        sms_fallback_after_minutes=after or None,
        sms_ascii=env.boolean("SMS_ASCII"),
        optout_admins=env.id_list("OPTOUT_ADMINS", *people) or template_admins,
        marketing_hours=hours,
        marketing_daily_cap=int(env.number("MARKETING_DAILY_CAP")),
        marketing_prefix=prefix,
        marketing_senders=env.id_list("MARKETING_SENDERS", *people),
        marketing_consent_required=env.boolean("MARKETING_CONSENT_REQUIRED"),
    )
