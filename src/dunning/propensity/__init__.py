"""Propensity to pay: features from repayment histories, a calibrated model, its evaluation."""

from dunning.propensity.model import Evaluation, PropensityModel, evaluate, train
from dunning.propensity.uci import UCI_COLUMNS, read_uci

__all__ = ["UCI_COLUMNS", "Evaluation", "PropensityModel", "evaluate", "read_uci", "train"]
