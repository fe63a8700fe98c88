"""Parsing a provider URL's query options, with bilingual errors that never show a password."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from dunning.core.errors import ConfigError
from dunning.core.urls import redact_url

__all__ = ["ProviderUrl"]


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
