"""What the HTTP providers share: the client, the outcome rules, templates and callback values.

Sending
-------
Every HTTP provider is an :class:`HttpProvider`: one ``httpx.AsyncClient`` with explicit timeouts
(opened by ``open()``, or on first use), at most ``concurrency`` requests in flight and an optional
``tps`` rate. A provider turns one message (or, for a batch endpoint, one batch) into one request;
how a failure is read decides whether the message can be offered again:

=================================================  ===========================================
what happened                                      outcome
=================================================  ===========================================
connection refused / connect timeout / no free     ``retry``: the request was never written
connection in the pool
an answer with an error code                       the provider's table (:mod:`.errors`)
HTTP 429                                           ``retry`` after ``Retry-After``
HTTP 500, 502, 503 without a known code            ``retry``
HTTP 401, 403 without a known code                 ``pause``
read timeout, connection lost after the request,   *unknown*: no outcome, so the sender marks it
HTTP 504 or another 5xx, an answer that does not   ``unknown`` and never resends it (it may have
parse                                              been taken)
=================================================  ===========================================

Common URL options: ``endpoint`` (the base URL; default the vendor's), ``timeout`` (seconds to
wait for an answer, default 10), ``connect_timeout`` (default 5), ``concurrency`` (requests in
flight, default 8), ``tps`` (requests per second, default unlimited), ``trust_env`` (use the
``HTTPS_PROXY``/``NO_PROXY`` environment, default 1), ``insecure=1`` (allow a plain ``http://``
endpoint that is not on loopback: credentials would cross the network in clear) and
``callback_token`` (the shared token callbacks must carry where the vendor does not sign them).

Templates
---------
Providers that only send templates registered with them (Aliyun, Tencent) send the vendor code
``template_map[f"{template_id}@{template_version}"]``, else ``template_map[template_id]``, else the
URL's default code, with the rendered body as the one template parameter (``param``). A message
with no code at all is refused with ``NO_TEMPLATE`` (class ``block_template``): register the template
with the vendor and add it to ``template_map``.

Callbacks
---------
The API server turns a vendor's call into a :class:`CallbackRequest` and hands it to the
provider's ``handle_callback(kind, request)``, which checks the signature or token, parses the
payload and returns a :class:`CallbackResult`: the receipts and replies to store and the answer the
vendor expects. A failed check raises :class:`~dunning.core.errors.SignatureError`, a malformed
payload :class:`~dunning.core.errors.InputError`, an unknown kind
:class:`~dunning.core.errors.NotFound`. Parsing is pure: no I/O, time only through ``now``.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import ipaddress
import json
import logging
import re
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Final, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

import httpx

from dunning.core.errors import ConfigError, InputError, NotFound, SignatureError
from dunning.core.urls import redact_url
from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, SmsProvider, SubmitOutcome
from dunning.sending.providers.http.errors import DEFAULT_RETRY_AFTER, http_status_class, outcome_for
from dunning.sending.providers.smpp.ratelimit import TokenBucket
from dunning.sending.providers.url import ProviderUrl

__all__ = [
    "SHANGHAI",
    "CallbackHandler",
    "CallbackRequest",
    "CallbackResult",
    "HttpProvider",
    "cn_handset",
    "json_answer",
    "parse_local_time",
    "parse_retry_after",
    "safe_raw",
]

log = logging.getLogger("dunning.sending")

#: Aliyun and Tencent quote local times of mainland China.
SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
_MAX_RETRY_AFTER = 3600.0
NO_TEMPLATE: Final = "NO_TEMPLATE"


# -- callback values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackRequest:
    """A vendor's call to one of our callback URLs, as the web edge received it.

    ``url`` is the full URL as the vendor called it (scheme, host, port, path and query: Twilio signs
    exactly that), ``headers`` have lower-case names (normalised here), ``query`` holds the query
    options (taken from ``url`` when not given).
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", {k.lower(): v for k, v in self.headers.items()})
        if not self.query:
            pairs = parse_qsl(urlsplit(self.url).query, keep_blank_values=True)
            object.__setattr__(self, "query", dict(pairs))

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self, provider: str) -> Any:
        """The body as JSON; InputError when it is not."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise malformed(provider, "the body is not JSON", "正文不是 JSON") from None

    def form(self, provider: str) -> list[tuple[str, str]]:
        """The body as ``application/x-www-form-urlencoded`` pairs; InputError when it is not."""
        try:
            text = self.body.decode("utf-8")
            return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise malformed(
                provider, "the body is not a URL-encoded form", "正文不是 URL 编码的表单"
            ) from None


@dataclass(frozen=True)
class CallbackResult:
    """What a callback carried, and the answer to give the vendor."""

    receipts: list[Receipt]
    replies: list[InboundSms]
    status_code: int = 200
    body: bytes = b""
    media_type: str = "application/json"


class CallbackHandler(Protocol):
    """Anything that handles a vendor's callbacks: an HTTP provider or a routing target."""

    def handle_callback(
        self, kind: str, request: CallbackRequest, *, now: datetime | None = None
    ) -> CallbackResult: ...


