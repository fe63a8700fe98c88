"""``dunning simulate``: the real planner, gate and sender against a seeded debtor-behaviour model."""

from dunning.simulation.behaviour import Behaviour, Population
from dunning.simulation.runner import POLICIES, PolicyResult, simulate

__all__ = ["POLICIES", "Behaviour", "PolicyResult", "Population", "simulate"]
