"""``aliyun://AccessKeyId:AccessKeySecret@dysmsapi.aliyuncs.com?sign_name=某某金融&template_code=SMS_1``
— Alibaba Cloud SMS (Dysmsapi 2017-05-25).

Aliyun sends only templates registered with it. Each of our templates maps to one of theirs with
``template_map=ours:SMS_2,ours2:SMS_3`` (else ``template_code``), registered as a template whose one
variable (``param``, default ``content``) carries our rendered, already gate-checked body. Options:
``endpoint`` (base URL, for a test double), ``region`` (cn-hangzhou), ``timeout`` (10 s),
``concurrency`` (8), ``callback_token`` (the ``?token=`` Aliyun's pushes must carry: Aliyun does
not sign them).

Submission is one RPC ``SendSms`` per message with the documented signature (HMAC-SHA1 over the
sorted, percent-encoded parameters, key ``secret&``), ``OutId`` = our message id. ``Code: OK`` with a
``BizId`` is acceptance; other codes map to classes in :data:`ERROR_CLASSES` (REFERENCE.md §2.1).
SendSms is not idempotent: a timeout after the request went out leaves the message *unknown*.

Callbacks: ``status`` (SmsReport: a JSON array; ``success`` and ``err_code`` per number; ``biz_id``
matches the send) and ``reply`` (SmsUp: a JSON array of replies), both answered ``{"code": 0}``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit
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

__all__ = ["ERROR_CLASSES", "AliyunProvider", "rpc_signature"]

_SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Dysmsapi codes → what the sender does (REFERENCE.md §2.1). Unlisted codes: permanent.
ERROR_CLASSES: dict[str, ErrorClass] = {
    "isp.SYSTEM_ERROR": "retry",
    "Throttling.User": "retry",
    "isv.BUSINESS_LIMIT_CONTROL": "defer",
    "isv.DAY_LIMIT_CONTROL": "pause",
    "isv.MONTH_LIMIT_CONTROL": "pause",
    "isv.AMOUNT_NOT_ENOUGH": "pause",
    "isv.OUT_OF_SERVICE": "pause",
    "isp.RAM_PERMISSION_DENY": "pause",
    "InvalidAccessKeyId.NotFound": "pause",
    "SignatureDoesNotMatch": "pause",
    "isv.MOBILE_NUMBER_ILLEGAL": "suppress",
    "isv.BLACK_KEY_CONTROL_LIMIT": "suppress",
    "isv.SMS_TEMPLATE_ILLEGAL": "block_template",
    "isv.TEMPLATE_MISSING_PARAMETERS": "block_template",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": "block_template",
    "isv.SMS_CONTENT_ILLEGAL": "block_template",
    "isv.PARAM_NOT_SUPPORT_URL": "block_template",
}


def _enc(value: str) -> str:
    return quote(value, safe="-_.~")


def rpc_signature(secret: str, method: str, params: dict[str, str]) -> str:
    """The Aliyun RPC signature (v1.0) of ``params`` for ``method``."""
    canonical = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_enc('/')}&{_enc(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def outcome_for(message_id: int, code: str, text: str) -> SubmitOutcome:
    kind = ERROR_CLASSES.get(code)
    if kind == "retry":
        return SubmitOutcome.retry(message_id, code, text, 5.0)
    if kind == "defer":
        return SubmitOutcome.deferred(message_id, code, text)
    if kind == "pause":
        return SubmitOutcome.paused(message_id, code, text)
    return SubmitOutcome.permanent(message_id, code, text, kind)


class AliyunProvider(SmsProvider):
    name = "aliyun"
    receipt_id_format: ReceiptIdFormat = "same"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        parts = urlsplit(url)
        options = ProviderUrl.parse(url)
        self.key_id = unquote(parts.username or "")
        self.secret = unquote(parts.password or "")
        opt = options.options
        self.sign_name = opt.get("sign_name", "")
        self.template_code = opt.get("template_code", "")
        self.template_map = parse_template_map(opt.get("template_map", ""))
        if (
            not self.key_id
            or not self.secret
            or not self.sign_name
            or not (self.template_code or self.template_map)
        ):
            raise ConfigError(
                "aliyun:// needs AccessKeyId:AccessKeySecret@host, sign_name and template_code or "
                f"template_map: {self.safe_url}",
                "aliyun:// 需要 AccessKeyId:AccessKeySecret@主机、sign_name，以及 template_code 或 "
                f"template_map：{self.safe_url}",
            )
        self.param = opt.get("param", "content")
        self.region = opt.get("region", "cn-hangzhou")
        self.endpoint = opt.get("endpoint", f"https://{parts.hostname or 'dysmsapi.aliyuncs.com'}").rstrip(
            "/"
        )
        self.callback_token = opt.get("callback_token", "")
        self.timeout = options.number("timeout", 10.0)
        self.concurrency = max(1, int(options.number("concurrency", 8)))
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

    def request_params(
        self, sms: OutgoingSms, *, nonce: str | None = None, at: datetime | None = None
    ) -> dict[str, str]:
        """The signed parameters of one SendSms call."""
        code = self.template_map.get(sms.template_id or "", self.template_code)
        if not code:
            raise ConfigError(
                f"no Aliyun template for our template {sms.template_id!r} (template_map)",
                f"本方模板 {sms.template_id!r} 没有对应的阿里云模板（template_map）",
            )
        digits = sms.to.removeprefix("+")
        number = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": number,
            "SignName": self.sign_name,
            "TemplateCode": code,
            "TemplateParam": json.dumps({self.param: sms.body}, ensure_ascii=False),
            "OutId": str(sms.message_id),
        }
        params["Signature"] = rpc_signature(self.secret, "POST", params)
        return params

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
            params = self.request_params(sms)
        except ConfigError as exc:
            return SubmitOutcome.permanent(sms.message_id, "no_template", exc.en, "block_template")
        try:
            response = await self._client.post(f"{self.endpoint}/", data=params)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return SubmitOutcome.retry(
                sms.message_id, None, f"cannot reach Aliyun: {type(exc).__name__}", 5.0
            )
        except httpx.HTTPError:
            return None  # sent, unanswered: Aliyun may have taken it (unknown; QuerySendDetails to check)
        try:
            data: Any = response.json()
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        code = str(data.get("Code") or f"HTTP{response.status_code}")
        if code == "OK" and data.get("BizId"):
            return SubmitOutcome.ok(sms.message_id, str(data["BizId"]))
        if response.status_code >= 500 and code.startswith("HTTP"):
            return SubmitOutcome.retry(sms.message_id, code, f"Aliyun answered {response.status_code}", 5.0)
        return outcome_for(sms.message_id, code, str(data.get("Message") or code)[:300])

    async def drain_receipts(self) -> list[Receipt]:
        return []  # receipts come by push (handle_callback)

    def handle_callback(self, kind: str, request: CallbackRequest) -> CallbackResult:
        token_ok(request, self.callback_token)
        items = json_body(request)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InputError("an Aliyun push is a JSON array of objects", "阿里云推送须为 JSON 对象数组")
        ack = json.dumps({"code": 0, "msg": "接收成功"}, ensure_ascii=False).encode()
        if kind == "status":
            receipts = []
            for item in items:
                biz = str(item.get("biz_id") or "")
                if not biz:
                    raise InputError("a status report needs biz_id", "状态报告须含 biz_id")
                ok = item.get("success") in (True, "true", "True", 1)
                receipts.append(
                    Receipt(
                        biz,
                        "delivered" if ok else "undelivered",
                        _local(item.get("report_time")),
                        error_code=None if ok else str(item.get("err_code") or "") or None,
                        raw=f"err_code={item.get('err_code') or ''}",
                    )
                )
            return CallbackResult(receipts=receipts, body=ack)
        if kind == "reply":
            replies = []
            for item in items:
                phone, text = str(item.get("phone_number") or ""), item.get("content")
                if not phone or not isinstance(text, str):
                    raise InputError(
                        "a reply needs phone_number and content", "上行短信须含 phone_number 与 content"
                    )
                sender = phone if phone.startswith("+") else f"+86{phone}"
                replies.append(
                    InboundSms(
                        sender,
                        text,
                        _local(item.get("send_time")),
                        recipient=str(item.get("dest_code") or "")[:32],
                        provider_reference=str(item["sequence_id"])
                        if item.get("sequence_id") is not None
                        else None,
                    )
                )
            return CallbackResult(replies=replies, body=ack)
        raise InputError(f"unknown Aliyun callback {kind!r} (status, reply)", f"未知的阿里云回调 {kind!r}")


def _local(value: object) -> datetime:
    """Aliyun writes ``YYYY-MM-DD hh:mm:ss`` in Beijing time."""
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=_SHANGHAI)
    except ValueError:
        return datetime.now(UTC)
