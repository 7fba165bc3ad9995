"""A campaign: one message with `{column}` placeholders, a row of a spreadsheet per recipient.

Planned before anything is sent: each row becomes its own message or is set aside with the
reason, numbers given twice are merged, and a placeholder that names no column is an error of
the whole campaign."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from bot.core.i18n import _
from bot.core.images import UPLOADED
from bot.core.message import ViberMessage, validate_message
from bot.core.phones import normalize_phone
from bot.core.spreadsheet import Sheet, header_key, phone_column

DEFAULT_MAX_ROWS = 10_000
_PLACEHOLDER = re.compile(r"\{([^{}\n]{1,60})\}")


@dataclass(frozen=True)
class Row:
    number: int  # the row in the file: the header is row 1
    phone: str
    message: ViberMessage
    values: dict[str, str]


@dataclass(frozen=True)
class Plan:
    rows: tuple[Row, ...] = ()
    invalid: tuple[tuple[int, str], ...] = ()  # (row number, reason)
    duplicates: int = 0  # rows whose number an earlier row already had
    unknown: tuple[str, ...] = ()  # placeholders that name no column
    read: int = 0
    columns: tuple[str, ...] = ()
    problems: dict[str, str] = field(default_factory=dict)  # the message's own, by field

    @property
    def ok(self) -> bool:
        return not self.unknown and not self.problems and bool(self.rows)


def placeholders(text: str) -> list[str]:
    """The `{column}` names a text uses, as header keys (`{Tên khách}` → `ten_khach`)."""
    return [header_key(name) for name in _PLACEHOLDER.findall(text or "")]


def fill(text: str, values: dict[str, str], *, link: bool = False) -> str:
    """The text with each placeholder replaced by the row's value (URL-encoded in a link)."""

    def value(match: re.Match[str]) -> str:
        found = values.get(header_key(match.group(1)), match.group(0))
        return quote(found, safe="") if link else found

    return _PLACEHOLDER.sub(value, text or "")


def plan_campaign(
    sheet: Sheet,
    message: ViberMessage,
    max_rows: int = DEFAULT_MAX_ROWS,
    *,
    hosted_image: str | None = None,
    stop_room: int = 0,
) -> Plan:
    """Every row of the sheet as a message, or the reason it cannot be one. `hosted_image`: the
    picture uploaded with the campaign, where the app hosts it (its own address, checked when
    it was uploaded, is every row's image); `stop_room`: what an advertisement's stop line takes
    of each row's text."""
    column = phone_column(sheet)
    used = {
        *placeholders(message.text),
        *placeholders(message.image_url),
        *placeholders(message.button_label),
        *placeholders(message.button_url),
    }
    unknown = tuple(sorted(used - set(sheet.headers)))
    rows: list[Row] = []
    invalid: list[tuple[int, str]] = []
    seen: set[str] = set()
    duplicates = 0
    for number, values in enumerate(sheet.rows[:max_rows], start=2):  # read_sheet's limit too
        phone = normalize_phone(values.get(column, ""))
        if phone is None:
            invalid.append((number, _("camp.bad_phone", value=values.get(column, "")[:30])))
            continue
        empty = sorted(name for name in used - set(unknown) if not values.get(name))
        if empty:
            invalid.append((number, _("camp.empty", columns=", ".join(empty))))
            continue
        if phone in seen:
            duplicates += 1
            continue
        personal = ViberMessage(
            text=fill(message.text, values),
            image_url=hosted_image or fill(message.image_url, values, link=True),
            button_label=fill(message.button_label, values),
            button_url=fill(message.button_url, values, link=True),
        )
        checked = replace(personal, image_url=UPLOADED) if hosted_image else personal
        if problems := validate_message(checked, stop_room=stop_room):
            invalid.append((number, "; ".join(problems.values())))
            continue
        seen.add(phone)
        rows.append(Row(number, phone, personal, values))
    return Plan(
        rows=tuple(rows),
        invalid=tuple(invalid),
        duplicates=duplicates,
        unknown=unknown,
        read=len(sheet.rows),
        columns=sheet.headers,
    )
