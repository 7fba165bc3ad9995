"""Slack's mrkdwn (and plain_text) as HTML, close to how Slack shows it.

Every character of the text is escaped; the only HTML in the result is the markup made here.
Links are made only for http(s), mailto and tel addresses, so a message cannot carry a
`javascript:` link onto the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime

from bot.core.formatting import VIETNAM

_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_PRE = re.compile(r"```(.*?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_MARKUP = re.compile(r"<([^<>\n]*)>")
_QUOTE = re.compile(r"^(?:>|&gt;) ?")
# Stand-ins for markup already rendered, so the style patterns never look inside it.
_HOLE, _HOLE_END = "\ue000", "\ue001"
_HOLES = re.compile(f"{_HOLE}(\\d+){_HOLE_END}")
_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_BROADCASTS = {"!here": "@here", "!channel": "@channel", "!everyone": "@everyone"}
_STYLES = tuple(
    (re.compile(rf"(?<![\w{m}]){m}(?=\S)([^{m}\n]*?[^{m}\s]){m}(?![\w{m}])"), tag)
    for m, tag in ((r"\*", "b"), ("_", "i"), ("~", "s"))
)


def decode(text: str) -> str:
    """Slack's three entities, decoded in one pass (`&amp;lt;` stays a literal `&lt;`)."""
    return _ENTITY.sub(lambda match: _ENTITIES[match.group(1)], text)


def render_plain(text: str) -> str:
    """A plain_text object: escaped, line breaks kept."""
    return html.escape(text).replace("\n", "<br>")


def render_mrkdwn(
    text: str, *, names: Mapping[str, str] | None = None, now: float | None = None
) -> str:
    """Slack mrkdwn as HTML. `names` maps user, channel and user-group ids to the names shown
    for them; with `now`, dates written `{date_pretty}` say today, yesterday or tomorrow."""
    known = names or {}
    text = text.replace(_HOLE, "\ufffd").replace(_HOLE_END, "\ufffd")
    parts = _PRE.split(text)
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            body = part.removeprefix("\n").removesuffix("\n")
            out.append(f'<pre class="sk-pre">{_text_with_markup(body, known, now)}</pre>')
        elif part:
            out.append(_lines(part, known, now))
    return "".join(out)


def _lines(text: str, names: Mapping[str, str], now: float | None) -> str:
    """Lines joined by <br>; runs of `>` lines become one quote."""
    out: list[str] = []
    quoted: list[str] = []

    def close_quote() -> None:
        if quoted:
            out.append(f'<blockquote class="sk-quote">{"<br>".join(quoted)}</blockquote>')
            quoted.clear()

    previous_was_line = False
    for line in text.split("\n"):
        marker = _QUOTE.match(line)
        if marker:
            quoted.append(_inline(line[marker.end() :], names, now))
            previous_was_line = False
            continue
        close_quote()
        out.append(("<br>" if previous_was_line else "") + _inline(line, names, now))
        previous_was_line = True
    close_quote()
    return "".join(out)


def _inline(line: str, names: Mapping[str, str], now: float | None) -> str:
    rendered: list[str] = []

    def hole(markup: str) -> str:
        rendered.append(markup)
        return f"{_HOLE}{len(rendered) - 1}{_HOLE_END}"

    def code(match: re.Match[str]) -> str:
        return hole(f'<code class="sk-code">{_text_with_markup(match.group(1), names, now)}</code>')

    line = _CODE.sub(code, line)
    line = _MARKUP.sub(lambda match: hole(_markup(match.group(1), names, now)), line)
    return _HOLES.sub(lambda match: rendered[int(match.group(1))], _styled(line))


def _styled(text: str) -> str:
    """Bold, italic and strike-through (nested in any order); the rest escaped."""
    found = [(match, tag) for pattern, tag in _STYLES if (match := pattern.search(text))]
    if not found:
        return _escape(text)
    match, tag = min(found, key=lambda pair: pair[0].start())
    inner = _styled(match.group(1))
    return f"{_escape(text[: match.start()])}<{tag}>{inner}</{tag}>{_styled(text[match.end() :])}"


def _escape(text: str) -> str:
    """Escape text around holes (the holes' characters are not special to HTML)."""
    return html.escape(decode(text))


def _text_with_markup(text: str, names: Mapping[str, str], now: float | None) -> str:
    """Code: no styles, but mentions, links and dates still show as Slack shows them."""
    pieces = _MARKUP.split(text)
    return "".join(
        _markup(piece, names, now) if index % 2 else _escape(piece)
        for index, piece in enumerate(pieces)
    )


