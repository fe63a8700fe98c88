"""Learning what works: the adaptive policy (uplift model + Thompson sampling), its decision log,
and off-policy evaluation of policies from that log."""

from dunning.learning.offpolicy import Estimate, evaluate_policy
from dunning.learning.policy import SKIP, Choice, Learned, PolicySpec, choose, learn

__all__ = ["SKIP", "Choice", "Estimate", "Learned", "PolicySpec", "choose", "evaluate_policy", "learn"]
