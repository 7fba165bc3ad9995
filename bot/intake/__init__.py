"""The one door every send comes through, and the one check every message leaves by.

`Intake.accept` takes a `Draft` from any surface (composer, quick send, message shortcut,
campaign, workflow step, and any added later), resolves its template and kind, applies the
kind's rules, validates, checks access, opt-outs and the approval requirement, and stores the
send. `leaving.check` decides, as each message is about to reach eSMS, whether it may go now.
A new rule goes in one of these two places, never in a surface."""

from bot.intake.accept import Intake, Membership
from bot.intake.draft import Accepted, Draft, Refused, Surface

__all__ = ["Accepted", "Draft", "Intake", "Membership", "Refused", "Surface"]
