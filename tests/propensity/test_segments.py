"""Ability × willingness: scores move the way the evidence says, and every row gets one cell."""

from __future__ import annotations

import polars as pl

from dunning.propensity.segments import SEGMENTS, ability_willingness


def _row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {"days_past_due": 5, "amount_minor": 100_000, "risk_score": 0.3}
    row.update(overrides)
    return row


def test_history_moves_the_scores_the_right_way() -> None:
    frame = pl.DataFrame(
        [
            _row(),
            _row(risk_score=0.9),
            _row(days_past_due=110),
            _row(hardship_30d=1),
            _row(promises_kept=2, payments_90d=1, paid_90d_minor=50_000),
            _row(promises_broken=2),
            _row(refusals_30d=1),
            _row(delivered_30d=10),
        ]
    )
    out = ability_willingness(frame)
    a, w = out["ability"].to_list(), out["willingness"].to_list()
    assert a[1] < a[0] and a[2] < a[0] and a[3] < a[0]
    assert w[4] > w[0] > w[5]
    assert w[6] < w[0] and w[7] < w[0]
    assert set(out["ability_willingness"].to_list()) <= set(SEGMENTS)
    assert all(0.0 <= v <= 1.0 for v in a + w)


def test_a_missing_risk_score_carries_no_weight() -> None:
    out = ability_willingness(pl.DataFrame([_row(risk_score=None), _row(risk_score=0.0)]))
    assert out["ability"][0] < out["ability"][1]
    assert out["ability_willingness"].null_count() == 0


def test_without_a_risk_column_the_history_alone_decides() -> None:
    out = ability_willingness(pl.DataFrame([{"days_past_due": 0, "amount_minor": 0}]))
    # Not behind (1.0), nothing repaid (0.0): halfway, which counts as able; no history: willing.
    assert out["ability"][0] == 0.5
    assert out["willingness"][0] == 0.5
    assert out["ability_willingness"][0] == "can_will"
