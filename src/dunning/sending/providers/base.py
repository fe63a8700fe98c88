"""The provider seam: what the sender hands to an SMS provider and what comes back.

One interface serves a file sink today and an asyncio SMPP client with windowing tomorrow, so it is
async and batch-oriented, and receipts arrive later and separately from submission:

    provider = build_provider("file://outbox.jsonl?undelivered=0.03&seed=7")
    async with provider:                                   # open(): connect / bind
        outcomes = await provider.submit_batch(batch, now=now)   # one SubmitOutcome per message
        receipts = await provider.drain_receipts()               # whatever has arrived so far
        replies = await provider.drain_inbound()                 # MO messages so far
        ...store them...
        await provider.acknowledge()                             # stored: confirm to the peer

Contract of ``submit_batch`` (the sender relies on it to never send a message twice):

- It returns exactly one :class:`SubmitOutcome` per message of the batch (any order, keyed by
  ``message_id``). A message without an outcome is treated as *unknown* and never resent.
- ``accepted`` means the provider took the message and gave it ``provider_message_id``.
- ``retriable`` means the provider certainly did **not** take it (throttled, queue full, bind lost
  before the write) and it may be offered again after ``retry_after`` seconds.
- Otherwise the outcome is a permanent error with ``error_code`` (the provider's status, e.g. SMPP
  ``0x0000000B`` invalid destination): the message fails and is never retried.
- Raising :class:`~dunning.core.errors.RetriableProviderError` means nothing of the batch was handed
  over (all retried later); :class:`~dunning.core.errors.PermanentProviderError` means none of the batch
  can ever be sent (all fail). Any other exception leaves the batch in flight: the sender marks it
  *unknown* (it may or may not have left) and re-raises.

Receipts (:class:`Receipt`) carry the provider's id as the provider wrote it; matching it to a message
(hex/decimal, case, leading zeros) is the tracking domain's job, not the provider's.

Providers are built from a URL by scheme. Built in: ``file://`` and ``console://``. Plugins register
a factory under the entry-point group ``dunning.providers`` (name = scheme; value = an
:class:`SmsProvider` subclass, whose ``from_url`` is used, or a callable ``(url) -> SmsProvider``).
Anything logged about a provider goes through :func:`~dunning.core.urls.redact_url`.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from types import TracebackType
from typing import Literal, Self, get_args
from urllib.parse import parse_qs, urlsplit

from dunning.core.errors import ConfigError
from dunning.core.masking import mask_phone
from dunning.core.urls import redact_url

log = logging.getLogger("dunning.sending")

ReceiptStatus = Literal["delivered", "undelivered", "rejected", "expired", "failed"]
RECEIPT_STATUSES: tuple[ReceiptStatus, ...] = get_args(ReceiptStatus)
ReceiptIdFormat = Literal["auto", "same", "decimal", "hex"]

ENTRY_POINT_GROUP = "dunning.providers"


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """One message as handed to a provider. ``to`` is the clear E.164 number: never log it."""

    message_id: int
    to: str
    body: str
    encoding: str  # "GSM-7" | "UCS-2" (core.smstext)
    segments: int
    source: str | None = None  # source address / sender id; None = the provider's default

    @property
    def to_masked(self) -> str:
        return mask_phone(self.to)

    def __repr__(self) -> str:  # keeps the clear number out of logs and tracebacks
        return (
            f"OutgoingSms(message_id={self.message_id}, to={self.to_masked!r}, "
            f"encoding={self.encoding!r}, segments={self.segments}, source={self.source!r})"
        )


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What the provider said about one submitted message."""

    message_id: int
    accepted: bool
    provider_message_id: str | None = None
    retriable: bool = False
    retry_after: float | None = None  # seconds, for retriable outcomes
    error_code: str | None = None  # the provider's status code, e.g. "0x0000000B"
    error: str | None = None
    #: The id of every part of a concatenated message, in part order (the first equals
    #: ``provider_message_id``); empty when the provider gives one id per message.
    part_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.accepted and not self.provider_message_id:
            raise ValueError("an accepted outcome needs a provider_message_id")
        if self.accepted and self.retriable:
            raise ValueError("an outcome cannot be both accepted and retriable")

    @classmethod
    def ok(cls, message_id: int, provider_message_id: str, part_ids: Sequence[str] = ()) -> SubmitOutcome:
        return cls(message_id, True, provider_message_id, part_ids=tuple(part_ids))

    @classmethod
    def retry(
        cls, message_id: int, error_code: str | None, error: str, retry_after: float = 1.0
    ) -> SubmitOutcome:
        return cls(
            message_id, False, retriable=True, retry_after=retry_after, error_code=error_code, error=error
        )

    @classmethod
    def permanent(cls, message_id: int, error_code: str | None, error: str) -> SubmitOutcome:
        return cls(message_id, False, error_code=error_code, error=error)

    @property
    def permanent_error(self) -> bool:
        return not self.accepted and not self.retriable


