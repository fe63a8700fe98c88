"""Collection strategies: segments, cadences and exit rules as YAML data; assignment over a frame.

Public API (pinned by tests/test_public_api.py)::

    load_strategy(path) -> Strategy          parse_strategy(text, source) -> Strategy
    load_default_strategy(profile) -> Strategy
    assign(frame, strategy) -> pl.DataFrame   (adds ASSIGN_SCHEMA columns, drops rows not due)
    check_templates(strategy, catalog) -> list[Problem]
    check_cadence(strategy) -> list[Problem]

The planner (strategy/planner.py) calls these; it is not part of this API.
"""

from __future__ import annotations

from dunning.strategy.checks import Problem, check_cadence, check_templates, send_days
from dunning.strategy.engine import ASSIGN_SCHEMA, CHAMPION, assign, required_columns
from dunning.strategy.loader import (
    default_strategy_text,
    load_default_strategy,
    load_strategy,
    parse_strategy,
)
from dunning.strategy.models import (
    BUCKETS,
    Escalation,
    ExitRules,
    RiskRange,
    Segment,
    Step,
    Strategy,
    When,
    parse_window,
)

__all__ = [
    "ASSIGN_SCHEMA",
    "BUCKETS",
    "CHAMPION",
    "Escalation",
    "ExitRules",
    "Problem",
    "RiskRange",
    "Segment",
    "Step",
    "Strategy",
    "When",
    "assign",
    "check_cadence",
    "check_templates",
    "default_strategy_text",
    "load_default_strategy",
    "load_strategy",
    "parse_strategy",
    "parse_window",
    "required_columns",
    "send_days",
]
