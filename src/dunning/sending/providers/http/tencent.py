"""``tencent://SecretId:SecretKey@sms.tencentcloudapi.com?sdk_app_id=1400000000&sign_name=某某金融&template_id=1``
— Tencent Cloud SMS (API 2021-01-11).

Like Aliyun, Tencent sends only registered templates: ``template_map=ours:123,ours2:456`` (else
``template_id``), each registered with one parameter that carries our rendered body. Options:
``region`` (ap-guangzhou), ``endpoint`` (base URL, for a test double), ``timeout``, ``concurrency``,
``callback_token`` (the ``?token=`` Tencent's pushes must carry: they are not signed).

Submission: one ``SendSms`` per message, signed TC3-HMAC-SHA256 (headers X-TC-Action, X-TC-Version,
X-TC-Timestamp, X-TC-Region, Authorization), ``SessionContext`` = our message id. Per-number
failures come back with HTTP 200 in ``SendStatusSet[].Code``; a failure of the request is
``Response.Error``. Both map to :data:`ERROR_CLASSES` (REFERENCE.md §2.2); a clock more than five
minutes off (``AuthFailure.SignatureExpire``) pauses the provider until someone fixes it.

Callbacks: ``status`` (a JSON array of reports: ``sid``, ``report_status`` SUCCESS/FAIL) answered
``{"result": 0, "errmsg": "OK"}``, and ``reply`` (one object: ``mobile``, ``text``, ``time``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import httpx

from dunning.core.errors import ConfigError, InputError
from dunning.messages.wire import ErrorClass, InboundSms, OutgoingSms, Receipt, ReceiptIdFormat, SubmitOutcome
from dunning.sending.providers.base import SmsProvider
from dunning.sending.providers.http.base import (
    CallbackRequest,
    CallbackResult,
    json_body,
    parse_template_map,
    token_ok,
)
from dunning.sending.providers.url import ProviderUrl

__all__ = ["ERROR_CLASSES", "TencentProvider", "tc3_authorization"]

_SHANGHAI = ZoneInfo("Asia/Shanghai")
_CONTENT_TYPE = "application/json; charset=utf-8"

#: Tencent codes → what the sender does (REFERENCE.md §2.2). Unlisted codes: permanent.
ERROR_CLASSES: dict[str, ErrorClass] = {
    "InternalError.Timeout": "retry",
    "InternalError.RequestTimeException": "retry",
    "RequestLimitExceeded": "retry",
    "RequestLimitExceeded.PhoneNumberDailyLimit": "defer",
    "LimitExceeded.DeliveryFrequencyLimit": "defer",
    "LimitExceeded.PhoneNumberThirtySecondLimit": "defer",
    "LimitExceeded.PhoneNumberOneHourLimit": "defer",
    "LimitExceeded.PhoneNumberDailyLimit": "defer",
    "LimitExceeded.PhoneNumberSameContentDailyLimit": "defer",
    "AuthFailure.SignatureExpire": "pause",
    "AuthFailure.SignatureFailure": "pause",
    "AuthFailure.SecretIdNotFound": "pause",
    "FailedOperation.InsufficientBalanceInSmsPackage": "pause",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": "pause",
    "FailedOperation.PhoneNumberInBlacklist": "suppress",
    "InvalidParameterValue.IncorrectPhoneNumber": "suppress",
    "FailedOperation.TemplateIncorrectOrUnapproved": "block_template",
    "FailedOperation.SignatureIncorrectOrUnapproved": "block_template",
    "FailedOperation.ContainSensitiveWord": "block_template",
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": "block_template",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_authorization(
    secret_id: str,
    secret_key: str,
    *,
    host: str,
    payload: bytes,
    timestamp: int,
    service: str = "sms",
    content_type: str = _CONTENT_TYPE,
) -> str:
    """The ``Authorization`` header of a TC3-HMAC-SHA256 signed POST of ``payload`` to ``host``."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            _sha256(payload),
        ]
    )
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, _sha256(canonical.encode())])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
        f"Signature={signature}"
    )


def outcome_for(message_id: int, code: str, text: str) -> SubmitOutcome:
    kind = ERROR_CLASSES.get(code)
    if kind is None and code.startswith(("InternalError", "RequestLimitExceeded")):
        kind = "retry"
    if kind is None and code.startswith("LimitExceeded.PhoneNumber"):
        kind = "defer"
    if kind == "retry":
        return SubmitOutcome.retry(message_id, code, text, 5.0)
    if kind == "defer":
        return SubmitOutcome.deferred(message_id, code, text)
    if kind == "pause":
        return SubmitOutcome.paused(message_id, code, text)
    return SubmitOutcome.permanent(message_id, code, text, kind)


