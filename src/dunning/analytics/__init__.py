"""Analytics: reports now; features, experiments and the simulator later."""

from dunning.analytics.report import daily_report, debtors_in_scope

__all__ = ["daily_report", "debtors_in_scope"]
