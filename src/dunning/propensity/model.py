"""A propensity-to-pay model: gradient-boosted trees (scikit-learn's histogram GBM) averaged over a
few seeds, which keeps its probabilities close to calibrated; evaluated on rows it has not seen
(ROC AUC, Brier score, a reliability table). propensity = P(pays) = 1 − P(default).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dunning.core.errors import InputError
from dunning.propensity.features import FEATURES, feature_matrix
from dunning.propensity.uci import LABEL

__all__ = ["Evaluation", "PropensityModel", "evaluate", "train"]

_FORMAT = "dunning.propensity/1"
_PARAMS: dict[str, Any] = {
    "learning_rate": 0.03,
    "max_iter": 800,
    "max_leaf_nodes": 12,
    "min_samples_leaf": 100,
    "l2_regularization": 2.0,
    "early_stopping": True,
    "validation_fraction": 0.1,
    "n_iter_no_change": 60,
}


@dataclass
class PropensityModel:
    members: list[Any]
    features: tuple[str, ...] = FEATURES
    trained_rows: int = 0
    holdout: dict[str, Any] = field(default_factory=dict)

    def propensity(self, frame: pl.DataFrame) -> np.ndarray:
        """P(pays) for each row of a UCI-layout frame."""
        x = feature_matrix(frame)
        default: np.ndarray = np.mean([m.predict_proba(x)[:, 1] for m in self.members], axis=0)
        return np.asarray(1.0 - default, dtype=np.float64)

    def save(self, path: Path) -> None:
        path.write_bytes(pickle.dumps({"format": _FORMAT, "model": self}))

    @classmethod
    def load(cls, path: Path) -> PropensityModel:
        """Load a model file this program wrote (a pickle: load only files you trust)."""
        try:
            data = pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise InputError(
                f"{path} is not a dunning model file ({exc})", f"{path} 不是 dunning 模型文件"
            ) from None
        if (
            not isinstance(data, dict)
            or data.get("format") != _FORMAT
            or not isinstance(data.get("model"), cls)
        ):
            raise InputError(f"{path} is not a dunning propensity model", f"{path} 不是 dunning 还款倾向模型")
        model: PropensityModel = data["model"]
        return model


@dataclass(frozen=True)
class Evaluation:
    rows: int
    roc_auc: float
    brier: float
    reliability: list[dict[str, float]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "roc_auc": self.roc_auc,
            "brier": self.brier,
            "reliability": self.reliability,
        }


def _fit(x: np.ndarray, y: np.ndarray, seeds: int, iterations: int | None) -> list[Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    params = dict(_PARAMS, max_iter=iterations or _PARAMS["max_iter"])
    return [HistGradientBoostingClassifier(random_state=seed, **params).fit(x, y) for seed in range(seeds)]


def evaluate(model: PropensityModel, frame: pl.DataFrame, *, bins: int = 10) -> Evaluation:
    """ROC AUC and Brier score of P(default) on labelled rows, and a reliability table (predicted
    against observed default rate by decile of prediction)."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    y = frame[LABEL].to_numpy().astype(int)
    if len(set(y.tolist())) < 2:
        raise InputError("evaluation needs rows of both outcomes", "评估需要两种结果的样本")
    p_default = 1.0 - model.propensity(frame)
    edges = np.quantile(p_default, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, p_default, side="right") - 1, 0, bins - 1)
    table = [
        {
            "bin": int(b),
            "rows": int((which == b).sum()),
            "predicted": round(float(p_default[which == b].mean()), 4),
            "observed": round(float(y[which == b].mean()), 4),
        }
        for b in range(bins)
        if (which == b).any()
    ]
    return Evaluation(
        rows=len(y),
        roc_auc=round(float(roc_auc_score(y, p_default)), 4),
        brier=round(float(brier_score_loss(y, p_default)), 4),
        reliability=table,
    )


def train(
    frame: pl.DataFrame,
    *,
    holdout: float = 0.2,
    seed: int = 7,
    seeds: int = 3,
    refit: bool = True,
    iterations: int | None = None,
) -> tuple[PropensityModel, Evaluation]:
    """Train on a labelled frame. A stratified ``holdout`` share is set aside and the model trained
    on the rest is evaluated on it (rows it has not seen); with ``refit`` the saved model is then
    trained again on every row (the evaluation describes the method, not that exact fit)."""
    from sklearn.model_selection import train_test_split

    if not 0.05 <= holdout <= 0.5:
        raise InputError("the holdout share must be between 0.05 and 0.5", "留出比例须在 0.05 到 0.5 之间")
    y = frame[LABEL].to_numpy().astype(int)
    if len(frame) < 200 or len(set(y.tolist())) < 2:
        raise InputError(
            "training needs at least 200 rows of both outcomes", "训练至少需要 200 行且两种结果都有"
        )
    index = np.arange(len(frame))
    fit_rows, test_rows = train_test_split(index, test_size=holdout, random_state=seed, stratify=y)
    fitting = frame[fit_rows.tolist()]
    first = PropensityModel(
        _fit(feature_matrix(fitting), y[fit_rows], seeds, iterations), trained_rows=len(fit_rows)
    )
    scored = evaluate(first, frame[test_rows.tolist()])
    model = first
    if refit:
        model = PropensityModel(_fit(feature_matrix(frame), y, seeds, iterations), trained_rows=len(frame))
    model.holdout = {**scored.as_dict(), "holdout_share": holdout, "seed": seed, "refit_on_all_rows": refit}
    return model, scored
