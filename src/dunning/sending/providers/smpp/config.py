"""The SMPP provider's settings, parsed from its URL.

``smpp://system_id:password@host:port?tps=500&window=50&binds=2&source=95000&timeout=10``

=================  ============================================================================
``tps``            submits per second for the whole provider (one bucket shared by every bind)
``window``         submit_sm in flight per bind (default 50)
``binds``          number of bind_transceiver sessions (default 1)
``source``         default source address when a message has none
``timeout``        seconds to wait for a submit_sm_resp before the outcome is *unknown* (default 10)
``reconnect_min``  first delay before re-binding a lost bind, seconds (default 0.5); it doubles,
                   with jitter, up to ``reconnect_max`` (default 30)
``bind_wait``      seconds ``submit_batch`` waits for a bind when none is up, before it returns the
                   unsent messages as retriable (default 2)
``long``           how a body longer than one SMS goes: ``udh`` (default) as concatenated parts,
                   one submit_sm each; ``payload`` as one submit_sm carrying ``message_payload``
                   (the SMSC splits it; one id, one receipt)
=================  ============================================================================

Other options (e.g. the routing layer's ``route_prefix``, ``route_name``, ``priority``) are ignored.

The password is kept out of ``repr`` and logs; only :func:`~dunning.core.urls.redact_url` forms of
the URL are ever shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from dunning.core.errors import ConfigError
from dunning.core.urls import redact_url
from dunning.sending.providers.url import ProviderUrl

DEFAULT_PORT = 2775


def _bad(url: str, en: str, zh: str) -> ConfigError:
    safe = redact_url(url)
    return ConfigError(f"SMPP provider URL {en}: {safe}", f"SMPP 短信通道地址{zh}：{safe}")


@dataclass(frozen=True, slots=True)
class SmppConfig:
    host: str
    port: int
    system_id: str
    password: str = field(default="", repr=False)
    tps: float = 100.0
    window: int = 50
    binds: int = 1
    source: str | None = None
    timeout: float = 10.0
    reconnect_min: float = 0.5
    reconnect_max: float = 30.0
    bind_wait: float = 2.0
    long: str = "udh"  # "udh": concatenated parts; "payload": one submit_sm with message_payload

    @classmethod
    def from_url(cls, url: str) -> SmppConfig:
        parts = urlsplit(url)
        if parts.scheme.lower() != "smpp":
            raise _bad(url, "must start with smpp://", "须以 smpp:// 开头")
        try:
            host = parts.hostname
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise _bad(url, "has an invalid port", "端口无效") from None
        if not host:
            raise _bad(url, "has no host", "缺少主机")
        system_id = unquote(parts.username or "")
        if not system_id:
            raise _bad(url, "has no system_id", "缺少 system_id")
        options = ProviderUrl.parse(url)
        tps = options.number("tps", 100.0)
        window = options.number("window", 50)
        binds = options.number("binds", 1)
        timeout = options.number("timeout", 10.0)
        if tps <= 0 or timeout <= 0:
            raise _bad(url, "needs a positive tps and timeout", "的 tps 与 timeout 须为正数")
        reconnect_min = options.number("reconnect_min", 0.5)
        reconnect_max = options.number("reconnect_max", max(30.0, reconnect_min))
        bind_wait = options.number("bind_wait", 2.0)
        long = options.choice("long", ("udh", "payload"), "udh")
        if reconnect_min <= 0 or reconnect_max < reconnect_min:
            raise _bad(
                url,
                "needs 0 < reconnect_min <= reconnect_max",
                "须满足 0 < reconnect_min <= reconnect_max",
            )
        if window < 1 or binds < 1 or window != int(window) or binds != int(binds):
            raise _bad(
                url, "needs whole window and binds of at least 1", "的 window 与 binds 须为不小于 1 的整数"
            )
        return cls(
            host=host,
            port=port,
            system_id=system_id,
            password=unquote(parts.password or ""),
            tps=tps,
            window=int(window),
            binds=int(binds),
            source=options.text("source") or None,
            timeout=timeout,
            reconnect_min=reconnect_min,
            reconnect_max=reconnect_max,
            bind_wait=bind_wait,
            long=long,
        )
