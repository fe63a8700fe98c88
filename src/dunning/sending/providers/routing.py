"""Several providers behind one: routing by E.164 prefix and priority, failover on retriable outcomes.

``DUNNING_PROVIDER_URL`` may hold several provider URLs separated by whitespace or ``|`` (a ``|``
inside a password must be percent-encoded as ``%7C``)::

    smpp://a:pw@smsc-cn:2775?tps=300&route_name=cn&route_prefix=+86,+852&priority=1
    | smpp://b:pw@smsc-intl:2775?tps=100&route_name=intl&priority=2

Routing options (stripped from the URL before the sub-provider sees it):

================  ==============================================================================
``route_name``    the route's short name (letters, digits, ``_ . -``; at most 32); it tags the
                  provider ids of the messages sent through it, so keep it stable. Default: the
                  sub-provider's name and its position, e.g. ``smpp1``
``route_prefix``  comma-separated E.164 prefixes the route serves (``+86,+852``); none = any number
``priority``      a whole number; **lower is tried first** (like MX/SRV); ties keep URL order.
                  Default 100
================  ==============================================================================

A message goes to the first route (by priority) whose prefixes match its number. When the outcome is
retriable, the sub-provider raised :class:`~dunning.core.errors.RetriableProviderError`, or the route
could not be opened, it fails over to the next matching route within the same ``submit_batch`` call.
Accepted, permanent and *unknown* (no outcome) results are final: an unknown message may have left
and is never offered elsewhere. A message no route matches fails permanently. A route that fails
to open is skipped (its messages fail over) and retried after a backoff; a ConfigError from one route
is logged and that route is skipped for longer, unless no route at all can be opened.

Tracking across SMSCs (ADR 0009): ``messages.provider`` is ``routing`` for every message, and the id
of an accepted message is namespaced by its route as ``<id>@<route_name>`` (parts too). Receipts
from a route are rewritten the same way, so ids from two SMSCs never collide, and the tracking
layer's normalisation (case, leading zeros) still applies to the ``<id>`` part. Because the suffix
hides the hex/decimal readings from the tracking layer, this provider translates a receipt's id
itself: deterministically for a sub-provider that declares ``decimal`` or ``hex``, and for ``auto``
by looking up the ids it handed out recently in this process (literal reading first).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Final, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from dunning.core.errors import ConfigError, NotFound, PermanentProviderError, RetriableProviderError
from dunning.core.urls import redact_url
from dunning.messages.wire import normalise_provider_id
from dunning.sending.providers.backoff import Backoff
from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, SmsProvider, SubmitOutcome

if TYPE_CHECKING:
    from dunning.sending.providers.http.base import CallbackHandler, CallbackRequest, CallbackResult

T = TypeVar("T")

__all__ = [
    "ROUTING_OPTIONS",
    "Route",
    "RouteCallbacks",
    "RoutingProvider",
    "callback_handler",
    "has_routing_options",
    "split_provider_urls",
    "strip_routing_options",
]

log = logging.getLogger("dunning.sending")

ROUTING_OPTIONS: Final = frozenset({"route_prefix", "route_name", "priority"})
DEFAULT_PRIORITY: Final = 100
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_HEX = re.compile(r"[0-9a-f]+")
# "|" always separates; whitespace only before another "scheme://" (a file path may hold spaces).
_SEPARATORS = re.compile(r"\s*\|\s*|\s+(?=[A-Za-z][A-Za-z0-9+.-]*://)")
_ISSUED_CAP = 100_000  # ids remembered per route for the hex/decimal reading of receipts
_DOWN_MIN, _DOWN_MAX = 1.0, 60.0  # seconds a route that failed to open is skipped (doubling)
_CONFIG_DOWN = 300.0  # … and after a ConfigError (wrong password): no hammering


def split_provider_urls(value: str) -> list[str]:
    """The provider URLs in one setting, separated by whitespace or ``|``."""
    return [u for u in _SEPARATORS.split(value.strip()) if u]


def _query_pairs(url: str) -> list[tuple[str, str]]:
    """``(raw segment, decoded key)`` for each ``&``-separated segment of the query."""
    query = urlsplit(url).query
    segments = [s for s in query.split("&") if s] if query else []
    return [(s, unquote(s.partition("=")[0].replace("+", " ")).strip()) for s in segments]


def has_routing_options(url: str) -> bool:
    return any(key in ROUTING_OPTIONS for _, key in _query_pairs(url))


def strip_routing_options(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without the routing options (the rest of the query kept byte for byte), and them."""
    parts = urlsplit(url)
    kept: list[str] = []
    options: dict[str, str] = {}
    for segment, key in _query_pairs(url):
        if key in ROUTING_OPTIONS:
            # "+" in a query means a space, but here it is the E.164 plus: keep it literally.
            options[key] = unquote(segment.partition("=")[2]).strip()
        else:
            kept.append(segment)
    return urlunsplit(parts._replace(query="&".join(kept))), options