@dataclass(frozen=True, slots=True)
class Receipt:
    """A final delivery report, as the provider sent it (``provider_message_id`` not normalised)."""

    provider_message_id: str
    status: ReceiptStatus
    at: datetime  # when the provider says the final state was reached (timezone-aware)
    error_code: str | None = None
    raw: str | None = None  # the provider's text, for the record; must never hold a clear number
    #: The handset the message went to (clear E.164 or digits), when the provider says; used only to
    #: reconcile a message whose submission outcome is unknown. Never logged, never stored in clear.
    handset: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.status not in RECEIPT_STATUSES:
            raise ValueError(f"unknown receipt status {self.status!r}")
        if self.at.tzinfo is None:
            raise ValueError("receipt time must be timezone-aware")


@dataclass(frozen=True, slots=True)
class InboundSms:
    """A message from a handset (an MO reply). ``sender`` and ``text`` are personal data: never log."""

    sender: str  # the handset, E.164 with "+" when the provider gives an international number
    text: str
    received_at: datetime  # timezone-aware
    recipient: str = ""  # our number / short code it was sent to
    provider_reference: str | None = None  # the provider's id for the MO, when it has one

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise ValueError("inbound time must be timezone-aware")

    def __repr__(self) -> str:
        sender = mask_phone(self.sender)
        return f"InboundSms(sender={sender!r}, recipient={self.recipient!r}, chars={len(self.text)})"


