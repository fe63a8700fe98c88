"""``smsc://embedded``: the built-in SMSC simulator, started in this process, spoken to over real SMPP.

The default provider of a fresh install, ``dunning demo`` and ``dunning run``: the embedded path
exercises the same client, window, rate, receipts and replies as production, on loopback, with no
outside service. ``open`` starts a :class:`~dunning.sending.smsc.SimulatorThread` on an ephemeral
port of 127.0.0.1 and binds an :class:`~.smpp.provider.SmppProvider` to it; ``close`` unbinds and
stops the simulator.

``smsc://embedded?seed=7&undelivered=0.04&rejected=0.005&expired=0&delay=0.05&tps=2000&window=50&journal=F``

=================  ===========================================================================
``seed``           seed of the simulated outcomes (default 0)
``undelivered``    share of receipts UNDELIV (likewise ``rejected``, ``expired``); the rest DELIVRD
``delay``          seconds from submit_sm_resp to its receipt (default 0.05)
``tps``            the rate the client holds (default 20000: as fast as the process goes); the
                   simulator does not throttle
``window``         submits in flight (default 50)
``journal``        file to append every submit the simulator accepts to (JSON lines)
``replies``        simulated debtors answer delivered messages: ``demo`` (a plausible mix of every
                   intent) or ``promise:0.06,paid:0.03,…`` (share of delivered messages per intent)
``reply_delay``    seconds from the receipt to the reply (default 0.05)
=================  ===========================================================================
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dunning.core.errors import ConfigError
from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, SmsProvider, SubmitOutcome
from dunning.sending.providers.smpp.provider import SmppProvider
from dunning.sending.providers.url import ProviderUrl

if TYPE_CHECKING:
    from dunning.sending.smsc import SimulatorThread

SYSTEM_ID = "dunning"


def _replies(spec: str | None) -> dict[str, float]:
    """``demo`` or ``intent:share,…`` → the simulator's reply mix (empty: nobody answers)."""
    from dunning.sending.smsc.scenarios import DEMO_REPLIES

    if not spec:
        return {}
    if spec == "demo":
        return dict(DEMO_REPLIES)
    mix: dict[str, float] = {}
    for item in spec.split(","):
        intent, _, share = item.partition(":")
        try:
            mix[intent.strip()] = float(share)
        except ValueError:
            raise ConfigError(
                f"smsc:// replies must look like promise:0.05,paid:0.02 (got {item!r})",
                f"smsc:// replies 格式应为 promise:0.05,paid:0.02（收到 {item!r}）",
            ) from None
    return mix


class EmbeddedSmscProvider(SmsProvider):
    #: Same name as a real SMPP provider: receipts match the same way, reports read the same.
    name = "smpp"
    receipt_id_format = "same"
    simulated = True

    def __init__(self, url: str) -> None:
        super().__init__(url)
        options = ProviderUrl.parse(url)
        if options.path not in ("", "embedded"):
            raise ConfigError(
                f"smsc:// only supports smsc://embedded, not {options.path!r}",
                f"smsc:// 只支持 smsc://embedded，而不是 {options.path!r}",
            )
        rates = {state: options.rate(key) for key, state in _STATES.items()}
        delivered = 1.0 - sum(rates.values())
        if delivered < 0:
            raise ConfigError(
                "smsc:// outcome rates add up to more than 1", "smsc:// 各回执结果比率之和超过 1"
            )
        self.outcomes = {"DELIVRD": delivered, **{k: v for k, v in rates.items() if v > 0}}
        self.seed = int(options.number("seed", 0))
        self.delay = options.number("delay", 0.05)
        self.tps = options.number("tps", 20000.0) or 20000.0
        self.window = int(options.number("window", 50)) or 50
        self.journal = options.text("journal")
        self.replies = _replies(options.text("replies"))
        self.reply_delay = options.number("reply_delay", 0.05)
        self._password = secrets.token_hex(4)  # SMPP 3.4 passwords are at most 8 characters
        self._simulator: SimulatorThread | None = None
        self._client: SmppProvider | None = None

    @property
    def simulator(self) -> SimulatorThread | None:
        """The running simulator (its ``received`` journal, ``send_mo``), or None when closed."""
        return self._simulator

    @property
    def port(self) -> int | None:
        return self._simulator.port if self._simulator is not None else None

    async def open(self) -> None:
        if self._client is not None:
            await self._client.open()
            return
        from dunning.sending.smsc import SimulatorThread, make_scenario

        try:  # a bad reply mix is a configuration error, told before anything starts
            make_scenario("normal", replies=self.replies, reply_delay=self.reply_delay)
        except ValueError as exc:
            raise ConfigError(f"smsc:// replies: {exc}", f"smsc:// replies 参数无效：{exc}") from None
        simulator = SimulatorThread(
            "normal",
            replies=self.replies,
            reply_delay=self.reply_delay,
            journal=self.journal,
            password=self._password,
            outcomes=self.outcomes,
            seed=self.seed,
            receipt_delay=self.delay,
            # Ids unique across runs on the same database, as a real SMSC's are (mostly).
            id_start=int(time.time() * 1000) % 10**12 * 1000,
        ).start()
        self._simulator = simulator
        port = simulator.port
        url = f"smpp://{SYSTEM_ID}:{self._password}@127.0.0.1:{port}?tps={self.tps}&window={self.window}"
        self._client = SmppProvider(url)
        try:
            await self._client.open()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        simulator, self._simulator = self._simulator, None
        try:
            if client is not None:
                await client.close()
        finally:
            if simulator is not None:
                simulator.stop()

    def _require(self) -> SmppProvider:
        if self._client is None:
            raise ConfigError("smsc://embedded is not open", "内置短信中心未启动")
        return self._client

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        if self._client is None:
            await self.open()
        return await self._require().submit_batch(batch, now=now)

    async def drain_receipts(self) -> list[Receipt]:
        return await self._client.drain_receipts() if self._client is not None else []

    async def drain_inbound(self) -> list[InboundSms]:
        return await self._client.drain_inbound() if self._client is not None else []

    async def acknowledge(self) -> None:
        if self._client is not None:
            await self._client.acknowledge()


_STATES = {"undelivered": "UNDELIV", "rejected": "REJECTD", "expired": "EXPIRED"}
