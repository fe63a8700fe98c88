"""Behaviours of the SMSC simulator: one named scenario each, plus the knobs they share.

A :class:`Scenario` is a frozen dataclass. :func:`make_scenario` starts from the preset of a
:class:`ScenarioName` and overrides any field by keyword, so a CLI or a pytest fixture can say
``make_scenario("throttle", tps=50)``.

Shared knobs (every scenario): credentials to check, receipt delay and outcome rates (seeded),
TPS per bind, id format start value, scripted MO replies, scripted debtor replies. The scenario
name selects the single misbehaviour:

* ``normal``: answers everything promptly.
* ``drop_connection_after_n``: on each connection, after ``drop_after`` submits were answered,
  the next submit_sm closes the connection without an answer (and is not recorded).
* ``stall_responses``: on each connection, after ``stall_after`` answered submits, further
  submits are accepted and recorded (``answered=False``) but never answered; receipts still come.
* ``generic_nack``: every ``nack_every``-th submit_sm is answered with generic_nack
  (``nack_status``) and not accepted.
* ``bind_refusal``: every bind is refused with ``bind_status`` (ESME_RBINDFAIL by default).
* ``receipts_before_responses``: a submit's receipts are written before its submit_sm_resp.
* ``hex_ids``: message ids are lower-case hexadecimal (starting at ``id_start``).
* ``throttle``: ``tps`` (default 10) submits per second per bind; above it ESME_RTHROTTLED.
  ``tps`` may also be set in any other scenario.

Throttling is a token bucket (GCRA): ``tps`` tokens a second, at most ``tps_burst`` (default 5)
at once, so in any window of ``W`` seconds at most ``tps * W + tps_burst`` submits are accepted and
a client paced at exactly ``tps`` with up to ``(tps_burst - 1) / tps`` seconds of jitter is never
throttled. ``tps_scope`` says whose rate it is: ``"bind"`` (each connection has its own bucket, the
default) or ``"account"`` (one bucket per system_id, shared by all its binds, as an operator
enforces a contracted rate).

Scripted debtor replies: ``replies`` maps an intent of :data:`.debtors.INTENTS` to the share of
delivered messages whose handset answers with it (shares sum to at most 1; the rest stay silent).
The reply comes ``reply_delay`` seconds after the DELIVRD receipt, in ``reply_language`` ("auto":
Chinese when the message was), worded by :func:`.debtors.reply_text`. Whether and how a message is
answered is drawn from ``seed`` and the message itself, so the same workload gets the same replies.
``mo_duplicate_share`` of the replies arrive twice (a provider retry); a reply longer than one SMS
goes as ``message_payload`` (``mo_long="payload"``) or as concatenated parts with a UDH
(``"udh"``), optionally out of order (``mo_parts_shuffled``). :data:`DEMO_REPLIES` is a plausible mix.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Literal

from dunning.sending.providers.smpp.pdu import Status

from .debtors import INTENTS

__all__ = [
    "DEMO_REPLIES",
    "OUTCOMES",
    "PRESETS",
    "MoLong",
    "MoScript",
    "ReceiptMode",
    "ReplyLanguage",
    "Scenario",
    "ScenarioName",
    "TpsScope",
    "make_scenario",
]

#: Final receipt states the simulator can produce, in the order the rates are accumulated.
OUTCOMES: Final = ("DELIVRD", "UNDELIV", "REJECTD", "EXPIRED")

ReceiptMode = Literal["requested", "always", "never"]
TpsScope = Literal["bind", "account"]
ReplyLanguage = Literal["zh", "en", "auto"]
MoLong = Literal["payload", "udh"]

#: A reply mix for the demo: about one delivered message in five gets an answer.
DEMO_REPLIES: Final[Mapping[str, float]] = {
    "promise": 0.06,
    "paid": 0.03,
    "opt_out": 0.02,
    "hardship": 0.015,
    "help": 0.015,
    "other": 0.02,
    "dispute": 0.005,
    "wrong_number": 0.005,
    "complaint": 0.004,
}


class ScenarioName(StrEnum):
    NORMAL = "normal"
    DROP_CONNECTION_AFTER_N = "drop_connection_after_n"
    STALL_RESPONSES = "stall_responses"
    GENERIC_NACK = "generic_nack"
    BIND_REFUSAL = "bind_refusal"
    RECEIPTS_BEFORE_RESPONSES = "receipts_before_responses"
    HEX_IDS = "hex_ids"
    THROTTLE = "throttle"


@dataclass(frozen=True, slots=True)
class MoScript:
    """One scripted debtor reply: sent ``delay`` seconds after the first successful bind."""

    source: str
    text: str
    destination: str = ""
    delay: float = 0.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Scenario:
    name: ScenarioName = ScenarioName.NORMAL
    #: Checked on bind when set: a wrong system_id gets ESME_RINVSYSID, a wrong password ESME_RINVPASWD.
    system_id: str | None = None
    password: str | None = None
    #: Seconds between the submit_sm_resp and its receipt(s).
    receipt_delay: float = 0.05
    #: "requested": follow registered_delivery (1 = always, 2 = on failure only); or force.
    receipts: ReceiptMode = "requested"
    #: Relative rates of DELIVRD / UNDELIV / REJECTD / EXPIRED; missing states have rate 0.
    outcomes: Mapping[str, float] = field(default_factory=lambda: {"DELIVRD": 1.0})
    seed: int = 0
    #: Submits per second (token bucket, see the module docstring); None = unlimited.
    tps: float | None = None
    #: Submits the bucket lets through at once (its depth).
    tps_burst: int = 5
    #: "bind": one bucket per connection; "account": one per system_id, shared by its binds.
    tps_scope: TpsScope = "bind"
    #: First message id (the counter is shared by all binds of one simulator).
    id_start: int = 1
    drop_after: int = 10
    stall_after: int = 0
    nack_every: int = 3
    nack_status: int = Status.ESME_RSYSERR
    bind_status: int = Status.ESME_RBINDFAIL
    mo_script: tuple[MoScript, ...] = ()
    #: Share of delivered messages answered, per intent (none by default).
    replies: Mapping[str, float] = field(default_factory=dict)
    #: Seconds between the DELIVRD receipt and the reply.
    reply_delay: float = 0.2
    reply_language: ReplyLanguage = "auto"
    #: Share of replies delivered twice (same content, same source: a provider retry).
    mo_duplicate_share: float = 0.0
    #: A reply longer than one SMS: one message_payload TLV, or UDH parts (esm_class 0x40).
    mo_long: MoLong = "payload"
    #: Deliver UDH parts out of order (never in sequence order).
    mo_parts_shuffled: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.outcomes) - set(OUTCOMES)
        if unknown:
            raise ValueError(f"unknown outcome(s) {sorted(unknown)}; expected {OUTCOMES}")
        rates = list(self.outcomes.values())
        if any(r < 0 or not math.isfinite(r) for r in rates) or sum(rates) <= 0:
            raise ValueError("outcome rates must be finite, non-negative and not all zero")
        if self.tps is not None and not (self.tps > 0 and math.isfinite(self.tps)):
            raise ValueError("tps must be positive")
        if self.tps_burst < 1:
            raise ValueError("tps_burst must be at least 1")
        if self.tps_scope not in ("bind", "account"):
            raise ValueError(f"tps_scope must be bind or account, not {self.tps_scope!r}")
        if self.receipt_delay < 0:
            raise ValueError("receipt_delay must not be negative")
        if self.drop_after < 0 or self.stall_after < 0 or self.nack_every < 1:
            raise ValueError("drop_after and stall_after must be >= 0, nack_every >= 1")
        if self.id_start < 0:
            raise ValueError("id_start must not be negative")
        if self.receipts not in ("requested", "always", "never"):
            raise ValueError(f"receipts must be requested, always or never, not {self.receipts!r}")
        self._check_replies()

    def _check_replies(self) -> None:
        unknown = set(self.replies) - set(INTENTS)
        if unknown:
            raise ValueError(f"unknown reply intent(s) {sorted(unknown)}; expected {INTENTS}")
        shares = list(self.replies.values())
        if any(not (0 <= s <= 1) for s in shares) or sum(shares) > 1 + 1e-9:
            raise ValueError("reply shares must be within [0, 1] and sum to at most 1")
        if not (self.reply_delay >= 0 and math.isfinite(self.reply_delay)):
            raise ValueError("reply_delay must be finite and not negative")
        if self.reply_language not in ("zh", "en", "auto"):
            raise ValueError(f"reply_language must be zh, en or auto, not {self.reply_language!r}")
        if not 0 <= self.mo_duplicate_share <= 1:
            raise ValueError("mo_duplicate_share must be within [0, 1]")
        if self.mo_long not in ("payload", "udh"):
            raise ValueError(f"mo_long must be payload or udh, not {self.mo_long!r}")

    def draw_reply(self, u: float) -> str | None:
        """The intent whose share interval holds ``u`` (uniform in [0, 1)), or None: no reply."""
        acc = 0.0
        for intent in INTENTS:
            acc += self.replies.get(intent, 0.0)
            if u < acc:
                return intent
        return None

    def format_id(self, n: int) -> str:
        return f"{n:x}" if self.name == ScenarioName.HEX_IDS else str(n)

    def cumulative_outcomes(self) -> list[tuple[float, str]]:
        total = sum(self.outcomes.values())
        out: list[tuple[float, str]] = []
        acc = 0.0
        for state in OUTCOMES:
            rate = self.outcomes.get(state, 0.0)
            if rate > 0:
                acc += rate / total
                out.append((acc, state))
        return out


PRESETS: Final[dict[ScenarioName, Scenario]] = {
    ScenarioName.NORMAL: Scenario(),
    ScenarioName.DROP_CONNECTION_AFTER_N: Scenario(name=ScenarioName.DROP_CONNECTION_AFTER_N),
    ScenarioName.STALL_RESPONSES: Scenario(name=ScenarioName.STALL_RESPONSES),
    ScenarioName.GENERIC_NACK: Scenario(name=ScenarioName.GENERIC_NACK),
    ScenarioName.BIND_REFUSAL: Scenario(name=ScenarioName.BIND_REFUSAL),
    ScenarioName.RECEIPTS_BEFORE_RESPONSES: Scenario(name=ScenarioName.RECEIPTS_BEFORE_RESPONSES),
    ScenarioName.HEX_IDS: Scenario(name=ScenarioName.HEX_IDS, id_start=0xABC000),
    ScenarioName.THROTTLE: Scenario(name=ScenarioName.THROTTLE, tps=10),
}


def make_scenario(name: ScenarioName | str = ScenarioName.NORMAL, **options: Any) -> Scenario:
    """The preset for ``name`` with fields overridden by ``options`` (``None`` values are ignored)."""
    try:
        key = ScenarioName(name)
    except ValueError:
        choices = ", ".join(s.value for s in ScenarioName)
        raise ValueError(f"unknown scenario {name!r}; choose one of {choices}") from None
    fields = {f.name for f in dataclasses.fields(Scenario)} - {"name"}
    bad = set(options) - fields
    if bad:
        raise TypeError(f"unknown scenario option(s): {', '.join(sorted(bad))}")
    changes = {k: v for k, v in options.items() if v is not None}
    if "mo_script" in changes:
        changes["mo_script"] = tuple(
            m if isinstance(m, MoScript) else MoScript(*m) for m in changes["mo_script"]
        )
    return dataclasses.replace(PRESETS[key], **changes)
