"""``aliyun://``: Alibaba Cloud SMS (Dysmsapi 2017-05-25, RPC style), one ``SendSms`` call a message.

::

    aliyun://AccessKeyId:AccessKeySecret@dysmsapi.aliyuncs.com?sign_name=安信金融
        &template_code=SMS_1&template_map=cn-early:SMS_2,cn-late@3:SMS_3&param=content
        &callback_token=…&endpoint=https://dysmsapi.aliyuncs.com

Percent-encode a secret that holds ``/``, ``@``, ``:`` or ``%``. Options (and the shared ones of
:mod:`.base`):

==================  ==========================================================================
``sign_name``       the approved signature (签名), required
``template_code``   the vendor template used when ``template_map`` has none for the message
``template_map``    our template id (optionally ``id@version``) → vendor template code
``param``           the template parameter that carries the rendered body (default ``content``)
``strip_sign``      drop a leading 【sign_name】 from the body, which Aliyun adds itself (default 1)
``region``          ``RegionId`` (default ``cn-hangzhou``)
``callback_token``  the token the push URLs carry as ``?token=``; without it callbacks are refused
==================  ==========================================================================

Templates: Aliyun only sends templates registered with it, so the message's template
(``OutgoingSms.template_id``/``template_version``) picks the vendor code (``template_map``, then
``template_code``) and the rendered body goes in as the one parameter ``param``:
``TemplateParam={"content": "…"}``. Register the vendor template as ``${content}``.

A request is the documented RPC call: the common parameters (``Action=SendSms``, ``Version``,
``Format=JSON``, ``AccessKeyId``, ``SignatureMethod=HMAC-SHA1``, ``SignatureVersion=1.0``,
``SignatureNonce``, ``Timestamp``) and ``PhoneNumbers`` (the national digits for +86, the full
international digits otherwise), ``SignName``, ``TemplateCode``, ``TemplateParam`` and
``OutId`` (our message id), signed with :func:`rpc_signature` and posted as a form. An answer
``{"Code": "OK", "BizId": …}`` is accepted with the BizId as provider id; another ``Code`` is read with
:data:`.errors.ALIYUN`. SendSms is not idempotent: a timeout leaves the message unknown.

Callbacks (configure the push URLs in the console, each with ``?token=<callback_token>``):

- ``status`` (SmsReport): a JSON array of ``{phone_number, send_time, report_time, success, err_code,
  err_msg, sms_size, biz_id, out_id}``; one receipt each (``biz_id`` as id; ``report_time`` in
  Asia/Shanghai). Answer ``{"code":0,"msg":"成功"}``.
- ``reply`` (SmsUp): a JSON array of ``{phone_number, send_time, content, sign_name, dest_code,
  sequence_id}``. Answer ``{"code":0,"msg":"接收成功"}``. Aliyun retries a push it thinks failed,
  so a reply may come twice: the tracking layer stores it once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote

import httpx

from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, ReceiptStatus, SubmitOutcome
from dunning.sending.providers.http.base import (
    SHANGHAI,
    CallbackRequest,
    CallbackResult,
    HttpProvider,
    cn_handset,
    json_answer,
    malformed,
    parse_local_time,
    parse_retry_after,
    safe_raw,
)
from dunning.sending.providers.http.errors import classify, outcome_for

__all__ = [
    "API_VERSION",
    "AliyunProvider",
    "canonical_query",
    "percent_encode",
    "rpc_signature",
    "rpc_string_to_sign",
]

API_VERSION: Final = "2017-05-25"
_RECEIPT_KEYS = ("biz_id", "out_id", "success", "err_code", "err_msg", "sms_size", "send_time", "report_time")
_FAILED_STATUS: Final[Mapping[str, ReceiptStatus]] = {
    "EXPIRED": "expired",
    "REJECTD": "rejected",
    "REJECTED": "rejected",
}


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding of UTF-8 (only ``A–Z a–z 0–9 - _ . ~`` stay as they are)."""
    return quote(value, safe="~", encoding="utf-8")


