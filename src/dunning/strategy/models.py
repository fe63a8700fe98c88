"""Strategies as data: segments in priority order, each a cadence of steps, plus exit rules.

A strategy file is validated completely when it is loaded; a strategy that loads can be assigned.
Ranges are half-open everywhere: ``min`` ≤ value < ``max``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dunning.core.profiles import Profile
from dunning.portfolio.dpd import PRE_DUE_DAYS
from dunning.templates._yaml import Bilingual

ExitCondition = Literal[
    "paid", "promise_to_pay", "dispute", "opt_out", "complaint", "bankrupt", "deceased", "hardship"
]
EscalationTarget = Literal["agent_queue", "dialler", "legal", "agency", "none"]
AbilityWillingness = Literal["can_will", "can_wont", "cant_will", "cant_wont"]
Policy = Literal["rules", "adaptive"]

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"

#: Delinquency buckets as inclusive DPD ranges (None = open). Names as in the Debtor frame's
#: ``bucket`` column, plus the coarse M1–M3+ for convenience. Accounts are in scope from D-3.
BUCKETS: dict[str, tuple[int | None, int | None]] = {
    "pre-due": (None, -1),
    "D0": (0, 0),
    "1-3": (1, 3),
    "4-7": (4, 7),
    "8-15": (8, 15),
    "16-30": (16, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "90+": (91, None),
    "M1": (1, 30),
    "M2": (31, 60),
    "M3": (61, 90),
    "M3+": (91, None),
}
FIRST_DAY_IN_SCOPE = -PRE_DUE_DAYS

#: Hours a step's window may cover: the legal floor of each profile (COMPLIANCE.md). The compliance
#: profile's own (possibly stricter) window is enforced again by the gate.
LEGAL_WINDOW_MIN: dict[str, tuple[int, int]] = {"CN": (8 * 60, 22 * 60), "US": (8 * 60, 21 * 60)}
DEFAULT_WINDOW_MIN: dict[str, tuple[int, int]] = {"CN": (8 * 60, 21 * 60), "US": (8 * 60, 21 * 60)}

_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_window(text: str) -> tuple[int, int]:
    """ "09:00-20:30" → (540, 1230) minutes of the local day; end may be 24:00; start < end."""
    match = _WINDOW.match(text.strip())
    if not match:
        raise Bilingual(
            f"window {text!r} must look like HH:MM-HH:MM, e.g. 09:00-20:00",
            f"发送时段 {text!r} 格式应为 HH:MM-HH:MM，如 09:00-20:00",
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise Bilingual(f"window {text!r} has an invalid time", f"发送时段 {text!r} 的时间无效")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start >= end:
        raise Bilingual(
            f"window {text!r}: the start must be before the end (no crossing midnight)",
            f"发送时段 {text!r} 的开始须早于结束（不跨午夜）",
        )
    return start, end


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RiskRange(_Model):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RiskRange:
        if self.min is None and self.max is None:
            raise Bilingual("risk_score needs min or max", "risk_score 至少需要 min 或 max")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise Bilingual("risk_score min must be below max", "risk_score 的 min 须小于 max")
        return self


class BalanceRange(_Model):
    """Balance in major units of the row's currency (元, dollars)."""

    min: Decimal | None = Field(default=None, ge=0)
    max: Decimal | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> BalanceRange:
        if self.min is None and self.max is None:
            raise Bilingual("balance needs min or max", "balance 至少需要 min 或 max")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise Bilingual("balance min must be below max", "balance 的 min 须小于 max")
        return self


