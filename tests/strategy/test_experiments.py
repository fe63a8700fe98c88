"""Champion/challenger with a holdout: stable keyed assignment, shares, probabilities logged on every
message, held-out debtors recorded and never messaged, arm overrides applied."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.settings import Settings
from dunning.flows import DailyConfig, load_config, plan_day
from dunning.models import ExperimentAssignment, Message
from dunning.portfolio.synthetic import populate_synthetic
from dunning.strategy.engine import arm_of, experiment_draw
from dunning.strategy.models import Arm, Experiment

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def _experiment(**over: object) -> Experiment:
    base: dict[str, object] = {
        "id": "timing-1",
        "holdout": Decimal("0.2"),
        "arms": (
            Arm(id="champion", share=Decimal("0.5")),
            Arm(id="morning", share=Decimal("0.5"), window="09:00-11:30"),
        ),
    }
    return Experiment(**{**base, **over})  # type: ignore[arg-type]


def test_assignment_is_stable_keyed_and_close_to_the_shares() -> None:
    experiment = _experiment()
    refs = [f"C{i:06d}" for i in range(20_000)]
    first = [arm_of(experiment, experiment_draw(experiment.id, r)) for r in refs]
    assert first == [arm_of(experiment, experiment_draw(experiment.id, r)) for r in refs]
    counts = Counter(a for a, _ in first)
    assert abs(counts["holdout"] / 20_000 - 0.2) < 0.015
    assert abs(counts["morning"] / 20_000 - 0.4) < 0.015
    probability = dict(first)
    assert probability["holdout"] == pytest.approx(0.2) and probability["morning"] == pytest.approx(0.4)
    other = [arm_of(_experiment(id="timing-2"), experiment_draw("timing-2", r))[0] for r in refs]
    same = sum(a == b for (a, _), b in zip(first, other, strict=True)) / len(refs)
    assert same < 0.5  # another experiment draws independently (0.2² + 0.4² + 0.4² = 0.36 by chance)
    promoted = _experiment(promoted="morning")
    assert {arm_of(promoted, experiment_draw(promoted.id, r))[0] for r in refs} == {"holdout", "morning"}


def test_bad_experiments_are_refused() -> None:
    with pytest.raises(ValidationError, match="add up to 1"):
        _experiment(arms=(Arm(id="a", share=Decimal("0.5")),))
    with pytest.raises(ValidationError, match="unique"):
        _experiment(arms=(Arm(id="holdout", share=Decimal("1")),))


@pytest.fixture
def config(tmp_path: Path) -> DailyConfig:
    plain = load_config(
        Settings(strategy_file=tmp_path / "x", templates_file=tmp_path / "x", compliance_file=tmp_path / "x")
    )
    strategy = plain.strategy.model_copy(update={"experiment": _experiment()})
    return dataclasses.replace(plain, strategy=strategy)


def test_held_out_debtors_are_recorded_and_never_messaged(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig
) -> None:
    with unit_of_work(engine) as conn:
        populate_synthetic(conn, 1500, 5, NOW, "CN", cipher)
    for day in range(3):
        with unit_of_work(engine) as conn:
            plan_day(conn, config, NOW + timedelta(days=day))
    with engine.connect() as conn:
        assigned = {
            int(d): (a, p)
            for d, a, p in conn.execute(
                sa.select(
                    ExperimentAssignment.debtor_id, ExperimentAssignment.arm, ExperimentAssignment.probability
                )
            )
        }
        messages = conn.execute(
            sa.select(
                Message.debtor_id, Message.arm, Message.probability, Message.window_end, Message.scheduled_at
            )
        ).all()
    held = {d for d, (a, _) in assigned.items() if a == "holdout"}
    assert len(held) > 20 and messages
    assert not held & {int(m.debtor_id) for m in messages}  # the holdout is never messaged
    for m in messages:  # every message carries its debtor's arm and its probability
        arm, probability = assigned[int(m.debtor_id)]
        assert (m.arm, m.probability) == (arm, pytest.approx(probability))
    assert {m.arm for m in messages} == {"champion", "morning"}
