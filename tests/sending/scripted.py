"""A scripted provider (the provider contract, answering as a test says) and the sender's hooks as
the flows provide them, with an allow-all or a custom re-check."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dunning import flows
from dunning.core.crypto import PersonalDataCipher
from dunning.messages.outbox import ClaimedMessage, ViolationLike
from dunning.messages.wire import InboundSms, OutgoingSms, Receipt, SubmitOutcome
from dunning.sending.providers.base import SmsProvider
from dunning.sending.worker import Now, SendSummary, send_due

Script = Callable[[OutgoingSms, int], SubmitOutcome]
Recheck = Callable[[Connection, Sequence[ClaimedMessage], datetime], Mapping[int, Sequence[ViolationLike]]]


def allow_all(_conn: Connection, _claimed: Sequence[ClaimedMessage], _now: datetime) -> dict[int, list[Any]]:
    return {}


def sender_hooks(cipher: PersonalDataCipher, check: Recheck = allow_all) -> flows.SenderHooks:
    """The flows' sender hooks with a pluggable re-check (allow-all by default)."""
    return flows.SenderHooks(cipher, flows.builtin_config("CN"), recheck=check)


def send(
    engine: Engine, provider: SmsProvider, cipher: PersonalDataCipher, now: Now, **kw: Any
) -> tuple[SendSummary, flows.SenderHooks]:
    """One sender run (``send_due``) with these hooks, in a fresh event loop."""
    hooks = kw.pop("hooks", None) or sender_hooks(cipher, kw.pop("recheck", allow_all))
    kw.setdefault("worker_id", "w1")
    kw.setdefault("batch_size", 2)
    kw.setdefault("settle", 0)

    async def go() -> SendSummary:
        try:
            return await send_due(engine, provider, hooks, now=now, **kw)
        finally:
            await provider.close()

    return asyncio.run(go()), hooks


class ScriptedProvider(SmsProvider):
    """Answers each submission as ``script(sms, attempt)`` says; accepts with id = hex(message id)."""

    name = "scripted"

    def __init__(self, script: Script | None = None, *, raise_error: BaseException | None = None) -> None:
        super().__init__("scripted://")
        self.script = script
        self.raise_error = raise_error
        self.calls: list[list[OutgoingSms]] = []
        self.pending: list[Receipt] = []
        self.inbound: list[InboundSms] = []
        self.attempts: dict[int, int] = {}
        self.opened = 0

    async def open(self) -> None:
        self.opened += 1

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        self.calls.append(list(batch))
        if self.raise_error is not None:
            raise self.raise_error
        out = []
        for sms in batch:
            attempt = self.attempts[sms.message_id] = self.attempts.get(sms.message_id, 0) + 1
            outcome = (
                self.script(sms, attempt)
                if self.script
                else SubmitOutcome.ok(sms.message_id, f"{sms.message_id:X}")
            )
            if outcome.accepted:
                assert outcome.provider_message_id is not None
                self.pending.append(
                    Receipt(outcome.provider_message_id, "delivered", now + timedelta(seconds=5))
                )
            out.append(outcome)
        return out

    async def drain_receipts(self) -> list[Receipt]:
        out, self.pending = self.pending, []
        return out

    async def drain_inbound(self) -> list[InboundSms]:
        out, self.inbound = self.inbound, []
        return out

    @property
    def sent_ids(self) -> list[int]:
        return [s.message_id for batch in self.calls for s in batch]
