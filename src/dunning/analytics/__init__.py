"""Analytics: reports now; features, experiments and the simulator later.

Pure: reports are built from figures the flows read (:func:`dunning.flows.report_day`).
"""

from dunning.analytics.report import FAILED_BY_STATUS, LABELS, build_report

__all__ = ["FAILED_BY_STATUS", "LABELS", "build_report"]
