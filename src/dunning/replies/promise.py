"""Promise-to-pay terms: how much, by which local date, or — when vague — when to check again."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from dunning.core.clock import zone
from dunning.replies.amounts import find_amount
from dunning.replies.dates import VAGUE_DAYS, DateHit, find_dates
from dunning.replies.normalise import normalise

__all__ = ["PromiseTerms", "parse_normalised", "parse_promise"]


@dataclass(frozen=True, slots=True)
class PromiseTerms:
    amount: Decimal | None
    date: _dt.date | None  # the promised day in the debtor's zone
    vague: bool  # a promise without a resolvable day
    follow_up: _dt.date | None  # vague promises only: when to check again


# Where the money is moved: a date next to one of these is the promise date.
_VERB = re.compile(r"还|付|转|交|缴|打款|打钱|结清|处理|凑|\bpay|\bsend|\bsettle|\btransfer|\bmake", re.ASCII)


def _pick(hits: list[DateHit], text: str) -> DateHit | None:
    """The date expression closest to a repay verb ("今天没钱，明天还" → 明天); else the first.

    A firm date beats a vague one ("等发工资，15号还" → 15号), and a vague one beats a weak today
    ("工资到了马上还" is a pay-day promise, not today).
    """
    firm = [h for h in hits if h.date is not None and not h.weak]
    vague = [h for h in hits if h.date is None]
    hits = firm or vague or hits
    if not hits:
        return None
    verbs = [m.start() for m in _VERB.finditer(text)]
    if not verbs:
        return hits[0]

    def distance(hit: DateHit) -> int:
        return min(
            0 if hit.start <= v < hit.end else min(abs(v - hit.end), abs(hit.start - v)) for v in verbs
        )

    return min(hits, key=lambda h: (distance(h), -h.start))


def parse_normalised(text: str, today: date, amount_due: Decimal | None = None) -> PromiseTerms:
    """``parse_promise`` on already normalised text and a local ``today``."""
    amount = find_amount(text, amount_due)
    hit = _pick(find_dates(text, today), text)
    if hit is not None and hit.date is not None:
        return PromiseTerms(amount=amount, date=hit.date, vague=False, follow_up=None)
    follow = hit.follow_up if hit is not None and hit.follow_up is not None else None
    if follow is None:
        follow = today + timedelta(days=VAGUE_DAYS)
    return PromiseTerms(amount=amount, date=None, vague=True, follow_up=follow)


def parse_promise(
    text: str, *, now: datetime, time_zone: str, amount_due: Decimal | None = None
) -> PromiseTerms:
    """Terms of a promise in ``text``, dates resolved against ``now`` in the debtor's ``time_zone``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(zone(time_zone)).date()
    return parse_normalised(normalise(text), today, amount_due)
