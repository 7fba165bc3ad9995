"""`viber-bot check`'s line about a data subject's requests (Law 91/2025/QH15): whether an
erasure can be carried out."""

from __future__ import annotations

from bot.check.line import Check
from bot.config import Settings

_GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def data_key(settings: Settings) -> Check:
    """DATA_KEY keys the digest an erased number is kept as; without it erasure is refused.
    Wrong only when someone is meant to answer such requests (PRIVACY_ADMINS, or the lists it
    falls back to): a team with no privacy admin is warned."""
    if settings.data_key:
        return Check("Erasure", True, "DATA_KEY is set: an erased number is kept as its digest")
    fix = f"set DATA_KEY to the output of {_GENERATE}, and never change it once numbers are erased"
    if settings.privacy_admins:
        detail = "DATA_KEY is not set: `/viber privacy erase` is refused to the privacy admins"
        return Check("Erasure", False, detail, fix)
    detail = "warning: DATA_KEY is not set and no one is a privacy admin: erasure is refused; "
    return Check("Erasure", True, detail + fix)
