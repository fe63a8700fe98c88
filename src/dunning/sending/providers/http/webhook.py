"""``webhook://``: a generic HTTP/JSON aggregator, mapped field by field from the URL.

::

    webhook://sms.example.com/api/send?secret=…&auth=hmac&to_field=mobile&text_field=content
        &id_field=ref&response_id=data.msgid&response_code=code&ok_codes=0
        &errors=LIMIT:defer,BALANCE:pause,BADNUM:suppress,BADTPL:block_template

The endpoint is ``https://host/path`` unless ``endpoint=`` says otherwise. Options (and the shared
ones of :mod:`.base`):

Sending

=====================  ========================================================================
``secret``             the shared secret (requests and, unless ``callback_secret``, callbacks)
``auth``               ``hmac`` (default with a secret): ``X-Signature-Timestamp: <unix s>`` and
                       ``X-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>``;
                       ``bearer``: ``Authorization: Bearer <secret>``; ``none``
``to_field``           request field of the number, E.164 (default ``to``)
``text_field``         … of the text (default ``text``)
``id_field``           … of our message id, as a string (default ``message_id``)
``from_field``         … of the sender id, when the message has one (default ``from``)
``template_field``     … of our template id (default: not sent)
``batch``              ``1``: one request for up to ``batch_size`` messages (default 100) as
                       ``{batch_field: [...]}`` (default ``messages``), answered by a list under
                       ``results_field`` (default ``results``) whose items quote ``id_field``
                       (or come in request order); ``0`` (default): one request a message
``response_id``        dotted path of the provider id in an answer (or result item), default ``id``
``response_code``      dotted path of a status code (default ``code``); a value not in
                       ``ok_codes`` (default ``0,OK,ok,success``) is an error code
``response_message``   dotted path of the error text (default ``message``)
``errors``             error code → class: ``CODE:retry|defer|pause|suppress|block_template|fail``
=====================  ========================================================================

A code not in ``errors`` is a plain permanent refusal on a 2xx/4xx answer; without a code the
HTTP status decides (429 and 500/502/503 retry, with ``Retry-After``; 401/403 pause; 504 and other
5xx, and a timeout after sending, leave the message unknown).

Callbacks, each checked with ``X-Signature`` over ``"<X-Signature-Timestamp>." + body``
(``signature_header``, ``timestamp_header``; at most ``max_skew`` seconds old, default 300) with
``callback_secret`` (default ``secret``). The body is a JSON object or an array of them
(``callback_items``: a dotted path to the array inside an object):

- ``status``: ``receipt_id`` (default ``id``), ``receipt_status`` (``status``),
  ``receipt_time`` (``time``: ISO 8601 or Unix seconds; naive times in ``tz``, default UTC),
  ``receipt_error`` (``error_code``), ``receipt_to`` (``to``). ``status_map=VALUE:delivered,…``
  adds to the default reading (delivered/DELIVRD, undelivered/UNDELIV, rejected/REJECTD,
  expired, failed); a value that maps to nothing (``sent``, ``ENROUTE``…) is acknowledged and
  ignored.
- ``reply``: ``reply_from`` (``from``), ``reply_text`` (``text``), ``reply_to`` (``to``),
  ``reply_time`` (``time``), ``reply_id`` (``id``).

Both are answered ``{"ok":true}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from dunning.core.errors import SignatureError
from dunning.messages.wire import ERROR_CLASSES, RECEIPT_STATUSES, ErrorClass
from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, ReceiptStatus, SubmitOutcome
from dunning.sending.providers.http.base import (
    CallbackRequest,
    CallbackResult,
    HttpProvider,
    json_answer,
    malformed,
    parse_retry_after,
)
from dunning.sending.providers.http.errors import outcome_for

__all__ = ["DEFAULT_STATUS_MAP", "WebhookProvider", "dig", "sign_headers", "webhook_signature"]

DEFAULT_STATUS_MAP: Final[Mapping[str, ReceiptStatus]] = {
    "delivered": "delivered",
    "delivrd": "delivered",
    "success": "delivered",
    "undelivered": "undelivered",
    "undeliv": "undelivered",
    "rejected": "rejected",
    "rejectd": "rejected",
    "expired": "expired",
    "failed": "failed",
    "fail": "failed",
    "deleted": "failed",
}
_OK = json_answer({"ok": True})
_MISSING: Final = object()


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    return hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()


def sign_headers(
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    signature_header: str = "x-signature",
    timestamp_header: str = "x-signature-timestamp",
) -> dict[str, str]:
    """The two headers of an HMAC-signed request or callback."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {timestamp_header: stamp, signature_header: "sha256=" + webhook_signature(secret, stamp, body)}