class SmsProvider(abc.ABC):
    """Base class of every provider. Subclasses implement ``submit_batch`` and ``drain_receipts``."""

    #: Short name stored in ``messages.provider`` (≤ 64 characters).
    name: str = "provider"
    #: How this provider's receipts quote the id it returned at submission: ``auto`` (unknown —
    #: try literal, then decimal↔hex), ``same``, ``decimal`` or ``hex``. See tracking.receipts.
    receipt_id_format: ReceiptIdFormat = "auto"

    def __init__(self, url: str = "") -> None:
        self.url = url

    @classmethod
    def from_url(cls, url: str) -> Self:
        """Build the provider from its URL (the registry calls this)."""
        return cls(url)

    @property
    def safe_url(self) -> str:
        """The URL with any password replaced by ``***``: the only form that may be logged."""
        return redact_url(self.url)

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Connect / bind. Must be idempotent. A configuration problem raises ConfigError here."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Unbind / flush. Must be idempotent."""

    @abc.abstractmethod
    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        """Offer ``batch`` to the provider; one outcome per message (see the module contract).

        ``now`` is the instant the caller considers current (a replayed ``--now`` day); real
        network providers may ignore it.
        """

    @abc.abstractmethod
    async def drain_receipts(self) -> list[Receipt]:
        """Return and forget the final receipts received so far. Never blocks waiting for more."""

    async def drain_inbound(self) -> list[InboundSms]:
        """Return and forget the replies (MO messages) received so far; none by default."""
        return []

    async def acknowledge(self) -> None:  # noqa: B027 - optional hook
        """The receipts and replies drained so far are stored: the provider may now confirm them to
        its peer (an SMPP provider answers their deliver_sm only now, so a crash between receiving
        and storing makes the SMSC deliver them again instead of losing them)."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.safe_url!r})"


# --------------------------------------------------------------------------------------------------
# Query-string helpers shared by providers


@dataclass(frozen=True, slots=True)
class ProviderUrl:
    """A parsed provider URL: scheme, a path (netloc + path), and single-valued query options."""

    scheme: str
    path: str
    options: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    @classmethod
    def parse(cls, url: str) -> ProviderUrl:
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        path = parts.path if netloc in ("", "localhost") else netloc + parts.path
        options = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return cls(parts.scheme.lower(), path, options, url)

    def _bad(self, key: str, want_en: str, want_zh: str) -> ConfigError:
        safe = redact_url(self.raw)
        return ConfigError(
            f"provider URL option {key}={self.options[key]!r} must be {want_en}: {safe}",
            f"短信通道地址参数 {key}={self.options[key]!r} 须为{want_zh}：{safe}",
        )

    def flag(self, key: str, default: bool = False) -> bool:
        if key not in self.options:
            return default
        value = self.options[key].strip().lower()
        if value in ("1", "true", "yes", "on", ""):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise self._bad(key, "1 or 0", " 1 或 0")

    def rate(self, key: str, default: float = 0.0) -> float:
        value = self.number(key, default)
        if not 0.0 <= value <= 1.0:
            raise self._bad(key, "a rate between 0 and 1", " 0 到 1 之间的比率")
        return value

    def number(self, key: str, default: float) -> float:
        if key not in self.options:
            return default
        try:
            value = float(self.options[key])
        except ValueError:
            raise self._bad(key, "a number", "数字") from None
        if value != value or value < 0:  # NaN or negative
            raise self._bad(key, "a non-negative number", "非负数")
        return value

    def text(self, key: str, default: str | None = None) -> str | None:
        return self.options.get(key, default)

    def choice(self, key: str, allowed: Sequence[str], default: str) -> str:
        value = self.options.get(key, default)
        if value not in allowed:
            raise self._bad(key, "one of " + ", ".join(allowed), "以下之一：" + "、".join(allowed))
        return value


# --------------------------------------------------------------------------------------------------
# Registry

ProviderFactory = Callable[[str], SmsProvider]

_FACTORIES: dict[str, ProviderFactory] = {}


def register_provider(scheme: str, factory: ProviderFactory | type[SmsProvider]) -> None:
    """Register (or replace) the factory for a URL scheme; plugins normally use entry points."""
    _FACTORIES[scheme.lower()] = _as_factory(factory)


def _as_factory(obj: object) -> ProviderFactory:
    if isinstance(obj, type) and issubclass(obj, SmsProvider):
        return obj.from_url
    if callable(obj):
        return obj  # type: ignore[return-value]
    raise ConfigError(
        f"provider plugin {obj!r} is neither an SmsProvider subclass nor a callable",
        f"短信通道插件 {obj!r} 既不是 SmsProvider 子类也不可调用",
    )


def _builtin_factories() -> dict[str, ProviderFactory]:
    from dunning.sending.providers.console import ConsoleProvider
    from dunning.sending.providers.embedded import EmbeddedSmscProvider
    from dunning.sending.providers.file import FileProvider
    from dunning.sending.providers.smpp.provider import SmppProvider

    return {
        "file": FileProvider.from_url,
        "console": ConsoleProvider.from_url,
        "smpp": SmppProvider.from_url,
        "smsc": EmbeddedSmscProvider.from_url,
    }


def _plugin_factory(scheme: str) -> ProviderFactory | None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name.lower() == scheme:
            return _as_factory(ep.load())
    return None


def available_schemes() -> list[str]:
    """Built-in, registered and installed plugin schemes, sorted."""
    names = set(_builtin_factories()) | set(_FACTORIES)
    names |= {ep.name.lower() for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names)


def build_provider(url: str) -> SmsProvider:
    """Build a provider from ``scheme://…``: registered first, then built-ins, then entry points.

    Several URLs separated by whitespace or ``|`` (or one URL with routing options such as
    ``route_name``) build a :class:`~dunning.sending.providers.routing.RoutingProvider` over them.
    """
    from dunning.sending.providers.routing import RoutingProvider, has_routing_options, split_provider_urls

    urls = split_provider_urls(url)
    if len(urls) > 1 or (len(urls) == 1 and has_routing_options(urls[0])):
        provider: SmsProvider = RoutingProvider(url, build_single_provider)
        log.info("SMS provider %s: %s", provider.name, provider.safe_url)
        return provider
    return build_single_provider(urls[0] if urls else url)


def build_single_provider(url: str) -> SmsProvider:
    """Build the provider of one URL (no routing)."""
    scheme = urlsplit(url).scheme.lower()
    factory = _FACTORIES.get(scheme) or _builtin_factories().get(scheme) or _plugin_factory(scheme)
    if factory is None:
        known = ", ".join(available_schemes())
        raise ConfigError(
            f"unknown SMS provider scheme {scheme or '(none)'!r} in {redact_url(url)}; known: {known}",
            f"未知的短信通道类型 {scheme or '（无）'!r}（{redact_url(url)}）；可用：{known}",
        )
    provider = factory(url)
    if not isinstance(provider, SmsProvider):
        raise ConfigError(
            f"provider factory for {scheme!r} returned {type(provider).__name__}, not an SmsProvider",
            f"短信通道 {scheme!r} 的工厂返回了 {type(provider).__name__}，不是 SmsProvider",
        )
    log.info("SMS provider %s: %s", provider.name, provider.safe_url)
    return provider
