"""A loopback stand-in for the eSMS gateway (WCF JSON service) and its delivery callbacks.

The tests and the benchmarks run the real app against it, and so does `viber-bot demo`.
It takes Viber messages (`Send_Multiple_Sms_OTT`, SmsType 23) and customer-care SMS
(`SendMultipleMessage_V4_post_json`, SmsType 2, with `GetTemplate`: see `esms_sms`). It checks
what the real service checks (credentials, brandname, SmsType, phone format, the four Viber
shapes, the SMS templates, RequestId reuse within its lifetime → 124), answers with the same
member names, and can be told to be slow, to fail with HTTP 500, to answer HTML, or to refuse a
phone with a code. `callback()` plays eSMS calling the app's CallbackUrl with a GET and a query
string (TypeId 23 for Viber, 2 for SMS).

Off by default, it can also play along on its own (for the demo): with `auto_deliver_seconds`
set, each accepted submission is called back that long after it was accepted, with the outcome
chosen for its phone (`choose()`, `choose_sms()`); `force_next()` refuses the next send, on
either endpoint, with a result code (160 for too many requests per second, say).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from sandbox.standins.esms_outcomes import OUTCOMES, refusal
from sandbox.standins.esms_play import (
    LOOPBACK,
    SMS,
    VIBER,
    EsmsPlayAlong,
    Recent,
    Submission,
    fetch_image,
)
from sandbox.standins.esms_sent_data import PAGE_SIZE_MAX, sent_data_page
from sandbox.standins.esms_sms import SMS_BRANDNAME, EsmsSms
from sandbox.standins.http import Reply, StandIn

API_KEY = "TEST-API-KEY-0000"
SECRET_KEY = "TEST-SECRET-KEY-0000"
BRANDNAME = "TESTBRAND"
SENT_DATA_PAGE_LIMIT = PAGE_SIZE_MAX
CALLBACK_TIMEOUT_SECONDS = 10.0

__all__ = [
    "API_KEY",
    "BRANDNAME",
    "OUTCOMES",
    "SECRET_KEY",
    "SMS_BRANDNAME",
    "EsmsStandIn",
    "Recent",
    "Submission",
]


class EsmsStandIn(EsmsPlayAlong, EsmsSms, StandIn):
    """eSMS on 127.0.0.1. Playing along (`auto_deliver_seconds`, `outcomes`, `sms_outcomes`) is
    off by default."""

    def __init__(
        self,
        *,
        port: int = 0,
        auto_deliver_seconds: float | None = None,
        outcomes: dict[str, str] | None = None,
        sms_outcomes: dict[str, str] | None = None,
    ) -> None:
        super().__init__(port)
        self.submissions: list[Submission] = []  # every send received, Viber and SMS
        self.accepted: dict[str, Submission] = {}  # by RequestId, Viber and SMS alike
        self.balance = 36693
        self.brandnames = [(BRANDNAME, 23)]
        self.refuse_phone: dict[str, tuple[int, str]] = {}  # phone → (code, ErrorMessage)
        self.send_delay = 0.0
        self.balance_delay = 0.0  # seconds GetBalance_json takes to answer
        self.balance_requests = 0
        self.next_failures: list[
            str
        ] = []  # "http500" | "html" | "timeout" | "timeout_after_accept"
        self.status: dict[str, dict[str, Any]] = {}  # SMSID → GetSendStatus answer
        self.sent_data_page_limit = SENT_DATA_PAGE_LIMIT  # rows per GetSmsSentData_V2 page at most
        self.sent_data_queries: list[dict[str, Any]] = []  # every GetSmsSentData_V2 body received
        self.callback_timeout = CALLBACK_TIMEOUT_SECONDS
        self._ids = itertools.count(1)
        self._condition = threading.Condition(self.lock)
        self._init_play_along(auto_deliver_seconds, outcomes, sms_outcomes)
        self._init_sms()

    def stop(self) -> None:
        self._stop_timers()
        super().stop()

    # -- inspection ---------------------------------------------------------------------------

    def sends_to(self, phone: str) -> list[Submission]:
        """Every submission, Viber or SMS, that named `phone` (`viber_to`, `sms_to`: one kind)."""
        with self.lock:
            return [s for s in self.submissions if phone in s.phones]

    def accepted_for(self, phone: str) -> list[Submission]:
        with self.lock:
            return [s for s in self.accepted.values() if phone in s.phones]

    # -- serving ------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> Reply:
        if path.rstrip("/").endswith("Send_Multiple_Sms_OTT") and method == "POST":
            return self._send(body, VIBER)
        if path.rstrip("/").endswith("SendMultipleMessage_V4_post_json") and method == "POST":
            return self._send(body, SMS)
        if path.rstrip("/").endswith("GetTemplate") and method == "POST":
            return self._templates(body)
        if path.endswith("GetBalance_json") and method == "POST":
            self.balance_requests += 1
            time.sleep(self.balance_delay)
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
                for phone in found.phones
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
        with self.lock:
            page = sent_data_page(self.submissions, self.status, data, self.sent_data_page_limit)
        return Reply(200, page)

    def _authorized(self, data: dict[str, Any]) -> bool:
        return data.get("ApiKey") == API_KEY and data.get("SecretKey") == SECRET_KEY

    def _send(self, raw: bytes, channel: str) -> Reply:
        try:
            body = json.loads(raw)
        except ValueError:
            return Reply(400, raw=b"<html>Request Error</html>")
        if not isinstance(body, dict):
            return Reply(400, raw=b"<html>Request Error</html>")
        submission = Submission(body, channel=channel)
        image = body.get("OttImgUrl") if channel == VIBER else None
        if isinstance(image, str) and urlsplit(image).hostname in LOOPBACK:
            # Fetched as eSMS does before it passes the message on (a picture on the internet
            # is never fetched here: nothing beyond 127.0.0.1).
            submission.image_fetch, submission.image_usable = fetch_image(image)
        with self.lock:
            self.submissions.append(submission)
            failure = self.next_failures.pop(0) if self.next_failures else None
            # A forced refusal waits for a request that gets an answer at all.
            forced = self.forced.popleft() if self.forced and failure is None else None
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
        if forced is not None:
            submission.code = forced
            return Reply(200, refusal(forced))
        decide = self._decide_sms if channel == SMS else self._decide
        answer = decide(body, submission)
        if submission.code == 100 and self.auto_deliver_seconds is not None:
            self._play_along(submission, self.auto_deliver_seconds)
        if failure == "timeout_after_accept":  # accepted, but the answer never reaches the app
            time.sleep(3)
        return Reply(200, answer)

    def _decide(self, body: dict[str, Any], submission: Submission) -> dict[str, Any]:
        def refuse(code: int, message: str) -> dict[str, Any]:
            submission.code = code
            return refusal(code, message)

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
        return self._accept(body, submission)

    def _accept(self, body: dict[str, Any], submission: Submission) -> dict[str, Any]:
        """Accept a send that passed its checks, unless its RequestId was accepted before (124)."""
        request_id = body.get("RequestId") or ""
        with self.lock:
            if request_id and request_id in self.accepted:
                submission.code = 124
                return refusal(124, "Request exist 1")
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
        """Change what GetSendStatus gives, without calling back (a lost callback)."""
        with self.lock:
            self.status[submission.sms_id].update(
                SendStatus=send_status,
                SendSuccess=success,
                SendFailed=failed,
                TotalSent=success + failed,
            )


def _valid_shape(body: dict[str, Any]) -> bool:
    has = tuple(bool(body.get(key)) for key in ("Content", "OttImgUrl", "OttLabel", "OttUrl"))
    return has in {
        (True, False, False, False),
        (True, False, True, True),
        (False, True, False, False),
        (True, True, True, True),
    }