def _markup(inner: str, names: Mapping[str, str], now: float | None) -> str:
    target, _bar, label = inner.partition("|")
    label = decode(label).strip()
    if target.startswith("@"):
        name = names.get(target[1:]) or label.lstrip("@") or target[1:]
        return _span("sk-mention", "@" + name, data_id=target[1:])
    if target.startswith("#"):
        name = names.get(target[1:]) or label.lstrip("#") or target[1:]
        return _span("sk-channel", "#" + name, data_id=target[1:])
    if target.startswith("!subteam^"):
        group = target.removeprefix("!subteam^")
        name = label.lstrip("@") or names.get(group) or group
        return _span("sk-mention sk-group", "@" + name, data_id=group)
    if target in _BROADCASTS:
        return _span("sk-mention sk-broadcast", _BROADCASTS[target])
    if target.startswith("!date^"):
        return _date(target, label, now)
    address = decode(target)
    if address.lower().startswith(_LINK_SCHEMES) and not any(c.isspace() for c in address):
        shown = label or re.sub(r"^(mailto|tel):", "", address, flags=re.IGNORECASE)
        return link(address, html.escape(shown))
    # Not markup Slack knows: shown as it was written.
    return html.escape(f"<{decode(inner)}>")


def link(address: str, inner_html: str) -> str:
    """A link to somewhere off the page; `address` must already be a safe scheme."""
    href = html.escape(address, quote=True)
    return (
        f'<a class="sk-link" href="{href}" rel="noopener noreferrer" target="_blank">'
        f"{inner_html}</a>"
    )


def _span(classes: str, text: str, data_id: str | None = None) -> str:
    data = f' data-id="{html.escape(data_id, quote=True)}"' if data_id is not None else ""
    return f'<span class="{classes}"{data}>{html.escape(text)}</span>'


# -- <!date^…> ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"\{(\w+)\}")
_DAYS = {-1: "Yesterday", 0: "Today", 1: "Tomorrow"}


def _date(target: str, fallback: str, now: float | None) -> str:
    """`<!date^EPOCH^FORMAT[^LINK]|fallback>`, in Vietnam time (GMT+7)."""
    parts = target.split("^")
    if len(parts) < 3 or not parts[1].isascii() or not parts[1].lstrip("-").isdigit():
        return html.escape(fallback or target)
    try:
        moment = datetime.fromtimestamp(int(parts[1]), VIETNAM)
    except (OverflowError, OSError, ValueError):
        return html.escape(fallback or target)
    today = datetime.fromtimestamp(now, VIETNAM) if now is not None else None
    shown = _TOKEN.sub(lambda match: _token(match.group(1), moment, today), parts[2])
    title = "GMT+7" + (f" · {fallback}" if fallback else "")
    when = (
        f'<time class="sk-date" datetime="{moment.isoformat()}" '
        f'title="{html.escape(title, quote=True)}">{html.escape(shown)}</time>'
    )
    if len(parts) > 3 and parts[3].lower().startswith(("http://", "https://")):
        return link(decode(parts[3]), when)
    return when


def _token(name: str, moment: datetime, today: datetime | None) -> str:
    """One of Slack's date tokens; `today` (the page's now) makes the `_pretty` ones relative."""
    day = f"{moment:%B} {_ordinal(moment.day)}, {moment.year}"
    short = f"{moment:%b} {moment.day}, {moment.year}"
    long = f"{moment:%A}, {day}"
    relative = _DAYS.get((moment.date() - today.date()).days) if today else None
    tokens = {
        "date_num": moment.strftime("%Y-%m-%d"),
        "date": day,
        "date_short": short,
        "date_long": long,
        "date_pretty": relative or day,
        "date_short_pretty": relative or short,
        "date_long_pretty": relative or long,
        "time": _clock(moment),
        "time_secs": _clock(moment, seconds=True),
        "ago": _ago(moment, today) if today else f"{short} {_clock(moment)}",
    }
    return tokens.get(name, "{" + name + "}")  # a token Slack does not define stays visible


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _clock(moment: datetime, seconds: bool = False) -> str:
    hour = moment.hour % 12 or 12
    clock = f"{hour}:{moment.minute:02d}" + (f":{moment.second:02d}" if seconds else "")
    return f"{clock} {'AM' if moment.hour < 12 else 'PM'}"


def _ago(moment: datetime, today: datetime) -> str:
    seconds = int((today - moment).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count = abs(seconds) // size
        if count:
            words = f"{count} {unit}{'s' if count > 1 else ''}"
            return f"{words} ago" if seconds > 0 else f"in {words}"
    return "just now"