def dig(value: Any, path: str) -> Any:
    """``data.items.0.id`` inside nested objects and arrays; a missing step gives ``None``."""
    for step in path.split(".") if path else ():
        if isinstance(value, Mapping):
            value = value.get(step, _MISSING)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
        if value is _MISSING:
            return None
    return value


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        text = str(value).strip()
        return text or None
    return None


class WebhookProvider(HttpProvider):
    """A generic JSON aggregator; callbacks ``status`` and ``reply``."""

    name = "webhook"
    callback_kinds = ("status", "reply")

    def __init__(self, url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(url, transport=transport)
        o = self.options
        self.secret = self.secret_option("secret")
        self.callback_secret = self.secret_option("callback_secret") or self.secret
        self.auth = o.choice("auth", ("hmac", "bearer", "none"), "hmac" if self.secret else "none")
        if self.auth != "none" and not self.secret:
            raise self.config_error(f"auth={self.auth} needs secret=", f"auth={self.auth} 须设置 secret=")
        self.to_field = o.text("to_field") or "to"
        self.text_field = o.text("text_field") or "text"
        self.id_field = o.text("id_field") or "message_id"
        self.from_field = o.text("from_field") or "from"
        self.template_field = o.text("template_field") or None
        self.batch = o.flag("batch")
        self.batch_size = int(o.number("batch_size", 100)) or 1
        self.batch_field = o.text("batch_field") or "messages"
        self.results_field = o.text("results_field") or "results"
        self.response_id = o.text("response_id") or "id"
        self.response_code = o.text("response_code") or "code"
        self.response_message = o.text("response_message") or "message"
        self.ok_codes = frozenset(c.strip() for c in (o.text("ok_codes") or "0,OK,ok,success").split(","))
        self.errors: dict[str, ErrorClass | None] = {}
        for code, cls in self._pairs("errors").items():
            if cls != "fail" and cls not in ERROR_CLASSES:
                raise self.config_error(
                    f"errors class {cls!r} must be one of {', '.join(ERROR_CLASSES)} or fail",
                    f"errors 的类别 {cls!r} 须为 {'、'.join(ERROR_CLASSES)} 或 fail 之一",
                )
            self.errors[code] = None if cls == "fail" else cls  # type: ignore[assignment]
        self.signature_header = (o.text("signature_header") or "x-signature").lower()
        self.timestamp_header = (o.text("timestamp_header") or "x-signature-timestamp").lower()
        self.max_skew = o.number("max_skew", 300.0)
        self.callback_items = o.text("callback_items") or ""
        self.status_map: dict[str, ReceiptStatus | None] = dict(DEFAULT_STATUS_MAP)
        for value, status in self._pairs("status_map").items():
            if status != "ignore" and status not in RECEIPT_STATUSES:
                raise self.config_error(
                    f"status_map status {status!r} must be one of {', '.join(RECEIPT_STATUSES)} or ignore",
                    f"status_map 的状态 {status!r} 须为 {'、'.join(RECEIPT_STATUSES)} 或 ignore 之一",
                )
            self.status_map[value.lower()] = None if status == "ignore" else status  # type: ignore[assignment]
        self.fields = {
            key: o.text(key) or default
            for key, default in (
                ("receipt_id", "id"),
                ("receipt_status", "status"),
                ("receipt_time", "time"),
                ("receipt_error", "error_code"),
                ("receipt_to", "to"),
                ("reply_from", "from"),
                ("reply_text", "text"),
                ("reply_to", "to"),
                ("reply_time", "time"),
                ("reply_id", "id"),
            )
        }
        try:
            self.tz = ZoneInfo(o.text("tz") or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            raise self.config_error("tz must be an IANA time zone", "tz 须为 IANA 时区名") from None

    def default_url(self) -> str:
        return "https://" + self.options.path

    # -- sending ------------------------------------------------------------------------------

    def item(self, sms: OutgoingSms) -> dict[str, Any]:
        """The JSON object of one message."""
        out: dict[str, Any] = {
            self.to_field: sms.to,
            self.text_field: sms.body,
            self.id_field: str(sms.message_id),
        }
        if sms.source:
            out[self.from_field] = sms.source
        if self.template_field and sms.template_id is not None:
            out[self.template_field] = sms.template_id
        return out

    def headers(self, body: bytes) -> dict[str, str]:
        headers = {"content-type": "application/json", "accept": "application/json"}
        if self.auth == "bearer" and self.secret:
            headers["authorization"] = f"Bearer {self.secret}"
        elif self.auth == "hmac" and self.secret:
            headers.update(
                sign_headers(
                    self.secret,
                    body,
                    signature_header=self.signature_header,
                    timestamp_header=self.timestamp_header,
                )
            )
        return headers

    async def _post(self, client: httpx.AsyncClient, value: object) -> httpx.Response:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return await client.post(self.endpoint, content=body, headers=self.headers(body))

    async def submit_one(
        self, client: httpx.AsyncClient, sms: OutgoingSms, now: datetime
    ) -> SubmitOutcome | None:
        response = await self._post(client, self.item(sms))
        return self.item_outcome(sms, self.read_json(response), response)

    async def submit_many(
        self, client: httpx.AsyncClient, batch: list[OutgoingSms], now: datetime
    ) -> list[SubmitOutcome | None]:
        if not self.batch:
            return await super().submit_many(client, batch, now)
        gate = asyncio.Semaphore(self.concurrency)
        chunks = [batch[i : i + self.batch_size] for i in range(0, len(batch), self.batch_size)]

        async def one(chunk: list[OutgoingSms]) -> list[SubmitOutcome]:
            async with gate:
                return await self.guarded(chunk, lambda: self._submit_chunk(client, chunk))

        found = {
            o.message_id: o for result in await asyncio.gather(*(one(c) for c in chunks)) for o in result
        }
        return [found.get(s.message_id) for s in batch]

    async def _submit_chunk(self, client: httpx.AsyncClient, chunk: list[OutgoingSms]) -> list[SubmitOutcome]:
        response = await self._post(client, {self.batch_field: [self.item(s) for s in chunk]})
        data = self.read_json(response)
        results = dig(data, self.results_field)
        if response.status_code >= 300 or not isinstance(results, list):
            # The whole request was refused (or answered in a way we cannot read per message).
            whole = [self.item_outcome(s, data, response) for s in chunk]
            return [o for o in whole if o is not None]
        by_ref: dict[str, Any] = {}
        for item in results:
            ref = _scalar(dig(item, self.id_field))
            if ref is not None:
                by_ref[ref] = item
        out = []
        for position, sms in enumerate(chunk):
            item = by_ref.get(str(sms.message_id))
            if item is None and not by_ref and len(results) == len(chunk):
                item = results[position]
            outcome = None if item is None else self.item_outcome(sms, item, response)
            if outcome is not None:
                out.append(outcome)
        return out

    def item_outcome(self, sms: OutgoingSms, item: Any, response: httpx.Response) -> SubmitOutcome | None:
        """The outcome one answer (or result item) gives ``sms``; ``None`` = unknown."""
        code = _scalar(dig(item, self.response_code))
        if code is not None and code not in self.ok_codes:
            message = _scalar(dig(item, self.response_message)) or ""
            text = f"webhook {code}: {message[:200]}"
            if code in self.errors:
                cls = self.errors[code]
                retry_after = parse_retry_after(response.headers) if cls == "retry" else None
                return outcome_for(sms.message_id, cls, code, text, retry_after)
            if response.status_code < 400:
                return SubmitOutcome.permanent(sms.message_id, code, text)
            return self.by_status(sms, response, code, text)
        provider_id = _scalar(dig(item, self.response_id))
        if provider_id is not None and response.status_code < 300:
            return SubmitOutcome.ok(sms.message_id, provider_id)
        return self.by_status(sms, response, None, f"webhook HTTP {response.status_code}")

    # -- callbacks ----------------------------------------------------------------------------

    def verify(self, request: CallbackRequest, now: datetime) -> None:
        """Check the callback's HMAC and its age; SignatureError otherwise."""
        if not self.callback_secret:
            raise SignatureError(
                "webhook callbacks are refused: the provider URL sets no secret",
                "已拒绝 webhook 回调：短信通道地址未设置 secret",
            )
        stamp = (request.header(self.timestamp_header) or "").strip()
        given = (request.header(self.signature_header) or "").strip().removeprefix("sha256=")
        if not stamp or not given:
            raise SignatureError("webhook callback is not signed", "webhook 回调未签名")
        try:
            age = abs(now.timestamp() - float(stamp))
        except ValueError:
            raise SignatureError(
                "webhook callback timestamp is not a number", "webhook 回调时间戳不是数字"
            ) from None
        if age != age or age > self.max_skew:
            raise SignatureError(
                f"webhook callback timestamp is more than {self.max_skew:g} s away from now",
                f"webhook 回调时间戳与当前时间相差超过 {self.max_skew:g} 秒",
            )
        expected = webhook_signature(self.callback_secret, stamp, request.body)
        if not hmac.compare_digest(expected.encode("ascii"), given.lower().encode("ascii", "replace")):
            raise SignatureError("webhook callback signature does not match", "webhook 回调签名校验失败")

    def _payload(self, request: CallbackRequest, now: datetime) -> list[Mapping[str, Any]]:
        self.verify(request, now)
        payload = request.json(self.name)
        if self.callback_items:
            payload = dig(payload, self.callback_items)
        return self.items(payload, allow_object=True)

    def _time(self, value: Any, now: datetime) -> datetime:
        if value is None or value == "":
            return now
        if isinstance(value, bool):
            raise malformed(self.name, f"time {value!r} is not readable", f"无法识别时间 {value!r}")
        if isinstance(value, int | float) or (
            isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()
        ):
            seconds = float(value)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000.0
            try:
                return datetime.fromtimestamp(seconds, UTC)
            except (OverflowError, OSError, ValueError):
                raise malformed(
                    self.name, f"time {value!r} is out of range", f"时间 {value!r} 超出范围"
                ) from None
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise malformed(
                    self.name, f"time {value!r} is not readable", f"无法识别时间 {value!r}"
                ) from None
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=self.tz)
        raise malformed(self.name, f"time {value!r} is not readable", f"无法识别时间 {value!r}")

    def _need(self, item: Mapping[str, Any], key: str) -> str:
        value = _scalar(dig(item, self.fields[key]))
        if value is None:
            raise malformed(
                self.name, f"field {self.fields[key]!r} is missing", f"缺少字段 {self.fields[key]!r}"
            )
        return value

    def _callback_status(self, request: CallbackRequest, now: datetime) -> CallbackResult:
        receipts = []
        for item in self._payload(request, now):
            provider_id = self._need(item, "receipt_id")
            quoted = self._need(item, "receipt_status")
            status = self.status_map.get(quoted.lower())
            if status is None:
                continue  # not final (sent, accepted, ENROUTE…): acknowledged, ignored
            error = _scalar(dig(item, self.fields["receipt_error"]))
            when = dig(item, self.fields["receipt_time"])
            raw = {"id": provider_id, "status": quoted, "error_code": error, "time": when}
            receipts.append(
                Receipt(
                    provider_message_id=provider_id,
                    status=status,
                    at=self._time(when, now),
                    error_code=None if status == "delivered" else error,
                    raw=json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str),
                    handset=_scalar(dig(item, self.fields["receipt_to"])),
                )
            )
        return CallbackResult(receipts, [], body=_OK)

    def _callback_reply(self, request: CallbackRequest, now: datetime) -> CallbackResult:
        replies = []
        for item in self._payload(request, now):
            text = dig(item, self.fields["reply_text"])
            if not isinstance(text, str):
                raise malformed(
                    self.name,
                    f"field {self.fields['reply_text']!r} is missing",
                    f"缺少字段 {self.fields['reply_text']!r}",
                )
            replies.append(
                InboundSms(
                    sender=self._need(item, "reply_from"),
                    text=text,
                    received_at=self._time(dig(item, self.fields["reply_time"]), now),
                    recipient=_scalar(dig(item, self.fields["reply_to"])) or "",
                    provider_reference=_scalar(dig(item, self.fields["reply_id"])),
                )
            )
        return CallbackResult([], replies, body=_OK)