def canonical_query(params: Mapping[str, str]) -> str:
    """The parameters sorted by name, each ``name=value`` percent-encoded, joined by ``&``."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&`` + the percent-encoded canonical query (``Signature`` itself left out)."""
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical_query(unsigned))}"


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Base64 HMAC-SHA1 of :func:`rpc_string_to_sign`, keyed with the secret followed by ``&``."""
    key = (secret + "&").encode("utf-8")
    digest = hmac.new(key, rpc_string_to_sign(method, params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _success(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise malformed(
        "aliyun", f"success {value!r} is not true or false", f"success {value!r} 不是 true 或 false"
    )


class AliyunProvider(HttpProvider):
    """Alibaba Cloud Dysmsapi ``SendSms``; callbacks ``status`` (SmsReport) and ``reply`` (SmsUp)."""

    name = "aliyun"
    callback_kinds = ("status", "reply")
    default_host = "dysmsapi.aliyuncs.com"
    template_option = "template_code"

    def __init__(self, url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(url, transport=transport)
        self.require_credentials("AccessKeyId", "AccessKeySecret")
        if not self.sign_name:
            raise self.config_error("sign_name is required", "须设置 sign_name（短信签名）")
        self.region = self.options.text("region") or "cn-hangzhou"

    @staticmethod
    def phone_number(e164: str) -> str:
        """``PhoneNumbers`` for one number: national digits for +86, international digits otherwise."""
        digits = "".join(ch for ch in e164 if ch.isdigit())
        return digits[2:] if e164.startswith("+86") else digits

    def request_params(
        self, sms: OutgoingSms, template: str, *, timestamp: datetime | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        """The signed parameters of the SendSms call for ``sms``."""
        when = (timestamp or datetime.now(UTC)).astimezone(UTC)
        params = {
            "Action": "SendSms",
            "Version": API_VERSION,
            "Format": "JSON",
            "RegionId": self.region,
            "AccessKeyId": self.username,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "Timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": self.phone_number(sms.to),
            "SignName": self.sign_name or "",
            "TemplateCode": template,
            "TemplateParam": json.dumps({self.param: self.template_text(sms)}, ensure_ascii=False),
            "OutId": str(sms.message_id),
        }
        params["Signature"] = rpc_signature("POST", params, self.password)
        return params

    async def submit_one(
        self, client: httpx.AsyncClient, sms: OutgoingSms, now: datetime
    ) -> SubmitOutcome | None:
        template = self.vendor_template(sms)
        if template is None:
            return self.no_template(sms)
        body = canonical_query(self.request_params(sms, template)).encode("ascii")
        response = await client.post(
            self.endpoint + "/",
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded", "accept": "application/json"},
        )
        return self.read_outcome(sms, response)

    def read_outcome(self, sms: OutgoingSms, response: httpx.Response) -> SubmitOutcome | None:
        data = self.read_json(response)
        answer: Mapping[str, Any] = data if isinstance(data, dict) else {}
        code = answer.get("Code")
        text = f"aliyun {code}: {str(answer.get('Message') or '')[:200]}"
        if code == "OK" and response.status_code < 300:
            biz_id = answer.get("BizId")
            if not isinstance(biz_id, str | int) or not str(biz_id).strip():
                return None  # taken, but without an id we can track: unknown
            return SubmitOutcome.ok(sms.message_id, str(biz_id).strip())
        if isinstance(code, str) and code:
            cls = classify("aliyun", code)
            if cls is not None:
                retry_after = parse_retry_after(response.headers) if cls == "retry" else None
                return outcome_for(sms.message_id, cls, code, text, retry_after)
            if response.status_code < 400:
                return SubmitOutcome.permanent(sms.message_id, code, text)
            return self.by_status(sms, response, code, text)
        return self.by_status(sms, response, None, f"aliyun HTTP {response.status_code}")

    # -- callbacks ----------------------------------------------------------------------------

    def _callback_status(self, request: CallbackRequest, now: datetime) -> CallbackResult:
        self.require_token(request)
        receipts = []
        for item in self.items(request.json(self.name)):
            success = _success(item.get("success"))
            err_code = self.get_text(item, "err_code", required=False) or None
            status: ReceiptStatus = (
                "delivered" if success else _FAILED_STATUS.get((err_code or "").upper(), "undelivered")
            )
            when = item.get("report_time") or item.get("send_time")
            phone = self.get_text(item, "phone_number", required=False)
            receipts.append(
                Receipt(
                    provider_message_id=self.get_text(item, "biz_id"),
                    status=status,
                    at=parse_local_time(when, SHANGHAI, self.name) if when else now,
                    error_code=None if success else err_code,
                    raw=safe_raw(item, _RECEIPT_KEYS),
                    handset=cn_handset(phone) if phone and "*" not in phone else None,
                )
            )
        return CallbackResult(receipts, [], body=json_answer({"code": 0, "msg": "成功"}))

    def _callback_reply(self, request: CallbackRequest, now: datetime) -> CallbackResult:
        self.require_token(request)
        replies = []
        for item in self.items(request.json(self.name)):
            if not isinstance(item.get("content"), str):
                raise malformed(self.name, "field 'content' is missing", "缺少字段 'content'")
            when = item.get("send_time")
            reference = self.get_text(item, "sequence_id", required=False)
            replies.append(
                InboundSms(
                    sender=cn_handset(self.get_text(item, "phone_number")),
                    text=item["content"],
                    received_at=parse_local_time(when, SHANGHAI, self.name) if when else now,
                    recipient=self.get_text(item, "dest_code", required=False),
                    provider_reference=reference or None,
                )
            )
        return CallbackResult([], replies, body=json_answer({"code": 0, "msg": "接收成功"}))
