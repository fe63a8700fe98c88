"""``webhook://aggregator?endpoint=https://sms.example/send&secret=…`` — a generic HTTP aggregator.

For the many regional SMS aggregators with their own JSON APIs: the request and the fields are
configured, the rest is the same contract as every provider.

Sending: ``POST endpoint`` with JSON ``{to_field: "+86…", text_field: body, id_field: our id}``
(defaults ``to``, ``text``, ``message_id``), signed ``X-Dunning-Timestamp`` and
``X-Dunning-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``. A 2xx answer with
the id at ``response_id`` (a dotted path, default ``id``) is acceptance; otherwise the code at
``error_field`` (default ``code``) is looked up in ``errors=CODE:class,…`` (classes: retry, defer,
pause, suppress, block_template); HTTP 429 and 5xx are retried, 401/403 pause the provider.

Callbacks carry the same signature made with ``callback_secret`` (default: ``secret``), and are
refused when the timestamp is more than ``max_skew`` seconds (300) away: ``status`` (an object or an
array with ``status_id`` / ``status_field`` — defaults ``id``/``status``, values delivered,
undelivered, failed, expired, rejected) and ``reply`` (``reply_from``/``reply_text``/``reply_id``,
defaults ``from``/``text``/``id``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from dunning.core.errors import ConfigError, InputError, SignatureError
from dunning.messages.wire import (
    ERROR_CLASSES,
    RECEIPT_STATUSES,
    ErrorClass,
    InboundSms,
    OutgoingSms,
    Receipt,
    ReceiptIdFormat,
    SubmitOutcome,
)
from dunning.sending.providers.base import SmsProvider
from dunning.sending.providers.http.base import CallbackRequest, CallbackResult, json_body
from dunning.sending.providers.url import ProviderUrl

__all__ = ["WebhookProvider", "webhook_signature"]


_STATUSES = ", ".join(RECEIPT_STATUSES)


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


class WebhookProvider(SmsProvider):
    name = "webhook"
    receipt_id_format: ReceiptIdFormat = "same"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        opt = ProviderUrl.parse(url)
        o = opt.options
        self.endpoint = o.get("endpoint", "")
        self.secret = o.get("secret", "")
        if not self.endpoint or not self.secret:
            raise ConfigError(
                f"webhook:// needs endpoint= and secret=: {self.safe_url}",
                f"webhook:// 需要 endpoint= 与 secret=：{self.safe_url}",
            )
        self.name = o.get("name", "webhook")
        self.callback_secret = o.get("callback_secret", self.secret)
        self.fields = {k: o.get(f"{k}_field", k) for k in ("to", "text")}
        self.id_field = o.get("id_field", "message_id")
        self.response_id = o.get("response_id", "id")
        self.error_field = o.get("error_field", "code")
        self.status_id = o.get("status_id", "id")
        self.status_field = o.get("status_field", "status")
        self.reply_fields = {k: o.get(f"reply_{k}", k) for k in ("from", "text", "id")}
        self.max_skew = opt.number("max_skew", 300.0)
        self.timeout = opt.number("timeout", 10.0)
        self.concurrency = max(1, int(opt.number("concurrency", 8)))
        self.errors: dict[str, ErrorClass] = {}
        for pair in filter(None, (p.strip() for p in o.get("errors", "").split(","))):
            code, _, kind = pair.rpartition(":")
            if kind not in ERROR_CLASSES or not code:
                raise ConfigError(
                    f"errors= entries are CODE:class (classes {', '.join(ERROR_CLASSES)}), not {pair!r}",
                    f"errors= 的每项须为 代码:类别（{', '.join(ERROR_CLASSES)}），而非 {pair!r}",
                )
            self.errors[code] = kind  # type: ignore[assignment]
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

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        await self.open()
        gate = asyncio.Semaphore(self.concurrency)

        async def one(sms: OutgoingSms) -> SubmitOutcome | None:
            async with gate:
                return await self._submit(sms)

        return [o for o in await asyncio.gather(*(one(s) for s in batch)) if o is not None]

    async def _submit(self, sms: OutgoingSms) -> SubmitOutcome | None:
        assert self._client is not None
        body = json.dumps(
            {self.fields["to"]: sms.to, self.fields["text"]: sms.body, self.id_field: sms.message_id},
            ensure_ascii=False,
        ).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Dunning-Timestamp": stamp,
            "X-Dunning-Signature": webhook_signature(self.secret, stamp, body),
        }
        try:
            response = await self._client.post(self.endpoint, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return SubmitOutcome.retry(
                sms.message_id, None, f"cannot reach the aggregator: {type(exc).__name__}", 5.0
            )
        except httpx.HTTPError:
            return None  # sent, unanswered: unknown
        try:
            data: Any = response.json()
        except ValueError:
            data = {}
        if 200 <= response.status_code < 300 and _dig(data, self.response_id):
            return SubmitOutcome.ok(sms.message_id, str(_dig(data, self.response_id)))
        code = str(_dig(data, self.error_field) or f"HTTP{response.status_code}")
        text = f"aggregator answered {response.status_code} {code}"
        kind = self.errors.get(code)
        if kind is None:
            if response.status_code == 429 or response.status_code >= 500:
                kind = "retry"
            elif response.status_code in (401, 403):
                kind = "pause"
        if kind == "retry":
            return SubmitOutcome.retry(
                sms.message_id, code, text, float(response.headers.get("retry-after", "5") or 5)
            )
        if kind == "defer":
            return SubmitOutcome.deferred(sms.message_id, code, text)
        if kind == "pause":
            return SubmitOutcome.paused(sms.message_id, code, text)
        return SubmitOutcome.permanent(sms.message_id, code, text, kind)

    async def drain_receipts(self) -> list[Receipt]:
        return []

    def handle_callback(self, kind: str, request: CallbackRequest) -> CallbackResult:
        stamp = request.headers.get("x-dunning-timestamp", "")
        presented = request.headers.get("x-dunning-signature", "")
        expected = webhook_signature(self.callback_secret, stamp, request.body)
        if not presented or not hmac.compare_digest(presented, expected):
            raise SignatureError("the callback signature does not match", "回调签名不符")
        try:
            skew = abs(time.time() - int(stamp))
        except ValueError:
            skew = float("inf")
        if skew > self.max_skew:
            raise SignatureError("the callback timestamp is too far from now", "回调时间戳与当前时间相差过大")
        data = json_body(request)
        items = data if isinstance(data, list) else [data]
        if not all(isinstance(i, Mapping) for i in items):
            raise InputError(
                "a callback is a JSON object or an array of objects", "回调须为 JSON 对象或对象数组"
            )
        now = datetime.now(UTC)
        if kind == "status":
            receipts = []
            for item in items:
                ident, status = _dig(item, self.status_id), str(_dig(item, self.status_field) or "").lower()
                if not ident or status not in RECEIPT_STATUSES:
                    raise InputError(
                        f"a status needs {self.status_id} and {self.status_field} in {_STATUSES}",
                        f"状态回调须含 {self.status_id}，且 {self.status_field} 为 {_STATUSES} 之一",
                    )
                receipts.append(Receipt(str(ident), status, now, raw=f"status={status}"))  # type: ignore[arg-type]
            return CallbackResult(receipts=receipts, body=b'{"ok":true}')
        if kind == "reply":
            replies = []
            for item in items:
                sender, text = _dig(item, self.reply_fields["from"]), _dig(item, self.reply_fields["text"])
                if not sender or not isinstance(text, str):
                    raise InputError("a reply needs a sender and a text", "上行须含发送号码与内容")
                ref = _dig(item, self.reply_fields["id"])
                replies.append(
                    InboundSms(str(sender), text, now, provider_reference=str(ref) if ref else None)
                )
            return CallbackResult(replies=replies, body=b'{"ok":true}')
        raise InputError(f"unknown callback {kind!r} (status, reply)", f"未知的回调 {kind!r}")