def json_answer(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def malformed(provider: str, en: str, zh: str) -> InputError:
    return InputError(f"{provider} callback: {en}", f"{provider} 回调：{zh}")


def parse_local_time(value: object, tz: ZoneInfo, provider: str) -> datetime:
    """``2026-11-28 09:30:00`` (or ISO 8601) in ``tz`` unless it carries its own offset."""
    if not isinstance(value, str):
        raise malformed(provider, f"time {value!r} is not a text", f"时间 {value!r} 不是文本")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise malformed(provider, f"time {value!r} is not readable", f"无法识别时间 {value!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def cn_handset(number: str) -> str:
    """A handset as a Chinese vendor quotes it, in E.164: an 11-digit mainland mobile (1xxxxxxxxxx)
    gets +86, anything else is read as international digits."""
    text = number.strip()
    if text.startswith("+"):
        return "+" + re.sub(r"\D", "", text)
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        return "+86" + digits
    return "+" + digits.removeprefix("00")


def safe_raw(item: Mapping[str, Any], keys: Sequence[str]) -> str:
    """The named fields of a vendor's record, as JSON for ``Receipt.raw`` (never a phone number:
    only allow-listed, non-personal fields are copied)."""
    return json.dumps({k: item[k] for k in keys if k in item}, ensure_ascii=False, sort_keys=True)


def parse_retry_after(headers: Mapping[str, str], default: float = DEFAULT_RETRY_AFTER) -> float:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), capped at an hour."""
    value = headers.get("retry-after")
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError, IndexError):
            return default
    if seconds != seconds:  # NaN
        return default
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process (building one costs tens of milliseconds)."""
    return httpx.create_ssl_context()


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- the provider -------------------------------------------------------------------------------


class HttpProvider(SmsProvider):
    """Base of the HTTP providers: client, concurrency, outcome rules, templates, callbacks."""

    name = "http"
    receipt_id_format = "same"  # receipts quote the id exactly as the send answer gave it
    #: The callback kinds ``handle_callback`` accepts; each has a ``_callback_<kind>`` method.
    callback_kinds: ClassVar[tuple[str, ...]] = ()
    #: The endpoint when the URL gives none (``{host}`` is the URL's host).
    default_endpoint: ClassVar[str] = "https://{host}"
    default_host: ClassVar[str] = ""
    #: The URL option naming the default vendor template ("" = the provider has no templates).
    template_option: ClassVar[str] = ""

    def __init__(self, url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(url)
        self.options = ProviderUrl.parse(url)
        parts = urlsplit(url)
        self.username = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.host = parts.hostname or self.default_host
        self.timeout = self.options.number("timeout", 10.0)
        self.connect_timeout = self.options.number("connect_timeout", 5.0)
        self.concurrency = int(self.options.number("concurrency", 8))
        if self.concurrency < 1 or self.timeout <= 0 or self.connect_timeout <= 0:
            raise self.config_error(
                "concurrency must be at least 1 and the timeouts positive",
                "concurrency 须至少为 1，超时须为正数",
            )
        self.tps = self.options.number("tps", 0.0)
        self._bucket: TokenBucket | None = None  # made with the client: both belong to one loop
        self.trust_env = self.options.flag("trust_env", True)
        self.callback_token = self.secret_option("callback_token")
        self.endpoint = self._endpoint()
        self.template_map = self._pairs("template_map")
        self.template_default = (
            (self.options.text(self.template_option) or None) if self.template_option else None
        )
        self.param = self.options.text("param") or "content"
        self.sign_name = self.options.text("sign_name") or None
        self.strip_sign = self.options.flag("strip_sign", True)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    # -- configuration ------------------------------------------------------------------------

    def config_error(self, en: str, zh: str) -> ConfigError:
        return ConfigError(
            f"{self.name} provider: {en}: {self.safe_url}", f"{self.name} 短信通道：{zh}：{self.safe_url}"
        )

    def require_credentials(self, user: str, secret: str) -> None:
        if not self.username or not self.password:
            raise self.config_error(
                f"the URL needs {user}:{secret}@ before the host", f"地址须在主机前写明 {user}:{secret}@"
            )

    def default_url(self) -> str:
        """The endpoint when the URL names none."""
        return self.default_endpoint.format(host=self.host)

    def _endpoint(self) -> str:
        value = self.options.text("endpoint") or self.default_url()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.config_error(
                f"endpoint {redact_url(value)!r} must be an http(s) URL",
                f"endpoint {redact_url(value)!r} 须为 http(s) 地址",
            )
        if parts.scheme == "http" and not _is_loopback(parts.hostname) and not self.options.flag("insecure"):
            raise self.config_error(
                "a plain http:// endpoint off loopback would send credentials in clear (use https, "
                "or insecure=1 if you must)",
                "非本机的 http:// 地址会明文传送凭据（请用 https；确有需要时设 insecure=1）",
            )
        return value.rstrip("/")

    def _pairs(self, key: str) -> dict[str, str]:
        """``a:b,c:d`` → ``{"a": "b", "c": "d"}`` (a ConfigError for an item without ``:``)."""
        value = self.options.text(key) or ""
        out: dict[str, str] = {}
        for item in value.split(","):
            if not item.strip():
                continue
            left, sep, right = item.partition(":")
            if not sep or not left.strip() or not right.strip():
                raise self.config_error(
                    f"{key} item {item!r} must be NAME:VALUE", f"{key} 的条目 {item!r} 须为 名称:值"
                )
            out[left.strip()] = right.strip()
        return out

    def literal_option(self, key: str) -> str | None:
        """An option with ``+`` kept as a plus (an E.164 number), not read as a space."""
        query = urlsplit(self.url).query
        found = None
        for segment in query.split("&") if query else ():
            name, _, value = segment.partition("=")
            if unquote(name) == key:
                found = unquote(value).strip()
        return found

    def secret_option(self, key: str) -> str | None:
        """A secret option, read literally (a ``+`` of a base64 secret stays a plus)."""
        return self.literal_option(key) or None

    # -- templates ----------------------------------------------------------------------------

    def vendor_template(self, sms: OutgoingSms) -> str | None:
        """The vendor's template code for ``sms`` (see the module docstring)."""
        if sms.template_id is not None:
            if sms.template_version is not None:
                versioned = self.template_map.get(f"{sms.template_id}@{sms.template_version}")
                if versioned:
                    return versioned
            if sms.template_id in self.template_map:
                return self.template_map[sms.template_id]
        return self.template_default

    def template_text(self, sms: OutgoingSms) -> str:
        """The body as the template parameter: without a leading 【sign】 the vendor adds itself."""
        body = sms.body
        if self.strip_sign and self.sign_name:
            body = body.removeprefix(f"【{self.sign_name}】").removeprefix(f"[{self.sign_name}]")
        return body

    def no_template(self, sms: OutgoingSms) -> SubmitOutcome:
        return SubmitOutcome.permanent(
            sms.message_id,
            NO_TEMPLATE,
            f"no {self.name} template code for template {sms.template_id!r} (template_map or "
            f"{self.template_option})",
            error_class="block_template",
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
            limits=httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency),
            transport=self._transport,
            verify=_tls_context(),
            trust_env=self.trust_env,
            follow_redirects=False,
        )

    def client(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = self._new_client()
            self._bucket = TokenBucket(self.tps, burst=self.concurrency) if self.tps > 0 else None
        return self._client

    async def open(self) -> None:
        self.client()

    async def close(self) -> None:
        client, self._client, self._bucket = self._client, None, None
        if client is not None:
            await client.aclose()

    async def drain_receipts(self) -> list[Receipt]:
        """Receipts of HTTP providers come through callbacks (:meth:`handle_callback`), not here."""
        return []

    # -- submission ---------------------------------------------------------------------------

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        if not batch:
            return []
        outcomes = await self.submit_many(self.client(), list(batch), now)
        return [o for o in outcomes if o is not None]

    async def submit_many(
        self, client: httpx.AsyncClient, batch: list[OutgoingSms], now: datetime
    ) -> list[SubmitOutcome | None]:
        """One request per message, ``concurrency`` at a time; ``None`` = unknown."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(sms: OutgoingSms) -> SubmitOutcome | None:
            async with gate:
                found = await self.guarded([sms], lambda: self._one_as_list(client, sms, now))
                return found[0] if found else None

        return list(await asyncio.gather(*(one(s) for s in batch)))

    async def _one_as_list(
        self, client: httpx.AsyncClient, sms: OutgoingSms, now: datetime
    ) -> list[SubmitOutcome]:
        outcome = await self.submit_one(client, sms, now)
        return [] if outcome is None else [outcome]

    async def submit_one(
        self, client: httpx.AsyncClient, sms: OutgoingSms, now: datetime
    ) -> SubmitOutcome | None:
        """Send one message; ``None`` when its fate is unknown. Transport errors may propagate."""
        raise NotImplementedError

    async def guarded(
        self, messages: Sequence[OutgoingSms], call: Callable[[], Awaitable[list[SubmitOutcome]]]
    ) -> list[SubmitOutcome]:
        """Run one request for ``messages``, reading a transport failure the safe way: a failure to
        connect retries them all; anything after the request may have been written leaves them
        without outcome (unknown, never resent)."""
        ids = ", ".join(str(s.message_id) for s in messages)
        try:
            if self._bucket is not None:
                await self._bucket.acquire()
            return await call()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            log.warning(
                "%s: cannot connect to %s (%s): message(s) %s retried",
                self.name,
                self.endpoint,
                type(exc).__name__,
                ids,
            )
            return [
                SubmitOutcome.retry(
                    s.message_id, None, f"cannot connect to {self.name}: {type(exc).__name__}"
                )
                for s in messages
            ]
        except httpx.TransportError as exc:
            log.warning(
                "%s: %s after sending message(s) %s: their fate is unknown (never resent)",
                self.name,
                type(exc).__name__,
                ids,
            )
            return []
        except Exception:
            log.exception("%s: sending message(s) %s failed: their fate is unknown", self.name, ids)
            return []

    def read_json(self, response: httpx.Response) -> Any:
        """The answer's JSON, or ``None`` when it has none."""
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            return None

    def by_status(
        self, sms: OutgoingSms, response: httpx.Response, code: str | None, error: str
    ) -> SubmitOutcome | None:
        """The outcome an HTTP status alone gives (no code the table knows); ``None`` = unknown."""
        status = response.status_code
        if status < 400:
            return None  # a success we could not read: it may have been taken
        cls = http_status_class(status)
        if cls is None and status >= 500:
            return None  # 504 and the like: the vendor may have taken it
        retry_after = parse_retry_after(response.headers) if cls == "retry" else None
        return outcome_for(sms.message_id, cls, code or f"HTTP {status}", error, retry_after)

    # -- callbacks ----------------------------------------------------------------------------

    def handle_callback(
        self, kind: str, request: CallbackRequest, *, now: datetime | None = None
    ) -> CallbackResult:
        """Check and parse one vendor callback of ``kind`` (see the provider's docstring)."""
        if kind not in self.callback_kinds:
            known = ", ".join(self.callback_kinds)
            raise NotFound(
                f"{self.name} has no callback kind {kind!r} (known: {known})",
                f"{self.name} 没有 {kind!r} 类回调（可用：{known}）",
            )
        handler: Callable[[CallbackRequest, datetime], CallbackResult] = getattr(self, f"_callback_{kind}")
        return handler(request, now or datetime.now(UTC))

    def require_token(self, request: CallbackRequest) -> None:
        """Check the shared ``?token=`` of a vendor that does not sign its callbacks."""
        if not self.callback_token:
            raise SignatureError(
                f"{self.name} callbacks are refused: the provider URL sets no callback_token",
                f"已拒绝 {self.name} 回调：短信通道地址未设置 callback_token",
            )
        given = request.query.get("token", "")
        if not hmac.compare_digest(given.encode("utf-8"), self.callback_token.encode("utf-8")):
            raise SignatureError(
                f"{self.name} callback: the token is missing or wrong",
                f"{self.name} 回调：token 缺失或不正确",
            )

    def items(self, payload: object, *, allow_object: bool = False) -> list[Mapping[str, Any]]:
        """A JSON array of objects (or one object when ``allow_object``); InputError otherwise."""
        if allow_object and isinstance(payload, dict):
            payload = [payload]
        if not isinstance(payload, list) or not all(isinstance(i, dict) for i in payload):
            raise malformed(self.name, "expected a JSON array of objects", "应为 JSON 对象数组")
        return payload

    def get_text(self, item: Mapping[str, Any], key: str, *, required: bool = True) -> str:
        """A scalar field as text (numbers too); InputError when required and missing."""
        value = item.get(key)
        if value is None or value == "":
            if required:
                raise malformed(self.name, f"field {key!r} is missing", f"缺少字段 {key!r}")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise malformed(
                self.name, f"field {key!r} is not a text or number", f"字段 {key!r} 不是文本或数字"
            )
        return str(value)