class TencentProvider(SmsProvider):
    name = "tencent"
    receipt_id_format: ReceiptIdFormat = "same"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        parts = urlsplit(url)
        opt = ProviderUrl.parse(url)
        self.secret_id = unquote(parts.username or "")
        self.secret_key = unquote(parts.password or "")
        self.app_id = opt.options.get("sdk_app_id", "")
        self.sign_name = opt.options.get("sign_name", "")
        self.template_id = opt.options.get("template_id", "")
        self.template_map = parse_template_map(opt.options.get("template_map", ""))
        if not (self.secret_id and self.secret_key and self.app_id and self.sign_name) or not (
            self.template_id or self.template_map
        ):
            raise ConfigError(
                "tencent:// needs SecretId:SecretKey@host, sdk_app_id, sign_name and template_id or "
                f"template_map: {self.safe_url}",
                "tencent:// 需要 SecretId:SecretKey@主机、sdk_app_id、sign_name，以及 template_id 或 "
                f"template_map：{self.safe_url}",
            )
        self.region = opt.options.get("region", "ap-guangzhou")
        self.endpoint = opt.options.get(
            "endpoint", f"https://{parts.hostname or 'sms.tencentcloudapi.com'}"
        ).rstrip("/")
        self.callback_token = opt.options.get("callback_token", "")
        self.timeout = opt.number("timeout", 10.0)
        self.concurrency = max(1, int(opt.number("concurrency", 8)))
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0))
            )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def request(self, sms: OutgoingSms, *, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and signed headers of one SendSms call."""
        template = self.template_map.get(sms.template_id or "", self.template_id)
        if not template:
            raise ConfigError(
                f"no Tencent template for our template {sms.template_id!r} (template_map)",
                f"本方模板 {sms.template_id!r} 没有对应的腾讯云模板（template_map）",
            )
        body = {
            "PhoneNumberSet": [sms.to if sms.to.startswith("+") else f"+{sms.to}"],
            "SmsSdkAppId": self.app_id,
            "SignName": self.sign_name,
            "TemplateId": template,
            "TemplateParamSet": [sms.body],
            "SessionContext": str(sms.message_id),
        }
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        ts = timestamp or int(datetime.now(UTC).timestamp())
        host = urlsplit(self.endpoint).netloc
        headers = {
            "Content-Type": _CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(ts),
            "X-TC-Region": self.region,
            "Authorization": tc3_authorization(
                self.secret_id, self.secret_key, host=host, payload=payload, timestamp=ts
            ),
        }
        return payload, headers

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        await self.open()
        gate = asyncio.Semaphore(self.concurrency)

        async def one(sms: OutgoingSms) -> SubmitOutcome | None:
            async with gate:
                return await self._submit(sms)

        return [o for o in await asyncio.gather(*(one(s) for s in batch)) if o is not None]

    async def _submit(self, sms: OutgoingSms) -> SubmitOutcome | None:
        assert self._client is not None
        try:
            payload, headers = self.request(sms)
        except ConfigError as exc:
            return SubmitOutcome.permanent(sms.message_id, "no_template", exc.en, "block_template")
        try:
            response = await self._client.post(f"{self.endpoint}/", content=payload, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return SubmitOutcome.retry(
                sms.message_id, None, f"cannot reach Tencent: {type(exc).__name__}", 5.0
            )
        except httpx.HTTPError:
            return None  # sent, unanswered: it may have been taken (unknown)
        try:
            data: Any = response.json()
        except ValueError:
            data = {}
        answer = data.get("Response", {}) if isinstance(data, dict) else {}
        if response.status_code >= 500 and not answer:
            return SubmitOutcome.retry(
                sms.message_id, f"HTTP{response.status_code}", "Tencent server error", 5.0
            )
        error = answer.get("Error") if isinstance(answer, Mapping) else None
        if isinstance(error, Mapping):
            return outcome_for(sms.message_id, str(error.get("Code")), str(error.get("Message") or "")[:300])
        statuses = answer.get("SendStatusSet") if isinstance(answer, Mapping) else None
        if not isinstance(statuses, list) or not statuses or not isinstance(statuses[0], Mapping):
            return None  # an answer we cannot read: it may have been taken
        status = statuses[0]
        code = str(status.get("Code") or "")
        if code == "Ok" and status.get("SerialNo"):
            return SubmitOutcome.ok(sms.message_id, str(status["SerialNo"]))
        return outcome_for(sms.message_id, code, str(status.get("Message") or code)[:300])

    async def drain_receipts(self) -> list[Receipt]:
        return []  # receipts come by push (handle_callback)

    def handle_callback(self, kind: str, request: CallbackRequest) -> CallbackResult:
        token_ok(request, self.callback_token)
        data = json_body(request)
        ack = json.dumps({"result": 0, "errmsg": "OK"}).encode()
        if kind == "status":
            if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
                raise InputError(
                    "a Tencent status push is a JSON array of objects", "腾讯云状态推送须为 JSON 对象数组"
                )
            receipts = []
            for item in data:
                sid = str(item.get("sid") or "")
                if not sid:
                    raise InputError("a status report needs sid", "状态报告须含 sid")
                ok = str(item.get("report_status", "")).upper() == "SUCCESS"
                when = _local(item.get("user_receive_time"))
                code = None if ok else str(item.get("errmsg") or "") or None
                receipts.append(
                    Receipt(
                        sid,
                        "delivered" if ok else "undelivered",
                        when,
                        error_code=code,
                        raw=f"errmsg={item.get('errmsg') or ''}",
                    )
                )
            return CallbackResult(receipts=receipts, body=ack)
        if kind == "reply":
            if not isinstance(data, dict) or not data.get("mobile") or not isinstance(data.get("text"), str):
                raise InputError("a Tencent reply needs mobile and text", "腾讯云上行须含 mobile 与 text")
            nation = str(data.get("nationcode") or "86")
            try:
                when = (
                    datetime.fromtimestamp(int(data.get("time") or 0), UTC)
                    if data.get("time")
                    else datetime.now(UTC)
                )
            except (TypeError, ValueError, OverflowError):
                raise InputError("time must be Unix seconds", "time 须为 Unix 秒") from None
            reply = InboundSms(
                f"+{nation}{data['mobile']}", data["text"], when, recipient=str(data.get("extend") or "")[:32]
            )
            return CallbackResult(replies=[reply], body=ack)
        raise InputError(f"unknown Tencent callback {kind!r} (status, reply)", f"未知的腾讯云回调 {kind!r}")


def _local(value: object) -> datetime:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=_SHANGHAI)
    except ValueError:
        return datetime.now(UTC)
