"""`viber-bot check`'s line about retention (Law 91/2025/QH15: personal data deleted once its
purpose is fulfilled). Never a failure: how long to keep is the company's decision."""

from __future__ import annotations

from bot.check.line import Check
from bot.config import Settings

# A year covers a customer's dispute about a message, the yearly campaign and reporting
# cycle and an audit's questions; docs/configuration.md says why, and that the company decides.
RECOMMENDED_DAYS = 365


def retention(settings: Settings) -> Check:
    days = settings.retention_days
    if days:
        return Check(
            "Retention",
            True,
            f"sends older than {days} {'day' if days == 1 else 'days'} are purged once a day "
            "(first run: a dry run)",
        )
    return Check(
        "Retention",
        True,
        "warning: unset: content and numbers are kept until `viber-bot purge`; recommended: "
        f"RETENTION_DAYS={RECOMMENDED_DAYS}",
    )
