"""Analytics: reports now; features, experiments and the simulator later."""

from dunning.analytics.report import DEFAULT_ZONE, daily_report, debtors_in_scope

__all__ = ["DEFAULT_ZONE", "daily_report", "debtors_in_scope"]
