"""``twilio://``: Twilio Programmable Messaging (the 2010-04-01 Messages API) — first-party lenders only.

**Twilio forbids third-party debt collection** on SMS and MMS in the United States and Canada
(campaign verification is refused with error 30863, and traffic found later is blocked). This
adapter is for a lender collecting its *own* debts with consent it collected itself; an agency
collecting for others must use another route.

::

    twilio://AccountSid:AuthToken@api.twilio.com?from=+15550100&status_callback=https%3A%2F%2Fpublic.example%2Fv1%2Fwebhooks%2Ftwilio%2Fstatus

Options (and the shared ones of :mod:`.base`):

=========================  ===================================================================
``from``                   the sender number (E.164; ``+`` may be written as is)
``messaging_service_sid``  send through a Messaging Service instead (used when ``from`` is unset
                           and the message names no source)
``status_callback``        the URL Twilio posts status changes to (percent-encode it)
``signing_secret``         the key of ``HMAC_SHA256``-signed webhooks, when Twilio is told to use
                           one (``X-Twilio-Webhooks-Signature-Settings``); default the AuthToken
=========================  ===================================================================

A message is ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form: ``To``, ``Body``,
``From`` or ``MessagingServiceSid``, ``StatusCallback``) with basic auth; the answer's ``sid`` is the
provider id. An error answer ``{code, message, status}`` is read with :data:`.errors.TWILIO`.

Callbacks, both checked against ``X-Twilio-Signature`` (:func:`twilio_signature`: HMAC-SHA1 of the
full URL followed by every posted parameter, sorted by name, name then value; all of them, since
Twilio adds parameters without notice):

- ``status``: ``MessageSid, MessageStatus, ErrorCode, …``; only the final statuses ``delivered``,
  ``undelivered`` and ``failed`` become receipts (time: ``RawDlrDoneDate`` when given, else now);
  the others are acknowledged and ignored;
- ``inbound``: ``MessageSid, From, To, Body, …``, answered with an empty TwiML ``<Response/>``
  (``text/xml``): no automatic answer from Twilio.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Final
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from dunning.core.errors import SignatureError
from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, ReceiptStatus, SubmitOutcome
from dunning.sending.providers.http.base import (
    CallbackRequest,
    CallbackResult,
    HttpProvider,
    malformed,
    parse_retry_after,
    safe_raw,
)
from dunning.sending.providers.http.errors import classify, outcome_for

__all__ = [
    "API_VERSION",
    "EMPTY_TWIML",
    "TwilioProvider",
    "twilio_signature",
    "url_variants",
    "valid_twilio_signature",
]

API_VERSION: Final = "2010-04-01"
EMPTY_TWIML: Final = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
_FINAL: Final[Mapping[str, ReceiptStatus]] = {
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
}
_RECEIPT_KEYS = (
    "MessageSid",
    "MessageStatus",
    "ErrorCode",
    "SmsStatus",
    "RawDlrDoneDate",
    "ApiVersion",
    "AccountSid",
)
_HASHES: Final = {"HMAC_SHA1": hashlib.sha1, "HMAC_SHA256": hashlib.sha256}


def twilio_signature(
    key: str,
    url: str,
    params: Iterable[tuple[str, str]] | Mapping[str, str] = (),
    algorithm: str = "HMAC_SHA1",
) -> str:
    """Base64 HMAC of ``url`` followed by each parameter name and value: names sorted, and a name
    posted more than once contributes each distinct value, sorted."""
    pairs = params.items() if isinstance(params, Mapping) else params
    values: dict[str, set[str]] = {}
    for name, value in pairs:
        values.setdefault(name, set()).add(value)
    text = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    digest = hmac.new(key.encode("utf-8"), text.encode("utf-8"), _HASHES[algorithm.upper()]).digest()
    return base64.b64encode(digest).decode("ascii")


def url_variants(url: str) -> list[str]:
    """``url`` as given, without its port and with the scheme's default port: Twilio is not
    consistent about ports behind a proxy, so a signature over any of them is accepted."""
    parts = urlsplit(url)
    out = [url]
    host = parts.hostname or ""
    userinfo = parts.netloc.rpartition("@")[0]
    head = f"{userinfo}@" if userinfo else ""
    shown_host = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        out.append(urlunsplit(parts._replace(netloc=head + shown_host)))
    else:
        default = 443 if parts.scheme == "https" else 80
        out.append(urlunsplit(parts._replace(netloc=f"{head}{shown_host}:{default}")))
    return list(dict.fromkeys(out))


def valid_twilio_signature(
    key: str,
    url: str,
    params: Iterable[tuple[str, str]] | Mapping[str, str],
    signature: str,
    algorithm: str = "HMAC_SHA1",
) -> bool:
    """Whether ``signature`` signs ``url`` (in any of its :func:`url_variants`) and ``params``."""
    if algorithm.upper() not in _HASHES:
        return False
    pairs = list(params.items() if isinstance(params, Mapping) else params)
    given = signature.strip().encode("ascii", "replace")
    ok = False
    for variant in url_variants(url):
        expected = twilio_signature(key, variant, pairs, algorithm).encode("ascii")
        ok = hmac.compare_digest(expected, given) or ok
    return ok


def _algorithm(settings: str | None) -> str:
    for part in (settings or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return "HMAC_SHA1"


def _done_date(value: str | None, now: datetime) -> datetime:
    """``RawDlrDoneDate`` (``YYMMDDhhmm``, UTC) or ``now`` when absent or unreadable."""
    if value and value.isdigit() and len(value) in (10, 12):
        try:
            fmt = "%y%m%d%H%M%S" if len(value) == 12 else "%y%m%d%H%M"
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            pass
    return now


class TwilioProvider(HttpProvider):
    """Twilio Messages API; callbacks ``status`` and ``inbound``. First-party lenders only."""

    name = "twilio"
    callback_kinds = ("status", "inbound")
    default_host = "api.twilio.com"

    def __init__(self, url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(url, transport=transport)
        self.require_credentials("AccountSid", "AuthToken")
        self.from_number = self.literal_option("from") or None
        self.messaging_service_sid = self.options.text("messaging_service_sid") or None
        self.status_callback = self.options.text("status_callback") or None
        self.signing_secret = self.secret_option("signing_secret")
        if not self.from_number and not self.messaging_service_sid:
            raise self.config_error(
                "give from=+E.164 or messaging_service_sid=MG…",
                "须设置 from=+E.164 或 messaging_service_sid=MG…",
            )

    @property
    def messages_url(self) -> str:
        return f"{self.endpoint}/{API_VERSION}/Accounts/{quote(self.username, safe='')}/Messages.json"

    def form(self, sms: OutgoingSms) -> dict[str, str]:
        """The form of the create-message call for ``sms``."""
        data = {"To": sms.to, "Body": sms.body}
        if sms.source:
            data["From"] = sms.source
        elif self.from_number:
            data["From"] = self.from_number
        elif self.messaging_service_sid:
            data["MessagingServiceSid"] = self.messaging_service_sid
        if self.status_callback:
            data["StatusCallback"] = self.status_callback
        return data

    async def submit_one(
        self, client: httpx.AsyncClient, sms: OutgoingSms, now: datetime
    ) -> SubmitOutcome | None:
        response = await client.post(
            self.messages_url,
            data=self.form(sms),
            auth=(self.username, self.password),
            headers={"accept": "application/json"},
        )
        return self.read_outcome(sms, response)

    def read_outcome(self, sms: OutgoingSms, response: httpx.Response) -> SubmitOutcome | None:
        data = self.read_json(response)
        answer = data if isinstance(data, dict) else {}
        if response.status_code < 300:
            sid = answer.get("sid")
            return (
                SubmitOutcome.ok(sms.message_id, sid.strip())
                if isinstance(sid, str) and sid.strip()
                else None
            )
        raw_code = answer.get("code")
        code = str(raw_code) if isinstance(raw_code, int | str) and not isinstance(raw_code, bool) else None
        text = f"twilio {code or response.status_code}: {str(answer.get('message') or '')[:200]}"
        cls = classify("twilio", code)
        if cls is not None:
            retry_after = parse_retry_after(response.headers) if cls == "retry" else None
            return outcome_for(sms.message_id, cls, code, text, retry_after)
        return self.by_status(sms, response, code, text)

    # -- callbacks ----------------------------------------------------------------------------

    def verified_params(self, request: CallbackRequest) -> dict[str, str]:
        """The callback's parameters once ``X-Twilio-Signature`` checks out (form for POST, query
        for GET); SignatureError otherwise."""
        post = request.method.upper() == "POST"
        pairs = request.form(self.name) if post else []
        signature = request.header("x-twilio-signature")
        if not signature:
            raise SignatureError(
                "twilio callback without X-Twilio-Signature", "twilio 回调缺少 X-Twilio-Signature"
            )
        algorithm = _algorithm(request.header("x-twilio-webhooks-signature-settings"))
        key = self.signing_secret if (self.signing_secret and algorithm != "HMAC_SHA1") else self.password
        if not valid_twilio_signature(key, request.url, pairs, signature, algorithm):
            raise SignatureError(
                "twilio callback: X-Twilio-Signature does not match",
                "twilio 回调：X-Twilio-Signature 校验失败",
            )
        return dict(pairs) if post else dict(request.query)

    def _required(self, params: Mapping[str, str], *names: str) -> str:
        for name in names:
            if params.get(name):
                return params[name]
        raise malformed(self.name, f"field {names[0]!r} is missing", f"缺少字段 {names[0]!r}")

    def _callback_status(self, request: CallbackRequest, now: datetime) -> CallbackResult:
        params = self.verified_params(request)
        sid = self._required(params, "MessageSid", "SmsSid")
        state = self._required(params, "MessageStatus", "SmsStatus").lower()
        receipts = []
        if state in _FINAL:
            error = params.get("ErrorCode", "").strip()
            receipts.append(
                Receipt(
                    provider_message_id=sid,
                    status=_FINAL[state],
                    at=_done_date(params.get("RawDlrDoneDate"), now),
                    error_code=error if error and error != "0" else None,
                    raw=safe_raw(params, _RECEIPT_KEYS),
                    handset=params.get("To") or None,
                )
            )
        return CallbackResult(receipts, [], media_type="text/plain")

    def _callback_inbound(self, request: CallbackRequest, now: datetime) -> CallbackResult:
        params = self.verified_params(request)
        if "Body" not in params:
            raise malformed(self.name, "field 'Body' is missing", "缺少字段 'Body'")
        reply = InboundSms(
            sender=self._required(params, "From"),
            text=params["Body"],
            received_at=now,
            recipient=params.get("To", ""),
            provider_reference=params.get("MessageSid") or params.get("SmsSid") or None,
        )
        return CallbackResult([], [reply], body=EMPTY_TWIML, media_type="text/xml")
