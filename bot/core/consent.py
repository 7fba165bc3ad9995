"""Consent to marketing and the stop link every advertisement ends with (Decree 91/2020: prior
consent, a way to refuse in every advertisement; Law 91/2025: consent specific and provable).

The stop line is in Vietnamese whatever the app's language: the customer reads it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace

from bot.core.message import ViberMessage

MAX_EVIDENCE = 500  # what the customer agreed to and how, in words
STOP_PATH = "/stop/"
TOKEN_BYTES = 16  # 128 random bits: no one reaches another customer's link by guessing
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")  # token_urlsafe(16), and nothing else
STOP_LINE = "Từ chối nhận tin: {url}"

# Who changed a number's consent, as its record names the way it came.
SOURCE_SLACK = "slack"  # `/viber consent add|remove`
SOURCE_IMPORT = "import"  # `viber-bot consent import`
SOURCE_CUSTOMER = "customer"  # the stop link in an advertisement
SOURCE_OPT_OUT = "opt-out"  # the number joined the opt-outs, however it did
CUSTOMER = "customer"  # the actor of what the customer did themselves


@dataclass(frozen=True)
class Consent:
    """A number's consent to marketing, as it stands: when it was given, what it was and how
    (the evidence), and who recorded it, when and by which way."""

    phone: str
    given_at: float
    evidence: str
    source: str
    recorded_by: str
    recorded_at: float


def new_stop_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def stop_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{STOP_PATH}{token}"


def stop_line(public_url: str, token: str) -> str:
    return "\n" + STOP_LINE.format(url=stop_url(public_url, token))


def stop_line_room(public_url: str) -> int:
    """How many of the text's characters the stop line takes."""
    return len(stop_line(public_url, "x" * len(new_stop_token())))


def with_stop_line(message: ViberMessage, public_url: str, token: str) -> ViberMessage:
    """The advertisement as this recipient reads it: its text ends with their own stop link."""
    return replace(message, text=message.text + stop_line(public_url, token))


def evidence_problem(evidence: str) -> str | None:
    """Why these words cannot stand as evidence of consent: a catalogue key, or None."""
    if not evidence.strip():
        return "consent.err_no_evidence"
    if len(evidence) > MAX_EVIDENCE:
        return "consent.err_long_evidence"
    return None
