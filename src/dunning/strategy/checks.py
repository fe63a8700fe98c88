"""Checks across files and over the cadence: pure functions returning problems as data.

- ``check_templates``: every template a step names exists, belongs to the strategy's profile and has
  an approved version; multi-account debtors get a template that speaks of several accounts.
- ``check_cadence``: the most messages a debtor could get in any 7 days from the strategy alone,
  compared with the profile's cap (CN 7, US 3, Massachusetts 2). Risk and balance conditions are
  treated as "could match", so the figure is an upper bound. The gate enforces the caps anyway;
  this catches a cadence that would be cut short by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dunning.strategy.models import FIRST_DAY_IN_SCOPE, Segment, Step, Strategy
from dunning.templates.models import TemplateCatalog

Level = Literal["error", "warning"]

#: Messages per debtor per rolling 7 days (COMPLIANCE.md default profiles).
CAP_7D: dict[str, int] = {"CN": 7, "US": 3}
#: Stricter caps by region (per profile).
REGION_CAP_7D: dict[tuple[str, str], int] = {("US", "MA"): 2}
HORIZON_DAYS = 400


@dataclass(frozen=True, slots=True)
class Problem:
    level: Level
    where: str
    en: str
    zh: str

    def bilingual(self) -> str:
        return f"{self.where}：{self.zh} / {self.en}"


def _where(segment: Segment, step: Step | None = None) -> str:
    return f"segment {segment.id}" + (f" › step {step.id}" if step is not None else "")


def check_templates(strategy: Strategy, catalog: TemplateCatalog) -> list[Problem]:
    problems: list[Problem] = []
    for segment in strategy.segments:
        for step in segment.steps:
            for template_id in filter(None, (step.template, step.template_multi)):
                where = _where(segment, step)
                if template_id not in catalog:
                    problems.append(
                        Problem(
                            "error",
                            where,
                            f"template {template_id!r} is not in {catalog.source}",
                            f"模板 {template_id} 不在 {catalog.source} 中",
                        )
                    )
                    continue
                template = catalog[template_id]
                if template.profile != strategy.profile:
                    problems.append(
                        Problem(
                            "error",
                            where,
                            f"template {template_id!r} is for {template.profile}, "
                            f"the strategy is {strategy.profile}",
                            f"模板 {template_id} 属于 {template.profile}，而策略属于 {strategy.profile}",
                        )
                    )
                if template.approved is None:
                    problems.append(
                        Problem(
                            "warning",
                            where,
                            f"template {template_id!r} has no approved version; its messages will be blocked",
                            f"模板 {template_id} 没有已审批版本，其短信会被拦截",
                        )
                    )
            if step.template in catalog:
                speaks_of_many = "n_accounts" in catalog[step.template].newest.variables
                if step.template_multi is None and not speaks_of_many:
                    problems.append(
                        Problem(
                            "warning",
                            _where(segment, step),
                            "no template_multi: debtors with several accounts get a single-account text "
                            "showing their total",
                            "未设置 template_multi：多笔借款的客户将收到单笔文案，但金额为合计",
                        )
                    )
    return problems


def _fires(step: Step, next_day: int | None, dpd: int) -> bool:
    if dpd == step.day:
        return True
    if step.every is None or dpd <= step.day or (next_day is not None and dpd >= next_day):
        return False
    return (dpd - step.day) % step.every == 0


def _segment_fires(segment: Segment, dpd: int) -> bool:
    if not segment.when.covers_day(dpd):
        return False
    steps = segment.steps
    return any(
        _fires(step, steps[i + 1].day if i + 1 < len(steps) else None, dpd) for i, step in enumerate(steps)
    )


def send_days(strategy: Strategy, region: str | None = None) -> list[int]:
    """DPDs on which a debtor in ``region`` (None = a region no segment names) could get a message."""
    days = []
    for dpd in range(FIRST_DAY_IN_SCOPE, HORIZON_DAYS + 1):
        for segment in strategy.segments:
            when = segment.when
            if when.regions is not None and (region is None or region not in when.regions):
                continue
            if not when.covers_day(dpd):
                continue
            if _segment_fires(segment, dpd):
                days.append(dpd)
                break
            if when.risk_score is None and when.balance is None:
                break  # this segment surely matches, later ones never do
    return days


def max_in_window(days: list[int], width: int = 7) -> tuple[int, int]:
    """(largest number of days within any ``width``-day window, the window's first day)."""
    best, start = 0, FIRST_DAY_IN_SCOPE
    for i, first in enumerate(days):
        count = sum(1 for d in days[i:] if d < first + width)
        if count > best:
            best, start = count, first
    return best, start


def check_cadence(strategy: Strategy) -> list[Problem]:
    problems: list[Problem] = []
    regions = sorted({r for s in strategy.segments for r in (s.when.regions or ())})
    scopes: list[str | None] = [None, *regions]
    for region in scopes:
        cap = REGION_CAP_7D.get((strategy.profile, region or ""), CAP_7D[strategy.profile])
        count, start = max_in_window(send_days(strategy, region))
        if count > cap:
            scope = f"region {region}" if region else "all regions"
            scope_zh = f"地区 {region}" if region else "全部地区"
            problems.append(
                Problem(
                    "warning",
                    f"strategy {strategy.id}",
                    f"{scope}: up to {count} messages in the 7 days from D{start} (cap {cap}); "
                    "the gate will block the excess",
                    f"{scope_zh}：自 D{start} 起 7 天内最多 {count} 条（上限 {cap}），"
                    "超出部分将被合规闸门拦截",
                )
            )
    return problems
