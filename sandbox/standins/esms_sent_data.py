"""`GetSmsSentData_V2` for the eSMS stand-in: the accepted sends between two Vietnam times.

Part of `esms.py`, kept apart for its size. eSMS answers newest first, one page at a time, with
`SendResult` 1 ok, 0 failed and 2 unknown (no final word yet), for the asked SmsType only: "23"
lists the Viber sends, "2" the customer-care SMS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

VIETNAM = timezone(timedelta(hours=7))
PAGE_SIZE_MAX = 500


class Sent(Protocol):
    body: dict[str, Any]
    at: float
    code: int
    sms_id: str | None
    channel: str  # "viber" or "sms"

    @property
    def phones(self) -> list[str]: ...


SMS_TYPES = {"viber": "23", "sms": "2"}


def sent_data_page(
    submissions: Iterable[Sent],
    status: Mapping[str, Mapping[str, Any]],
    query: Mapping[str, Any],
    page_limit: int = PAGE_SIZE_MAX,
) -> dict[str, Any]:
    """The answer to one authorized query; `page_limit` caps the page size below eSMS's 500."""
    since, until = vietnam_time(query.get("From")), vietnam_time(query.get("To"))
    accepted = [
        s
        for s in submissions
        if s.code == 100 and s.sms_id and SMS_TYPES.get(s.channel) == query.get("SmsType")
    ]
    rows = [
        sent_row(submission, phone, status.get(submission.sms_id or "", {}))
        for submission in sorted(accepted, key=lambda s: s.at, reverse=True)
        for phone in submission.phones
        if (since is None or since <= int(submission.at))
        and (until is None or int(submission.at) <= until)
    ]
    size = max(1, min(whole(query.get("PageSize"), PAGE_SIZE_MAX), PAGE_SIZE_MAX, page_limit))
    first = (max(whole(query.get("Page"), 1), 1) - 1) * size
    page = rows[first : first + size]
    return {"CodeResult": "100", "CountTotal": len(rows), "SentData": page}


def sent_row(submission: Sent, phone: str, status: Mapping[str, Any]) -> dict[str, Any]:
    send_status, success = status.get("SendStatus", 2), status.get("SendSuccess", 0)
    if send_status == 5 and success > 0:
        result = 1
    elif send_status in (4, 5) and status.get("SendFailed", 0) > 0:
        result = 0
    else:
        result = 2  # unknown: eSMS has no final word yet
    return {
        "ReferenceId": submission.sms_id,
        "Phone": phone,
        "Content": submission.body.get("Content") or "",
        "SendStatus": send_status,
        "SendResult": result,
        "SellPrice": status.get("TotalPrice", 0),
        "SmsType": SMS_TYPES.get(submission.channel, "23"),
        "SentTime": f"/Date({int(submission.at * 1000)}+0700)/",
    }


def vietnam_time(value: object) -> int | None:
    """A `yyyy-MM-dd HH:mm:ss` Vietnam time as epoch seconds; None when absent or unreadable."""
    try:
        moment = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return int(moment.replace(tzinfo=VIETNAM).timestamp())


def whole(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default
