"""`view.state.values` as Slack fills it, read from the flat mapping `{block_id: text or list}`
the page sends for a form's controls; a `file_input` carries the file objects Slack gave the
files when they were uploaded (`with_files` puts them in for the ids the page's form sends)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core.formatting import VIETNAM
from sandbox.demo.elements import CONVERSATION_ID, UnknownBlock
from sandbox.demo.ids import with_ids

Submitted = Mapping[str, Any]  # {block_id: str | list[str] | list[file object] | None}


class BadSubmission(ValueError):
    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{block}: {text}" for block, text in errors.items()))
        self.errors = dict(errors)


def view_state(
    view: Mapping[str, Any], submitted: Submitted, *, submitting: bool
) -> dict[str, dict[str, Any]]:
    """`view.state.values` of the view's input blocks: `{block_id: {action_id: value}}`.

    A block the mapping leaves out is empty (an unticked checkbox sends nothing). Values Slack's
    client could not produce raise BadSubmission; so do, when `submitting`, required fields left
    empty and texts outside their length limits (Slack's client says so without submitting)."""
    values: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for block in with_ids(view.get("blocks") or []):
        if block.get("type") != "input":
            continue
        block_id, element = block["block_id"], block["element"]
        try:
            value = element_state(element, submitted.get(block_id))
        except UnknownBlock:
            raise  # the page's shortcoming, not the person's: never shown as a field error
        except ValueError as problem:
            errors[block_id] = str(problem)
            continue
        problem = _refusal(block, element, value) if submitting else None
        if problem:
            errors[block_id] = problem
        values[block_id] = {element["action_id"]: value}
    if errors:
        raise BadSubmission(errors)
    return values


def _refusal(block: Mapping[str, Any], element: Mapping[str, Any], value: dict) -> str | None:
    chosen = next(v for k, v in value.items() if k != "type")
    if chosen in (None, [], "") and not block.get("optional"):
        return "Please complete this required field."
    if isinstance(chosen, str):
        low, high = element.get("min_length"), element.get("max_length")
        if low and len(chosen) < low:
            return f"Please enter at least {low} characters."
        if high and len(chosen) > high:
            return f"Please enter at most {high} characters."
    return None


def element_state(element: Mapping[str, Any], raw: Any) -> dict[str, Any]:
    """One element's entry in `state.values`, from what the page sent for it (None: nothing)."""
    kind = element.get("type")
    if kind == "plain_text_input":
        text = _one(raw).replace("\r\n", "\n")
        return {"type": kind, "value": text or None}
    if kind == "static_select":
        value = _one(raw)
        return {"type": kind, "selected_option": _option(element, value) if value else None}
    if kind == "external_select":  # the options came from the app: the value is all there is
        value = _one(raw)
        shown = {"text": {"type": "plain_text", "text": value}, "value": value}
        return {"type": kind, "selected_option": shown if value else None}
    if kind == "datetimepicker":
        value = _one(raw)
        return {"type": kind, "selected_date_time": _epoch(value) if value else None}
    if kind == "checkboxes":
        chosen = [raw] if isinstance(raw, str) else list(raw or [])
        offered = [option["value"] for option in element.get("options") or []]
        unknown = [value for value in chosen if value not in offered]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not one of the options")
        options = [o for o in element.get("options") or [] if o["value"] in chosen]
        return {"type": kind, "selected_options": options}
    if kind == "conversations_select":
        value = _one(raw)
        if value and not CONVERSATION_ID.fullmatch(value):
            raise ValueError(f"{value!r} is not a conversation id")
        return {"type": kind, "selected_conversation": value or None}
    if kind == "file_input":
        files = [raw] if isinstance(raw, Mapping) else list(raw or [])
        if not all(isinstance(file, Mapping) and file.get("id") for file in files):
            raise ValueError("files must be Slack file objects (with an id)")
        if len(files) > int(element.get("max_files") or 10):
            raise ValueError(f"at most {element.get('max_files') or 10} files")
        return {"type": kind, "files": [dict(file) for file in files]}
    raise UnknownBlock(kind)


def with_files(
    view: Mapping[str, Any], submitted: Submitted, offered: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """`submitted` with each file input's file ids (what the page's form sends for it) replaced
    by the file objects offered under those ids (`offered`: by id, each as the Slack stand-in's
    `add_file` gave it); an id not offered raises BadSubmission, as Slack's client cannot send
    a file it was not given."""
    out = dict(submitted)
    errors: dict[str, str] = {}
    for block in with_ids(view.get("blocks") or []):
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, Mapping):
            continue
        if element.get("type") != "file_input":
            continue
        raw = out.get(block["block_id"])
        chosen = [raw] if isinstance(raw, str | Mapping) else list(raw or [])
        files: list[Any] = []
        for item in chosen:
            if isinstance(item, str) and item not in offered:
                if item:
                    errors[block["block_id"]] = f"{item!r} is not one of the files offered"
                continue
            files.append(dict(offered[item]) if isinstance(item, str) else item)
        out[block["block_id"]] = files
    if errors:
        raise BadSubmission(errors)
    return out


def _one(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValueError(f"one value expected, not {type(raw).__name__}")
    return raw


def _option(element: Mapping[str, Any], value: str) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    for option in options:
        if option.get("value") == value:
            return dict(option)
    raise ValueError(f"{value!r} is not one of the options")


def _epoch(local: str) -> int:
    """An `<input type="datetime-local">` value, read in Vietnam time, as Slack's epoch."""
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        raise ValueError(f"{local!r} is not a date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return int(moment.timestamp())
