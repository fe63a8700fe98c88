"""What HTTP providers share: an httpx client with explicit timeouts, and the callback contract.

A vendor posts delivery reports and replies to the API server (``/v1/webhooks/{name}/{kind}``). The
edge builds a :class:`CallbackRequest` exactly as it arrived and asks the provider's
:meth:`CallbackHandler.handle_callback` for the receipts and replies in it and the answer the vendor
expects; the flows store them. A request that fails the vendor's signature (or shared token) check
raises :class:`~dunning.core.errors.SignatureError`; a malformed one, InputError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from dunning.core.errors import NotFound
from dunning.messages.wire import InboundSms, Receipt, ReceiptIdFormat
from dunning.sending.providers.base import SmsProvider

__all__ = ["CallbackHandler", "CallbackRequest", "CallbackResult", "callback_handler"]


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    method: str
    url: str  # the full URL as the vendor called it (what Twilio signs)
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # the body may hold numbers and texts: never in a log
        return f"CallbackRequest({self.method} {self.url.split('?')[0]}, {len(self.body)} bytes)"


@dataclass(slots=True)
class CallbackResult:
    receipts: list[Receipt] = field(default_factory=list)
    replies: list[InboundSms] = field(default_factory=list)
    status_code: int = 200
    body: bytes = b""
    media_type: str = "application/json"


@runtime_checkable
class CallbackHandler(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def receipt_id_format(self) -> ReceiptIdFormat: ...

    def handle_callback(self, kind: str, request: CallbackRequest) -> CallbackResult: ...


def callback_handler(provider: SmsProvider, name: str) -> CallbackHandler:
    """The handler for callbacks addressed to ``name``: the provider itself when it is an HTTP
    provider of that name, or the route of that name of a routing provider."""
    from dunning.sending.providers.routing import RoutingProvider

    if isinstance(provider, RoutingProvider):
        found: CallbackHandler = provider.callback_target(name)
        return found
    if isinstance(provider, CallbackHandler) and provider.name == name:
        return provider
    raise NotFound(
        f"no provider named {name!r} takes callbacks here", f"此处没有名为 {name!r} 的可回调短信通道"
    )


def parse_template_map(value: str) -> dict[str, str]:
    """``ours:theirs,ours2:theirs2`` → {our template id: the vendor's template code}."""
    mapping: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in value.split(","))):
        ours, sep, theirs = pair.partition(":")
        if not sep or not ours.strip() or not theirs.strip():
            from dunning.core.errors import ConfigError

            raise ConfigError(
                f"template_map entries are ours:theirs, not {pair!r}",
                f"template_map 的每项须为 本方:通道方，而非 {pair!r}",
            )
        mapping[ours.strip()] = theirs.strip()
    return mapping


def token_ok(request: CallbackRequest, expected: str) -> None:
    """Vendors that do not sign their pushes (Aliyun, Tencent): a shared token in the callback URL
    (``?token=``), compared in constant time."""
    import hmac

    from dunning.core.errors import SignatureError

    presented = request.query.get("token", "")
    if not expected or not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise SignatureError("the callback token is missing or wrong", "回调令牌缺失或不正确")


def json_body(request: CallbackRequest) -> object:
    import json

    from dunning.core.errors import InputError

    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError("the callback body is not JSON", "回调内容不是 JSON") from None
