"""Who a send may not reach, in the sentences the intake answers with: the numbers that asked
to be left alone, and, for an advertisement, those without consent on record."""

from __future__ import annotations

from bot.core.formatting import vietnam_day
from bot.core.i18n import _
from bot.core.model import OptOut
from bot.store import Store

SHOWN = 10  # numbers named in a sentence; the rest counted


def opted_out_sentence(
    store: Store, phones: tuple[str, ...], found: dict[str, OptOut] | None = None
) -> str | None:
    """The sentence naming the numbers that asked to be left alone, if any (`found`: the
    opt-outs among them, when they were looked up already)."""
    if found is None:
        found = store.optouts.among(phones) if phones else {}
    if not found:
        return None
    listed = ", ".join(
        _("err.opted_out_one", phone=phone, day=vietnam_day(found[phone].added_at))
        for phone in phones
        if phone in found
    )
    return _("err.opted_out", numbers=listed)


def lacking_sentence(store: Store, phones: tuple[str, ...]) -> str | None:
    """The sentences naming the numbers an advertisement may not reach for want of consent:
    those that opted out (who have none), then the others."""
    lacking = tuple(store.consents.lacking(phones))
    if not lacking:
        return None
    found = store.optouts.among(lacking)
    sentences = [opted_out_sentence(store, lacking, found)] if found else []
    if never := [phone for phone in lacking if phone not in found]:
        shown = ", ".join(never[:SHOWN])
        if len(never) > SHOWN:
            shown += _("err.and_more", count=len(never) - SHOWN)
        sentences.append(_("err.no_consent", numbers=shown))
    return " ".join(sentence for sentence in sentences if sentence)