class When(_Model):
    """Conditions a row must meet, AND-ed; an absent condition matches everything."""

    buckets: tuple[str, ...] | None = Field(default=None, min_length=1)
    risk_score: RiskRange | None = None
    balance: BalanceRange | None = None
    regions: tuple[str, ...] | None = Field(default=None, min_length=1)
    #: cells of the repayment ability × willingness segmentation (能力 × 意愿)
    ability_willingness: tuple[AbilityWillingness, ...] | None = Field(default=None, min_length=1)

    @field_validator("buckets")
    @classmethod
    def _known_buckets(cls, buckets: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if buckets is None:
            return None
        unknown = [b for b in buckets if b not in BUCKETS]
        if unknown:
            raise Bilingual(
                f"unknown buckets {unknown}; known: {list(BUCKETS)}",
                f"未知账龄段 {unknown}；可用：{list(BUCKETS)}",
            )
        return buckets

    @field_validator("regions")
    @classmethod
    def _regions(cls, regions: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if regions is None:
            return None
        if any(not r.strip() for r in regions):
            raise Bilingual("a region code must not be empty", "地区代码不能为空")
        return tuple(r.strip().upper() for r in regions)

    @property
    def matches_all(self) -> bool:
        return (
            self.buckets is None
            and self.risk_score is None
            and self.balance is None
            and self.regions is None
            and self.ability_willingness is None
        )

    def dpd_ranges(self) -> list[tuple[int | None, int | None]]:
        """Inclusive DPD ranges of the buckets; [(None, None)] when no bucket is named."""
        if self.buckets is None:
            return [(None, None)]
        return [BUCKETS[b] for b in self.buckets]

    def covers_day(self, day: int) -> bool:
        return any((lo is None or day >= lo) and (hi is None or day <= hi) for lo, hi in self.dpd_ranges())


class Step(_Model):
    id: str = Field(pattern=ID_PATTERN)
    day: int = Field(description="DPD on which to send; negative = before the due date")
    every: int | None = Field(default=None, ge=1, description="repeat every N days until the next step")
    template: str = Field(pattern=ID_PATTERN)
    template_multi: str | None = Field(default=None, pattern=ID_PATTERN)
    window: str

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_window(value)
        return value.strip()

    @property
    def window_minutes(self) -> tuple[int, int]:
        return parse_window(self.window)


class Escalation(_Model):
    """What happens after the last step (recorded only; the follow-up domain acts on it)."""

    to: EscalationTarget = "agent_queue"
    note: str = ""


class Segment(_Model):
    id: str = Field(pattern=ID_PATTERN)
    description: str = ""
    when: When = Field(default_factory=When)
    steps: tuple[Step, ...]
    escalate: Escalation | None = None

    @model_validator(mode="after")
    def _cadence(self) -> Segment:
        if not self.steps:
            raise Bilingual("at least one step is needed", "至少需要一个步骤")
        ids = [s.id for s in self.steps]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise Bilingual(f"duplicate step ids: {dupes}", f"步骤 id 重复：{dupes}")
        for previous, step in zip(self.steps, self.steps[1:], strict=False):
            if step.day <= previous.day:
                raise Bilingual(
                    f"steps must have strictly increasing days: step {step.id!r} (day {step.day}) "
                    f"is not after {previous.id!r} (day {previous.day})",
                    f"步骤须按 day 严格递增：步骤 {step.id}（day {step.day}）"
                    f"不晚于 {previous.id}（day {previous.day}）",
                )
        for step in self.steps:
            if step.day < FIRST_DAY_IN_SCOPE:
                raise Bilingual(
                    f"step {step.id!r}: day {step.day} is before D{FIRST_DAY_IN_SCOPE}, "
                    "when accounts enter scope; it would never send",
                    f"步骤 {step.id} 的 day {step.day} 早于纳入范围的 D{FIRST_DAY_IN_SCOPE}，永远不会发送",
                )
            if not self.when.covers_day(step.day):
                raise Bilingual(
                    f"step {step.id!r}: day {step.day} is outside the segment's buckets "
                    f"{list(self.when.buckets or [])}; it would never send",
                    f"步骤 {step.id} 的 day {step.day} 不在本分群的账龄段 "
                    f"{list(self.when.buckets or [])} 内，永远不会发送",
                )
        return self


class ExitRules(_Model):
    on: tuple[ExitCondition, ...] = ("paid", "promise_to_pay", "dispute", "opt_out", "complaint")
    min_balance: Decimal = Field(default=Decimal(0), ge=0, description="major units; below it no reminder")


Queue = Literal["phone_collection", "compliance_review", "disputes", "hardship", "payment_check"]
QUEUES: tuple[Queue, ...] = get_args(Queue)
Trigger = Literal[
    "no_response", "broken_promise", "complaint", "dispute", "hardship", "paid_claim", "wrong_number"
]
#: Triggers a reply sets off: each always opens a task (a rule may change where and how urgently).
REPLY_TRIGGERS: tuple[Trigger, ...] = ("complaint", "dispute", "hardship", "paid_claim", "wrong_number")


class EscalationRule(_Model):
    """When to hand a debtor to people: a task in a queue, with a priority and a due time.

    ``no_response``: at least ``after_delivered`` messages delivered since the last payment, promise or
    closed task of this rule, and no payment or promise since; ``broken_promise``: the debtor's
    ``broken_promises``-th broken promise in a row; the reply triggers: that reply arrived.
    """

    id: str = Field(pattern=ID_PATTERN)
    on: Trigger
    when: When = Field(default_factory=When)
    after_delivered: int | None = Field(default=None, ge=1)
    broken_promises: int = Field(default=1, ge=1)
    queue: Queue
    priority: int = Field(default=3, ge=1, le=4, description="1 = most urgent")
    due_hours: float = Field(default=24, gt=0, description="due this long after opening, in contact hours")
    owner: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _complete(self) -> EscalationRule:
        if self.on == "no_response" and self.after_delivered is None:
            raise Bilingual(
                f"escalation {self.id!r}: no_response needs after_delivered (K delivered messages)",
                f"升级规则 {self.id}：no_response 需要 after_delivered（送达 K 条后）",
            )
        return self


#: Used for every trigger the strategy names no rule for: a complaint, dispute, hardship or payment
#: claim always reaches a person, and two broken promises go to phone collection.
DEFAULT_ESCALATION: tuple[EscalationRule, ...] = (
    EscalationRule(id="complaint", on="complaint", queue="compliance_review", priority=1, due_hours=4),
    EscalationRule(id="dispute", on="dispute", queue="disputes", priority=2, due_hours=24),
    EscalationRule(id="hardship", on="hardship", queue="hardship", priority=2, due_hours=24),
    EscalationRule(id="paid-claim", on="paid_claim", queue="payment_check", priority=3, due_hours=24),
    EscalationRule(id="wrong-number", on="wrong_number", queue="phone_collection", priority=4, due_hours=72),
    EscalationRule(
        id="broken-promise", on="broken_promise", queue="phone_collection", priority=2, due_hours=24
    ),
)


class FollowUp(_Model):
    """How replies, promises and payments are followed up (defaults from COLLECTIONS.md/REFERENCE.md §4)."""

    paid_hold_days: int = Field(default=3, ge=0, le=30, description="hold after 'I paid' while it is checked")
    promise_grace_days: int = Field(default=2, ge=0, le=14)
    promise_kept_share: Decimal = Field(default=Decimal("0.9"), gt=0, le=1)
    promise_max_days: int = Field(default=31, ge=1, le=92, description="a later date is held only this long")
    vague_follow_up_days: int = Field(default=3, ge=1, le=30)
    #: None: the profile decides (US: one confirmation; CN: none)
    confirm_opt_out: bool | None = None
    confirm_promise: bool = False
    help_answers: bool = True
    help_every_days: int = Field(default=7, ge=1, description="at most one help answer per debtor per N days")
    payment_received_note: bool = False
    attribution_days: int = Field(default=3, ge=1, le=30)


HOLDOUT = "holdout"


class Arm(_Model):
    """One arm of an experiment: its share of the debtors not held out, and what it changes."""

    id: str = Field(pattern=ID_PATTERN)
    share: Decimal = Field(gt=0, le=1)
    #: a send window instead of the step's (within the profile's legal hours)
    window: str | None = None
    #: our template id → the template this arm sends instead
    templates: dict[str, str] = Field(default_factory=dict)

    @field_validator("window")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None:
            parse_window(value)
        return value

    @property
    def window_minutes(self) -> tuple[int, int] | None:
        return parse_window(self.window) if self.window is not None else None


class Experiment(_Model):
    """Champion/challenger with a no-SMS holdout. Assignment is random but stable per debtor (a
    keyed hash of the experiment id and the debtor's id), recorded with its probability."""

    id: str = Field(pattern=ID_PATTERN)
    holdout: Decimal = Field(default=Decimal("0"), ge=0, le=Decimal("0.5"))
    arms: tuple[Arm, ...]
    #: set by `dunning experiment promote`: every debtor not held out gets this arm
    promoted: str | None = None

    @model_validator(mode="after")
    def _arms(self) -> Experiment:
        ids = [a.id for a in self.arms]
        if not ids:
            raise Bilingual("an experiment needs at least one arm", "实验至少需要一个组")
        if HOLDOUT in ids or len(set(ids)) != len(ids):
            raise Bilingual(
                f"arm ids must be unique and not {HOLDOUT!r}: {ids}",
                f"实验组 id 须唯一且不能为 {HOLDOUT}：{ids}",
            )
        total = sum((a.share for a in self.arms), Decimal(0))
        if abs(total - 1) > Decimal("0.0001"):
            raise Bilingual(f"arm shares must add up to 1, not {total}", f"各组比例之和须为 1，而非 {total}")
        if self.promoted is not None and self.promoted not in ids:
            raise Bilingual(
                f"promoted arm {self.promoted!r} is not an arm", f"推广的组 {self.promoted} 不存在"
            )
        return self


class Adaptive(_Model):
    """How ``policy: adaptive`` chooses (learning.policy). Costs are in major units of the currency:
    a message is worth sending when balance × its uplift in the chance of payment exceeds them."""

    #: send windows it chooses among; empty: the distinct windows of the strategy's steps
    slots: tuple[str, ...] = ()
    #: what a message costs beyond its price: the reader's attention, fatigue, the carrier's patience
    message_cost: Decimal = Field(default=Decimal("1"), ge=0)
    #: what a complaint or an opt-out costs
    harm_cost: Decimal = Field(default=Decimal("300"), ge=0)
    #: share of each decision spread evenly over the allowed actions (keeps every action possible)
    explore: float = Field(default=0.1, ge=0.01, le=0.5)
    #: days after a decision in which a payment (or a complaint) counts as its outcome
    horizon_days: int = Field(default=3, ge=1, le=30)
    #: at most this many reminders in 7 days, and none on consecutive days below ``min_gap_days``
    max_per_week: int = Field(default=3, ge=1, le=7)
    min_gap_days: int = Field(default=1, ge=1, le=14)
    #: posterior draws per decision (Thompson sampling)
    draws: int = Field(default=64, ge=8, le=1024)
    #: spread of the draws: 1 = plain Thompson sampling; below 1 exploits what it knows sooner
    posterior_scale: float = Field(default=1.0, gt=0, le=1)

    @field_validator("slots")
    @classmethod
    def _slots(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for slot in value:
            parse_window(slot)
        if len(set(value)) != len(value):
            raise Bilingual(f"duplicate slots: {list(value)}", f"发送时段重复：{list(value)}")
        return tuple(s.strip() for s in value)


class Strategy(_Model):
    id: str = Field(pattern=ID_PATTERN)
    profile: Profile
    version: int = Field(ge=1)
    description: str = ""
    exit: ExitRules = Field(default_factory=ExitRules)
    segments: tuple[Segment, ...]
    follow_up: FollowUp = Field(default_factory=FollowUp)
    escalation: tuple[EscalationRule, ...] = ()
    experiment: Experiment | None = None
    #: rules: the cadence of the steps; adaptive: the learning policy chooses day, template, window
    policy: Policy = "rules"
    adaptive: Adaptive = Field(default_factory=Adaptive)

    def slots(self) -> tuple[str, ...]:
        """The send windows the adaptive policy chooses among."""
        if self.adaptive.slots:
            return self.adaptive.slots
        seen: dict[str, None] = {}
        for segment in self.segments:
            for step in segment.steps:
                seen.setdefault(step.window, None)
        return tuple(seen)

    def escalation_rules(self) -> tuple[EscalationRule, ...]:
        """The strategy's rules, plus the default rule of each reply trigger it names none for."""
        named = {rule.on for rule in self.escalation}
        extra = [r for r in DEFAULT_ESCALATION if r.on not in named]
        return (*self.escalation, *extra)

    @field_validator("profile", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _whole(self) -> Strategy:
        if not self.segments:
            raise Bilingual("at least one segment is needed", "至少需要一个分群")
        rule_ids = [r.id for r in self.escalation]
        dupes_r = sorted({i for i in rule_ids if rule_ids.count(i) > 1})
        if dupes_r:
            raise Bilingual(f"duplicate escalation ids: {dupes_r}", f"升级规则 id 重复：{dupes_r}")
        ids = [s.id for s in self.segments]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise Bilingual(f"duplicate segment ids: {dupes}", f"分群 id 重复：{dupes}")
        for segment in self.segments[:-1]:
            if segment.when.matches_all:
                raise Bilingual(
                    f"segment {segment.id!r} has no conditions (matches everything), so the segments "
                    "after it can never match; move it to the end",
                    f"分群 {segment.id} 没有任何条件（匹配全部），其后的分群永远不会被选中；请把它放在最后",
                )
        lo, hi = LEGAL_WINDOW_MIN[self.profile]
        for slot in self.adaptive.slots:
            start, end = parse_window(slot)
            if start < lo or end > hi:
                raise Bilingual(
                    f"adaptive slot {slot} is outside the {self.profile} legal hours {_hhmm(lo)}-{_hhmm(hi)}",
                    f"自适应发送时段 {slot} 超出 {self.profile} 法定时段 {_hhmm(lo)}-{_hhmm(hi)}",
                )
        for arm in self.experiment.arms if self.experiment is not None else ():
            minutes = arm.window_minutes
            if minutes is not None and (minutes[0] < lo or minutes[1] > hi):
                raise Bilingual(
                    f"experiment arm {arm.id!r}: window {arm.window} is outside the legal sending hours",
                    f"实验组 {arm.id} 的发送时段 {arm.window} 超出法定可发送时间",
                )
        for segment in self.segments:
            for step in segment.steps:
                start, end = step.window_minutes
                if start < lo or end > hi:
                    raise Bilingual(
                        f"segment {segment.id!r} step {step.id!r}: window {step.window} is outside the "
                        f"{self.profile} legal hours {_hhmm(lo)}-{_hhmm(hi)}",
                        f"分群 {segment.id} 步骤 {step.id}：发送时段 {step.window} "
                        f"超出 {self.profile} 法定时段 {_hhmm(lo)}-{_hhmm(hi)}",
                    )
        return self

    def segment(self, segment_id: str) -> Segment:
        for s in self.segments:
            if s.id == segment_id:
                return s
        raise KeyError(segment_id)
