"""Typed calls to the eSMS gateway: Viber messages (SmsType 23), customer-care SMS (SmsType 2,
the fallback channel, text bound to registered templates), and the status and account queries.

Credentials travel inside requests (eSMS has no auth header), so no exception or log line built
here ever quotes a URL, a request body or a library's own error text.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any

import requests

from bot.core.formatting import VIETNAM
from bot.core.message import ViberMessage
from bot.esms.answers import (
    _DOTNET_DATE,
    Brandname,
    DeliveryStatus,
    EsmsError,
    EsmsRefused,
    EsmsUnavailable,
    ReceiverStatus,
    SendAccepted,
    SentRecord,
    SmsTemplate,
    _check_accepted,
    _code,
    _dotnet_time,
    _int,
    _optional_text,
    _send_result,
    send_answer,
    sms_templates,
)
from bot.metrics import observe_esms

log = logging.getLogger(__name__)

VIBER_SMS_TYPE = "23"
SMS_CARE_TYPE = "2"  # customer-care SMS, the fallback channel
SENT_DATA_PAGE_SIZE = 500  # the most GetSmsSentData_V2 serves per page
SENT_DATA_MAX_PAGES = 20  # a broken answer (Page ignored, CountTotal wrong) cannot loop for ever

# The answers' types and readers live in `answers`; they stay importable from here.
__all__ = [
    "SENT_DATA_MAX_PAGES",
    "SENT_DATA_PAGE_SIZE",
    "SMS_CARE_TYPE",
    "VIBER_SMS_TYPE",
    "_DOTNET_DATE",
    "Brandname",
    "DeliveryStatus",
    "EsmsClient",
    "EsmsError",
    "EsmsRefused",
    "EsmsUnavailable",
    "ReceiverStatus",
    "SendAccepted",
    "SentRecord",
    "SmsTemplate",
    "_check_accepted",
    "_code",
    "_dotnet_time",
    "_int",
    "_optional_text",
    "_send_result",
]


class EsmsClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        secret_key: str,
        *,
        timeout_seconds: float = 15.0,
        session: requests.Session | None = None,
    ) -> None:
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._credentials = {"ApiKey": api_key, "SecretKey": secret_key}
        self._timeout = (min(5.0, timeout_seconds), timeout_seconds)
        self._session = session or requests.Session()

    def send_viber(
        self,
        message: ViberMessage,
        phone: str,
        *,
        brandname: str,
        request_id: str,
        test_send: bool = False,
        callback_url: str | None = None,
    ) -> SendAccepted:
        body: dict[str, Any] = {
            **self._credentials,
            "Brandname": brandname,
            "SmsType": VIBER_SMS_TYPE,
            "Phones": [phone],
            "IsSandBox": "1" if test_send else "0",
            "RequestId": request_id,
        }
        if message.text:
            body["Content"] = message.esms_content
        if message.image_url:
            body["OttImgUrl"] = message.image_url
        if message.button_label:
            body["OttLabel"] = message.button_label
            body["OttUrl"] = message.button_url
        if callback_url:
            body["CallbackUrl"] = callback_url
        return send_answer(self._call("POST", "Send_Multiple_Sms_OTT/", json_body=body))

    def send_sms(
        self,
        phone: str,
        content: str,
        *,
        brandname: str,
        request_id: str,
        unicode: bool = False,
        test_send: bool = False,
        callback_url: str | None = None,
    ) -> SendAccepted:
        """A customer-care SMS (SmsType 2): `content` must match one of the brandname's registered
        templates (else 146). `phone` is one number, or several comma-separated."""
        body: dict[str, Any] = {
            **self._credentials,
            "Brandname": brandname,
            "SmsType": SMS_CARE_TYPE,
            "Phone": phone,
            "Content": content.replace("\r\n", "\n").replace("\n", "\r\n"),
            "IsUnicode": "1" if unicode else "0",
            "Sandbox": "1" if test_send else "0",
            "RequestId": request_id,
        }
        if callback_url:
            body["CallbackUrl"] = callback_url
        return send_answer(self._call("POST", "SendMultipleMessage_V4_post_json/", json_body=body))

    def sms_templates(self, brandname: str) -> list[SmsTemplate]:
        """The customer-care templates registered for `brandname` (GetTemplate)."""
        body = {**self._credentials, "SmsType": SMS_CARE_TYPE, "Brandname": brandname}
        return sms_templates(self._call("POST", "GetTemplate/", json_body=body))

    def send_status(self, sms_id: str) -> DeliveryStatus:
        answer = self._call("GET", "GetSendStatus", params={"RefId": sms_id, **self._credentials})
        _check_accepted(answer, "CodeResponse")
        return DeliveryStatus(
            sms_id=sms_id,
            send_status=_int(answer.get("SendStatus")),
            success=_int(answer.get("SendSuccess")),
            failed=_int(answer.get("SendFailed")),
        )

    def receiver_status(self, sms_id: str) -> list[ReceiverStatus]:
        params = {"RefId": sms_id, **self._credentials}
        answer = self._call("GET", "GetSmsReceiverStatus_get", params=params)
        _check_accepted(answer, "CodeResult")
        receivers = answer.get("ReceiverList") or []
        if not isinstance(receivers, list):
            raise EsmsUnavailable("eSMS answered GetSmsReceiverStatus_get without a ReceiverList")
        return [
            ReceiverStatus(
                phone=str(item.get("Phone", "")),
                is_sent=bool(item.get("IsSent")),
                sent_result=item.get("SentResult"),
                network=str(item.get("NetworkName") or ""),
            )
            for item in receivers
            if isinstance(item, dict)
        ]

    def sent_data(
        self, since: datetime, until: datetime, *, sms_type: str = VIBER_SMS_TYPE
    ) -> list[SentRecord]:
        """Messages of `sms_type` (Viber unless told, SMS_CARE_TYPE for SMS) sent between two
        moments (eSMS keeps 7 days), newest first, all pages."""
        body = {
            **self._credentials,
            "SmsType": sms_type,
            "From": since.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S"),
            "To": until.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S"),
            "PageSize": SENT_DATA_PAGE_SIZE,
        }
        # A send made while the pages are read pushes rows down a page: keep each row once.
        records: dict[tuple[str, str], SentRecord] = {}
        per_page, read, total = SENT_DATA_PAGE_SIZE, 0, None
        for page in range(1, SENT_DATA_MAX_PAGES + 1):
            rows, served, total = self._sent_data_page({**body, "Page": page})
            for record in rows:
                records.setdefault((record.sms_id, record.phone), record)
            read += served
            if page == 1 and total is not None and total > served > 0:
                per_page = served  # eSMS may serve fewer rows per page than asked for
            if not served or served < per_page or (total is not None and read >= total):
                return list(records.values())
        log.warning("GetSmsSentData_V2: gave up after %d pages (%d rows)", page, read)
        return list(records.values())

    def _sent_data_page(self, body: dict[str, Any]) -> tuple[list[SentRecord], int, int | None]:
        """One page: its usable records, how many rows it had, and CountTotal when given."""
        answer = self._call("POST", "GetSmsSentData_V2", json_body=body)
        _check_accepted(answer, "CodeResult" if "CodeResult" in answer else "CodeResponse")
        rows = answer.get("SentData") or []
        if not isinstance(rows, list):
            raise EsmsUnavailable("eSMS answered GetSmsSentData_V2 without a SentData list")
        total = answer.get("CountTotal")
        records = [
            SentRecord(
                sms_id=str(item.get("ReferenceId")),
                phone=str(item.get("Phone") or ""),
                send_status=_int(item.get("SendStatus")),
                send_result=_send_result(item.get("SendResult")),
                content=_optional_text(item.get("Content")),
                sent_at=_dotnet_time(item.get("SentTime")),
            )
            for item in rows
            if isinstance(item, dict) and item.get("ReferenceId")
        ]
        return records, len(rows), int(str(total)) if str(total).isdigit() else None

    def balance(self) -> int:
        answer = self._call("POST", "GetBalance_json", json_body=dict(self._credentials))
        _check_accepted(answer, "CodeResponse")
        return _int(answer.get("Balance"))

    def brandnames(self) -> list[Brandname]:
        path = f"GetListBrandname/{self._credentials['ApiKey']}/{self._credentials['SecretKey']}"
        answer = self._call("GET", path, name="GetListBrandname")
        _check_accepted(answer, "CodeResponse")
        return [
            Brandname(name=str(item.get("Brandname", "")), type=_int(item.get("Type")))
            for item in answer.get("ListBrandName") or []
            if isinstance(item, dict)
        ]

    def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        endpoint = name or path.rstrip("/")
        started = time.perf_counter()
        try:
            response = self._session.request(
                method,
                self._base_url + path,
                json=json_body,
                params=params,
                timeout=self._timeout,
            )
        except requests.Timeout:
            raise EsmsUnavailable(
                f"eSMS did not answer {endpoint} within {self._timeout[1]:g} s"
            ) from None
        except requests.RequestException as exc:
            raise EsmsUnavailable(
                f"could not reach eSMS for {endpoint} ({type(exc).__name__})"
            ) from None
        finally:  # timeouts and failures are timed too
            observe_esms(endpoint, time.perf_counter() - started)
        if response.status_code >= 400:
            raise EsmsUnavailable(f"eSMS answered {endpoint} with HTTP {response.status_code}")
        try:
            answer = response.json()
        except (ValueError, json.JSONDecodeError):
            raise EsmsUnavailable(
                f"eSMS answered {endpoint} with something that is not JSON"
            ) from None
        if not isinstance(answer, dict):
            raise EsmsUnavailable(f"eSMS answered {endpoint} with unexpected JSON")
        return answer
