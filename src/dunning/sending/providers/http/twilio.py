"""``twilio://AccountSid:AuthToken@api.twilio.com?from=+15550001111`` — Twilio's Messages API.

**First-party lenders only.** Twilio lists third-party debt collection as a disallowed use of SMS in
the US and Canada (error 30863 at sender verification); a creditor messaging its own customers,
with consent it collected itself, may pass. Agencies need another route (REFERENCE.md §2.3).

Options: ``from`` (a Twilio number) or ``messaging_service_sid``; ``status_callback`` (the public
URL of ``/v1/webhooks/twilio/status``, sent with each message); ``endpoint`` (base URL, for a test
double; default ``https://api.twilio.com``); ``timeout`` seconds (10); ``concurrency`` (8).

Submission: one ``POST /2010-04-01/Accounts/{sid}/Messages.json`` per message (form-encoded, basic
auth). A ``sid`` in the answer is acceptance. A connection that could not be made is *retry*; a
timeout after the request went out leaves that message without an outcome (*unknown*: it may have
been taken, so it is never sent again). Error codes map to classes in :data:`ERROR_CLASSES`.

Callbacks (``handle_callback``): ``status`` (MessageStatus; only final ones — delivered,
undelivered, failed — become receipts) and ``inbound`` (a reply; answered with empty TwiML). Both
must carry a valid ``X-Twilio-Signature``: HMAC-SHA1 with the auth token over the full URL Twilio
called followed by every posted parameter, sorted by name, name then value — all of them, since
Twilio adds parameters without notice.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

from dunning.core.errors import ConfigError, InputError, SignatureError
from dunning.messages.wire import ErrorClass, InboundSms, OutgoingSms, Receipt, ReceiptIdFormat, SubmitOutcome
from dunning.sending.providers.base import SmsProvider
from dunning.sending.providers.http.base import CallbackRequest, CallbackResult
from dunning.sending.providers.url import ProviderUrl

__all__ = ["ERROR_CLASSES", "TwilioProvider", "twilio_signature"]

#: Twilio error code → what the sender does (REFERENCE.md §2.3). Codes not listed: permanent.
ERROR_CLASSES: dict[str, ErrorClass] = {
    "20429": "retry",  # too many requests
    "30001": "retry",  # queue overflow
    "30003": "retry",  # unreachable handset: a retry or two (max attempts bound it)
    "30008": "retry",  # unknown error
    "20003": "pause",  # authentication failed
    "21606": "pause",  # the From number cannot send
    "30002": "pause",  # account suspended
    "21211": "suppress",  # invalid To
    "21614": "suppress",  # not a mobile number
    "30006": "suppress",  # landline or unreachable carrier: do not retry
    "21610": "suppress",  # the recipient unsubscribed (STOP)
    "30005": "suppress",  # unknown destination
    "30007": "block_template",  # carrier filtering: do not resend the same content
}

_FINAL = {"delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}


def twilio_signature(auth_token: str, url: str, params: Sequence[tuple[str, str]]) -> str:
    """Base64 HMAC-SHA1 of the URL followed by each parameter's name and value, sorted by name."""
    payload = url + "".join(f"{k}{v}" for k, v in sorted(params, key=lambda kv: (kv[0], kv[1])))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class TwilioProvider(SmsProvider):
    name = "twilio"
    receipt_id_format: ReceiptIdFormat = "same"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        parts = urlsplit(url)
        options = ProviderUrl.parse(url)
        self.account_sid = unquote(parts.username or "")
        self.auth_token = unquote(parts.password or "")
        if not self.account_sid or not self.auth_token:
            raise ConfigError(
                f"twilio:// needs AccountSid:AuthToken@host: {self.safe_url}",
                f"twilio:// 需要 AccountSid:AuthToken@主机：{self.safe_url}",
            )
        self.sender = options.options.get("from", "")
        self.service = options.options.get("messaging_service_sid", "")
        if not self.sender and not self.service:
            raise ConfigError(
                f"twilio:// needs from=+1… or messaging_service_sid=MG…: {self.safe_url}",
                f"twilio:// 需要 from=+1… 或 messaging_service_sid=MG…：{self.safe_url}",
            )
        self.status_callback = options.options.get("status_callback", "")
        self.endpoint = options.options.get("endpoint", "https://api.twilio.com").rstrip("/")
        self.timeout = options.number("timeout", 10.0)
        self.concurrency = max(1, int(options.number("concurrency", 8)))
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.endpoint,
                auth=(self.account_sid, self.auth_token),
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
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

        results = await asyncio.gather(*(one(s) for s in batch))
        return [r for r in results if r is not None]

    async def _submit(self, sms: OutgoingSms) -> SubmitOutcome | None:
        assert self._client is not None
        form = {"To": sms.to, "Body": sms.body}
        if self.service:
            form["MessagingServiceSid"] = self.service
        else:
            form["From"] = sms.source or self.sender
        if self.status_callback:
            form["StatusCallback"] = self.status_callback
        try:
            response = await self._client.post(
                f"/2010-04-01/Accounts/{self.account_sid}/Messages.json", data=form
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return SubmitOutcome.retry(
                sms.message_id, None, f"cannot reach Twilio: {type(exc).__name__}", 5.0
            )
        except httpx.HTTPError:
            return None  # sent but unanswered: it may have been taken (unknown, never resent)
        return self._outcome(sms.message_id, response)

    def _outcome(self, message_id: int, response: httpx.Response) -> SubmitOutcome:
        try:
            data: Any = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if response.status_code in (200, 201) and data.get("sid"):
            return SubmitOutcome.ok(message_id, str(data["sid"]))
        code = str(data.get("code") or data.get("error_code") or f"HTTP{response.status_code}")
        text = str(data.get("message") or f"Twilio answered {response.status_code}")[:300]
        if response.status_code == 429 or code == "20429":
            after = _retry_after(response.headers.get("retry-after"))
            return SubmitOutcome.retry(message_id, code, text, after)
        if response.status_code >= 500:
            return SubmitOutcome.retry(message_id, code, text, 5.0)
        if response.status_code in (401, 403):
            return SubmitOutcome.paused(message_id, code, text)
        kind = ERROR_CLASSES.get(code)
        if kind == "retry":
            return SubmitOutcome.retry(message_id, code, text, 30.0)
        if kind == "pause":
            return SubmitOutcome.paused(message_id, code, text)
        if kind == "defer":
            return SubmitOutcome.deferred(message_id, code, text)
        return SubmitOutcome.permanent(message_id, code, text, kind)

    async def drain_receipts(self) -> list[Receipt]:
        return []  # receipts come by callback (handle_callback), not over this connection

    # ---- callbacks -------------------------------------------------------------------------------

    def handle_callback(self, kind: str, request: CallbackRequest) -> CallbackResult:
        params = _form(request)
        presented = request.headers.get("x-twilio-signature", "")
        expected = twilio_signature(self.auth_token, request.url, params)
        if not presented or not hmac.compare_digest(presented, expected):
            raise SignatureError(
                "the X-Twilio-Signature does not match this URL and these parameters",
                "X-Twilio-Signature 与回调地址及参数不符",
            )
        fields = dict(params)
        now = datetime.now(UTC)
        if kind == "status":
            sid = fields.get("MessageSid") or fields.get("SmsSid")
            status = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").lower()
            if not sid or not status:
                raise InputError(
                    "a status callback needs MessageSid and MessageStatus",
                    "状态回调须含 MessageSid 与 MessageStatus",
                )
            receipts = []
            if status in _FINAL:
                receipts.append(
                    Receipt(
                        sid,
                        _FINAL[status],  # type: ignore[arg-type]
                        _when(fields.get("RawDlrDoneDate"), now),
                        error_code=fields.get("ErrorCode") or None,
                        raw=f"status={status} error={fields.get('ErrorCode') or ''}",
                        handset=fields.get("To"),
                    )
                )
            return CallbackResult(receipts=receipts, body=b"", media_type="text/plain")
        if kind == "inbound":
            sender, text = fields.get("From"), fields.get("Body")
            if not sender or text is None:
                raise InputError("an inbound callback needs From and Body", "上行回调须含 From 与 Body")
            reply = InboundSms(
                sender=sender, text=text, received_at=now, recipient=fields.get("To", "")[:32],
                provider_reference=fields.get("MessageSid") or None,
            )  # fmt: skip
            twiml = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
            return CallbackResult(replies=[reply], body=twiml, media_type="text/xml")
        raise InputError(
            f"unknown Twilio callback {kind!r} (status, inbound)", f"未知的 Twilio 回调 {kind!r}"
        )


def _form(request: CallbackRequest) -> list[tuple[str, str]]:
    if request.method.upper() == "GET":
        return sorted(request.query.items())
    try:
        return parse_qsl(
            request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(request.body)
        )
    except (UnicodeDecodeError, ValueError):
        raise InputError("the callback body is not a form", "回调内容不是表单格式") from None


def _retry_after(value: str | None) -> float:
    try:
        return max(1.0, float(value)) if value else 1.0
    except ValueError:
        return 1.0


def _when(value: str | None, default: datetime) -> datetime:
    """``RawDlrDoneDate`` is YYMMDDhhmm in UTC (from the carrier's receipt), when present."""
    if value and len(value) == 10 and value.isdigit():
        try:
            return datetime.strptime(value, "%y%m%d%H%M").replace(tzinfo=UTC)
        except ValueError:
            return default
    return default


def form_fields(mapping: Mapping[str, str]) -> list[tuple[str, str]]:
    return sorted(mapping.items())
