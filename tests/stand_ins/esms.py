"""A loopback stand-in for the eSMS gateway (WCF JSON service) and its delivery callbacks.

It checks what the real service checks (credentials, brandname, SmsType, phone format, the four
Viber shapes, RequestId reuse within 24 h → 124), answers with the same member names, and can
be told to be slow, to fail with HTTP 500, to answer HTML, or to refuse a phone with a code.
`callback()` plays eSMS calling the app's CallbackUrl with a GET and a query string.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from tests.stand_ins.http import Reply, StandIn

API_KEY = "TEST-API-KEY-0000"
SECRET_KEY = "TEST-SECRET-KEY-0000"
BRANDNAME = "TESTBRAND"
SENT_DATA_PAGE_LIMIT = 500
VIETNAM = timezone(timedelta(hours=7))


@dataclass
class Submission:
    body: dict[str, Any]
    at: float = field(default_factory=time.time)
    code: int = 0
    sms_id: str | None = None


class EsmsStandIn(StandIn):
    def __init__(self) -> None:
        super().__init__()
        self.submissions: list[Submission] = []  # every Send_Multiple_Sms_OTT request received
        self.accepted: dict[str, Submission] = {}  # by RequestId
        self.balance = 36693
        self.brandnames = [(BRANDNAME, 23)]
        self.refuse_phone: dict[str, tuple[int, str]] = {}  # phone → (code, ErrorMessage)
        self.send_delay = 0.0
        self.next_failures: list[
            str
        ] = []  # "http500" | "html" | "timeout" | "timeout_after_accept"
        self.status: dict[str, dict[str, Any]] = {}  # SMSID → GetSendStatus answer
        self.sent_data_page_limit = SENT_DATA_PAGE_LIMIT  # rows per GetSmsSentData_V2 page at most
        self.sent_data_queries: list[dict[str, Any]] = []  # every GetSmsSentData_V2 body received
        self._ids = itertools.count(1)
        self._condition = threading.Condition(self.lock)

    # -- inspection ---------------------------------------------------------------------------

    def sends_to(self, phone: str) -> list[Submission]:
        with self.lock:
            return [s for s in self.submissions if phone in s.body.get("Phones", [])]

    def accepted_for(self, phone: str) -> list[Submission]:
        with self.lock:
            return [s for s in self.accepted.values() if phone in s.body.get("Phones", [])]

    # -- serving ------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> Reply:
        if path.rstrip("/").endswith("Send_Multiple_Sms_OTT") and method == "POST":
            return self._send(body)
        if path.endswith("GetBalance_json") and method == "POST":
            data = json.loads(body or b"{}")
            if not self._authorized(data):
                return Reply(200, {"CodeResponse": "101", "ErrorMessage": "Authorize Failed"})
            return Reply(200, {"Balance": self.balance, "CodeResponse": "100", "UserID": 9999})
        if "GetListBrandname/" in path:
            _, key, secret = path.rsplit("/", 2)
            if not self._authorized({"ApiKey": key, "SecretKey": secret}):
                return Reply(200, {"CodeResponse": "101", "ErrorMessage": "Authorize Failed"})
            return Reply(
                200,
                {
                    "CodeResponse": "100",
                    "ListBrandName": [{"Brandname": n, "Type": t} for n, t in self.brandnames],
                },
            )
        if path.endswith("GetSmsSentData_V2") and method == "POST":
            return self._sent_data(json.loads(body or b"{}"))
        if path.endswith("GetSmsReceiverStatus_get"):
            if not self._authorized(query):
                return Reply(200, {"CodeResult": "101", "ErrorMessage": "Authorize Failed"})
            with self.lock:
                found = next(
                    (s for s in self.accepted.values() if s.sms_id == query.get("RefId")), None
                )
            if found is None:
                return Reply(200, {"CodeResult": "105", "ErrorMessage": "Not found"})
            delivered = self.status[found.sms_id].get("SendSuccess", 0) > 0
            receivers = [
                {
                    "IsSent": delivered,
                    "NetworkName": "Viettel",
                    "Phone": phone,
                    "Retry": 0,
                    "SentResult": delivered,
                }
                for phone in found.body["Phones"]
            ]
            return Reply(200, {"CodeResult": "100", "ReceiverList": receivers})
        if path.endswith("GetSendStatus"):
            if not self._authorized(query):
                return Reply(200, {"CodeResponse": "101", "ErrorMessage": "Authorize Failed"})
            answer = self.status.get(query.get("RefId", ""))
            return Reply(200, answer or {"CodeResponse": "105", "ErrorMessage": "Not found"})
        return Reply(404, raw=b"<html>Endpoint not found.</html>")

    def _sent_data(self, data: dict[str, Any]) -> Reply:
        """GetSmsSentData_V2: the accepted sends between From and To, newest first, one page."""
        with self.lock:
            self.sent_data_queries.append(data)
        if not self._authorized(data):
            return Reply(200, {"CodeResult": "101", "ErrorMessage": "Authorize Failed"})
        since, until = _vietnam_time(data.get("From")), _vietnam_time(data.get("To"))
        with self.lock:
            accepted = [s for s in self.submissions if s.code == 100 and s.sms_id]
            rows = [
                self._sent_row(submission, phone)
                for submission in sorted(accepted, key=lambda s: s.at, reverse=True)
                for phone in submission.body["Phones"]
                if data.get("SmsType") == "23"
                and (since is None or since <= int(submission.at))
                and (until is None or int(submission.at) <= until)
            ]
        size = max(1, min(_whole(data.get("PageSize"), 500), 500, self.sent_data_page_limit))
        first = (max(_whole(data.get("Page"), 1), 1) - 1) * size
        page = rows[first : first + size]
        return Reply(200, {"CodeResult": "100", "CountTotal": len(rows), "SentData": page})

    def _sent_row(self, submission: Submission, phone: str) -> dict[str, Any]:
        status = self.status.get(submission.sms_id or "", {})
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
            "SmsType": "23",
            "SentTime": f"/Date({int(submission.at * 1000)}+0700)/",
        }

    def _authorized(self, data: dict[str, Any]) -> bool:
        return data.get("ApiKey") == API_KEY and data.get("SecretKey") == SECRET_KEY

    def _send(self, raw: bytes) -> Reply:
        try:
            body = json.loads(raw)
        except ValueError:
            return Reply(400, raw=b"<html>Request Error</html>")
        submission = Submission(body)
        with self.lock:
            self.submissions.append(submission)
            failure = self.next_failures.pop(0) if self.next_failures else None
            self._condition.notify_all()
        if self.send_delay:
            time.sleep(self.send_delay)
        if failure == "http500":
            return Reply(500, raw=b"<html>Internal Server Error</html>")
        if failure == "html":
            return Reply(200, raw=b"<html><body>Service maintenance</body></html>")
        if failure == "timeout":
            time.sleep(3)
            return Reply(500, raw=b"late")
        answer = self._decide(body, submission)
        if failure == "timeout_after_accept":  # accepted, but the answer never reaches the app
            time.sleep(3)
        return Reply(200, answer)

    def _decide(self, body: dict[str, Any], submission: Submission) -> dict[str, Any]:
        def refuse(code: int, message: str) -> dict[str, Any]:
            submission.code = code
            return {"CodeResult": str(code), "CountRegenerate": 0, "ErrorMessage": message}

        if not self._authorized(body):
            return refuse(101, "Authorize Failed")
        if body.get("SmsType") != "23":
            return refuse(118, "SmsType not supported")
        if body.get("Brandname") not in {name for name, _ in self.brandnames}:
            return refuse(104, "Brandname not exist")
        phones = body.get("Phones")
        if not isinstance(phones, list) or not phones:
            return refuse(99, "Phones required")
        if any(not re.fullmatch(r"0[0-9]{9}", str(phone)) for phone in phones):
            return refuse(108, "Phone invalid")
        if not _valid_shape(body):
            return refuse(99, "Invalid OTT content")
        for phone in phones:
            if phone in self.refuse_phone:
                code, message = self.refuse_phone[phone]
                return refuse(code, message)
        if self.balance <= 0:
            return refuse(103, "Balance not enough")
        request_id = body.get("RequestId") or ""
        with self.lock:
            if request_id and request_id in self.accepted:
                submission.code = 124
                return {
                    "CodeResult": "124",
                    "CountRegenerate": 0,
                    "ErrorMessage": "Request exist 1",
                    "SendStatus": "5",
                }
            sms_id = f"{next(self._ids):032x}250"
            submission.code, submission.sms_id = 100, sms_id
            if request_id:
                self.accepted[request_id] = submission
            self.status[sms_id] = {
                "CodeResponse": "100",
                "SMSID": sms_id,
                "SendFailed": 0,
                "SendStatus": 2,
                "SendSuccess": 0,
                "TotalPrice": 0,
                "TotalReceiver": 1,
                "TotalSent": 0,
            }
        return {"CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id}

    def settle(
        self, submission: Submission, send_status: int, *, success: int = 0, failed: int = 0
    ) -> None:
        """Change what GetSendStatus reports, without calling back (a lost callback)."""
        with self.lock:
            self.status[submission.sms_id].update(
                SendStatus=send_status,
                SendSuccess=success,
                SendFailed=failed,
                TotalSent=success + failed,
            )

    # -- callbacks ----------------------------------------------------------------------------

    def callback(
        self,
        submission: Submission,
        send_status: int,
        *,
        success: int = 0,
        failed: int = 0,
        via: str | None = None,
        **extra: Any,
    ) -> requests.Response:
        """GET the submission's CallbackUrl the way eSMS does; returns the app's answer.

        `via` sends it to another address with the same path: another process of the app."""
        url = submission.body["CallbackUrl"]
        if via:
            url = via + urlsplit(url).path
        params = {
            "SMSID": submission.sms_id or "",
            "SendFailed": failed,
            "SendStatus": send_status,
            "SendSuccess": success,
            "TotalPrice": "470.0000",
            "TotalReceiver": 1,
            "TotalSent": 1 if send_status == 5 else 0,
            "RequestId": submission.body.get("RequestId", ""),
            "TypeId": 23,
            "telcoid": 2,
            "phonenumber": submission.body["Phones"][0],
            **extra,
        }
        return requests.get(f"{url}?{urlencode(params)}", timeout=10)


def _valid_shape(body: dict[str, Any]) -> bool:
    has = tuple(bool(body.get(key)) for key in ("Content", "OttImgUrl", "OttLabel", "OttUrl"))
    return has in {
        (True, False, False, False),
        (True, False, True, True),
        (False, True, False, False),
        (True, True, True, True),
    }


def _vietnam_time(value: object) -> int | None:
    """A `yyyy-MM-dd HH:mm:ss` Vietnam time as epoch seconds; None when absent or unreadable."""
    try:
        moment = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return int(moment.replace(tzinfo=VIETNAM).timestamp())


def _whole(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default