def _bad(url: str, en: str, zh: str) -> ConfigError:
    safe = redact_url(url)
    return ConfigError(f"provider route {en}: {safe}", f"短信通道路由{zh}：{safe}")


def _prefixes(url: str, value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    out = []
    for item in value.split(","):
        digits = item.strip().removeprefix("+")
        if not digits.isascii() or not digits.isdigit():
            raise _bad(
                url, f"route_prefix {item.strip()!r} is not an E.164 prefix", f"前缀 {item!r} 不是 E.164 前缀"
            )
        out.append(digits)
    return tuple(dict.fromkeys(out))


@dataclass(eq=False)
class Route:
    """One sub-provider with its routing rules and health."""

    name: str
    provider: SmsProvider
    prefixes: tuple[str, ...] = ()  # E.164 digits without "+"; empty = any number
    priority: int = DEFAULT_PRIORITY
    position: int = 0
    ready: bool = False  # opened successfully (and not closed since)
    down_until: float = 0.0  # loop time before which no open is tried again
    backoff: Backoff = field(default_factory=lambda: Backoff(_DOWN_MIN, _DOWN_MAX))
    issued: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def matches(self, to: str) -> bool:
        if not self.prefixes:
            return True
        digits = to.strip().removeprefix("+")
        return any(digits.startswith(p) for p in self.prefixes)

    def tag(self, provider_id: str) -> str:
        return f"{provider_id.strip()}@{self.name}"

    def remember(self, provider_id: str) -> None:
        if self.provider.receipt_id_format != "auto":
            return
        key = _key(provider_id)
        self.issued[key] = None
        self.issued.move_to_end(key)
        while len(self.issued) > _ISSUED_CAP:
            self.issued.popitem(last=False)

    def receipt_id(self, quoted: str) -> str:
        """The receipt's id in the form this route's accepted outcome carried (then tagged)."""
        clean = quoted.strip().strip("\x00").strip()
        key = _key(clean)
        fmt = self.provider.receipt_id_format
        if fmt == "decimal" and key.isascii() and key.isdigit() and len(key) <= 40:
            return self.tag(format(int(key), "x"))
        if fmt == "hex" and _HEX.fullmatch(key) and len(key) <= 32:
            return self.tag(str(int(key, 16)))
        if fmt == "auto" and key not in self.issued:
            readings = []
            if key.isascii() and key.isdigit() and len(key) <= 40:
                readings.append(format(int(key), "x"))
            if _HEX.fullmatch(key) and len(key) <= 32:
                readings.append(str(int(key, 16)))
            for reading in readings:
                if reading in self.issued:
                    return self.tag(reading)
        return self.tag(clean)


_key = normalise_provider_id


class RoutingProvider(SmsProvider):
    """Routes each message to the best matching sub-provider and fails over on retriable outcomes."""

    name = "routing"
    receipt_id_format = "same"  # ids are translated and tagged here (see the module docstring)

    def __init__(self, url: str, build: Callable[[str], SmsProvider] | None = None) -> None:
        super().__init__(url)
        if build is None:
            from dunning.sending.providers.registry import build_single_provider

            build = build_single_provider
        self.urls = split_provider_urls(url)
        if not self.urls:
            raise ConfigError("no provider URL given", "未配置短信通道地址")
        routes: list[Route] = []
        for position, raw in enumerate(self.urls):
            clean, options = strip_routing_options(raw)
            prefixes = _prefixes(raw, options.get("route_prefix"))
            try:
                priority = int(options.get("priority") or DEFAULT_PRIORITY)
            except ValueError:
                raise _bad(raw, "priority must be a whole number", "的 priority 须为整数") from None
            provider = build(clean)
            name = options.get("route_name") or f"{provider.name}{position + 1}"
            if not _NAME.fullmatch(name):
                raise _bad(
                    raw,
                    f"route_name {name!r} must be 1–32 letters, digits, '_', '.' or '-'",
                    f"名称 {name!r} 须为 1–32 个字母、数字、'_'、'.' 或 '-'",
                )
            if any(r.name == name for r in routes):
                raise _bad(raw, f"route_name {name!r} is used twice", f"名称 {name!r} 重复")
            routes.append(Route(name, provider, prefixes, priority, position))
        self.routes = sorted(routes, key=lambda r: (r.priority, r.position))

    @property
    def safe_url(self) -> str:
        return " | ".join(redact_url(u) for u in self.urls)

    @property
    def is_simulated(self) -> bool:
        return any(r.provider.is_simulated for r in self.routes)

    # -- lifecycle ----------------------------------------------------------------------------

    async def _open_route(self, route: Route) -> BaseException | None:
        """Open one route; on failure mark it down (with backoff) and return the error."""
        loop = asyncio.get_running_loop()
        try:
            await route.provider.open()
        except Exception as exc:  # any failure to open: nothing was handed over
            route.ready = False
            if isinstance(exc, ConfigError):
                log.error("route %s (%s) cannot open: %s", route.name, route.provider.safe_url, exc)
                route.down_until = loop.time() + _CONFIG_DOWN
            elif isinstance(exc, RetriableProviderError | PermanentProviderError | OSError):
                log.warning("route %s (%s) is down: %s", route.name, route.provider.safe_url, exc)
                route.down_until = loop.time() + route.backoff.next()
            else:
                log.exception("route %s (%s) failed to open", route.name, route.provider.safe_url)
                route.down_until = loop.time() + route.backoff.next()
            return exc
        route.ready = True
        route.backoff.reset()
        return None

    async def open(self) -> None:
        """Open the routes that are not up (and not backing off); fine while at least one is up."""
        now = asyncio.get_running_loop().time()
        due = [r for r in self.routes if not r.ready and now >= r.down_until]
        errors = await asyncio.gather(*(self._open_route(r) for r in due))
        if any(r.ready for r in self.routes):
            return
        config = next((e for e in errors if isinstance(e, ConfigError)), None)
        if config is not None:
            raise config
        first = next((e for e in errors if e is not None), None)
        raise RetriableProviderError(
            f"no SMS provider route could be opened: {self.safe_url}",
            f"所有短信通道路由均无法连接：{self.safe_url}",
            retry_after=_DOWN_MIN,
        ) from first

    async def close(self) -> None:
        routes = list(self.routes)
        for r in routes:
            r.ready = False
        results = await asyncio.gather(*(r.provider.close() for r in routes), return_exceptions=True)
        for route, result in zip(routes, results, strict=True):
            if isinstance(result, Exception):
                log.warning(
                    "route %s (%s) did not close cleanly: %s", route.name, route.provider.safe_url, result
                )

    # -- submission ---------------------------------------------------------------------------

    async def _ensure_open(self, route: Route) -> bool:
        if route.ready:
            return True
        if asyncio.get_running_loop().time() < route.down_until:
            return False
        return await self._open_route(route) is None

    async def _submit(
        self, route: Route, group: list[OutgoingSms], now: datetime
    ) -> dict[int, SubmitOutcome]:
        """The route's outcomes for ``group`` by message id; a missing id means unknown."""
        if not await self._ensure_open(route):
            return {
                s.message_id: SubmitOutcome.retry(s.message_id, None, f"route {route.name} is down")
                for s in group
            }
        try:
            outcomes = await route.provider.submit_batch(group, now=now)
        except RetriableProviderError as exc:
            route.ready = False  # reopened (with backoff) before its next use
            route.down_until = asyncio.get_running_loop().time() + route.backoff.next()
            return {
                s.message_id: SubmitOutcome.retry(s.message_id, None, exc.en, exc.retry_after) for s in group
            }
        except ConfigError as exc:
            log.error("route %s (%s): %s", route.name, route.provider.safe_url, exc)
            route.ready = False
            route.down_until = asyncio.get_running_loop().time() + _CONFIG_DOWN
            return {s.message_id: SubmitOutcome.retry(s.message_id, None, exc.en) for s in group}
        except PermanentProviderError as exc:
            return {s.message_id: SubmitOutcome.permanent(s.message_id, None, exc.en) for s in group}
        except Exception:
            # The group may or may not have left: no outcome (unknown, never resent or failed over).
            log.exception("route %s (%s): submit_batch failed", route.name, route.provider.safe_url)
            return {}
        mine = {s.message_id for s in group}
        out: dict[int, SubmitOutcome] = {}
        for outcome in outcomes:
            if outcome.message_id not in mine or outcome.message_id in out:
                log.warning(
                    "route %s returned a stray outcome for message %s", route.name, outcome.message_id
                )
                continue
            if outcome.accepted and outcome.provider_message_id:
                for pid in (outcome.provider_message_id, *outcome.part_ids):
                    route.remember(pid)
                outcome = replace(
                    outcome,
                    provider_message_id=route.tag(outcome.provider_message_id),
                    part_ids=tuple(route.tag(p) for p in outcome.part_ids),
                )
            out[outcome.message_id] = outcome
        return out

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        final: list[SubmitOutcome] = []
        plans: dict[int, list[Route]] = {}
        todo: list[OutgoingSms] = []
        for sms in batch:
            plan = [r for r in self.routes if r.matches(sms.to)]
            if not plan:
                final.append(
                    SubmitOutcome.permanent(sms.message_id, None, "no provider route serves this number")
                )
                continue
            plans[sms.message_id] = plan
            todo.append(sms)
        step = dict.fromkeys(plans, 0)
        while todo:
            groups: dict[int, tuple[Route, list[OutgoingSms]]] = {}
            for sms in todo:
                route = plans[sms.message_id][step[sms.message_id]]
                groups.setdefault(id(route), (route, []))[1].append(sms)
            results = await asyncio.gather(*(self._submit(r, g, now) for r, g in groups.values()))
            todo = []
            for (route, group), outcomes in zip(groups.values(), results, strict=True):
                for sms in group:
                    outcome = outcomes.get(sms.message_id)
                    if outcome is None:
                        continue  # unknown: it may have left, so it stays where it is
                    step[sms.message_id] += 1
                    if outcome.retriable and step[sms.message_id] < len(plans[sms.message_id]):
                        log.info(
                            "message %s: route %s retriable (%s), failing over",
                            sms.message_id,
                            route.name,
                            outcome.error,
                        )
                        todo.append(sms)
                    else:
                        final.append(outcome)
        return final

    # -- receipts and replies -----------------------------------------------------------------

    async def _each(self, call: Callable[[SmsProvider], Awaitable[T]], what: str) -> list[tuple[Route, T]]:
        """``call`` on every route at once; a route that fails is logged and left out (one SMSC's
        trouble must not stop the others' receipts and replies)."""
        results = await asyncio.gather(*(call(r.provider) for r in self.routes), return_exceptions=True)
        out: list[tuple[Route, T]] = []
        for route, result in zip(self.routes, results, strict=True):
            if isinstance(result, Exception):
                log.warning("route %s: %s failed: %s", route.name, what, result)
            elif isinstance(result, BaseException):
                raise result
            else:
                out.append((route, result))
        return out

    async def drain_receipts(self) -> list[Receipt]:
        drained = await self._each(lambda p: p.drain_receipts(), "drain_receipts")
        return [
            replace(rc, provider_message_id=route.receipt_id(rc.provider_message_id))
            for route, receipts in drained
            for rc in receipts
        ]

    async def acknowledge(self) -> None:
        await self._each(lambda p: p.acknowledge(), "acknowledge")

    async def drain_inbound(self) -> list[InboundSms]:
        drained = await self._each(lambda p: p.drain_inbound(), "drain_inbound")
        return [reply for _, replies in drained for reply in replies]

    # -- callbacks (HTTP providers) -----------------------------------------------------------

    def callback_target(self, name: str) -> RouteCallbacks:
        """The callback handler of route ``name``: its provider's ``handle_callback`` with the
        receipts' ids tagged like this route's accepted outcomes (``<id>@<name>``). NotFound for an
        unknown route or one whose provider takes no callbacks."""
        route = next((r for r in self.routes if r.name == name), None)
        if route is None:
            known = ", ".join(r.name for r in self.routes)
            raise NotFound(
                f"no provider route named {name!r} (routes: {known})",
                f"没有名为 {name!r} 的短信通道路由（现有：{known}）",
            )
        if not callable(getattr(route.provider, "handle_callback", None)):
            raise NotFound(
                f"provider route {name!r} ({route.provider.name}) takes no callbacks",
                f"短信通道路由 {name!r}（{route.provider.name}）不接收回调",
            )
        return RouteCallbacks(route)


class RouteCallbacks:
    """One route's callbacks: the provider's results, receipt ids tagged with the route."""

    #: the ids are tagged here exactly as the router tagged the submitted ones
    receipt_id_format = "same"

    def __init__(self, route: Route) -> None:
        self.route = route

    def handle_callback(
        self, kind: str, request: CallbackRequest, *, now: datetime | None = None
    ) -> CallbackResult:
        handler: CallbackHandler = self.route.provider  # type: ignore[assignment]
        result = handler.handle_callback(kind, request, now=now)
        receipts = [
            replace(rc, provider_message_id=self.route.receipt_id(rc.provider_message_id))
            for rc in result.receipts
        ]
        return replace(result, receipts=receipts)


def callback_handler(provider: SmsProvider, name: str) -> CallbackHandler:
    """What handles the callbacks addressed to ``name``: route ``name`` of a RoutingProvider, or a
    single provider whose name (or URL scheme) is ``name``. NotFound otherwise."""
    if isinstance(provider, RoutingProvider):
        return provider.callback_target(name)
    names = {provider.name, urlsplit(provider.url).scheme.lower()}
    if name not in names or not callable(getattr(provider, "handle_callback", None)):
        raise NotFound(
            f"no SMS provider {name!r} takes callbacks here (configured: {provider.name})",
            f"此处没有接收回调的短信通道 {name!r}（已配置：{provider.name}）",
        )
    return provider  # type: ignore[return-value]
