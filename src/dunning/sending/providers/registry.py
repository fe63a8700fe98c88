"""Providers by URL scheme: built-ins and plugins alike come from the ``dunning.providers`` entry points.

The built-ins (``file``, ``console``, ``smpp``, ``smsc``) are declared in dunning's own pyproject.toml
under ``[project.entry-points."dunning.providers"]``, exactly as a third-party package declares its
own: name = scheme, value = an :class:`~dunning.sending.providers.base.SmsProvider` subclass (whose
``from_url`` is used) or a callable ``(url) -> SmsProvider``. :func:`register_provider` adds one at
run time (tests, embedding applications) and wins over an entry point of the same name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from urllib.parse import urlsplit

from dunning.core.errors import ConfigError
from dunning.core.urls import redact_url
from dunning.sending.providers.base import SmsProvider

__all__ = [
    "ENTRY_POINT_GROUP",
    "ProviderFactory",
    "available_schemes",
    "build_provider",
    "build_single_provider",
    "register_provider",
]

log = logging.getLogger("dunning.sending")

ENTRY_POINT_GROUP = "dunning.providers"

ProviderFactory = Callable[[str], SmsProvider]

_FACTORIES: dict[str, ProviderFactory] = {}


def register_provider(scheme: str, factory: ProviderFactory | type[SmsProvider]) -> None:
    """Register (or replace) the factory for a URL scheme; packages normally use entry points."""
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


def _entry_points() -> dict[str, EntryPoint]:
    """Installed providers by scheme; for a scheme declared twice, dunning's own built-in wins."""
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        name = ep.name.lower()
        if name not in found or not found[name].value.startswith("dunning."):
            found[name] = ep
    return found


def available_schemes() -> list[str]:
    """Registered and installed (entry-point) schemes, sorted."""
    return sorted(set(_FACTORIES) | set(_entry_points()))


def build_provider(url: str) -> SmsProvider:
    """Build a provider from ``scheme://…``.

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
    factory = _FACTORIES.get(scheme)
    if factory is None:
        found = _entry_points().get(scheme) if scheme else None
        if found is not None:
            factory = _as_factory(found.load())
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
