"""``tencent://``: Tencent Cloud SMS (API 2021-01-11), ``SendSms`` signed with TC3-HMAC-SHA256.

::

    tencent://SecretId:SecretKey@sms.tencentcloudapi.com?sdk_app_id=1400000000&sign_name=安信金融
        &template_id=100001&template_map=cn-early:100002,cn-late@3:100003&region=ap-guangzhou
        &callback_token=…

Options (and the shared ones of :mod:`.base`):

==================  ==========================================================================
``sdk_app_id``      the SMS application (``SmsSdkAppId``), required
``sign_name``       the approved signature (required by Tencent for mainland numbers)
``template_id``     the vendor template used when ``template_map`` has none for the message
``template_map``    our template id (optionally ``id@version``) → vendor template id
``strip_sign``      drop a leading 【sign_name】 from the body, which Tencent adds itself (default 1)
``region``          ``X-TC-Region`` (default ``ap-guangzhou``)
``extend_code``     ``ExtendCode``, the extension replies come back to (optional)
``sender_id``       ``SenderId`` for international messages (optional)
``callback_token``  the token the callback URLs carry as ``?token=``; without it callbacks are refused
==================  ==========================================================================

Templates: Tencent only sends registered templates, so the message's template picks the vendor id
(``template_map``, then ``template_id``) and the rendered body is the one entry of
``TemplateParamSet`` (register the template as ``{1}``).

One message is one call: ``PhoneNumberSet=[E.164]`` (``+86…``), ``SessionContext`` = our message id.
The answer's ``SendStatusSet[0].Code`` is ``Ok`` (accepted, the ``SerialNo`` is the provider id) or an
error code, with HTTP 200 either way; a failure of the whole request is ``Response.Error``. Both are
read with :data:`.errors.TENCENT`. The signature (:func:`tc3_authorization`) covers
``content-type``, ``host`` and ``x-tc-action`` and the exact body bytes.

Callbacks (each URL with ``?token=<callback_token>``):

- ``status``: a JSON array of ``{user_receive_time, nationcode, mobile, report_status SUCCESS|FAIL,
  errmsg, description, sid}`` (``sid`` = the SerialNo; times in Asia/Shanghai);
- ``reply``: one JSON object ``{extend, mobile, nationcode, sign, text, time}`` (Unix seconds; an
  array of them is accepted too).

Both are answered ``{"result":0,"errmsg":"OK"}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, ReceiptStatus, SubmitOutcome
from dunning.sending.providers.http.base import (
    SHANGHAI,
    CallbackRequest,
    CallbackResult,
    HttpProvider,
    json_answer,
    malformed,
    parse_local_time,
    parse_retry_after,
    safe_raw,
)
from dunning.sending.providers.http.errors import classify, outcome_for

__all__ = [
    "API_VERSION",
    "SERVICE",
    "TencentProvider",
    "tc3_authorization",
    "tc3_canonical_request",
    "tc3_signature",
    "tc3_string_to_sign",
]

API_VERSION: Final = "2021-01-11"
SERVICE: Final = "sms"
ALGORITHM: Final = "TC3-HMAC-SHA256"
SIGNED_HEADERS: Final = ("content-type", "host", "x-tc-action")
_RECEIPT_KEYS = ("sid", "report_status", "errmsg", "description", "user_receive_time")
_ANSWER = json_answer({"result": 0, "errmsg": "OK"})


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def tc3_canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload: bytes,
) -> str:
    """Method, URI, query, the signed headers (lower-case ``name:value`` lines), their names and
    the hex SHA-256 of the body, one per line."""
    lower = {k.lower(): v for k, v in headers.items()}
    names = sorted(h.lower() for h in signed_headers)
    lines = "".join(f"{name}:{lower.get(name, '').strip().lower()}\n" for name in names)
    return "\n".join([method.upper(), path or "/", query, lines, ";".join(names), _sha256(payload)])


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def tc3_string_to_sign(timestamp: int, service: str, canonical_request: str) -> str:
    scope = f"{_date(timestamp)}/{service}/tc3_request"
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{_sha256(canonical_request.encode('utf-8'))}"


def tc3_signature(secret_key: str, timestamp: int, service: str, string_to_sign: str) -> str:
    """Hex HMAC-SHA256 of the string to sign, with the key derived from the date and service."""
    key = _hmac(("TC3" + secret_key).encode("utf-8"), _date(timestamp))
    key = _hmac(key, service)
    key = _hmac(key, "tc3_request")
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def tc3_authorization(
    secret_id: str,
    secret_key: str,
    *,
    timestamp: int,
    method: str,
    path: str,
    headers: Mapping[str, str],
    payload: bytes,
    query: str = "",
    service: str = SERVICE,
    signed_headers: Sequence[str] = SIGNED_HEADERS,
) -> str:
    """The ``Authorization`` header value of one request."""
    canonical = tc3_canonical_request(method, path, query, headers, signed_headers, payload)
    signature = tc3_signature(
        secret_key, timestamp, service, tc3_string_to_sign(timestamp, service, canonical)
    )
    names = ";".join(sorted(h.lower() for h in signed_headers))
    return (
        f"{ALGORITHM} Credential={secret_id}/{_date(timestamp)}/{service}/tc3_request, "
        f"SignedHeaders={names}, Signature={signature}"
    )


class TencentProvider(HttpProvider):
    """Tencent Cloud SMS ``SendSms``; callbacks ``status`` and ``reply``."""

    name = "tencent"
    callback_kinds = ("status", "reply")
    default_host = "sms.tencentcloudapi.com"
    template_option = "template_id"

    def __init__(self, url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(url, transport=transport)
        self.require_credentials("SecretId", "SecretKey")
        self.sdk_app_id = self.options.text("sdk_app_id") or ""
        if not self.sdk_app_id:
            raise self.config_error("sdk_app_id is required", "须设置 sdk_app_id（短信应用 ID）")
        self.region = self.options.text("region") or "ap-guangzhou"
        self.extend_code = self.options.text("extend_code") or None
        self.sender_id = self.options.text("sender_id") or None
        parts = urlsplit(self.endpoint)
        self.path = parts.path or "/"
        self.host_header = parts.netloc

    def request(
        self, sms: OutgoingSms, template: str, *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers (signed) of the SendSms call for ``sms``."""
        body: dict[str, Any] = {
            "PhoneNumberSet": [sms.to],
            "SmsSdkAppId": self.sdk_app_id,
            "TemplateId": template,
            "TemplateParamSet": [self.template_text(sms)],
            "SessionContext": str(sms.message_id),
        }
        if self.sign_name:
            body["SignName"] = self.sign_name
        if self.extend_code:
            body["ExtendCode"] = self.extend_code
        if self.sender_id:
            body["SenderId"] = self.sender_id
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        stamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "content-type": "application/json; charset=utf-8",
            "host": self.host_header,
            "x-tc-action": "SendSms",
            "x-tc-version": API_VERSION,
            "x-tc-timestamp": str(stamp),
            "x-tc-region": self.region,
        }
        headers["authorization"] = tc3_authorization(
            self.username,
            self.password,
            timestamp=stamp,
            method="POST",
            path=self.path,
            headers=headers,
            payload=payload,
        )
        return payload, headers

    async def submit_one(
        self, client: httpx.AsyncClient, sms: OutgoingSms, now: datetime
    ) -> SubmitOutcome | None:
        template = self.vendor_template(sms)
        if template is None:
            return self.no_template(sms)
        payload, headers = self.request(sms, template)
        url = self.endpoint if urlsplit(self.endpoint).path else self.endpoint + "/"
        response = await client.post(url, content=payload, headers=headers)
        return self.read_outcome(sms, response)

    def _refused(
        self, sms: OutgoingSms, response: httpx.Response, code: str, message: object
    ) -> SubmitOutcome | None:
        text = f"tencent {code}: {str(message or '')[:200]}"
        cls = classify("tencent", code)
        if cls is not None:
            retry_after = parse_retry_after(response.headers) if cls == "retry" else None
            return outcome_for(sms.message_id, cls, code, text, retry_after)
        if response.status_code < 400:
            return SubmitOutcome.permanent(sms.message_id, code, text)
        return self.by_status(sms, response, code, text)

    def read_outcome(self, sms: OutgoingSms, response: httpx.Response) -> SubmitOutcome | None:
        data = self.read_json(response)
        answer = data.get("Response") if isinstance(data, dict) else None
        if not isinstance(answer, dict):
            return self.by_status(sms, response, None, f"tencent HTTP {response.status_code}")
        error = answer.get("Error")
        if isinstance(error, dict) and error.get("Code"):
            return self._refused(sms, response, str(error["Code"]), error.get("Message"))
        statuses = answer.get("SendStatusSet")
        if not isinstance(statuses, list):
            return self.by_status(sms, response, None, f"tencent HTTP {response.status_code}")
        entries = [s for s in statuses if isinstance(s, dict)]
        entry = next((s for s in entries if s.get("PhoneNumber") == sms.to), None)
        if entry is None and len(entries) == 1:
            entry = entries[0]
        if entry is None:
            return None  # no word on our number: unknown
        code = str(entry.get("Code") or "")
        if code == "Ok":
            serial = str(entry.get("SerialNo") or "").strip()
            return SubmitOutcome.ok(sms.message_id, serial) if serial else None
        if not code:
            return None
        return self._refused(sms, response, code, entry.get("Message"))

    # -- callbacks ----------------------------------------------------------------------------

    def _handset(self, item: Mapping[str, Any], *, required: bool = True) -> str:
        mobile = self.get_text(item, "mobile", required=required)
        if not mobile:
            return ""
        nation = self.get_text(item, "nationcode", required=False) or "86"
        digits = "".join(ch for ch in nation + mobile if ch.isdigit())
        return "+" + digits

    def _callback_status(self, request: CallbackRequest, now: datetime) -> CallbackResult:
        self.require_token(request)
        receipts = []
        for item in self.items(request.json(self.name)):
            report = self.get_text(item, "report_status").upper()
            if report not in ("SUCCESS", "FAIL"):
                raise malformed(
                    self.name,
                    f"report_status {report!r} is not SUCCESS or FAIL",
                    f"report_status {report!r} 不是 SUCCESS 或 FAIL",
                )
            status: ReceiptStatus = "delivered" if report == "SUCCESS" else "undelivered"
            when = item.get("user_receive_time")
            receipts.append(
                Receipt(
                    provider_message_id=self.get_text(item, "sid"),
                    status=status,
                    at=parse_local_time(when, SHANGHAI, self.name) if when else now,
                    error_code=None
                    if status == "delivered"
                    else (self.get_text(item, "errmsg", required=False) or None),
                    raw=safe_raw(item, _RECEIPT_KEYS),
                    handset=self._handset(item, required=False) or None,
                )
            )
        return CallbackResult(receipts, [], body=_ANSWER)

    def _callback_reply(self, request: CallbackRequest, now: datetime) -> CallbackResult:
        self.require_token(request)
        replies = []
        for item in self.items(request.json(self.name), allow_object=True):
            text = item.get("text")
            if not isinstance(text, str):
                raise malformed(self.name, "field 'text' is missing", "缺少字段 'text'")
            stamp = item.get("time")
            if stamp is None or stamp == "":
                received = now
            else:
                try:
                    received = datetime.fromtimestamp(float(stamp), UTC)
                except (TypeError, ValueError, OverflowError, OSError):
                    raise malformed(
                        self.name, f"time {stamp!r} is not Unix seconds", f"time {stamp!r} 不是 Unix 秒"
                    ) from None
            replies.append(
                InboundSms(
                    sender=self._handset(item),
                    text=text,
                    received_at=received,
                    recipient=self.get_text(item, "extend", required=False),
                )
            )
        return CallbackResult([], replies, body=_ANSWER)
